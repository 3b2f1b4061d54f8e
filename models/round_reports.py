"""What door-knocking rounds leave behind: input from the doors, leader reports, attendance and the
year's figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import activity as act
from models.activity import CONFIRMED, PLANNED
from models.base import utcnow
from models.constants import OSLO, ROUNDS_PER_YEAR_GOAL, THEMES
from models.member import STATUS_ERASED, Member
from models.round_tables import (
    MAX_TEXT,
    NOT_HELD,
    SEATS,
    CheckInClosed,
    DoorInput,
    MarkedAbsent,
    NotSignedUp,
    Round,
    RoundClosed,
    RoundError,
    RoundNotHeld,
    RoundReport,
    Signup,
)

# The leader's check-in stays open this long after the round's end, unless the report is filed first
# (the report nudge comes the day after; a day more for the leader to answer it).
CHECK_IN_AFTER_END = timedelta(days=2)

# Where an item of door input came from (codes; the exports write them in the reader's words).
SOURCE_PARTICIPANT = "participant"
SOURCE_LEADER_REPORT = "leader report"


async def rounds_attended(session: AsyncSession, member_id: int, now: datetime) -> int:
    """Rounds the member took part in: checked in, or confirmed for a finished round nobody checked."""
    return int(await session.scalar(
        select(func.count()).select_from(Signup).join(Round, Round.id == Signup.round_id).where(
            Signup.member_id == member_id, Signup.status == CONFIRMED, Round.status == PLANNED,
            act.attended_condition(SEATS, Round.ends_at, now),
        )
    ) or 0)


async def leader_candidates(session: AsyncSession, now: datetime, threshold: int) -> list[tuple[Member, int]]:
    rows = await session.execute(
        select(Member, func.count(Signup.id)).join(Signup, Signup.member_id == Member.id).join(Round, Round.id == Signup.round_id)
        .where(Signup.status == CONFIRMED, Round.status == PLANNED, Member.status != STATUS_ERASED,
               act.attended_condition(SEATS, Round.ends_at, now))
        .group_by(Member.id).having(func.count(Signup.id) >= threshold).order_by(func.count(Signup.id).desc(), Member.name)
    )
    return [(member, count) for member, count in rows.all() if "leader" not in member.role_names]


async def add_input(session: AsyncSession, round_id: int, member_id: int, theme: str, text: str) -> DoorInput:
    """Input from the doors, only from someone who may tell about them (see `may_tell`)."""
    if theme not in THEMES:
        raise RoundError(theme)
    round_ = await may_tell(session, round_id, member_id)
    item = DoorInput(round_id=round_id, member_id=member_id, district=round_.district, theme=theme, text=text.strip()[:MAX_TEXT])
    session.add(item)
    await session.flush()
    return item


async def may_tell(session: AsyncSession, round_id: int, member_id: int) -> Round:
    """The round, if the member may tell what they heard at its doors: they had a seat (NotSignedUp),
    the round took place (RoundNotHeld: cancelled, or its leader said it never did) and the leader did
    not mark them as not having come (MarkedAbsent)."""
    round_: Round = await act.get(session, SEATS, round_id)
    signup = await session.scalar(select(Signup).where(Signup.round_id == round_id, Signup.member_id == member_id))
    if signup is None or signup.status != CONFIRMED:
        raise NotSignedUp(round_id)
    if round_.status != PLANNED:
        raise RoundNotHeld(round_id)
    if signup.attended is False:
        raise MarkedAbsent(round_id)
    return round_


async def file_report(session: AsyncSession, round_id: int, *, doors: int, conversations: int, themes: list[str],
                      text: str, filed_by: int | None) -> RoundReport:
    if doors < 0 or conversations < 0 or conversations > max(doors, 0) + 10000:
        raise RoundError("negative figures")
    if unknown := set(themes) - set(THEMES):
        raise RoundError(", ".join(unknown))
    round_: Round = await act.get(session, SEATS, round_id, lock=True)
    if round_.status == NOT_HELD:  # the leader said it never took place, and now reports it: held after all
        round_.status = PLANNED
    elif round_.status != PLANNED:
        raise RoundClosed(round_id)
    existing = await session.scalar(select(RoundReport).where(RoundReport.round_id == round_id))
    report = existing or RoundReport(round_id=round_id)
    report.doors, report.conversations, report.themes = doors, conversations, sorted(set(themes))
    report.text, report.filed_by, report.filed_at = text.strip()[:MAX_TEXT], filed_by, utcnow()
    if existing is None:
        session.add(report)
    await session.flush()
    return report


async def report_of(session: AsyncSession, round_id: int) -> RoundReport | None:
    return await session.scalar(select(RoundReport).where(RoundReport.round_id == round_id))


async def mark_not_held(session: AsyncSession, round_id: int, now: datetime) -> Round:
    """The leader's word that a round that has begun never took place (rain, nobody came): it counts
    nowhere a held round counts, a report filed for it goes, and its participants are asked nothing
    (their rows are rendered against a round that is no longer planned). A cancelled round, or one not
    begun (cancel that instead), is refused (RoundClosed); saying it twice changes nothing."""
    round_: Round = await act.get(session, SEATS, round_id, lock=True)
    if round_.status == NOT_HELD:
        return round_
    if round_.status != PLANNED or now < round_.starts_at:
        raise RoundClosed(round_id)
    if (filed := await report_of(session, round_id)) is not None:
        await session.delete(filed)
    round_.status = NOT_HELD
    await session.flush()
    return round_


async def check_in_closed(session: AsyncSession, round_: Round, now: datetime) -> str | None:
    """Why the leader's check-in no longer acts — "cancelled", "not_held", "reported" (the report is
    in: the figures are settled) or "over" (more than CHECK_IN_AFTER_END after the end) — or None."""
    if round_.status != PLANNED:
        return "not_held" if round_.status == NOT_HELD else "cancelled"
    if await report_of(session, round_.id) is not None:
        return "reported"
    return "over" if now > round_.ends_at + CHECK_IN_AFTER_END else None


async def set_attendance(session: AsyncSession, signup_id: int, attended: bool, now: datetime) -> Signup:
    """The leader marks a seat present or absent, while check-in is open (CheckInClosed with the reason);
    NotFound for a seat given up since."""
    signup = await session.get(Signup, signup_id)
    if signup is not None:
        round_: Round = await act.get(session, SEATS, signup.round_id, lock=True)
        if (reason := await check_in_closed(session, round_, now)) is not None:
            raise CheckInClosed(round_.id, reason)
    held: Signup = await act.set_attendance(session, SEATS, signup_id, attended, seated_only=True)
    return held


async def all_rounds(session: AsyncSession, *, since: datetime | None = None, until: datetime | None = None) -> list[Round]:
    query = select(Round).order_by(Round.starts_at)
    if since is not None:
        query = query.where(Round.starts_at >= since)
    if until is not None:
        query = query.where(Round.starts_at < until)
    return list(await session.scalars(query))


def counted_inputs(query: Any) -> Any:
    """`query` over DoorInput, kept to what counts as heard at the doors: from rounds that took place
    (joined as Round), and nothing from someone the leader marked as not having come."""
    return (query.join(Round, Round.id == DoorInput.round_id)
            .outerjoin(Signup, (Signup.round_id == DoorInput.round_id) & (Signup.member_id == DoorInput.member_id))
            .where(Round.status == PLANNED, Signup.attended.is_not(False)))


async def inputs_and_reports(session: AsyncSession) -> list[dict[str, Any]]:
    """Everything said at the doors, for the programme committee, one item per answer: its themes (a
    participant's input has one, a leader's report any number, "other" if none), district, round, text."""
    items: list[dict[str, Any]] = []
    rows = await session.execute(counted_inputs(select(DoorInput, Round)).order_by(DoorInput.id))
    for item, round_ in rows.all():
        items.append({"themes": [item.theme], "district": item.district, "round": round_.title, "date": round_.starts_at,
                      "source": SOURCE_PARTICIPANT, "text": item.text})
    reports = await session.execute(select(RoundReport, Round).join(Round, Round.id == RoundReport.round_id)
                                    .where(Round.status == PLANNED).order_by(RoundReport.id))
    for report, round_ in reports.all():
        if report.text:
            themes = sorted(set(report.themes or []) & set(THEMES), key=THEMES.index) or ["other"]
            items.append({"themes": themes, "district": round_.district, "round": round_.title, "date": round_.starts_at,
                          "source": SOURCE_LEADER_REPORT, "text": report.text})
    return items


@dataclass
class YearFigures:
    rounds_held: int = 0
    goal: int = ROUNDS_PER_YEAR_GOAL
    participants: int = 0  # signed up and not marked "didn't come": checked in, or never checked either way
    checked_in: int = 0  # of them, checked in by their leader
    first_timers: int = 0
    doors: int = 0
    conversations: int = 0
    max_teams_at_once: int = 0
    not_held: int = 0  # rounds their leader recorded as not taking place (not among those held)
    by_district: dict[str, int] = field(default_factory=dict)
    by_month: dict[int, int] = field(default_factory=dict)


async def year_figures(session: AsyncSession, year_start: datetime, year_end: datetime, now: datetime, goal: int = ROUNDS_PER_YEAR_GOAL) -> YearFigures:
    in_year = await all_rounds(session, since=year_start, until=year_end)
    rounds = [r for r in in_year if r.status == PLANNED and r.ends_at <= now]
    figures = YearFigures(rounds_held=len(rounds), goal=goal, not_held=sum(r.status == NOT_HELD for r in in_year))
    seen_before: set[int] = set(await session.scalars(
        select(Signup.member_id).join(Round, Round.id == Signup.round_id)
        .where(Round.starts_at < year_start, Round.status == PLANNED, Signup.status == CONFIRMED, Signup.attended.is_not(False))
    ))
    people: set[int] = set()
    checked: set[int] = set()
    for round_ in rounds:
        figures.by_district[round_.district] = figures.by_district.get(round_.district, 0) + 1
        month = round_.starts_at.astimezone(OSLO).month
        figures.by_month[month] = figures.by_month.get(month, 0) + 1
        seated = await session.scalars(select(Signup).where(Signup.round_id == round_.id, Signup.status == CONFIRMED))
        for signup in seated:
            if signup.attended is not False:
                people.add(signup.member_id)
            if signup.attended:
                checked.add(signup.member_id)
        report = await report_of(session, round_.id)
        if report is not None:
            figures.doors += report.doors
            figures.conversations += report.conversations
        overlapping = sum(len(r.teams) for r in rounds if r.starts_at < round_.ends_at and r.ends_at > round_.starts_at)
        figures.max_teams_at_once = max(figures.max_teams_at_once, overlapping)
    figures.participants, figures.checked_in = len(people), len(checked)
    figures.first_timers = len(people - seen_before)
    return figures

