"""Leader training as records (DECISIONS "The plan on one screen"): when a member reaches the rounds
threshold, the offer of leader training is recorded ("offered"); when they press yes, "accepted".
/rapport counts both per year (work plan D1.3: train door-knockers into leaders)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class LeaderTraining(Base):
    """One member's offer of leader training: when it was offered, and when they said yes (None until then)."""

    __tablename__ = "leader_training"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), unique=True)
    rounds: Mapped[int] = mapped_column(Integer)  # rounds taken part in when it was offered
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


async def offer(session: AsyncSession, member_id: int, rounds: int, now: datetime) -> bool:
    """Record the offer; False when this member was offered it before (the first offer stands)."""
    statement = _insert(session)(LeaderTraining).values(member_id=member_id, rounds=rounds, offered_at=now, accepted_at=None)
    return bool((await session.execute(statement.on_conflict_do_nothing(index_elements=["member_id"]))).rowcount)


async def of_member(session: AsyncSession, member_id: int) -> LeaderTraining | None:
    return await session.scalar(select(LeaderTraining).where(LeaderTraining.member_id == member_id))


async def accept(session: AsyncSession, member_id: int, now: datetime) -> LeaderTraining | None:
    """The member says yes: None when they were never offered it; a second press keeps the first time."""
    record = await session.scalar(select(LeaderTraining).where(LeaderTraining.member_id == member_id).with_for_update())
    if record is not None and record.accepted_at is None:
        record.accepted_at = now
        await session.flush()
    return record


async def counts(session: AsyncSession, start: datetime, end: datetime) -> tuple[int, int]:
    """(offered, accepted) in [start, end): each counted in the period its own time falls in."""
    offered = await session.scalar(select(func.count()).select_from(LeaderTraining).where(
        LeaderTraining.offered_at >= start, LeaderTraining.offered_at < end))
    accepted = await session.scalar(select(func.count()).select_from(LeaderTraining).where(
        LeaderTraining.accepted_at >= start, LeaderTraining.accepted_at < end))
    return int(offered or 0), int(accepted or 0)


async def of_members(session: AsyncSession, member_ids: list[int]) -> dict[int, LeaderTraining]:
    if not member_ids:
        return {}
    return {r.member_id: r for r in await session.scalars(select(LeaderTraining).where(LeaderTraining.member_id.in_(member_ids)))}


class NotAccepted(Exception):
    """Only someone who said yes to leader training is made a leader from the list of candidates."""


async def make_leader(session: AsyncSession, member_id: int) -> tuple[Any, bool]:
    """Give the leader role to a member who said yes to leader training: (member, False when they had it)."""
    from models import membership

    record = await of_member(session, member_id)
    if record is None or record.accepted_at is None:
        raise NotAccepted(member_id)
    member = await membership.member_by_id(session, member_id)
    return member, await membership.grant_role(session, member, "leader")
