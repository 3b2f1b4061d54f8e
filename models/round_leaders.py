"""Team leaders after a round is created: the board assigns, replaces and removes them. One person
leads one team at a time (not two teams of a round, nor teams of rounds that overlap); someone
without the leader role is only assigned once the board has said to grant it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import rounds as rd
from models.activity import PLANNED
from models.errors import DomainError, NotFound
from models.member import STATUS_ERASED, Member, MemberRole
from models.membership import grant_role, has_role
from models.round_tables import Round, Team


class LeaderError(DomainError):
    """A team leader cannot be set as asked."""


class NeedsRole(LeaderError):
    """The person does not have the leader role; the board must choose to grant it."""


class LeadsElsewhere(LeaderError):
    """The person already leads another team at that time: (their name, the other round's title)."""


class RoundNotOpen(LeaderError):
    """The round is cancelled or over: (its title, whether it was cancelled)."""

    @property
    def title(self) -> str:
        return str(self.args[0]) if self.args else "?"

    @property
    def cancelled(self) -> bool:
        return bool(self.args[1]) if len(self.args) > 1 else False


@dataclass
class LeaderChange:
    round: Round
    team: Team
    team_number: int  # 1-based, as people count teams
    previous: Member | None
    leader: Member | None
    granted: bool = False
    gave_up: str | None = None  # the new leader's own place on the round, given up: CONFIRMED or WAITING
    promoted: Member | None = None  # who took the seat the new leader held


async def candidates(session: AsyncSession, admin_ids: tuple[int, ...] = (), *, team_id: int | None = None) -> list[Member]:
    """People with the leader role (or the board, who may lead too), by name; for a team, not those
    who lead another team at its time (they would be refused: LeadsElsewhere)."""
    query = (select(Member).where(Member.status != STATUS_ERASED, Member.onboarded_at.is_not(None),
                                  Member.id.in_(select(MemberRole.member_id).where(MemberRole.role.in_(("leader", "board")))))
             .order_by(Member.name, Member.id))
    team = await session.get(Team, team_id) if team_id is not None else None
    round_ = await session.get(Round, team.round_id) if team is not None else None
    if team is not None and round_ is not None:
        query = query.where(Member.id.not_in(
            select(Team.leader_id).join(Round, Round.id == Team.round_id)
            .where(Team.leader_id.is_not(None), Team.id != team.id, Round.status == PLANNED,
                   Round.starts_at < round_.ends_at, Round.ends_at > round_.starts_at)))
    return list(await session.scalars(query))


def check_open(round_: Round, now: datetime) -> Round:
    """The round, if its leaders may still be changed: planned and not over (RoundNotOpen otherwise)."""
    if round_.status != PLANNED or round_.ends_at <= now:
        raise RoundNotOpen(round_.title, round_.status != PLANNED)
    return round_


async def open_round(session: AsyncSession, *, now: datetime, round_id: int | None = None,
                     team_id: int | None = None) -> Round:
    """The round (given itself or one of its teams) whose leaders are to be changed, before any
    dialogue about it starts: NotFound, or RoundNotOpen for a round cancelled or over."""
    if team_id is not None:
        team = await session.get(Team, team_id)
        if team is None:
            raise NotFound(team_id)
        round_id = team.round_id
    round_ = await session.get(Round, round_id or 0, populate_existing=True)
    if round_ is None:
        raise NotFound(round_id)
    return check_open(round_, now)


async def set_leader(session: AsyncSession, team_id: int, member_id: int | None, *, now: datetime,
                     grant: bool = False) -> LeaderChange:
    """Make `member_id` the team's leader (None: no leader). Runs under the round's row lock."""
    team = await session.get(Team, team_id)
    if team is None:
        raise NotFound(team_id)
    round_ = await session.get(Round, team.round_id, with_for_update=True, populate_existing=True)
    if round_ is None:
        raise NotFound(team.round_id)
    check_open(round_, now)
    previous = await session.get(Member, team.leader_id) if team.leader_id else None
    leader, granted = None, False
    if member_id is not None:
        leader = await session.get(Member, member_id)
        if leader is None or leader.status == STATUS_ERASED or not leader.is_onboarded:
            raise NotFound(member_id)
        if not (has_role(leader, "leader") or has_role(leader, "board")):
            if not grant:
                raise NeedsRole(member_id)
            granted = await grant_role(session, leader, "leader")
        if other := await _leads_at_the_time(session, round_, team.id, member_id):
            raise LeadsElsewhere(leader.name or "?", other.title)
    team.leader_id = member_id
    await session.flush()
    gave_up, promoted = await _give_up_place(session, round_, member_id, now) if member_id is not None else (None, None)
    number = [t.id for t in sorted(round_.teams, key=lambda t: t.id)].index(team.id) + 1
    return LeaderChange(round_, team, number, previous if previous is not None and previous.status != STATUS_ERASED else None,
                        leader, granted, gave_up, promoted)


async def _give_up_place(session: AsyncSession, round_: Round, member_id: int, now: datetime) -> tuple[str | None, Member | None]:
    """A team's leader takes no seat on the round (rounds.LeadsRound): a seat or waiting-list place the
    new leader held on it is given up, and the first in the queue takes a freed seat. Once the round has
    begun nobody moves up (rounds.leave), so the place is kept then."""
    signup = await rd.signup_of(session, round_.id, member_id)
    if signup is None or signup.status not in (rd.CONFIRMED, rd.WAITING):
        return None, None
    held = signup.status
    try:
        result = await rd.leave(session, round_.id, member_id, now)
    except rd.RoundClosed:
        return None, None
    return held, result.promoted


async def _leads_at_the_time(session: AsyncSession, round_: Round, team_id: int, member_id: int) -> Round | None:
    """Another team this person leads in this round or in a planned round that overlaps it."""
    return await session.scalar(
        select(Round).join(Team, Team.round_id == Round.id)
        .where(Team.leader_id == member_id, Team.id != team_id, Round.status == PLANNED,
               Round.starts_at < round_.ends_at, Round.ends_at > round_.starts_at)
        .limit(1))
