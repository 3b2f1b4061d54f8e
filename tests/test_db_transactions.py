"""Database sessions: what a session wrote is one transaction (rolled back whole on an error), on SQLite
too, where its BEGIN goes to the driver's thread with its first statement (bot/sqlite_onehop.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from models.member import Member


async def count(db) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_an_error_rolls_back_everything_the_session_wrote(db, clock):
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            session.add(Member(name="Første", telegram_id=5_000_000_101, language="nb"))
            await session.flush()  # the first statement: on SQLite it carries the BEGIN
            await session.execute(text("UPDATE members SET name = 'Andre' WHERE telegram_id = 5000000101"))
            raise RuntimeError("after two statements")
    assert await count(db) == 0  # without a BEGIN, SQLite would have kept each statement


async def test_a_session_that_runs_nothing_leaves_no_transaction_behind(db, clock):
    async with db.session():
        pass  # no statement: the pending BEGIN is dropped with the commit
    async with db.session() as session:
        session.add(Member(name="Etter", telegram_id=5_000_000_102, language="nb"))
    assert await count(db) == 1
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await session.execute(text("DELETE FROM members"))
            raise RuntimeError("rolled back")
    assert await count(db) == 1
