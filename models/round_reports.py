"""What door-knocking rounds leave behind: input from the doors, leader reports, attendance and the
year's figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import activity as act
from models import held
from models.activity import CONFIRMED, PLANNED
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
    Team,
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


async def add_input(session: AsyncSession, round_id: int, member_id: int, theme: str, text: str, *, now: datetime) -> DoorInput:
    """Input from the doors, only from someone who may tell about them (see `may_tell`); `now` is the
    bot's clock, stored as when it was said."""
    if theme not in THEMES:
        raise RoundError(theme)
    round_ = await may_tell(session, round_id, member_id)
    item = DoorInput(round_id=round_id, member_id=member_id, district=round_.district, theme=theme, text=text.strip()[:MAX_TEXT],
                     created_at=now)
    session.add(item)
    await session.flush()
    return item


async def has_told(session: AsyncSession, round_id: int, member_id: int) -> bool:
    """Whether the member has stored anything they heard at the doors of this round."""
    found = await session.scalar(select(DoorInput.id).where(DoorInput.round_id == round_id, DoorInput.member_id == member_id).limit(1))
    return found is not None


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
                      text: str, filed_by: int | None, now: datetime, team_id: int | None = None) -> RoundReport:
    """File (or file again) one team's report, as of `now` (the bot's clock); `team_id` None on a round
    with teams is its first team's. A team of another round is refused (RoundError)."""
    if doors < 0 or conversations < 0 or conversations > max(doors, 0) + 10000:
        raise RoundError("negative figures")
    if unknown := set(themes) - set(THEMES):
        raise RoundError(", ".join(unknown))
    round_: Round = await act.get(session, SEATS, round_id, lock=True)
    if round_.status == NOT_HELD:  # the leader said it never took place, and now reports it: held after all
        round_.status = PLANNED
    elif round_.status != PLANNED:
        raise RoundClosed(round_id)
    team_ids = [t.id for t in round_.teams]
    if team_id is None and team_ids:
        team_id = team_ids[0]
    if team_id is not None and team_id not in team_ids:
        raise RoundError(f"team {team_id} is not on round {round_id}")
    existing = await team_report(session, round_id, team_id)
    report = existing or RoundReport(round_id=round_id, team_id=team_id)
    report.doors, report.conversations, report.themes = doors, conversations, sorted(set(themes))
    report.text, report.filed_by, report.filed_at = text.strip()[:MAX_TEXT], filed_by, now
    if existing is None:
        session.add(report)
    await session.flush()
    return report


async def reports_of(session: AsyncSession, round_id: int) -> list[RoundReport]:
    """The round's reports, one per team that has filed (the round's figures are their sum)."""
    return list(await session.scalars(select(RoundReport).where(RoundReport.round_id == round_id).order_by(RoundReport.id)))


async def report_of(session: AsyncSession, round_id: int) -> RoundReport | None:
    """A report of the round, if any team has filed one (the first filed)."""
    return (await reports_of(session, round_id) or [None])[0]


async def team_report(session: AsyncSession, round_id: int, team_id: int | None) -> RoundReport | None:
    """The report of this team of the round (team None: the report of a round without teams, or one
    whose team was removed)."""
    team = RoundReport.team_id.is_(None) if team_id is None else RoundReport.team_id == team_id
    return await session.scalar(select(RoundReport).where(RoundReport.round_id == round_id, team).order_by(RoundReport.id).limit(1))


def runs(round_: Round, member_id: int) -> bool:
    """The round's own leader — the first team's leader, or who created it — who may change, move or
    cancel it (with the board); the leaders of the other teams manage their own team only."""
    first = round_.teams[0].leader_id if round_.teams else None
    return member_id in {first, round_.created_by} - {None}


def may_replace_report(round_: Round, report: RoundReport | None, member_id: int) -> bool:
    """A team's report is replaced only by who filed it, the team's leader or the round's own leader (and
    the board), not by the leader of another team."""
    if report is None or report.filed_by in (None, member_id) or runs(round_, member_id):
        return True
    return any(t.id == report.team_id and t.leader_id == member_id for t in round_.teams)


def report_teams(round_: Round, member_id: int, board: bool) -> list[Team | None]:
    """The teams whose report this member files: the teams they lead; the board and the round's own
    leader also those without a leader (every team, when all have another leader). A round without
    teams has one report, of no team ([None])."""
    if not round_.teams:
        return [None]
    led: list[Team | None] = [t for t in round_.teams if t.leader_id == member_id]
    if not (board or runs(round_, member_id)):
        return led
    return led + [t for t in round_.teams if t.leader_id is None] or list(round_.teams)


def team_number(round_: Round, team_id: int | None) -> int | None:
    """The team's number on the round (1, 2, …), None for no team or one not on it."""
    return next((n for n, t in enumerate(round_.teams, start=1) if t.id == team_id), None)


