"""Fixtures: a migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL), the app, users."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import build_application
from bot.db import Database
from bot.migrate import upgrade
from bot.settings import Settings
from models import Base
from tests.harness import FakeBotAPI, FakeUser

FAKE_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmnop"
# Realistic Telegram ids: new accounts are well above 2**31, so every id column must be 64-bit.
ADMIN_ID = 7_100_900_001


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)

    def set(self, moment: datetime) -> None:
        self.current = moment


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated once for the whole run, through the real Alembic migrations."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        asyncio.run(_reset_postgres(url))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)
    return url


async def _empty_tables(database: Database) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    async with database.engine.begin() as connection:
        if _is_postgres(database.url):
            names = ", ".join(t.name for t in tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await connection.execute(table.delete())


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await _empty_tables(database)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=FAKE_TOKEN,
        database_url=database_url,
        lagbot_admins=[ADMIN_ID],
        telegram_bot_username="lagbot_test_bot",
        # Pacing is tested on its own (test_ratelimit); elsewhere it would only slow the suite.
        rate_per_second=10000,
        rate_chat_interval=0.0001,
    )


@pytest.fixture
def api() -> FakeBotAPI:
    return FakeBotAPI()


@pytest.fixture
async def app(settings: Settings, db: Database, api: FakeBotAPI, clock: Clock) -> AsyncIterator[Any]:
    application = build_application(settings, db, request=api, clock=clock)
    await application.initialize()
    yield application
    await application.shutdown()
    from bot.runtime import RUNTIME_KEY

    errors = application.bot_data[RUNTIME_KEY].errors
    assert not errors, f"handlers raised: {errors!r}"


@pytest.fixture
def make_user(app: Any, api: FakeBotAPI) -> Callable[..., FakeUser]:
    ids = iter(range(6_200_005_001, 6_200_009_000))

    def make(user_id: int | None = None, **kwargs: Any) -> FakeUser:
        return FakeUser(app, api, user_id if user_id is not None else next(ids), **kwargs)

    return make


@pytest.fixture
def root() -> Path:
    return Path(__file__).resolve().parent.parent
