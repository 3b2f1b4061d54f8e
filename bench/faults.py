"""Fault figures for issue 12: Telegram away, the database cut, kill -9, random updates.

    python bench/faults.py [--runs 3] [--only api_outage,db_outage,kill,fuzz] [--postgres URL]

api_outage  a broadcast to --members; after 40% of it, every sendMessage and getMe fails (502 or a
            refused connection) for 10 minutes of simulated time. lost, duplicated.
db_outage   a broadcast on PostgreSQL through bench/tcp_proxy.py, cut for 30 s (real time) once it
            is under way, while members press buttons. lost, duplicated, seconds to the first
            delivery after the restore, presses unanswered.
kill        `python -m bot run` on PostgreSQL against bench/fake_bot_api.py; 300 members press
            join; kill -9 mid-burst, start again. presses lost, handled twice.
fuzz        10,000 random updates (tests/harness/fuzz.py) on SQLite and on PostgreSQL: unhandled.

Targets: 0 lost, duplicates <= in_flight_window, progress within 10 s of the restore, 0 unhandled.
With --runs N each figure is {min, median, max}. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from telegram.error import NetworkError  # noqa: E402

from bench.broadcast import FIRST_CHAT, TOKEN, outstanding, prepare  # noqa: E402
from bench.tcp_proxy import TcpProxy  # noqa: E402
from bench.updates import fresh_postgres  # noqa: E402
from bot.activity_buttons import JoinRound  # noqa: E402
from bot.app import build_application  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.migrate import upgrade_async  # noqa: E402
from bot.runtime import RUNTIME_KEY  # noqa: E402
from bot.settings import Settings  # noqa: E402
from models import rounds as rd  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.member import Member  # noqa: E402
from tests.harness import FakeBotAPI, FakeUser  # noqa: E402

PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/lagbot_faults"
BROADCAST_TEXT = "Dørbank lørdag"  # bench/broadcast.py's text
ADMIN = 7_100_900_001


class Clock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)

    def set(self, moment: datetime) -> None:
        self.current = moment


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"telegram_bot_token": TOKEN, "database_url": url, "telegram_bot_username": "lagbot_bench_bot",
                              "lagbot_admins": [ADMIN], "weekly_cap": 1000, "quiet_start": "00:00", "quiet_end": "00:00",
                              "rate_per_second": 10000, "rate_chat_interval": 0.0001}
    return Settings(_env_file=None, **{**values, **overrides})  # type: ignore[call-arg]


def broadcast_tally(calls: list[Any], members: int) -> dict[str, int]:
    per_chat = Counter(c.chat_id for c in calls if c.method == "sendMessage" and BROADCAST_TEXT in c.text)
    expected = range(FIRST_CHAT, FIRST_CHAT + members)
    return {"lost": sum(1 for chat in expected if chat not in per_chat),
            "duplicated": sum(n - 1 for n in per_chat.values() if n > 1)}


# ---- api_outage ------------------------------------------------------------------------------------

class FlakyAPI(FakeBotAPI):
    """After `fail_after` broadcast deliveries, Telegram is away for `minutes` of simulated time:
    sendMessage and getMe answer 502 or the connection is refused."""

    def __init__(self, clock: Clock, fail_after: int, minutes: float) -> None:
        super().__init__()
        self.clock, self.fail_after, self.minutes = clock, fail_after, minutes
        self.delivered = 0
        self.down_from: datetime | None = None
        self.refused = self.bad_gateway = 0

    def away(self) -> bool:
        if self.down_from is None and self.delivered >= self.fail_after:
            self.down_from = self.clock()
        return self.down_from is not None and self.clock() < self.down_from + timedelta(minutes=self.minutes)

    async def do_request(self, url: str, method: str, request_data: Any = None, **kwargs: Any) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        if api_method in ("sendMessage", "getMe") and self.away():
            if (self.refused + self.bad_gateway) % 2:
                self.refused += 1
                raise NetworkError("httpx.ConnectError: [Errno 111] Connection refused")
            self.bad_gateway += 1
            return 502, json.dumps({"ok": False, "error_code": 502, "description": "Bad Gateway"}).encode()
        code, body = await super().do_request(url, method, request_data, **kwargs)
        if api_method == "sendMessage" and code == 200:
            self.delivered += 1
        return code, body


async def api_outage(members: int) -> dict[str, Any]:
    folder = tempfile.mkdtemp(prefix="lagbot-faults-")
    url = f"sqlite+aiosqlite:///{folder}/api.db"
    await prepare(url, members)
    clock = Clock(utcnow())
    api = FlakyAPI(clock, fail_after=int(members * 0.4), minutes=10)
    database = Database(url)
    app = build_application(settings_for(url, lease_seconds=60), database, request=api, clock=clock)
    await app.initialize()
    dispatcher = app.bot_data[RUNTIME_KEY].dispatcher
    dispatcher.batch = 8  # small claims, so the outage starts in the middle of a tick's sending
    started = clock()
    try:
        while (await outstanding(url)) != (0, 0):
            await dispatcher.tick(app.bot, budget=5)
            clock.advance(seconds=1)
            if clock() - started > timedelta(hours=2):
                raise TimeoutError("the broadcast did not finish in 2 simulated hours")
        async with database.session() as session:
            from models.outbox import FAILED, OutboxMessage
            failed = await session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == FAILED))
    finally:
        await app.shutdown()
        await database.dispose()
    resumed = api.down_from + timedelta(minutes=10) if api.down_from else None
    return {**broadcast_tally(api.calls, members), "failed_for_good": int(failed or 0),
            "in_flight_window": dispatcher.in_flight_window, "refused": api.refused, "bad_gateway": api.bad_gateway,
            "simulated_minutes": round((clock() - started).total_seconds() / 60, 1),
            "finished_minutes_after_outage": round((clock() - resumed).total_seconds() / 60, 1) if resumed else None}


# ---- db_outage -------------------------------------------------------------------------------------

class TimedAPI(FakeBotAPI):
    def __init__(self) -> None:
        super().__init__()
        self.sent_at: list[float] = []

    async def do_request(self, url: str, method: str, request_data: Any = None, **kwargs: Any) -> tuple[int, bytes]:
        code, body = await super().do_request(url, method, request_data, **kwargs)
        call = self.calls[-1] if self.calls else None
        if call is not None and call.method == "sendMessage" and BROADCAST_TEXT in call.text:
            self.sent_at.append(time.monotonic())
        return code, body


async def db_outage(postgres: str, members: int, cut_seconds: float) -> dict[str, Any]:
    url = await fresh_postgres(postgres)
    if url is None:
        return {"skipped": "PostgreSQL unreachable"}
    await prepare(url, members)
    host_port = url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    proxy = TcpProxy(host, int(port)).start()
    proxied = url.replace(host_port, f"127.0.0.1:{proxy.port}")
    api = TimedAPI()
    database = Database(proxied)
    settings = settings_for(proxied, rate_per_second=40, dispatch_interval=0.2, lease_seconds=10)
    app = build_application(settings, database, request=api)
    await app.initialize()
    await app.start()
    presses: list[dict[str, Any]] = []
    state = {"cut": False}

    async def press_buttons() -> None:
        """Members open their settings and press a button, one every 0.3 s, all through the run."""
        n = 0
        while True:
            chat = FIRST_CHAT + (n * 37) % members
            user = FakeUser(app, api, chat)
            t0 = time.monotonic()
            during = state["cut"]
            try:
                if user.messages():
                    exchange = await user.press_data("set:int", user.last_message())
                else:
                    exchange = await user.send("/innstillinger")
                answered = bool(exchange.calls)
            except Exception:  # noqa: BLE001 - counted as unanswered
                answered = False
            presses.append({"answered": answered, "during_cut": during, "ms": (time.monotonic() - t0) * 1000})
            n += 1
            await asyncio.sleep(0.3)

    presser = asyncio.create_task(press_buttons())
    restored_at = None
    try:
        deadline = time.monotonic() + 600
        while len(api.sent_at) < members * 0.25:
            await asyncio.sleep(0.05)
            if time.monotonic() > deadline:
                raise TimeoutError("the broadcast did not get going")
        proxy.cut()
        state["cut"] = True
        cut_at = time.monotonic()
        await asyncio.sleep(cut_seconds)
        proxy.restore()
        state["cut"] = False
        restored_at = time.monotonic()
        while (await outstanding(url)) != (0, 0):
            await asyncio.sleep(0.25)
            if time.monotonic() > deadline:
                raise TimeoutError("the broadcast did not finish")
    finally:
        presser.cancel()
        await app.stop()
        await app.shutdown()
        await database.dispose()
        proxy.stop()
    after = [t for t in api.sent_at if restored_at is not None and t >= restored_at]
    during = [p for p in presses if p["during_cut"]]
    return {**broadcast_tally(api.calls, members), "in_flight_window": app.bot_data[RUNTIME_KEY].dispatcher.in_flight_window,
            "seconds_to_progress": round(after[0] - restored_at, 2) if after and restored_at else None,
            "sent_during_cut": sum(1 for t in api.sent_at if cut_at <= t < (restored_at or cut_at)),
            "presses": len(presses), "presses_during_cut": len(during),
            "presses_unanswered": sum(1 for p in presses if not p["answered"]),
            "outage_answers": app.bot_data[RUNTIME_KEY].outages, "handler_errors": app.bot_data[RUNTIME_KEY].error_count}


# ---- kill -9 ---------------------------------------------------------------------------------------

def http_json(port: int, path: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        with urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return json.loads(response.read())
    request = Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST")
    with urlopen(request, timeout=10) as response:
        return json.loads(response.read())


async def kill_setup(url: str, members: int) -> int:
    await upgrade_async(url)
    database = Database(url)
    now = utcnow()
    async with database.session() as session:
        session.add_all([Member(name=f"Medlem {n}", telegram_id=FIRST_CHAT + n, verified=True, onboarded_at=now,
                                language="nb") for n in range(members)])
    async with database.session() as session:
        round_ = await rd.create_round(session, title="Dørbank", district="midtbyen", starts_at=now + timedelta(days=7),
                                       ends_at=now + timedelta(days=7, hours=3), meeting_point="Torget",
                                       capacity=members // 2, now=now)
    await database.dispose()
    return round_.id


def press_update(chat: int, n: int, data: str) -> dict[str, Any]:
    user = {"id": chat, "is_bot": False, "first_name": "Medlem", "language_code": "nb"}
    message = {"message_id": 1, "date": int(time.time()), "chat": {"id": chat, "type": "private", "first_name": "M"},
               "from": {"id": 7000000001, "is_bot": True, "first_name": "lagbot"}, "text": "Dørbank"}
    return {"callback_query": {"id": f"q{n}", "from": user, "chat_instance": f"c{chat}", "data": data, "message": message}}


async def kill(postgres: str, members: int) -> dict[str, Any]:
    url = await fresh_postgres(postgres)
    if url is None:
        return {"skipped": "PostgreSQL unreachable"}
    round_id = await kill_setup(url, members)
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fake_bot_api.py"), "--scale", "100000"],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    port = int(server.stdout.readline())
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": url, "PYTHONPATH": str(ROOT),
           "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot", "TELEGRAM_BOT_USERNAME": "lagbot_bench_bot",
           "QUIET_START": "00:00", "QUIET_END": "00:00"}
    log = tempfile.NamedTemporaryFile(prefix="lagbot-kill-", suffix=".log", delete=False)  # noqa: SIM115

    def start_bot() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    data = JoinRound(round_id=round_id).pack()
    bot = start_bot()
    try:
        for n in range(members):
            http_json(port, "/push", press_update(FIRST_CHAT + n, n, data))
        deadline = time.monotonic() + 120
        while len(http_json(port, "/stats")["answers"]) < members // 3:
            if time.monotonic() > deadline or bot.poll() is not None:
                raise RuntimeError("the bot did not start answering")
            await asyncio.sleep(0.005)
        bot.send_signal(signal.SIGKILL)
        bot.wait()
        before = len(set(http_json(port, "/stats")["answers"]))
        bot = start_bot()
        deadline = time.monotonic() + 180
        while len(set(http_json(port, "/stats")["answers"])) < members and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # anything that would be handled twice has had time to be
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=20)
        except subprocess.TimeoutExpired:
            bot.kill()
        stats = http_json(port, "/stats")
        server.terminate()
    answers = Counter(stats["answers"])
    database = Database(url)
    async with database.session() as session:
        counted = select(func.count()).select_from(rd.Signup).where(rd.Signup.round_id == round_id)
        signups = int(await session.scalar(counted) or 0)
    await database.dispose()
    output = Path(log.name).read_text(errors="replace")
    return {"presses": members, "answered_before_kill": before,
            "lost": sum(1 for n in range(members) if answers.get(f"q{n}", 0) == 0),
            "handled_twice": sum(1 for n in range(members) if answers.get(f"q{n}", 0) > 1),
            "signed_up": signups, "in_flight_window": settings_for(url).concurrent_updates,
            "tracebacks": output.count("Traceback")}


# ---- fuzz ------------------------------------------------------------------------------------------

async def fuzz(url: str, count: int, seed: int) -> dict[str, Any]:
    from tests.harness.fuzz import Fuzzer, build_world, drive

    await upgrade_async(url)
    database = Database(url)
    api = FakeBotAPI()
    clock = Clock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    app = build_application(settings_for(url), database, request=api, clock=clock)
    await app.initialize()
    try:
        world = await build_world(app, api, clock, ADMIN)
        started = time.perf_counter()
        result = await drive(app, Fuzzer(seed, world, api), count, clock)
        newcomer = FakeUser(app, api, 6_399_999_999)
        answered = bool((await newcomer.send("/start")).texts)
    finally:
        await app.shutdown()
        await database.dispose()
    return {"updates": count, "unhandled": result["unhandled"], "start_answered_after": answered,
            "updates_per_s": round(count / (time.perf_counter() - started), 1), "first_errors": result["escaped"][:3]}


# ---- main ------------------------------------------------------------------------------------------

def spread(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """{key: value} for one run; {key: {min, median, max}} over several (numbers only)."""
    if len(runs) == 1:
        return runs[0]
    merged: dict[str, Any] = {}
    for key in runs[0]:
        values = [run.get(key) for run in runs]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            merged[key] = {"min": min(values), "median": statistics.median(values), "max": max(values)}  # type: ignore[type-var]
        else:
            merged[key] = values
    return merged


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", default="api_outage,db_outage,kill,fuzz")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--members", type=int, default=600, help="api_outage broadcast size")
    parser.add_argument("--db-members", type=int, default=2000, help="db_outage broadcast size (40/s)")
    parser.add_argument("--cut-seconds", type=float, default=30.0)
    parser.add_argument("--kill-members", type=int, default=300)
    parser.add_argument("--fuzz-updates", type=int, default=10_000)
    args = parser.parse_args()
    parts = args.only.split(",")
    result: dict[str, Any] = {"runs": args.runs}
    if "api_outage" in parts:
        result["api_outage"] = spread([await api_outage(args.members) for _ in range(args.runs)])
        print(f"api_outage: {result['api_outage']}", flush=True)
    if "db_outage" in parts:
        result["db_outage"] = spread([await db_outage(args.postgres, args.db_members, args.cut_seconds)
                                      for _ in range(args.runs)])
        print(f"db_outage: {result['db_outage']}", flush=True)
    if "kill" in parts:
        result["kill"] = spread([await kill(args.postgres, args.kill_members) for _ in range(args.runs)])
        print(f"kill: {result['kill']}", flush=True)
    if "fuzz" in parts:
        runs: dict[str, list[dict[str, Any]]] = {"sqlite": [], "postgres": []}
        for run in range(args.runs):
            folder = tempfile.mkdtemp(prefix="lagbot-fuzz-")
            runs["sqlite"].append(await fuzz(f"sqlite+aiosqlite:///{folder}/fuzz.db", args.fuzz_updates, seed=run + 1))
            if (url := await fresh_postgres(args.postgres)) is not None:
                runs["postgres"].append(await fuzz(url, args.fuzz_updates, seed=run + 1))
        result["fuzz"] = {name: spread(values) for name, values in runs.items() if values}
        print(f"fuzz: {result['fuzz']}", flush=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
