"""One poller per bot: with long polling only one process may call getUpdates (Telegram answers a
second one with 409 Conflict). On PostgreSQL the process that holds an advisory lock polls; another
instance waits for the lock and takes over within seconds of the first one's death, because
PostgreSQL releases a session's advisory locks when its connection goes. SQLite is one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import text
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
