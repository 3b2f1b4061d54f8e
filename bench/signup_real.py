"""The sign-up burst through the real `python -m bot run` over HTTP (bench/fake_bot_api.py).

    python bench/signup_burst.py --real [-n 500] [--capacity 100] [--concurrency 50] [--no-postgres]

10,000 members are stored; `-n` of them press the join button of one round, `--concurrency` at a
time (each client pushes a press and waits until the bot answers it, then presses again), while the
bot runs as in production: its durable inbox, PTB's update queue, the JobQueue with the dispatcher
and every upkeep job. The floor is bare PTB in its own process against the same fake API, the same
database and the same concurrency (PTB `concurrent_updates` and clients): one INSERT and a commit per
press, then the answer and one reply. CPU ms per press is the process's CPU time (user + system,
from /proc) over the burst ÷ presses. The burst starts once the bot's first upkeep passes have queued
what they queue at start (the new round suggested to the 10,000); the dispatcher goes on sending those
at Telegram's rate during the burst, as it would in production. BENCH_PROFILE=file runs the bot under cProfile;
BENCH_PYSPY=file samples the bot and the floor with py-spy during the burst alone (file.q, file.f).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, CallbackQueryHandler  # noqa: E402

from bench.updates import TOKEN, percentile  # noqa: E402
from bot.activity_buttons import JoinRound  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.migrate import upgrade_async  # noqa: E402
from bot.settings import Settings  # noqa: E402
from models import rounds as rd  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.member import Member  # noqa: E402

FIRST_CHAT = 3_000_000_001
STORED = 10_000


def http(port: int, path: str, body: dict[str, Any] | None = None, timeout: float = 40) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = Request(f"http://127.0.0.1:{port}{path}", data=data, method="GET" if body is None else "POST")
    with urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def wait_answer(port: int, query_id: str, timeout: float = 180) -> float | None:
    """When the bot answered the press (the fake API's clock), asking again while the fake API's
    30 s wait runs out (a loaded machine); None if it never was, within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return http(port, "/wait/" + query_id, timeout=40)["at"]  # type: ignore[no-any-return]
        except HTTPError as error:
            if error.code != 404 or time.monotonic() > deadline:
                return None


def press(chat: int, query_id: str, data: str) -> dict[str, Any]:
    user = {"id": chat, "is_bot": False, "first_name": "Medlem", "language_code": "nb"}
    message = {"message_id": 1, "date": int(time.time()), "chat": {"id": chat, "type": "private", "first_name": "M"},
               "from": {"id": 7000000001, "is_bot": True, "first_name": "lagbot"}, "text": "Dørbank"}
    return {"callback_query": {"id": query_id, "from": user, "chat_instance": f"c{chat}", "data": data, "message": message}}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def setup(url: str, capacity: int) -> tuple[int, int]:
    """10,000 members; the round they join and, for the floor, a second one."""
    await upgrade_async(url)
    database = Database(url)
    now = utcnow()
    async with database.session() as session:
        await session.execute(insert(Member), [
            {"name": f"Medlem {n}", "telegram_id": FIRST_CHAT + n, "verified": True, "onboarded_at": now - timedelta(days=30),
             "language": "nb"} for n in range(STORED)])
    rounds = []
    for title in ("Dørbank", "Golvet"):
        async with database.session() as session:
            round_ = await rd.create_round(session, title=title, district="midtbyen", starts_at=now + timedelta(days=7),
                                           ends_at=now + timedelta(days=7, hours=3), meeting_point="Torget",
                                           capacity=capacity, now=now)
            rounds.append(round_.id)
    await database.dispose()
    return rounds[0], rounds[1]


FIRST_PASSES = ("nudges", "welcome", "calendar")


async def settle(url: str) -> float:
    """Wait until the bot's first upkeep passes have queued what they queue at start (the new
    round's suggestions to 10,000 members): each has recorded its run (upkeep_runs, committed with
    what it queued; on a loaded machine a pass can think for longer than the outbox's 2 s), and the
    outbox stops growing for 2 s. Returns the wait."""
    database = Database(url)
    began, last, steady = time.monotonic(), -1, 0.0
    while steady < 2.0 and time.monotonic() - began < 300:
        async with database.read() as session:
            count = int(await session.scalar(text("SELECT count(*) FROM outbox")) or 0)
            ran = set(await session.scalars(text("SELECT name FROM upkeep_runs")))
        if not ran.issuperset(FIRST_PASSES):
            count = -1
        steady = steady + 0.5 if count == last and count >= 0 else 0.0
        last = count
        await asyncio.sleep(0.5)
    await database.dispose()
    return time.monotonic() - began


def burst(port: int, pid: int, data: str, presses: int, concurrency: int, first: int, tag: str,
          url: str | None = None) -> dict[str, Any]:
    """Closed loop: each client pushes a press and waits for its answer. Member `first` warms up."""
    http(port, "/push", press(FIRST_CHAT + first, f"{tag}-warm", data))
    wait_answer(port, f"{tag}-warm", timeout=300)
    if url is not None:  # in a thread of its own: the caller's event loop is busy waiting for this
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, settle(url)).result()
    time.sleep(1)
    latencies: list[float] = []
    timeline: list[tuple[float, float]] = []  # (s into the burst, ms): BENCH_LATENCIES=file writes it
    turn = iter(range(presses))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                n = next(turn, None)
            if n is None:
                return
            query_id = f"{tag}{n}"
            began = time.monotonic()
            http(port, "/push", press(FIRST_CHAT + first + 1 + n, query_id, data))
            answered = wait_answer(port, query_id)
            if answered is not None:
                with lock:
                    latencies.append((answered - began) * 1000)
                    timeline.append((round(began - started, 3), round((answered - began) * 1000, 1)))

    spy = None
    if os.environ.get("BENCH_PYSPY"):  # samples of the burst alone (py-spy's raw format)
        spy = subprocess.Popen(["py-spy", "record", "-p", str(pid), "-r", "100", "-f", "raw", "-o",
                                f"{os.environ['BENCH_PYSPY']}.{tag}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
    cpu_before, began = cpu_seconds(pid), time.perf_counter()
    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(client) for _ in range(concurrency)]:
            future.result()
    elapsed, cpu = time.perf_counter() - began, cpu_seconds(pid) - cpu_before
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait()
    if os.environ.get("BENCH_LATENCIES"):
        Path(f"{os.environ['BENCH_LATENCIES']}.{tag}").write_text(json.dumps(sorted(timeline)))
    return {"presses": presses, "answered": len(latencies), "presses_per_s": round(presses / elapsed, 1),
            "p50_ms": round(statistics.median(latencies), 2), "p99_ms": round(percentile(latencies, 0.99), 2),
            "cpu_ms_per_press": round(cpu * 1000 / presses, 2)}


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def run(url: str, presses: int, capacity: int, concurrency: int) -> dict[str, Any]:
    if presses + 2 > STORED:
        raise SystemExit(f"-n is at most {STORED - 2}")
    round_id, floor_round = await setup(url, capacity)
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fake_bot_api.py"), "--scale", "100000"],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    port = int(server.stdout.readline())
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": url, "PYTHONPATH": str(ROOT),
           "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot", "TELEGRAM_BOT_USERNAME": "lagbot_bench_bot",
           "QUIET_START": "00:00", "QUIET_END": "00:00"}
    log = tempfile.NamedTemporaryFile(prefix="lagbot-burst-", suffix=".log", delete=False)  # noqa: SIM115
    result: dict[str, Any] = {"members_stored": STORED, "capacity": capacity, "concurrency": concurrency}
    try:
        profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
        bot = subprocess.Popen([sys.executable, *profile, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
        try:
            result["lagbot"] = burst(port, bot.pid, JoinRound(round_id=round_id).pack(), presses, concurrency, 0, "q",
                                     url)
        finally:
            stop(bot)
        floor = subprocess.Popen([sys.executable, str(Path(__file__)), "floor", url, str(port), str(floor_round)],
                                 cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            result["floor"] = burst(port, floor.pid, "floor", presses, concurrency, 0, "f")
        finally:
            stop(floor)
    finally:
        server.terminate()
        server.wait()
    database = Database(url)
    async with database.session() as session:
        confirmed, waiting = (await rd.counts(session, [round_id]))[round_id]
    await database.dispose()
    output = Path(log.name).read_text(errors="replace")
    result.update(confirmed=confirmed, waiting=waiting, oversold=max(0, confirmed - capacity),
                  tracebacks=output.count("Traceback"), log=log.name,
                  ratio=round(result["lagbot"]["presses_per_s"] / result["floor"]["presses_per_s"], 3),
                  p99_over_p50=round(result["lagbot"]["p99_ms"] / result["lagbot"]["p50_ms"], 2))
    return result


def floor_process(url: str, port: int, round_id: int) -> None:
    """Bare PTB polling the fake API: one INSERT and a commit per press, then the answer and a reply."""
    settings = Settings()
    database = Database(url)
    statement = text("INSERT INTO round_signups (round_id, member_id, status, queue, created_at, changed_at) "
                     "SELECT :round_id, id, 'confirmed', 0, :now, :now FROM members WHERE telegram_id = :telegram_id")

    async def join(update: Update, _context: Any) -> None:
        query = update.callback_query
        assert query is not None
        async with database.session() as session:
            await session.execute(statement, {"round_id": round_id, "now": utcnow(), "telegram_id": query.from_user.id})
        await query.answer()
        await update.effective_chat.send_message("Påmeldt!")  # type: ignore[union-attr]

    async def dispose(_app: Any) -> None:
        await database.dispose()

    app = (Application.builder().token(TOKEN).base_url(settings.telegram_api_base_url).post_shutdown(dispose)
           .concurrent_updates(settings.concurrent_updates).connection_pool_size(settings.http_pool_size).build())
    app.add_handler(CallbackQueryHandler(join))
    app.run_polling(poll_interval=0, timeout=10)


if __name__ == "__main__" and sys.argv[1:2] == ["floor"]:
    floor_process(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
