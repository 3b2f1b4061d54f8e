"""Updates/s through lagbot's Application over the offline Bot API, against a bare echo bot.

    python bench/updates.py [-n 5000] [--members 50] [--postgres URL | --no-postgres]

A linked member opens settings from the main menu, then toggles a message setting — half the
updates are each. Last line: one JSON object with updates/s, ratio lagbot/echo and p50/p99 ms.
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.migrate import upgrade_async  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.harness import FakeBotAPI, FakeUser  # noqa: E402
from tests.helpers import onboard  # noqa: E402

TOKEN = "123456789:AAFakeTokenForBenchmarksOnly_abcdefghijk"
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/lagbot_bench"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def drive(users: list[FakeUser], count: int) -> dict[str, float]:
    """Send `count` updates round-robin over the users; time each one."""
    latencies: list[float] = []
    started = time.perf_counter()
    for n in range(count):
        user = users[n % len(users)]
        t0 = time.perf_counter()
        if (n // len(users)) % 2 == 0:
            await user.send("⚙️ Innstillinger")
        else:
            await user.press_data("set:msg:nudges")
        latencies.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    return {
        "updates_per_s": round(count / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 3),
        "p99_ms": round(percentile(latencies, 0.99), 3),
    }


async def bench_lagbot(url: str, count: int, members: int) -> dict[str, float]:
    await upgrade_async(url)
    database = Database(url)
    api = FakeBotAPI()
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, database_url=url,  # type: ignore[call-arg]
                        telegram_bot_username="lagbot_bench_bot")
    app = build_application(settings, database, request=api)
    await app.initialize()
    users = [FakeUser(app, api, 10_000 + n) for n in range(members)]
    for n, user in enumerate(users):
        await onboard(user, phone=f"+47400{n:05d}")
    api.calls.clear()
    try:
        return await drive(users, count)
    finally:
        await app.shutdown()
        await database.dispose()


async def bench_echo(count: int, members: int) -> dict[str, float]:
    api = FakeBotAPI()
    app = Application.builder().token(TOKEN).request(api).get_updates_request(api).build()

    async def echo(update: Update, _context: Any) -> None:
        await update.effective_chat.send_message(update.effective_message.text)  # type: ignore[union-attr]

    async def answer(update: Update, _context: Any) -> None:
        await update.callback_query.answer()  # type: ignore[union-attr]
        await update.callback_query.edit_message_text("ok")  # type: ignore[union-attr]

    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(answer))
    await app.initialize()
    users = [FakeUser(app, api, 10_000 + n) for n in range(members)]
    for user in users:
        await user.send("hei")  # so that each chat has a message to press a button on
    try:
        return await drive(users, count)
    finally:
        await app.shutdown()


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

    result: dict[str, Any] = {"updates": args.updates, "members": args.members}
    echo = await bench_echo(args.updates, args.members)
    print(f"echo baseline: {echo}")
    result["echo"] = echo
    with tempfile.TemporaryDirectory() as folder:
        sqlite = await bench_lagbot(f"sqlite+aiosqlite:///{folder}/bench.db", args.updates, args.members)
    print(f"lagbot sqlite: {sqlite}")
    result["sqlite"] = sqlite
    result["ratio_sqlite_vs_echo"] = round(sqlite["updates_per_s"] / echo["updates_per_s"], 3)
    if not args.no_postgres and (url := await fresh_postgres(args.postgres)):
        postgres = await bench_lagbot(url, args.updates, args.members)
        print(f"lagbot postgres: {postgres}")
        result["postgres"] = postgres
        result["ratio_postgres_vs_echo"] = round(postgres["updates_per_s"] / echo["updates_per_s"], 3)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
