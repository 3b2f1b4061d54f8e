"""PostgreSQL connections the server dropped are replaced before use, without a ping on every checkout."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, text

import bot.db as dbmodule
from bot.db import Database


@pytest.fixture
def pg(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("the pool's checkout check is PostgreSQL's (SQLite has no server to lose)")
    return database_url


async def _pids(database: Database, n: int) -> list[int]:
    """Check out `n` connections at once (so that the pool holds `n`), return their backends' pids."""
    connections = [await database.engine.connect() for _ in range(n)]
    try:
        return [await c.scalar(text("SELECT pg_backend_pid()")) for c in connections]
    finally:
        for c in connections:
            await c.close()


async def _terminate(url: str, pids: list[int]) -> None:
    other = Database(url)
    try:
        async with other.engine.connect() as connection:
            for pid in pids:
                await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await connection.commit()
    finally:
        await other.dispose()


async def test_connections_the_server_dropped_are_replaced_before_use(pg):
    """As after a restart: every pooled connection's backend is gone. The next sessions (in a
    transaction, in autocommit, and many at once) get fresh connections instead of an error."""
    database = Database(pg)
    try:
        old = await _pids(database, 3)
        await _terminate(pg, old)
        await asyncio.sleep(0.3)  # the server closes their sockets; the event loop reads that
        async with database.session() as session:
            assert await session.scalar(text("SELECT pg_backend_pid()")) not in old
        async with database.single() as session:
            assert await session.scalar(text("SELECT pg_backend_pid()")) not in old

        async def one() -> int:
            async with database.single() as session:
                return int(await session.scalar(text("SELECT pg_backend_pid()")))

        assert not set(await asyncio.gather(*(one() for _ in range(3)))) & set(old)
    finally:
        await database.dispose()


async def test_only_a_connection_idle_for_a_while_is_pinged(pg, monkeypatch):
    database = Database(pg)
    pings: list[Any] = []
    ping = database.engine.sync_engine.dialect.do_ping
    monkeypatch.setattr(database.engine.sync_engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    try:
        for _ in range(3):  # used again at once: no round trip before the statement
            async with database.single() as session:
                await session.execute(text("SELECT 1"))
        assert pings == []
        monkeypatch.setattr(dbmodule, "PING_AFTER_IDLE_S", 0.0)  # now everything has been idle long enough
        async with database.session() as session:
            await session.execute(text("SELECT 1"))
        assert len(pings) == 1
    finally:
        await database.dispose()


async def test_a_connection_whose_ping_fails_is_replaced(pg, monkeypatch):
    """A network cut sends no close: the ping after a while idle finds it, and the pool connects afresh."""
    database = Database(pg)
    connects: list[int] = []
    event.listen(database.engine.sync_engine.pool, "connect", lambda *_: connects.append(1))
    try:
        (before,) = await _pids(database, 1)
        assert len(connects) == 1

        def unreachable(_connection: Any) -> bool:
            raise OSError("no route to host")

        monkeypatch.setattr(database.engine.sync_engine.dialect, "do_ping", unreachable)
        monkeypatch.setattr(dbmodule, "PING_AFTER_IDLE_S", 0.0)
        async with database.single() as session:
            assert await session.scalar(text("SELECT pg_backend_pid()")) != before
        assert len(connects) == 2
    finally:
        await database.dispose()


async def test_start_up_opens_the_pool_beside_what_is_held(pg):
    """A rush then finds its connections open; one already held (the polling lock's) is not waited for."""
    database = Database(pg, pool_size=4, max_overflow=0)
    try:
        held = await database.engine.connect()
        await database.open_pool()
        pool: Any = database.engine.pool
        assert (pool.checkedin(), pool.checkedout()) == (3, 1)
        await held.close()
    finally:
        await database.dispose()
