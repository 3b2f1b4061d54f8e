"""When each periodic upkeep concern last ran, shared by every instance on the database.

`claim` is called inside the transaction that does the concern's work: on PostgreSQL it locks the
concern's row, so a second instance waits for the first to commit and then sees that the work is
done; if the work fails, the claim is rolled back with it and the next run tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import String, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class UpkeepRun(Base):
    __tablename__ = "upkeep_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    ran_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


async def claim(session: AsyncSession, name: str, now: datetime, due: Callable[[datetime], bool]) -> bool:
    """True (and the run recorded as of `now`) when `due(last run)` says the concern should run
    again, or it never ran, or the clock went back past its last run."""
    locked = select(UpkeepRun).where(UpkeepRun.name == name).with_for_update()
    row = await session.scalar(locked)
    if row is None:  # the concern's first run on this database (the row is written once, then read)
        insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        await session.execute(insert(UpkeepRun).values(name=name, ran_at=None).on_conflict_do_nothing(index_elements=["name"]))
        row = await session.scalar(locked)
    assert row is not None
    if row.ran_at is not None and row.ran_at <= now and not due(row.ran_at):
        return False
    row.ran_at = now
    await session.flush()
    return True


async def plan_for_values(session: AsyncSession) -> None:
    """On PostgreSQL, plan the rest of this transaction's statements for the values they run with.

    A pass's statements are prepared once per pooled connection; from a statement's sixth run on a
    connection PostgreSQL may switch to a generic plan, one made without the values, and for the
    nudge rules' scans (time windows, NOT EXISTS against the outbox) those were 3 to 10 times slower
    (the pass went from about 40 ms to 170 ms). Planning each run costs a millisecond or two."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


async def forget(session: AsyncSession, name: str | None = None) -> None:
    """Let a concern (or every one) run at its next chance (the command line and tests)."""
    statement = delete(UpkeepRun)
    await session.execute(statement if name is None else statement.where(UpkeepRun.name == name))
