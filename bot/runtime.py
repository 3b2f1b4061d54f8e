"""What handlers need from the wiring: settings and the database, kept in bot_data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram.ext import Application

from bot.db import Database
from bot.member_cache import MemberCache
from bot.settings import Settings
from models.base import utcnow


@dataclass
class Runtime:
    settings: Settings
    db: Database
    # Tests and benchmarks replace the clock to simulate time.
    clock: Any = field(default=utcnow)
    dispatcher: Any = None
    # Telegram ids of members who blocked the bot, so that every update need not ask the database.
    unreachable: set[int] = field(default_factory=set)
    unreachable_loaded: bool = False
    # The day each member was last marked active, so that activity costs one write a day.
    active_on: dict[int, Any] = field(default_factory=dict)
    # Exceptions raised by handlers (the tests assert there were none).
    errors: list[BaseException | None] = field(default_factory=list)
    calendar_checked_on: Any = None
    welcome_checked_at: Any = None
    nudges_checked_at: Any = None
    retention_next_at: Any = None
    # The member writing, kept between their updates (bot/member_cache.py).
    member_cache: MemberCache = field(default_factory=MemberCache)

    def now(self) -> datetime:
        return self.clock()


RUNTIME_KEY = "lagbot.runtime"


def attach(application: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    application.bot_data[RUNTIME_KEY] = runtime
