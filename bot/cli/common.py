"""What every command-line module shares: a migrated database for one piece of work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.db import Database
from bot.migrate import upgrade
from bot.settings import Settings


def with_database(settings: Settings, work: Callable[[Database], Awaitable[int]]) -> int:
    upgrade(settings.database_url)

    async def runner() -> int:
        database = Database(settings.database_url)
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(runner())
