"""A keyed trace of a Telegram account whose member erased their data: no name, no number, only
that someone with this account erased, and when, so that a later /start can say honestly how
they come back. The hash is an HMAC (models/secrets.py), so it cannot be tried against ids."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime
from models.secrets import hash_key, keyed_hash, telegram_hash


class Tombstone(Base):
    __tablename__ = "tombstones"

    telegram_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # ERASED: they erased their data themselves; LEFT: the board removed them as they left the party;
    # REJECTED: the board could not confirm them as a supporter.
    reason: Mapped[str] = mapped_column(String(10), default="erased", server_default="erased")


ERASED, LEFT = "erased", "left"
REJECTED = "rejected"  # a supporter the board could not confirm (/supportere → reject)


async def leave_tombstone(session: AsyncSession, telegram_id: int, now: datetime, reason: str = ERASED) -> None:
    await _put(session, Tombstone(telegram_hash=await telegram_hash(session, telegram_id), erased_at=now, reason=reason))


async def _put(session: AsyncSession, row: Base) -> None:
    """Store the row, replacing the one with its key (erased or removed again: the newest counts)."""
    await session.merge(row)
    await session.flush()


async def erased_at(session: AsyncSession, telegram_id: int) -> datetime | None:
    """When the member behind this account erased their data, if they did."""
    stone = await trace_of(session, telegram_id)
    return stone.erased_at if stone is not None else None


async def trace_of(session: AsyncSession, telegram_id: int) -> Tombstone | None:
    """The trace this account left when its data was erased (by the member or the board), if any."""
    return await session.get(Tombstone, await telegram_hash(session, telegram_id))


class LeftMember(Base):
    """A member the board removed because they left the party: a keyed hash of their phone number
    (and one of their member number), and the join date the register had, so that a later import
    does not bring them back unless the register shows a newer join date (they rejoined)."""

    __tablename__ = "left_members"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    joined_on: Mapped[date | None] = mapped_column(Date)
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _keys(key: bytes, phone: str | None, member_number: str | None) -> list[str]:
    keys = [keyed_hash(key, "phone", phone)] if phone else []
    return keys + ([keyed_hash(key, "member_number", member_number)] if member_number else [])


async def remember_left(session: AsyncSession, phone: str | None, member_number: str | None,
                        joined_on: date | None, now: datetime) -> None:
    for key in _keys(await hash_key(session), phone, member_number):
        await _put(session, LeftMember(key_hash=key, joined_on=joined_on, removed_at=now))


class LeftRegister:
    """The members who left, for one import: tells whether a register row is one of them."""

    def __init__(self, key: bytes, left: dict[str, date | None]) -> None:
        self.key, self.left = key, left

    @classmethod
    async def load(cls, session: AsyncSession) -> LeftRegister:
        rows = (await session.execute(select(LeftMember.key_hash, LeftMember.joined_on))).all()
        return cls(await hash_key(session) if rows else b"", {key: joined for key, joined in rows})

    def kept_out(self, phone: str | None, member_number: str | None, joined_on: date | None) -> bool:
        """True for a member who left, unless the row's join date is newer than the one they left with."""
        if not self.left:
            return False
        for key in _keys(self.key, phone, member_number):
            if key in self.left:
                before = self.left[key]
                return joined_on is None or before is None or joined_on <= before
        return False
