"""lagbot broadcasts to N members through the fake Bot API over real HTTP, with the real dispatcher.

    python bench/broadcast.py [-n 3000] [--scale 3] [--postgres URL]      # without and with faults
    python bench/broadcast.py --crash [-n 3000]                            # SIGKILL mid-broadcast

Telegram's limits are scaled by --scale (30/s overall becomes 300/s) so a run takes seconds.
Last line: one JSON object. Targets: ratio >= 0.97 and zero 429s without faults; with faults (5 % 5xx,
1 % stalls past the timeout) ratio >= 0.8, zero lost and zero duplicated; after a crash zero lost and
duplicates no more than were in flight. Also: CPU ms per message delivered, and the ratio over the
first pass (until every message had been tried once), apart from the retries' back-off tail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.broadcasting import launch  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.migrate import upgrade_async  # noqa: E402
from bot.settings import Settings  # noqa: E402
from models import broadcast as bc  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.member import Member  # noqa: E402
from models.outbox import CLAIMED, PENDING, OutboxMessage  # noqa: E402

TOKEN = "123456789:AAFakeTokenForBenchmarksOnly_abcdefghijk"
FIRST_CHAT = 1_000_001


def settings_for(url: str, port: int, scale: float) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_URL": url,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "TELEGRAM_BOT_USERNAME": "lagbot_bench_bot",
        "RATE_PER_SECOND": str(30 * scale),
        "RATE_CHAT_INTERVAL": str(1.0 / scale),
        "DISPATCH_INTERVAL": "0.2",
        "LEASE_SECONDS": "10",
        "WEEKLY_CAP": "1000",
        "QUIET_START": "00:00",
        "QUIET_END": "00:00",
    }


async def prepare(url: str, members: int) -> int:
    """A fresh database with `members` members on Telegram and one broadcast queued to them all."""
    await upgrade_async(url)
    database = Database(url)
    now = utcnow()
    async with database.session() as session:
        for table in ("outbox", "broadcasts", "member_interests", "member_roles", "members"):
            await session.execute(__import__("sqlalchemy").text(f"DELETE FROM {table}"))
        session.add_all([Member(name=f"Medlem {n}", telegram_id=FIRST_CHAT + n, verified=True, onboarded_at=now,
                                language=("nb", "nn", "en")[n % 3]) for n in range(members)])
    async with database.session() as session:
        broadcast = await bc.create(session, author_id=None, text="Dørbank lørdag kl. 12 — bli med!",
                                    audience=bc.Audience(), urgent=True, send_at=None, now=now)
    await launch(database, broadcast.id, now=now, weekly_cap=1000)
    await database.dispose()
    return broadcast.id


async def outstanding(url: str, database: Database | None = None) -> tuple[int, int]:
    """Rows pending and claimed. In the bot's own process pass its `database`: a fresh engine four
    times a second would cost the event loop the dispatcher sends from (and the ratio with it)."""
    own = database is None
    database = database or Database(url)
    async with database.peek() as session:
        counts = dict((await session.execute(select(OutboxMessage.status, func.count()).where(
            OutboxMessage.status.in_((PENDING, CLAIMED))).group_by(OutboxMessage.status))).all())
    if own:
        await database.dispose()
    return int(counts.get(PENDING, 0)), int(counts.get(CLAIMED, 0))


def stats(port: int) -> dict[str, Any]:
    with urlopen(f"http://127.0.0.1:{port}/stats", timeout=10) as response:
        return json.loads(response.read())


def tally(port: int, members: int, forbidden_every: int, scale: float) -> dict[str, Any]:
    data = stats(port)
    deliveries = data["deliveries"]
    per_chat = Counter(chat for _t, chat, _text in deliveries)
    expected = {FIRST_CHAT + n for n in range(members)}
    if forbidden_every:
        expected = {chat for chat in expected if chat % forbidden_every}
    times = sorted(t for t, _chat, _text in deliveries)
    span = (times[-1] - times[0]) if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span else 0.0
    allowed = 30 * scale
    counts = data["counts"]
    # The whole run ("ratio"): messages delivered per second from the first delivery to the last,
    # the last retry included, against the allowed rate. The first pass: from the first send until
    # every member's message had been tried once; "tail_s" is what came after it (retries waiting
    # out their back-off, and stalled requests their timeout, when the rate budget has little to spend).
    first_try: dict[int, float] = {}
    for at, chat, _status in data["attempts"]:
        first_try.setdefault(chat, at)
    first_pass = (max(first_try.values()) - times[0]) if first_try and times else 0.0
    in_first_pass = [at for at, _chat, _status in data["attempts"] if at <= times[0] + first_pass] if times else []
    delivered_in_first_pass = sum(1 for t in times if t <= times[0] + first_pass)
    return {
        "allowed_rate": allowed,
        "achieved_rate": round(achieved, 1),
        "ratio": round(achieved / allowed, 3),
        "first_pass_s": round(first_pass, 1),
        "tail_s": round(span - first_pass, 1) if times else 0.0,
        "ratio_first_pass": round((delivered_in_first_pass - 1) / first_pass / allowed, 3) if first_pass else 0.0,
        "budget_used_first_pass": round(len(in_first_pass) / first_pass / allowed, 3) if first_pass else 0.0,
        "429s": sum(v for k, v in counts.items() if k.startswith("429")),
        "429s_by_limit": {k: v for k, v in counts.items() if k.startswith("429")},
        "delivered_exactly_once": sum(1 for chat in expected if per_chat.get(chat) == 1),
        "lost": sum(1 for chat in expected if chat not in per_chat),
        "duplicated": sum(count - 1 for count in per_chat.values() if count > 1),
        "faults": {k: v for k, v in counts.items() if not k.startswith("429")},
    }


def per_message(cpu_seconds: float, port: int) -> float:
    """CPU ms of this process (the bot's Application and dispatcher, and the 4-a-second check of the
    outbox this benchmark makes) per message delivered."""
    delivered = len(stats(port)["deliveries"])
    return round(cpu_seconds * 1000 / delivered, 2) if delivered else 0.0


async def run_in_process(url: str, port: int, members: int, scale: float) -> float:
    """The real Application, its JobQueue driving the real dispatcher, until the outbox is empty."""
    os.environ.update(settings_for(url, port, scale))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    database = Database(url)
    app = build_application(settings, database)
    started = time.perf_counter()
    await app.initialize()
    await app.start()
    try:
        while (await outstanding(url, database)) != (0, 0):
            await asyncio.sleep(0.25)
            if time.perf_counter() - started > 600:
                raise TimeoutError("broadcast did not finish in 10 minutes")
    finally:
        await app.stop()
        await app.shutdown()
        await database.dispose()
    return time.perf_counter() - started


def start_server(scale: float, *faults: str) -> tuple[subprocess.Popen[str], int]:
    """The fake Bot API in its own process, as Telegram would be."""
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fake_bot_api.py"), "--scale", str(scale), *faults],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    return server, int(server.stdout.readline())


def start_bot(url: str, port: int, scale: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, **settings_for(url, port, scale)}
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def crash_run(url: str, port: int, members: int, scale: float) -> dict[str, Any]:
    bot = start_bot(url, port, scale)
    try:
        deadline = time.monotonic() + 300
        while len(stats(port)["deliveries"]) < members * 0.4:
            if time.monotonic() > deadline or bot.poll() is not None:
                raise RuntimeError("the bot did not get going")
            await asyncio.sleep(0.05)
        bot.send_signal(signal.SIGKILL)
        bot.wait()
    finally:
        if bot.poll() is None:
            bot.kill()
    at_kill = len(stats(port)["deliveries"])
    _pending, in_flight = await outstanding(url)
    print(f"killed after {at_kill} deliveries; {in_flight} rows were claimed and unconfirmed")
    bot = start_bot(url, port, scale)
    try:
        deadline = time.monotonic() + 600
        while (await outstanding(url)) != (0, 0):
            if time.monotonic() > deadline:
                raise TimeoutError("the restarted bot did not finish")
            await asyncio.sleep(0.25)
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=20)
        except subprocess.TimeoutExpired:
            bot.kill()
    result = tally(port, members, 0, scale)
    return {"lost": result["lost"], "duplicated": result["duplicated"], "in_flight_at_kill": in_flight,
            "delivered_before_kill": at_kill, "delivered_exactly_once": result["delivered_exactly_once"]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--members", type=int, default=3000)
    parser.add_argument("--scale", type=float, default=3.0)
    parser.add_argument("--postgres", help="postgresql+asyncpg://… to run on PostgreSQL instead of SQLite")
    parser.add_argument("--crash", action="store_true")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="lagbot-bench-")
    url = args.postgres or f"sqlite+aiosqlite:///{folder}/broadcast.db"
    server, port = start_server(args.scale)
    result: dict[str, Any] = {"members": args.members, "scale": args.scale, "database": url.split(":")[0]}
    try:
        if args.crash:
            await prepare(url, args.members)
            result["crash"] = await crash_run(url, port, args.members, args.scale)
            print(f"crash: {result['crash']}")
        else:
            await prepare(url, args.members)
            cpu = time.process_time()
            seconds = await run_in_process(url, port, args.members, args.scale)
            result["clean"] = {**tally(port, args.members, 0, args.scale), "seconds": round(seconds, 1)}
            result["clean"]["cpu_ms_per_message"] = per_message(time.process_time() - cpu, port)
            print(f"without faults: {result['clean']}")

            server.terminate()
            server, port = start_server(args.scale, "--fault-5xx", "0.05", "--fault-timeout", "0.01",
                                        "--forbidden-every", "50", "--stall-seconds", "6")
            await prepare(url, args.members)
            cpu = time.process_time()
            seconds = await run_in_process(url, port, args.members, args.scale)
            result["faults"] = {**tally(port, args.members, 50, args.scale), "seconds": round(seconds, 1)}
            result["faults"]["cpu_ms_per_message"] = per_message(time.process_time() - cpu, port)
            print(f"with faults (5% 5xx, 1% timeouts, every 50th chat 403): {result['faults']}")
    finally:
        server.terminate()
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
