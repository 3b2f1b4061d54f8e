"""Configuration from the environment or a `.env` file."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.constants import DEFAULT_LANGUAGE, TIMEZONE  # noqa: F401 - re-exported for the settings

TOKEN_PATTERN = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")


class MissingToken(Exception):
    """The bot token is missing or does not look like one from @BotFather."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: str | None = None
    telegram_bot_username: str | None = None
    database_url: str = "sqlite+aiosqlite:///lagbot.db"
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    lagbot_admins: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # How often python-telegram-bot writes conversation state and user data to the database.
    persistence_interval: float = 5.0
    # Updates handled at once (one chat's updates always one after the other, in order). Members
    # of different chats do not wait for each other; 32 keeps a 300-member rush moving without
    # more open database transactions than the pool allows.
    concurrent_updates: int = 32
    # PostgreSQL connections per process (bot/db.py), kept once opened: two instances at 30 + 0 fit
    # the default max_connections of 100 with room to spare.
    db_pool_size: int = 30
    db_max_overflow: int = 0

    # Delivery: Telegram's limits, quiet hours, the weekly cap (see README, "Delivery").
    dispatcher_enabled: bool = True
    dispatch_interval: float = 1.0
    rate_per_second: float = 30.0
    rate_chat_interval: float = 1.0
    rate_group_per_minute: int = 20
    rate_safety: float = 0.98
    dispatch_concurrency: int = 16
    dispatch_budget: float = 300.0
    # Seconds an outbox send waits for Telegram's answer (PTB's default is 5); one unanswered by
    # then is tried again at once. Telegram answers a sendMessage in a fraction of a second: a send
    # it took but answers later than this arrives twice, so a longer wait makes that rarer, and
    # holds the last messages of a broadcast back behind a stalled request for longer.
    send_timeout: float = 3.0
    # Reminders, welcome steps, nudges, escalations and the digest are queued by this job.
    upkeep_interval: float = 20.0
    http_pool_size: int = 32
    lease_seconds: int = 60
    max_attempts: int = 5
    quiet_start: str = "21:00"
    quiet_end: str = "09:00"
    weekly_cap: int = 3
    # Sent, failed and skipped outbox rows are deleted this long after they were due (broadcast rows
    # stay: their report counts them). Long enough for every rule that looks back (nudge cooldowns,
    # "only once" for members of the last 60 days, the welcome steps, the weekly cap).
    outbox_retention_days: int = 180

    # Door-knocking: a member's Nth round makes them a candidate for leader training. (The plan's
    # yearly goals are in models/constants.py: they are the plan's, not a setting.)
    leader_threshold: int = 3

    # Phone rounds: no answer → tried again after this many hours (at most 3 attempts).
    call_cooldown_hours: float = 4.0
    call_exclude_days: int = 30

    # Always something ahead: warn the board when nothing is planned within this many days.
    plan_ahead_days: int = 21
    plan_ahead_nudge_every_days: int = 3

    # The board's weekly digest: weekday (0 = Monday) and Oslo time.
    digest_weekday: int = 0
    digest_time: str = "09:00"

    @field_validator("lagbot_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    def require_token(self) -> str:
        token = (self.telegram_bot_token or "").strip()
        if not TOKEN_PATTERN.match(token):
            problem = "is not set" if not token else "does not look like a bot token"
            raise MissingToken(
                f"TELEGRAM_BOT_TOKEN {problem}. Ask @BotFather in Telegram for one (/newbot), "
                "then put TELEGRAM_BOT_TOKEN=<token> in the environment or in a .env file."
            )
        return token


@lru_cache
def get_settings() -> Settings:
    return Settings()
