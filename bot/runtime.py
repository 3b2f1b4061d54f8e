"""What handlers need from the wiring: settings and the database, kept in bot_data."""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram.ext import Application

from bot.db import Database
from bot.member_cache import MemberCache
from bot.settings import Settings
from models.base import utcnow

ERRORS_KEPT = 100
LANGUAGES_KEPT = 10_000


@dataclass
class Runtime:
    settings: Settings
    db: Database
    # Tests and benchmarks replace the clock to simulate time.
    clock: Any = field(default=utcnow)
    dispatcher: Any = None
    # The last exceptions raised by handlers (the tests assert there were none), and how many in all.
    # Bounded: a bot that runs for months must not keep every error it ever met.
    errors: deque[BaseException | None] = field(default_factory=lambda: deque(maxlen=ERRORS_KEPT))
    error_count: int = 0
    # Updates that met a database outage (answered "try again in a moment"; not handler errors).
    outages: int = 0
    # The last language each recent member chose, to answer in it while the database is away.
    # Bounded, and harmless when stale or when another instance holds a newer one.
    languages: OrderedDict[int, str] = field(default_factory=OrderedDict)
    retention_next_at: Any = None
    # Members whose first update of the day is being handled: their activity is written with the
    # inbox marks of those updates, in one transaction (bot/inbox.py, handlers/delivery.came_back).
    seen_today: dict[int, datetime] = field(default_factory=dict)
    # The member writing, kept between their updates (bot/member_cache.py).
    member_cache: MemberCache = field(default_factory=MemberCache)

    # Updates being handled right now (bot/inbox.py). Background work (the dispatcher's claims, the
    # upkeep passes) gives way while there are any, for a bounded time (`give_way`).
    in_flight: int = 0
    _quiet: asyncio.Event | None = field(default=None, repr=False)

    def now(self) -> datetime:
        return self.clock()

    def update_started(self) -> None:
        self.in_flight += 1
        if self._quiet is not None:
            self._quiet.clear()

    def update_ended(self) -> None:
        self.in_flight -= 1
        if not self.in_flight and self._quiet is not None:
            self._quiet.set()

    async def give_way(self, most: float) -> None:
        """Wait until no update is being handled, or `most` seconds at the longest: a rush of
        members pressing buttons goes before sending suggestions or the hourly passes, which are
        not late by a few seconds, and which still run during a rush that lasts."""
        if not self.in_flight or most <= 0:
            return
        if self._quiet is None:
            self._quiet = asyncio.Event()
        try:
            await asyncio.wait_for(self._quiet.wait(), most)
        except TimeoutError:
            pass

    def record_error(self, error: BaseException | None) -> None:
        self.errors.append(error)
        self.error_count += 1

    def remember_language(self, telegram_id: int, language: str) -> None:
        self.languages[telegram_id] = language
        self.languages.move_to_end(telegram_id)
        while len(self.languages) > LANGUAGES_KEPT:
            self.languages.popitem(last=False)


RUNTIME_KEY = "lagbot.runtime"


def attach(application: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    application.bot_data[RUNTIME_KEY] = runtime
