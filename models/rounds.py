"""Door-knocking rounds (dørbank): teams, sign-ups with a waiting list, check-in, reports and input.

Seats, the waiting list and versioned changes follow the rules shared with events
(models/activity.py); the tables are in models/round_tables.py, what rounds leave behind
(input, reports, figures) in models/round_reports.py. Everything stays importable from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import activity as act
from models import partners
from models.activity import CANCELLED, CONFIRMED, PLANNED, WAITING  # noqa: F401 - importable from here as before
from models.constants import THEMES  # noqa: F401
from models.districts import read_district
from models.errors import NotFound
from models.member import DISTRICTS, STATUS_ERASED, Member
from models.round_reports import (  # noqa: F401 - importable from here as before
    CHECK_IN_AFTER_END,
    SOURCE_LEADER_REPORT,
    SOURCE_PARTICIPANT,
    YearFigures,
    add_input,
    all_rounds,
    check_in_closed,
    check_in_closed_by_team,
    file_report,
    inputs_and_reports,
    leader_candidates,
    mark_not_held,
    may_replace_report,
    may_tell,
    report_of,
    report_teams,
    reported_by,
    reports_of,
    rounds_attended,
    runs,
    set_attendance,
    team_leaders_to_ask,
    team_number,
    team_report,
    totals,
    year_figures,
)
from models.round_tables import (  # noqa: F401 - importable from here as before
    LEFT,
    MAX_TEXT,
    NOT_HELD,
    SEATS,
    AlreadySignedUp,
    BadCapacity,
    CapacityTooSmall,
    CheckInClosed,
    DoorInput,
    EndBeforeStart,
    InPast,
    LeadsRound,
    MarkedAbsent,
    NotSignedUp,
    Round,
    RoundClosed,
    RoundError,
    RoundMoved,
    RoundNotHeld,
    RoundReport,
    RoundReported,
    RoundStarted,
    SeatGiven,
    Signup,
    Team,
    UnknownLeader,
)


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
                   partner=(partner or None), briefing=(briefing or None), created_by=created_by, created_at=now)
    round_.teams = [Team(leader_id=leader_id, capacity=team_capacity) for leader_id, team_capacity in teams]
    session.add(round_)
    await session.flush()
    await partners.link_round(session, round_)
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
    # Three statements for the whole list (lists page, so this reads every round to come).
    taken = await counts(session, [r.id for r in rounds])
    leader_ids = {leader for r in rounds for leader in leaders_of(r)}
    found = {m.id: m for m in await session.scalars(
        select(Member).where(Member.id.in_(leader_ids), Member.status != STATUS_ERASED))} if leader_ids else {}
    return [RoundView(r, *taken[r.id], [found[i] for i in leaders_of(r) if i in found]) for r in rounds]


async def signup_of(session: AsyncSession, round_id: int, member_id: int) -> Signup | None:
    return await session.scalar(select(Signup).where(Signup.round_id == round_id, Signup.member_id == member_id))


async def confirm_coming(session: AsyncSession, round_id: int, member_id: int, now: datetime, *, sent_for: int | None = None) -> Round:
    """"I'm coming" under a reminder, kept on the seat for the team leader's list. A cancelled round:
    RoundClosed; no seat: NotSignedUp; a reminder sent before the round moved (`sent_for`): RoundMoved."""
    round_ = await get_round(session, round_id)
    signup = await signup_of(session, round_id, member_id)
    if round_.status != PLANNED or round_.ends_at <= now:  # an old reminder pressed after the round: nothing to say
        raise RoundClosed(round_id)
    if signup is None or signup.status != CONFIRMED:
        raise NotSignedUp(round_id)
    act.check_unmoved(SEATS, round_, sent_for)
    signup.coming_at = signup.coming_at or now
    await session.flush()
    return round_


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
    (see models/activity.py). A leader of one of the round's teams gets no seat in it (LeadsRound)."""
    round_ = await get_round(session, round_id, lock=True)
    if not act.open_for_sign_up(round_, now):
        raise RoundClosed(round_id)
    if leads(round_, member_id):  # the teams came with the locked read: no further round trip
        raise LeadsRound(round_id)
    claimed = await act.claim_seat(session, SEATS, round_, member_id, now)  # its team too: see round_tables.SEATS
    if claimed is None:
        raise AlreadySignedUp(round_id)
    signup, position = claimed
    return SignupResult(signup, round_, position)


async def waiting_position(session: AsyncSession, signup: Signup) -> int:
    return await act.waiting_position(session, SEATS, signup)


