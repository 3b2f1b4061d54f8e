"""A keyed trace of a Telegram account whose member erased their data: no name, no number, only
that someone with this account erased, and when, so that a later /start can say honestly how
they come back. The hash is an HMAC (models/secrets.py), so it cannot be tried against ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime
from models.secrets import telegram_hash


class Tombstone(Base):
    __tablename__ = "tombstones"

    telegram_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)


async def leave_tombstone(session: AsyncSession, telegram_id: int, now: datetime) -> None:
    key = await telegram_hash(session, telegram_id)
    stone = await session.get(Tombstone, key)
    if stone is None:
        session.add(Tombstone(telegram_hash=key, erased_at=now))
    else:
        stone.erased_at = now
    await session.flush()


async def erased_at(session: AsyncSession, telegram_id: int) -> datetime | None:
    """When the member behind this account erased their data, if they did."""
    return await session.scalar(select(Tombstone.erased_at).where(Tombstone.telegram_hash == await telegram_hash(session, telegram_id)))
