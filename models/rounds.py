"""Door-knocking rounds (dørbank): teams, sign-ups with a waiting list, check-in, reports and input."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import activity as act
from models.activity import CANCELLED, CONFIRMED, PLANNED, WAITING  # noqa: F401 - importable from here as before
from models.base import Base, UTCDateTime, utcnow
from models.constants import ROUNDS_PER_YEAR_GOAL, THEMES
from models.errors import NotFound
from models.member import DISTRICTS, STATUS_ERASED, Member

LEFT = "left"
MAX_TEXT = 2000


class RoundError(act.ActivityError):
    """A round cannot be created, changed or joined as asked."""


class InPast(RoundError, act.InPast):
    """The start is in the past."""


class EndBeforeStart(RoundError, act.EndBeforeStart):
    """The end is not after the start."""


class BadCapacity(RoundError, act.BadCapacity):
    """Capacity must be at least 1 (and at most MAX_CAPACITY)."""


class UnknownLeader(RoundError):
    """The leader is not a member."""


class RoundClosed(RoundError, act.Closed):
    """The round is cancelled or has already started."""


class AlreadySignedUp(RoundError, act.AlreadySignedUp):
    """The member already has a seat or a place on the waiting list."""


class NotSignedUp(RoundError, act.NotSignedUp):
    """The member is not signed up for the round."""


class CapacityTooSmall(RoundError, act.CapacityTooSmall):
    """More people already have seats than the new capacity."""


class Round(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_point: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[int] = mapped_column(Integer)
    partner: Mapped[str | None] = mapped_column(String(200))
    briefing: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=PLANNED)
    # A debrief or social gathering afterwards, to which the participants are invited.
    debrief_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    # Bumped when the round moves, so that reminders for the new time get new dedupe keys.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    teams: Mapped[list[Team]] = relationship(back_populates="round", lazy="selectin", cascade="all, delete-orphan",
                                             order_by="Team.id")


class Team(Base):
    __tablename__ = "round_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    capacity: Mapped[int] = mapped_column(Integer)

    round: Mapped[Round] = relationship(back_populates="teams")


class Signup(Base):
    __tablename__ = "round_signups"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("round_teams.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12))
    attended: Mapped[bool | None] = mapped_column(Boolean)  # None until the leader checks in
    # Place in the round's queue, drawn under the round's lock: the waiting list's order.
    queue: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DoorInput(Base):
    """What a member heard at the doors: a theme and free text; never a voter's name or address."""

    __tablename__ = "door_inputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    district: Mapped[str] = mapped_column(String(20))
    theme: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoundReport(Base):
    __tablename__ = "round_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), unique=True)
    doors: Mapped[int] = mapped_column(Integer)
    conversations: Mapped[int] = mapped_column(Integer)
    themes: Mapped[list[str]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text, default="")
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass
class RoundView:
    round: Round
    confirmed: int
    waiting: int
    leaders: list[Member] = field(default_factory=list)

    @property
    def seats_left(self) -> int:
        return max(0, self.round.capacity - self.confirmed)


@dataclass
class SignupResult:
    signup: Signup
    round: Round
    position: int  # 0 when confirmed; 1.. on the waiting list


@dataclass
class LeaveResult:
    round: Round
    promoted: Member | None


SEATS = act.Seats(
    activity=Round, holder=Signup, activity_column="round_id",
    errors={act.InPast: InPast, act.EndBeforeStart: EndBeforeStart, act.BadCapacity: BadCapacity,
            act.Closed: RoundClosed, act.AlreadySignedUp: AlreadySignedUp, act.NotSignedUp: NotSignedUp,
            act.CapacityTooSmall: CapacityTooSmall},
)


def validate(*, starts_at: datetime, ends_at: datetime, capacity: int, now: datetime, district: str) -> None:
    if district not in DISTRICTS:
        raise RoundError(district)
    act.check_times(SEATS, starts_at, ends_at, now)
    act.check_capacity(SEATS, capacity)


