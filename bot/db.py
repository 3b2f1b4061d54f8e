"""The database engine and sessions."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, InterfaceError, InvalidatePoolError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from telegram.error import TelegramError

from bot import sqlite_onehop

# What a database that is away raises: SQLAlchemy's wrappers, and the driver's own socket errors
# (asyncpg raises ConnectionRefusedError as it is when PostgreSQL refuses a new connection).
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError)


def is_outage(error: BaseException | None) -> bool:
    """True when `error` (or what caused it) says the database is unreachable, restarting, or busy
    past its timeout, rather than that the statement itself was wrong."""
    if isinstance(error, TelegramError):  # Telegram away (its cause may be a socket error too)
        return False
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OUTAGE_ERRORS) or (isinstance(error, DBAPIError) and error.connection_invalidated):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


# Connections per process on PostgreSQL: `pool_size` kept open, up to `max_overflow` more under load
# (settings DB_POOL_SIZE, DB_MAX_OVERFLOW). Two instances (one polling, one on standby; both send from
# the outbox) at 30 + 0 each use at most 60 of PostgreSQL's default max_connections of 100, of which
# 3 are reserved for superusers: room for migrations, the command line, psql and a benchmark.
# No overflow: an overflow connection is closed as soon as it is handed back to a pool holding
# `pool_size` idle ones, so every rush opened a dozen or more new connections at its start (a fresh
# backend, its statements prepared again) and its first presses waited for them; these are kept
# once opened. Thirty, as many as the pool could open before (10 + 20): a rush on one round queues for
# its lock whatever the pool, while phone callers and the dispatcher's senders use them all.
POOL_SIZE = 30
MAX_OVERFLOW = 0
ASYNCPG = "postgresql+asyncpg"


def make_engine(url: str, *, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW) -> AsyncEngine:
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = max_overflow
        # A connection the server dropped (a restart, a network cut) is noticed before use: with
        # asyncpg, `_check_on_checkout` below; another driver pings on every checkout.
        kwargs["pool_pre_ping"] = not url.startswith(ASYNCPG)
    if url.startswith("sqlite"):
        sqlite_onehop.install()
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        for ending in ("commit", "rollback"):
            event.listen(engine.sync_engine, ending, _sqlite_end)
    elif url.startswith(ASYNCPG):
        _check_on_checkout(engine)
    return engine


# A pooled connection idle for longer than this is pinged before use; one used more recently only
# has its socket looked at (see `_check_on_checkout`).
PING_AFTER_IDLE_S = 10.0
_IDLE_SINCE = "lagbot_idle_since"


def _check_on_checkout(engine: AsyncEngine) -> None:
    """A connection the server dropped (a restart, a backend terminated, an idle timeout) is replaced
    before use, as SQLAlchemy's `pool_pre_ping` would, without a ping's round trips on every checkout
    (three with asyncpg outside autocommit: BEGIN, the ping, ROLLBACK). The server closes the socket
    of a connection it drops, and asyncpg marks the connection closed as soon as the event loop reads
    that; this costs nothing and is checked on every checkout (the asyncpg dialect's own test for a
    disconnect). A connection that sat in the pool for `PING_AFTER_IDLE_S` (a network cut sends no
    close) is pinged as well. Either failing invalidates every pooled connection older than now, and
    the pool connects afresh (up to twice more) before handing one out."""
    pool, dialect = engine.sync_engine.pool, engine.sync_engine.dialect

    def fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = math.inf  # just connected: never pinged before its first use

    def stamp(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise InvalidatePoolError("the server closed the connection")
        if time.monotonic() - record.info.get(_IDLE_SINCE, 0.0) >= PING_AFTER_IDLE_S:
            try:
                dialect.do_ping(dbapi_connection)
            except Exception as error:  # whatever failed, this connection is of no use
                raise InvalidatePoolError(f"ping failed: {error!r}") from error

    event.listen(pool, "connect", fresh)
    event.listen(pool, "checkin", stamp)
    event.listen(pool, "checkout", check)


READ_ONLY = "lagbot_read_only"


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock at the start of each transaction.

    A deferred transaction that reads and then writes fails at once ("database is locked")
    when another connection wrote in between; an immediate one waits its turn instead.
    A read-only session (`Database.read`) begins a plain transaction: WAL readers never wait.
    """
    begin = "BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
    if not sqlite_onehop.begin_with_next_statement(connection.connection.dbapi_connection, begin):
        connection.exec_driver_sql(begin)