async def leave(session: AsyncSession, round_id: int, member_id: int, now: datetime, *,
                waiting_only: bool = False, sent_for: int | None = None) -> LeaveResult:
    """Give up a seat (or a place in the queue); the first on the waiting list gets the seat.
    A cancelled round, or one that has begun, is past leaving (RoundClosed). With `waiting_only`
    (a button that said "waiting list"), a seat the member has been given since is kept (SeatGiven);
    with `sent_for` (a reminder's button: the start it was sent about, `act.minute`), a round that
    has moved since is not left (RoundMoved)."""
    round_ = await get_round(session, round_id, lock=True)
    if not act.open_for_sign_up(round_, now):
        raise RoundClosed(round_id)
    signup = await signup_of(session, round_id, member_id)
    if signup is None or signup.status not in (CONFIRMED, WAITING):
        raise NotSignedUp(round_id)
    act.check_unmoved(SEATS, round_, sent_for)
    if waiting_only and signup.status == CONFIRMED:
        raise SeatGiven(round_id)
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
    found = rows.all()
    positions = await act.waiting_positions(session, SEATS, [signup for signup, _round in found])  # one query for all
    return [MySignup(round_, signup, positions.get(signup.id, 0)) for signup, round_ in found]


async def participants(session: AsyncSession, round_id: int, *, status: str = CONFIRMED) -> list[tuple[Signup, Member]]:
    """Confirmed in the order they signed up, or the waiting list in its order."""
    rows = await session.execute(
        select(Signup, Member).join(Member, Member.id == Signup.member_id)
        .where(Signup.round_id == round_id, Signup.status == status).order_by(Signup.queue, Signup.id)
    )
    return [(signup, member) for signup, member in rows.all()]


async def unreported(session: AsyncSession, round_id: int) -> None:
    """A round with a report stays as it was held (its figures count where it took place): RoundReported."""
    if await report_of(session, round_id) is not None:
        raise RoundReported(round_id)


async def move(session: AsyncSession, round_id: int, *, starts_at: datetime, ends_at: datetime, now: datetime) -> Round:
    """A new time for a round that has not begun (RoundStarted) and has no report (RoundReported)."""
    await act.changeable(session, SEATS, round_id, now, unstarted=True)  # locked, and not begun, before the report is read
    await unreported(session, round_id)
    await session.execute(update(Signup).where(Signup.round_id == round_id).values(coming_at=None))  # said for the old time
    return await act.move(session, SEATS, round_id, starts_at=starts_at, ends_at=ends_at, now=now)  # type: ignore[no-any-return]


async def cancel(session: AsyncSession, round_id: int, now: datetime | None = None) -> Round:
    """Cancel a round without a report (RoundReported); with `now`, one that has begun is refused (RoundStarted)."""
    await act.changeable(session, SEATS, round_id, now, unstarted=True)
    await unreported(session, round_id)
    return await act.cancel(session, SEATS, round_id, now)  # type: ignore[no-any-return]


async def edit(session: AsyncSession, round_id: int, *, now: datetime, title: str | None = None,
               meeting_point: str | None = None, capacity: int | None = None, briefing: str | None = None,
               partner: str | None = None, district: str | None = None) -> tuple[Round, list[Member]]:
    """Change a planned round (a new version); more seats go to the waiting list first, and the seats
    of a round that has begun are not changed (RoundStarted).
    Returns (round, promoted). A district is a key of constants.DISTRICTS (models/districts.py reads names)."""
    round_: Round = await act.changeable(session, SEATS, round_id, now)
    if title is not None:
        round_.title = title.strip()[:200]
    if briefing is not None:
        round_.briefing = briefing.strip()[:3000] or None
    if partner is not None:
        round_.partner = partner.strip()[:200] or None
    if district is not None:
        round_.district = read_district(district)
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
    """Leads one of the round's teams (their own team: its list, check-in, the round's report)."""
    return any(team.leader_id == member_id for team in round_.teams)


async def rounds_led(session: AsyncSession, member_id: int, now: datetime) -> list[tuple[Round, int]]:
    """The planned rounds not over yet in which this member leads a team, with the team's number."""
    rounds = await session.scalars(select(Round).where(
        Round.status == PLANNED, Round.ends_at > now, Round.teams.any(Team.leader_id == member_id)).order_by(Round.starts_at, Round.id))
    led = []
    for round_ in rounds.unique():
        teams = sorted(round_.teams, key=lambda t: t.id)
        led.append((round_, next(k for k, t in enumerate(teams, start=1) if t.leader_id == member_id)))
    return led


def checks_in(round_: Round, signup: Signup, member_id: int) -> bool:
    """Whether this member leads the team the sign-up belongs to (a seat in no team: the round's own leader)."""
    team = next((t for t in round_.teams if t.id == signup.team_id), None)
    if team is None:
        return runs(round_, member_id)
    return team.leader_id == member_id


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

