"""What every command-line module shares: a migrated database for one piece of work."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from functools import wraps

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.migrate import upgrade
from bot.settings import Settings


def plural(count: int, one: str, many: str) -> str:
    """"1 person", "2 people", "0 people": the command line speaks English, with its plurals."""
    return f"{count} {one if count == 1 else many}"


def with_database(settings: Settings, work: Callable[[Database], Awaitable[int]]) -> int:
    upgrade(settings.database_url)

    async def runner() -> int:
        database = Database(settings.database_url)
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(runner())


def in_session(command: Callable[[AsyncSession, Settings, argparse.Namespace], Awaitable[int]]) -> Callable[[Settings, argparse.Namespace], int]:
    """A command whose work is one transaction: run migrated, in one session (committed at the end)."""

    @wraps(command)
    def run(settings: Settings, args: argparse.Namespace) -> int:
        async def work(database: Database) -> int:
            async with database.session() as session:
                return await command(session, settings, args)

        return with_database(settings, work)

    return run


def problem(exc: Exception) -> str:
    """What was wrong, in words, for an error the command line reports (not an exception's name)."""
    from models.constants import OSLO
    from models.timeparse import BadTime, NoSuchDate, RecentPast, SkippedHour

    if isinstance(exc, NoSuchDate):
        return f"there is no {exc.day:02d}.{exc.month:02d}.{exc.year} in the calendar"
    if isinstance(exc, RecentPast):
        return (f"{exc} has passed ({exc.passed.astimezone(OSLO):%Y-%m-%d %H:%M}); "
                f"write the year if you mean {exc.next_year.astimezone(OSLO):%Y-%m-%d %H:%M}")
    if isinstance(exc, SkippedHour):
        return f"{exc.local:%Y-%m-%d %H:%M} does not exist in Oslo: the clocks skip from 02:00 to 03:00 that night"
    if isinstance(exc, BadTime):
        return f"cannot read the time {exc}; use YYYY-MM-DD HH:MM"
    return f"{type(exc).__name__}: {exc}"