def _sqlite_end(connection: Any) -> None:
    """A transaction that ran no statement never began in SQLite: its BEGIN is dropped."""
    sqlite_onehop.begin_with_next_statement(connection.connection.dbapi_connection, None)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is turned off so that ours (above) is the only one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _commit_and_close(session: Any) -> None:
    session.commit()
    session.close()


def _close(session: Any) -> None:
    session.close()


@asynccontextmanager
async def _closed_in_one_pass(session: AsyncSession, finish: Callable[[Any], None]) -> AsyncIterator[AsyncSession]:
    """Yield `session`; on success end it with `finish` (commit and close, or close) in one pass
    through SQLAlchemy's greenlet, rather than two and a task of its own for the close (what
    `async with session` does). On an error or a cancellation, rolled back and closed as
    `async with` would."""
    done = False
    try:
        yield session
        await session.run_sync(finish)
        done = True
    finally:
        if not done:
            async with session:
                await session.rollback()


_holding_sqlite_lock: ContextVar[bool] = ContextVar("holding_sqlite_lock", default=False)


class Database:
    """One engine and its session factory; `session()` commits on success, rolls back on error."""

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessionmaker = async_sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
        self.single_sessionmaker = (None if url.startswith("sqlite") else
                                    async_sessionmaker(self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False))
        # SQLite has one writer at a time. Queueing for it here costs nothing; queueing inside
        # SQLite means its busy handler polling with sleeps, which made a busy dispatcher crawl.
        self._sqlite_turn = asyncio.Lock() if url.startswith("sqlite") else None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        if self._sqlite_turn is None or _holding_sqlite_lock.get():
            async with self._transaction() as session:
                yield session
            return
        async with self._sqlite_turn:
            token = _holding_sqlite_lock.set(True)
            try:
                async with self._transaction() as session:
                    yield session
            finally:
                _holding_sqlite_lock.reset(token)

    @asynccontextmanager
    async def single(self) -> AsyncIterator[AsyncSession]:
        """A session for work done in ONE statement, which is then its own transaction (PostgreSQL
        autocommit: no BEGIN and COMMIT round trips around it). Every statement run here commits on
        its own, so use it only where each statement stands alone — a change with every check that
        guards it inside the same statement (a phone claim, an outcome). On SQLite, `session()`."""
        if self.single_sessionmaker is None:
            async with self.session() as session:
                yield session
            return
        async with _closed_in_one_pass(self.single_sessionmaker(), _commit_and_close) as session:
            yield session  # committed, flushing what the ORM still holds

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading only. On SQLite it neither queues for the writer's turn nor takes
        the write lock (WAL: readers see the last commit and never block a writer); elsewhere it is
        an ordinary transaction, ended without a commit.
        Nothing written here is saved."""
        # Closing ends the transaction; what was read stays loaded.
        async with _closed_in_one_pass(self.read_sessionmaker(), _close) as session:
            yield session

    @asynccontextmanager
    async def peek(self) -> AsyncIterator[AsyncSession]:
        """A session for ONE read statement, in the fewest round trips: PostgreSQL autocommit (no
        BEGIN and ROLLBACK around it), on SQLite `read()` (no writer's turn, no write lock)."""
        if self.single_sessionmaker is None:
            async with self.read() as session:
                yield session
            return
        async with self.single_sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        async with _closed_in_one_pass(self.sessionmaker(), _commit_and_close) as session:
            yield session

    async def open_pool(self) -> None:
        """Open the pool's connections now (PostgreSQL), at start-up: they are kept once opened, and
        otherwise the first rush opened them while its first presses waited (a new backend each)."""
        if self.single_sessionmaker is None:
            return
        pool: Any = self.engine.pool
        async with AsyncExitStack() as held:
            for _ in range(pool.size() - pool.checkedout()):  # the polling lock may hold one already
                await held.enter_async_context(self.engine.connect())

    async def dispose(self) -> None:
        await self.engine.dispose()