async def create_round(session: AsyncSession, *, title: str, district: str, starts_at: datetime, ends_at: datetime,
                       meeting_point: str, capacity: int, now: datetime, teams: list[tuple[int | None, int]] | None = None,
                       latitude: float | None = None, longitude: float | None = None, partner: str | None = None,
                       briefing: str | None = None, created_by: int | None = None) -> Round:
    """Create a round; `teams` are (leader member id, capacity); by default one team of all seats."""
    validate(starts_at=starts_at, ends_at=ends_at, capacity=capacity, now=now, district=district)
    teams = teams or [(None, capacity)]
    for leader_id, team_capacity in teams:
        if leader_id is not None:
            leader = await session.get(Member, leader_id)
            if leader is None or leader.status == STATUS_ERASED:
                raise UnknownLeader(leader_id)
        if team_capacity < 1:
            raise BadCapacity(team_capacity)
    round_ = Round(title=title.strip()[:200], district=district, starts_at=starts_at, ends_at=ends_at,
                   meeting_point=meeting_point.strip()[:300], capacity=capacity, latitude=latitude, longitude=longitude,
                   partner=(partner or None), briefing=(briefing or None), created_by=created_by)
    round_.teams = [Team(leader_id=leader_id, capacity=team_capacity) for leader_id, team_capacity in teams]
    session.add(round_)
    await session.flush()
    return round_


async def get_round(session: AsyncSession, round_id: int, *, lock: bool = False) -> Round:
    round_: Round = await act.get(session, SEATS, round_id, lock=lock)
    return round_


