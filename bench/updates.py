"""Updates/s through lagbot's Application over the offline Bot API, against a floor on the same database.

    python bench/updates.py [-n 5000] [--members 50] [--postgres URL | --no-postgres]

A linked member opens settings from the main menu, then toggles a message setting — half the
updates are each. Updates come in rounds of one per member, each round a getUpdates batch handled
with the application's concurrency; each goes through the inbox as in production (the batch stored
first, each update marked done after its handlers). The floor, measured in the same run on the same
database: bare PTB, one indexed read per update and a commit (a write) every other update. The two
take turns, four rounds at a time (the first of each turn alternating), so that a shared machine's
load falls on both alike. Last line: one JSON object with updates/s, p50/p99 ms and the ratio
lagbot ÷ floor per database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy import update as update_  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters  # noqa: E402

from bot.app import build_application, settle_heap  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.inbox import chat_of  # noqa: E402
from bot.migrate import upgrade_async  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.preferences import SetMessageKind  # noqa: E402
from models import inbox  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.member import Member  # noqa: E402
from tests.harness import FakeBotAPI, FakeUser  # noqa: E402
from tests.helpers import onboard  # noqa: E402

TOKEN = "123456789:AAFakeTokenForBenchmarksOnly_abcdefghijk"
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/lagbot_bench"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def build(user: FakeUser, action: int) -> dict[str, Any]:
    """The update `user` would send (the menu button, or the toggle under the last message), unsent."""
    built: list[dict[str, Any]] = []

    async def capture(update: dict[str, Any]) -> None:
        built.append(update)

    user._process = capture  # type: ignore[method-assign,assignment]
    try:
        if action % 2 == 0:
            await user.send("⚙️ Innstillinger")
        else:
            await user.press_data(SetMessageKind(code="nudges").pack())
    finally:
        del user._process  # type: ignore[attr-defined]
    return built[0]


@dataclass
class Side:
    """One application under test, ready to be driven, and what it has measured so far."""

    app: Any
    users: list[FakeUser]
    close: Callable[[], Awaitable[None]]
    store: Callable[[list[dict[str, Any]]], Awaitable[None]] | None = None
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {
            "updates_per_s": round(len(self.latencies) / self.elapsed, 1),
            "p50_ms": round(statistics.median(self.latencies), 3),
            "p99_ms": round(percentile(self.latencies, 0.99), 3),
        }


async def drive(side: Side, count: int) -> None:
    """`count` updates in rounds of one per member, as getUpdates batches: each batch is stored (when
    the side has `store`, as `DurableUpdates` does) and handled through the application's update
    processor (its concurrency, its per-chat order); each update's time is from its arrival."""
    app, users = side.app, side.users
    started = time.perf_counter()
    done = 0
    while done < count:
        batch = [await build(user, done // len(users)) for user in users[: count - done]]
        arrived = time.perf_counter()
        if side.store is not None:
            await side.store(batch)

        async def handle(raw: dict[str, Any], arrived: float = arrived) -> None:
            update = Update.de_json(raw, app.bot)
            await app.update_processor.process_update(update, app.process_update(update))
            side.latencies.append((time.perf_counter() - arrived) * 1000)

        await asyncio.gather(*(handle(raw) for raw in batch))
        done += len(batch)
    side.elapsed += time.perf_counter() - started


async def start_lagbot(url: str, members: int) -> Side:
    await upgrade_async(url)
    database = Database(url)
    api = FakeBotAPI()
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, database_url=url,  # type: ignore[call-arg]
                        telegram_bot_username="lagbot_bench_bot")
    app = build_application(settings, database, request=api)
    await app.initialize()
    settle_heap()  # as production's start-up does (PTB runs `post_init` in run_polling, not in initialize)
    users = [FakeUser(app, api, 10_000 + n) for n in range(members)]
    for n, user in enumerate(users):
        await onboard(user, phone=f"+47400{n:05d}")
    api.calls.clear()

    async def store(batch: list[dict[str, Any]]) -> None:
        """As `DurableUpdates` stores a getUpdates batch before PTB sees it."""
        async with database.single() as session:
            await inbox.receive(session, [(raw["update_id"], chat_of(raw), json.dumps(raw)) for raw in batch], utcnow())

    async def close() -> None:
        await app.shutdown()
        await database.dispose()

    return Side(app, users, close, store)


async def start_floor(url: str, members: int) -> Side:
    """Bare PTB on the same database: one indexed read per update, a write and commit every other one."""
    database = Database(url)
    api = FakeBotAPI()
    app = (Application.builder().token(TOKEN).request(api).get_updates_request(api)
           .concurrent_updates(Settings(_env_file=None).concurrent_updates).build())  # type: ignore[call-arg]
    turn = [0]

    async def touch(update: Update) -> str:
        turn[0] += 1
        async with database.session() as session:
            row = (await session.execute(select(Member.id, Member.language).where(
                Member.telegram_id == update.effective_user.id))).one()  # type: ignore[union-attr]
            if turn[0] % 2:
                await session.execute(update_(Member).where(Member.id == row.id).values(last_active_at=utcnow()))
        return str(row.language)

    async def echo(update: Update, _context: Any) -> None:
        await update.effective_chat.send_message(await touch(update))  # type: ignore[union-attr]

    async def answer(update: Update, _context: Any) -> None:
        language = await touch(update)
        await update.callback_query.answer()  # type: ignore[union-attr]
        await update.callback_query.edit_message_text(f"{language} {turn[0]}")  # type: ignore[union-attr]

    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(answer))
    await app.initialize()
    users = [FakeUser(app, api, 10_000 + n) for n in range(members)]  # the members lagbot stored
    for user in users:
        await user.send("hei")  # so that each chat has a message to press a button on

    async def close() -> None:
        await app.shutdown()
        await database.dispose()

    return Side(app, users, close)


async def compare(url: str, count: int, members: int) -> tuple[dict[str, float], dict[str, float]]:
    """Lagbot and the floor, taking turns of four rounds (an even number: both kinds of update)."""
    lagbot = await start_lagbot(url, members)
    floor = await start_floor(url, members)
    turn = 4 * members
    try:
        for number, done in enumerate(range(0, count, turn)):
            for side in (lagbot, floor) if number % 2 == 0 else (floor, lagbot):
                await drive(side, min(turn, count - done))
    finally:
        await lagbot.close()
        await floor.close()
    return lagbot.summary(), floor.summary()


async def fresh_postgres(url: str) -> str | None:
    """Create (or empty) the benchmark database; None if PostgreSQL cannot be reached."""
    server, name = url.rsplit("/", 1)
    try:
        admin = create_async_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
    except Exception as exc:  # noqa: BLE001 - report and go on with SQLite
        print(f"postgres: skipped ({exc.__class__.__name__}: {exc})")
        return None
    return url


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--updates", type=int, default=5000)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    result: dict[str, Any] = {"updates": args.updates, "members": args.members, "target_ratio": 0.7}

    async def both(name: str, url: str) -> None:
        lagbot, floor = await compare(url, args.updates, args.members)
        print(f"{name}: lagbot {lagbot} floor {floor}")
        result[name] = {"lagbot": lagbot, "floor": floor,
                        "ratio": round(lagbot["updates_per_s"] / floor["updates_per_s"], 3)}

    with tempfile.TemporaryDirectory() as folder:
        await both("sqlite", f"sqlite+aiosqlite:///{folder}/bench.db")
    if not args.no_postgres and (url := await fresh_postgres(args.postgres)):
        await both("postgres", url)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