def team_leaders_to_ask(round_: Round, team_id: int | None) -> list[int | None]:
    """Whose report nudges go when this team's report is in: on a round of several teams its leader's
    ([] for a team without one); else every leader's ([None])."""
    if len(round_.teams) <= 1:
        return [None]
    return [t.leader_id for t in round_.teams if t.id == team_id and t.leader_id is not None]


async def reported_by(session: AsyncSession, round_: Round, member_id: int) -> bool:
    """Whether the report asked of this leader is in: their own teams' on a round of several teams, else any."""
    led = [t.id for t in round_.teams if t.leader_id == member_id]
    if len(round_.teams) <= 1 or not led:
        return await report_of(session, round_.id) is not None
    return all([await team_report(session, round_.id, team_id) is not None for team_id in led])


@dataclass
class RoundTotals:
    doors: int = 0
    conversations: int = 0
    reports: int = 0


def totals(reports: list[RoundReport]) -> RoundTotals:
    """The round's figures: its teams' reports summed."""
    return RoundTotals(sum(r.doors for r in reports), sum(r.conversations for r in reports), len(reports))


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
    for filed in await reports_of(session, round_id):  # every team's: the whole round did not take place
        await session.delete(filed)
    round_.status = NOT_HELD
    await session.flush()
    return round_


async def check_in_closed(session: AsyncSession, round_: Round, now: datetime, team_id: int | None = None) -> str | None:
    """Why the leader's check-in no longer acts — "cancelled", "not_held", "reported" (the report of the
    team, `team_id`, is in: its figures are settled; no team given: any report of the round) or "over"
    (more than CHECK_IN_AFTER_END after the end) — or None."""
    if round_.status != PLANNED:
        return "not_held" if round_.status == NOT_HELD else "cancelled"
    if team_id is not None and any(t.id == team_id for t in round_.teams):
        reported = await team_report(session, round_.id, team_id) is not None
    else:
        reported = await report_of(session, round_.id) is not None
    if reported:
        return "reported"
    return "over" if now > round_.ends_at + CHECK_IN_AFTER_END else None


async def check_in_closed_by_team(session: AsyncSession, round_: Round, now: datetime,
                                  team_ids: Iterable[int | None]) -> dict[int | None, str | None]:
    """`check_in_closed` for each team in a list of seats (the board's shows every team): a team's report
    closes its own check-in only, as a press on one of its seats finds (`set_attendance`)."""
    return {team_id: await check_in_closed(session, round_, now, team_id) for team_id in dict.fromkeys(team_ids)}


async def set_attendance(session: AsyncSession, signup_id: int, attended: bool, now: datetime) -> Signup:
    """The leader marks a seat present or absent, while check-in is open (CheckInClosed with the reason);
    NotFound for a seat given up since."""
    signup = await session.get(Signup, signup_id)
    if signup is not None:
        round_: Round = await act.get(session, SEATS, signup.round_id, lock=True)
        if (reason := await check_in_closed(session, round_, now, signup.team_id)) is not None:
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


def _in_period(query: Any, since: datetime | None, until: datetime | None) -> Any:
    return query.where(*([Round.starts_at >= since] if since else []), *([Round.starts_at < until] if until else []))


async def inputs_and_reports(session: AsyncSession, *, since: datetime | None = None,
                             until: datetime | None = None) -> list[dict[str, Any]]:
    """Everything said at the doors, for the programme committee, one item per answer: its themes (a
    participant's input has one, a leader's report any number, "other" if none), district, round, text.
    `since`/`until` keep it to rounds that started in that period (the date the export shows). /rapport
    counts these same items, so its figure and the export's rows agree."""
    items: list[dict[str, Any]] = []
    rows = await session.execute(_in_period(counted_inputs(select(DoorInput, Round)), since, until).order_by(DoorInput.id))
    for item, round_ in rows.all():
        items.append({"themes": [item.theme], "district": item.district, "round": round_.title, "date": round_.starts_at,
                      "source": SOURCE_PARTICIPANT, "text": item.text})
    reports = await session.execute(_in_period(select(RoundReport, Round).join(Round, Round.id == RoundReport.round_id)
                                               .where(Round.status == PLANNED), since, until).order_by(RoundReport.id))
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
    held_ids = set(await session.scalars(select(Round.id).where(Round.starts_at >= year_start, Round.starts_at < year_end,
                                                                held.round_held(now))))
    rounds = [r for r in in_year if r.id in held_ids]
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
        summed = totals(await reports_of(session, round_.id))
        figures.doors += summed.doors
        figures.conversations += summed.conversations
        overlapping = sum(len(r.teams) for r in rounds if r.starts_at < round_.ends_at and r.ends_at > round_.starts_at)
        figures.max_teams_at_once = max(figures.max_teams_at_once, overlapping)
    figures.participants, figures.checked_in = len(people), len(checked)
    figures.first_timers = len(people - seen_before)
    return figures

