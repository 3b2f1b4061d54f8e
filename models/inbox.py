"""The inbox: every update from Telegram is written here before Telegram is told it arrived.

python-telegram-bot confirms an update (moves the `getUpdates` offset) as soon as it is queued, not
when it has been handled, so a crash would lose the queue. An update is stored first, handled, and
then marked done; after a restart, what is stored and not done is handled again, and Telegram's
second delivery of an update already stored is dropped. Done rows keep only their id (the
message itself, which may hold a phone number, is cleared) and are pruned after two days — longer
than Telegram keeps an unconfirmed update.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Index, Text, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

KEEP_DONE = timedelta(days=2)


class InboxUpdate(Base):
    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_done_at", "done_at"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str | None] = mapped_column(Text)  # the update as Telegram sent it, until handled
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


_RECEIVE = {  # one statement, compiled once whatever the batch's size (as `outbox.schedule_many`)
    name: insert(InboxUpdate.__table__).on_conflict_do_nothing(index_elements=["update_id"])
    .returning(InboxUpdate.__table__.c.update_id)
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


async def receive(session: AsyncSession, updates: list[tuple[int, int | None, str]], now: datetime) -> set[int]:
    """Store (update_id, chat_id, json) rows; returns the ids that were new (not stored before)."""
    if not updates:
        return set()
    rows = [{"update_id": uid, "chat_id": chat, "payload": payload, "received_at": now, "done_at": None}
            for uid, chat, payload in updates]
    return {row[0] for row in (await session.execute(_RECEIVE[session.bind.dialect.name], rows)).all()}


async def finish(session: AsyncSession, update_id: int | list[int], now: datetime) -> None:
    """Mark one update, or several in one statement, done (and forget what they said)."""
    ids = [update_id] if isinstance(update_id, int) else update_id
    if ids:
        await session.execute(_FINISH, {"ids": ids, "now": now})


# Built once (it runs after every few updates): building it and working out its cache key, a NULL
# among its values a new type each time, cost more than running it.
_FINISH = (update(InboxUpdate.__table__).where(InboxUpdate.__table__.c.update_id.in_(bindparam("ids", expanding=True)))
           .values(done_at=bindparam("now"), payload=None))


async def pending(session: AsyncSession, limit: int = 10_000) -> list[tuple[int, str]]:
    """Stored and not handled, oldest first (the order Telegram sent them)."""
    rows = await session.execute(
        select(InboxUpdate.update_id, InboxUpdate.payload)
        .where(InboxUpdate.done_at.is_(None)).order_by(InboxUpdate.update_id).limit(limit)
    )
    return [(uid, payload) for uid, payload in rows.all() if payload is not None]


async def prune(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(InboxUpdate).where(InboxUpdate.done_at < now - KEEP_DONE))
    return int(result.rowcount or 0)


async def forget_chat(session: AsyncSession, chat_id: int) -> None:
    """Erasure: nothing of a member's messages stays in the inbox."""
    await session.execute(
        update(InboxUpdate).where(InboxUpdate.chat_id == chat_id).values(payload=None)
        .execution_options(synchronize_session=False)
    )
