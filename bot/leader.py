"""One poller per bot: with long polling only one process may call getUpdates (Telegram answers a
second one with 409 Conflict). On PostgreSQL the process that holds an advisory lock polls; another
instance waits for the lock and takes over within seconds of the first one's death, because
PostgreSQL releases a session's advisory locks when its connection goes. SQLite is one process: a
lock file beside the database file (RunLock) makes a second `bot run` on the same file refuse to start."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import IO

from sqlalchemy import make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import OUTAGE_ERRORS, Database

log = logging.getLogger(__name__)

LOCK_KEY = 0x6C616762  # "lagb"
RETRY_SECONDS = 5.0


class PollingLock:
    """Held for the life of the process on a connection of its own."""

    def __init__(self, database: Database) -> None:
        self.db = database
        self.connection: AsyncConnection | None = None
        # True when another instance held the lock first: what this one loaded at start is stale.
        self.waited = False
        # The lock's connection broke and the lock has not been taken again yet.
        self.lost = False

    @property
    def needed(self) -> bool:
        return self.db.url.startswith("postgresql")

    async def acquire(self, *, retry_seconds: float = RETRY_SECONDS) -> None:
        """Return once this process may poll (at once on SQLite)."""
        if not self.needed:
            return
        told = False
        while True:
            connection = await self.db.engine.connect()
            got = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
            await connection.commit()
            if got:
                self.connection = connection
                self.waited = told
                if told:
                    log.info("the other instance is gone: this one polls now")
                return
            await connection.close()
            if not told:
                log.info("another instance polls this bot; waiting to take over if it stops")
                told = True
            await asyncio.sleep(retry_seconds)

    async def still_held(self) -> bool:
        """True while this process may go on polling. PostgreSQL drops the lock with its connection
        (a restart, a network cut), and a standby may then take it: this process takes the lock
        again if it is free, and answers False if another instance holds it now. While the database
        cannot be reached, it goes on (nothing can be stored or confirmed meanwhile anyway)."""
        if not self.needed or (self.connection is None and not self.lost):
            return True
        if self.connection is not None:
            try:
                await self.connection.scalar(text("SELECT 1"))
                await self.connection.commit()
                return True
            except (SQLAlchemyError, *OUTAGE_ERRORS):
                log.warning("the connection holding the polling lock is gone; taking the lock again")
            with contextlib.suppress(Exception):
                await self.connection.invalidate()
            self.connection, self.lost = None, True
        try:
            connection = await self.db.engine.connect()
            got = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
            await connection.commit()
        except (SQLAlchemyError, *OUTAGE_ERRORS):
            return True  # still away: try again at the next check
        self.lost = False
        if got:
            self.connection = connection
            return True
        await connection.close()
        log.warning("another instance took over polling while the database was away: this one stops polling")
        return False

    async def release(self) -> None:
        """Unlock, so a standby takes over at once (closing alone returns the connection to the
        pool, still holding the lock, until the process exits)."""
        if self.connection is not None:
            try:
                await self.connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                await self.connection.commit()
            finally:
                await self.connection.close()
                self.connection = None


class AlreadyRunning(Exception):
    """Another process runs the bot on this SQLite file."""

    def __init__(self, database: str, pid: str) -> None:
        super().__init__(database, pid)
        self.database, self.pid = database, pid


class RunLock:
    """SQLite has no lock a standby could wait on, so two `python -m bot run` on one file would both
    poll Telegram and write the same database. The first holds an exclusive flock on `<file>.lock`,
    beside the database, for its life; the operating system drops it when the process ends, however
    it ends (kill -9 included), so no stale lock is left to clear by hand. PostgreSQL and an
    in-memory database need none (PollingLock serves PostgreSQL)."""

    def __init__(self, url: str) -> None:
        database = make_url(url).database if url.startswith("sqlite") else None
        self.database = os.path.abspath(database) if database and database != ":memory:" else None
        self.path = f"{self.database}.lock" if self.database else None
        self.file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise AlreadyRunning (with the holder's process id, as it wrote it)."""
        if self.path is None or self.file is not None:
            return
        import fcntl

        try:
            lock_file = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the process's life
        except OSError as exc:  # a folder we may not write to: SQLite says what is wrong when it opens the file
            log.warning("cannot create %s (%s): a second bot run on this database would not be stopped", self.path, exc)
            return
        try:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock_file.seek(0)
            holder = lock_file.read().strip()
            lock_file.close()
            raise AlreadyRunning(self.database or "", holder) from None
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(f"{os.getpid()}\n")
        lock_file.flush()
        self.file = lock_file

    def release(self) -> None:
        """Let go (the file stays: removing it could let a third process lock a file nobody else sees)."""
        if self.file is not None:
            self.file.close()
            self.file = None
