"""1,000 members press the same join button within 10 s of simulated time, through the Application.

    python bench/signup_burst.py [-n 1000] [--capacity 100] [--concurrency 50] [--no-postgres] [--real]

Each press is a real callback-query update processed by lagbot's Application over the offline Bot
API; presses run `--concurrency` at a time while the simulated clock moves 10 s across the burst.
Last line: one JSON object per database with answered, oversold (must be 0), p50/p99 answer ms, updates/s.

With --real, the burst goes through the real `python -m bot run` over HTTP against
bench/fake_bot_api.py, with 10,000 members stored and the JobQueue running, beside a floor of bare
PTB (one INSERT and a commit per press) in the same run: see bench/signup_real.py.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import signup_real as real  # noqa: E402
from bench.updates import PG_DEFAULT, TOKEN, fresh_postgres, percentile  # noqa: E402
from bot.app import build_application  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.migrate import upgrade_async  # noqa: E402
from bot.settings import Settings  # noqa: E402
from models import rounds as rd  # noqa: E402
from models.member import Member  # noqa: E402
from tests.harness import FakeBotAPI, FakeUser  # noqa: E402


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


async def burst(url: str, members: int, capacity: int, concurrency: int) -> dict[str, Any]:
    await upgrade_async(url)
    database = Database(url)
    start = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    clock = Clock(start)
    async with database.session() as session:
        people = [Member(name=f"Medlem {n}", telegram_id=2_000_000 + n, onboarded_at=start, language="nb", verified=True)
                  for n in range(members)]
        session.add_all(people)
    async with database.session() as session:
        round_ = await rd.create_round(session, title="Dørbank", district="midtbyen", starts_at=start + timedelta(days=7),
                                       ends_at=start + timedelta(days=7, hours=3), meeting_point="Torget", capacity=capacity, now=start)
    api = FakeBotAPI()
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, database_url=url,  # type: ignore[call-arg]
                        telegram_bot_username="lagbot_bench_bot")
    app = build_application(settings, database, request=api, clock=clock)
    await app.initialize()
    users = [FakeUser(app, api, 2_000_000 + n) for n in range(members)]
    # Each member looks at the round first, so they press a button on a message of their own.
    for user in users:
        await user.send("/dorbank")
    api.calls.clear()
    latencies: list[float] = []
    answered = 0
    semaphore = asyncio.Semaphore(concurrency)

    async def press(n: int, user: FakeUser) -> None:
        nonlocal answered
        async with semaphore:
            clock.now = start + timedelta(seconds=10 * n / members)
            t0 = time.perf_counter()
            exchange = await user.press_data(f"rd:join:{round_.id}", user.last_message())
            latencies.append((time.perf_counter() - t0) * 1000)
            if exchange.texts or exchange.alerts:
                answered += 1

    began = time.perf_counter()
    await asyncio.gather(*(press(n, u) for n, u in enumerate(users)))
    elapsed = time.perf_counter() - began
    async with database.session() as session:
        confirmed, waiting = (await rd.counts(session, [round_.id]))[round_.id]
    await app.shutdown()
    await database.dispose()
    return {
        "presses": members,
        "answered": answered,
        "confirmed": confirmed,
        "waiting": waiting,
        "oversold": max(0, confirmed - capacity),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "updates_per_s": round(members / elapsed, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--members", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--real", action="store_true", help="through `python -m bot run` over HTTP, beside a floor")
    args = parser.parse_args()
    if args.real:
        await main_real(args)
        return
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        result["sqlite"] = await burst(f"sqlite+aiosqlite:///{folder}/burst.db", args.members, args.capacity, args.concurrency)
    print(f"sqlite: {result['sqlite']}")
    if not args.no_postgres and (url := await fresh_postgres(args.postgres)):
        result["postgres"] = await burst(url, args.members, args.capacity, args.concurrency)
        print(f"postgres: {result['postgres']}")
    print(json.dumps(result))


async def main_real(args: argparse.Namespace) -> None:
    result: dict[str, Any] = {"mode": "real", "target_ratio": 0.5, "target_p99_over_p50": 1.5}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            result["sqlite"] = await real.run(f"sqlite+aiosqlite:///{folder}/burst.db", args.members, args.capacity,
                                              args.concurrency)
        print(f"sqlite: {result['sqlite']}", flush=True)
    if not args.no_postgres and (url := await fresh_postgres(args.postgres)):
        result["postgres"] = await real.run(url, args.members, args.capacity, args.concurrency)
        print(f"postgres: {result['postgres']}", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