async def counts(session: AsyncSession, round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per round: (confirmed, waiting)."""
    return await act.seat_counts(session, SEATS, round_ids)


def leaders_of(round_: Round) -> list[int]:
    return [t.leader_id for t in round_.teams if t.leader_id is not None]


async def current_leaders(session: AsyncSession, round_: Round) -> list[Member]:
    """The round's leaders as they are now; a leader who erased their data is no longer named."""
    ids = leaders_of(round_)
    if not ids:
        return []
    found = await session.scalars(select(Member).where(Member.id.in_(ids), Member.status != STATUS_ERASED))
    return sorted(found, key=lambda m: ids.index(m.id))


async def view(session: AsyncSession, round_: Round) -> RoundView:
    confirmed, waiting = (await counts(session, [round_.id]))[round_.id]
    return RoundView(round_, confirmed, waiting, await current_leaders(session, round_))


async def upcoming(session: AsyncSession, now: datetime, *, district: str | None = None, limit: int = 10) -> list[RoundView]:
    query = select(Round).where(Round.status == PLANNED, Round.starts_at > now).order_by(Round.starts_at, Round.id)
    if district:
        query = query.where(Round.district == district)
    rounds = list(await session.scalars(query.limit(limit)))
    return [await view(session, r) for r in rounds]


async def signup_of(session: AsyncSession, round_id: int, member_id: int) -> Signup | None:
    return await session.scalar(select(Signup).where(Signup.round_id == round_id, Signup.member_id == member_id))


async def _team_with_room(session: AsyncSession, round_: Round) -> int | None:
    rows = await session.execute(
        select(Signup.team_id, func.count()).where(Signup.round_id == round_.id, Signup.status == CONFIRMED)
        .group_by(Signup.team_id)
    )
    taken = {team_id: count for team_id, count in rows.all()}
    free = [(t.capacity - taken.get(t.id, 0), -t.id, t.id) for t in round_.teams]
    best = max(free, default=None)
    return best[2] if best and best[0] > 0 else (round_.teams[0].id if round_.teams else None)


async def sign_up(session: AsyncSession, round_id: int, member_id: int, now: datetime) -> SignupResult:
    """A seat if one is free, else the end of the waiting list, in the order sign-ups commit
    (see models/activity.py)."""
    round_ = await get_round(session, round_id, lock=True)
    if not act.open_for_sign_up(round_, now):
        raise RoundClosed(round_id)
    existing = await signup_of(session, round_id, member_id)
    if existing is not None and existing.status in (CONFIRMED, WAITING):
        raise AlreadySignedUp(round_id)
    if existing is None:
        existing = Signup(round_id=round_id, member_id=member_id, status=WAITING, created_at=now, changed_at=now)
        session.add(existing)
    existing.created_at, existing.team_id = now, None
    position = await act.take_seat(session, SEATS, round_, existing, now)
    if position == 0:
        existing.team_id = await _team_with_room(session, round_)
        await session.flush()
    return SignupResult(existing, round_, position)


async def waiting_position(session: AsyncSession, signup: Signup) -> int:
    return await act.waiting_position(session, SEATS, signup)


async def leave(session: AsyncSession, round_id: int, member_id: int, now: datetime) -> LeaveResult:
    """Give up a seat (or a place in the queue); the first on the waiting list gets the seat."""
    round_ = await get_round(session, round_id, lock=True)
    signup = await signup_of(session, round_id, member_id)
    if signup is None or signup.status not in (CONFIRMED, WAITING):
        raise NotSignedUp(round_id)
    freed = signup.status == CONFIRMED
    signup.status, signup.changed_at = LEFT, now
    await session.flush()
    promoted: Member | None = None
    if freed and act.open_for_sign_up(round_, now):
        promoted = await _promote(session, round_, now)
    return LeaveResult(round_, promoted)


async def _promote(session: AsyncSession, round_: Round, now: datetime) -> Member | None:
    signup = await act.promote(session, SEATS, round_, now)
    if signup is None:
        return None
    signup.team_id = await _team_with_room(session, round_)
    await session.flush()
    return await act.member_of(session, signup)


@dataclass
class MySignup:
    round: Round
    signup: Signup
    position: int


async def my_rounds(session: AsyncSession, member_id: int, now: datetime) -> list[MySignup]:
    rows = await session.execute(
        select(Signup, Round).join(Round, Round.id == Signup.round_id)
        .where(Signup.member_id == member_id, Signup.status.in_((CONFIRMED, WAITING)), Round.status == PLANNED,
               Round.ends_at > now)
        .order_by(Round.starts_at)
    )
    result = []
    for signup, round_ in rows.all():
        position = 0 if signup.status == CONFIRMED else await waiting_position(session, signup)
        result.append(MySignup(round_, signup, position))
    return result


async def participants(session: AsyncSession, round_id: int, *, status: str = CONFIRMED) -> list[tuple[Signup, Member]]:
    """Confirmed in the order they signed up, or the waiting list in its order."""
    rows = await session.execute(
        select(Signup, Member).join(Member, Member.id == Signup.member_id)
        .where(Signup.round_id == round_id, Signup.status == status).order_by(Signup.queue, Signup.id)
    )
    return [(signup, member) for signup, member in rows.all()]


async def move(session: AsyncSession, round_id: int, *, starts_at: datetime, ends_at: datetime, now: datetime) -> Round:
    round_: Round = await act.move(session, SEATS, round_id, starts_at=starts_at, ends_at=ends_at, now=now)
    return round_


async def cancel(session: AsyncSession, round_id: int) -> Round:
    round_: Round = await act.cancel(session, SEATS, round_id)
    return round_


async def edit(session: AsyncSession, round_id: int, *, now: datetime, title: str | None = None,
               meeting_point: str | None = None, capacity: int | None = None) -> tuple[Round, list[Member]]:
    """Change a planned round (a new version); more seats go to the waiting list first.
    Returns (round, promoted)."""
    round_: Round = await act.changeable(session, SEATS, round_id, now)
    if title is not None:
        round_.title = title.strip()[:200]
    if meeting_point is not None:
        round_.meeting_point = meeting_point.strip()[:300]
    promoted: list[Member] = []
    if capacity is not None:
        grow = capacity - round_.capacity
        seated = await act.resize(session, SEATS, round_, capacity, now)
        if grow > 0 and round_.teams:
            round_.teams[0].capacity += grow
        for signup in seated:  # into a team once the first team has grown
            signup.team_id = await _team_with_room(session, round_)
            await session.flush()
            if (member := await act.member_of(session, signup)) is not None:
                promoted.append(member)
    act.bump(round_)
    await session.flush()
    return round_, promoted


async def link_debrief(session: AsyncSession, round_id: int, event_id: int | None) -> Round:
    round_ = await get_round(session, round_id, lock=True)
    round_.debrief_event_id = event_id
    await session.flush()
    return round_


def leads(round_: Round, member_id: int) -> bool:
    return any(team.leader_id == member_id for team in round_.teams)


async def team_of_leader(session: AsyncSession, round_: Round, leader_id: int) -> list[tuple[Signup, Member]]:
    """The leader's own team (all confirmed, when they lead the only team or the round has none assigned)."""
    team_ids = {t.id for t in round_.teams if t.leader_id == leader_id}
    everyone = await participants(session, round_.id)
    return [(s, m) for s, m in everyone if s.team_id in team_ids or (len(round_.teams) == 1 and team_ids)]


def phones_visible(round_: Round, now: datetime) -> bool:
    """A leader sees their team's numbers from the day before until the day after the round."""
    return round_.starts_at - timedelta(days=1) <= now <= round_.ends_at + timedelta(days=1)


async def signup_with_round(session: AsyncSession, signup_id: int) -> tuple[Signup, Round]:
    signup = await session.get(Signup, signup_id)
    if signup is None:
        raise NotFound(signup_id)
    return signup, await get_round(session, signup.round_id)


async def set_attendance(session: AsyncSession, signup_id: int, attended: bool) -> Signup:
    signup: Signup = await act.set_attendance(session, SEATS, signup_id, attended, seated_only=True)
    return signup


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
    if theme not in THEMES:
        raise RoundError(theme)
    round_ = await get_round(session, round_id)
    item = DoorInput(round_id=round_id, member_id=member_id, district=round_.district, theme=theme, text=text.strip()[:MAX_TEXT])
    session.add(item)
    await session.flush()
    return item


async def file_report(session: AsyncSession, round_id: int, *, doors: int, conversations: int, themes: list[str],
                      text: str, filed_by: int | None) -> RoundReport:
    if doors < 0 or conversations < 0 or conversations > max(doors, 0) + 10000:
        raise RoundError("negative figures")
    if unknown := set(themes) - set(THEMES):
        raise RoundError(", ".join(unknown))
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


async def all_rounds(session: AsyncSession, *, since: datetime | None = None, until: datetime | None = None) -> list[Round]:
    query = select(Round).order_by(Round.starts_at)
    if since is not None:
        query = query.where(Round.starts_at >= since)
    if until is not None:
        query = query.where(Round.starts_at < until)
    return list(await session.scalars(query))


async def inputs_and_reports(session: AsyncSession) -> list[dict[str, Any]]:
    """Everything said at the doors, for the programme committee: theme, district, round, text."""
    items: list[dict[str, Any]] = []
    rows = await session.execute(select(DoorInput, Round).join(Round, Round.id == DoorInput.round_id).order_by(DoorInput.id))
    for item, round_ in rows.all():
        items.append({"theme": item.theme, "district": item.district, "round": round_.title, "date": round_.starts_at,
                      "source": "participant", "text": item.text})
    reports = await session.execute(select(RoundReport, Round).join(Round, Round.id == RoundReport.round_id).order_by(RoundReport.id))
    for report, round_ in reports.all():
        if report.text:
            for theme in report.themes or ["other"]:
                items.append({"theme": theme, "district": round_.district, "round": round_.title, "date": round_.starts_at,
                              "source": "leader report", "text": report.text})
    return items


@dataclass
class YearFigures:
    rounds_held: int = 0
    goal: int = ROUNDS_PER_YEAR_GOAL
    participants: int = 0
    first_timers: int = 0
    doors: int = 0
    conversations: int = 0
    max_teams_at_once: int = 0
    by_district: dict[str, int] = field(default_factory=dict)
    by_month: dict[int, int] = field(default_factory=dict)


async def year_figures(session: AsyncSession, year_start: datetime, year_end: datetime, now: datetime, goal: int = ROUNDS_PER_YEAR_GOAL) -> YearFigures:
    rounds = [r for r in await all_rounds(session, since=year_start, until=year_end) if r.status == PLANNED and r.ends_at <= now]
    figures = YearFigures(rounds_held=len(rounds), goal=goal)
    seen_before: set[int] = set(await session.scalars(
        select(Signup.member_id).join(Round, Round.id == Signup.round_id)
        .where(Round.starts_at < year_start, Signup.status == CONFIRMED)
    ))
    people: set[int] = set()
    for round_ in rounds:
        figures.by_district[round_.district] = figures.by_district.get(round_.district, 0) + 1
        month = round_.starts_at.month
        figures.by_month[month] = figures.by_month.get(month, 0) + 1
        for signup, _member in await participants(session, round_.id):
            if signup.attended is False:
                continue
            people.add(signup.member_id)
        report = await report_of(session, round_.id)
        if report is not None:
            figures.doors += report.doors
            figures.conversations += report.conversations
        overlapping = sum(len(r.teams) for r in rounds if r.starts_at < round_.ends_at and r.ends_at > round_.starts_at)
        figures.max_teams_at_once = max(figures.max_teams_at_once, overlapping)
    figures.participants = len(people)
    figures.first_timers = len(people - seen_before)
    return figures
