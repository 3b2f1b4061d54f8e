"""Updates are durable: stored before Telegram is told they arrived, handled once, replayed after a crash."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from sqlalchemy.exc import OperationalError
from telegram import Update
from telegram.error import NetworkError

from bot.inbox import DurableUpdates, PerChatOrder, chat_of, replay
from models import inbox
from tests.conftest import FAKE_TOKEN
from tests.test_run_e2e import Server, text

ROOT = Path(__file__).resolve().parent.parent
USER = 6_400_000_001


def start_update(update_id: int, user_id: int = USER, body: str = "/start") -> dict[str, Any]:
    message = {"message_id": update_id, "date": int(time.time()), "text": body,
               "chat": {"id": user_id, "type": "private", "first_name": "Eli"},
               "from": {"id": user_id, "is_bot": False, "first_name": "Eli", "language_code": "nb"}}
    if body.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(body)}]
    return {"update_id": update_id, "message": message}


class CannedUpdates:
    """A request that answers getUpdates with a fixed batch."""

    read_timeout = 5.0

    def __init__(self, batch: list[dict[str, Any]]) -> None:
        self.batch = batch

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        return 200, json.dumps({"ok": True, "result": self.batch}).encode()


async def test_a_batch_is_stored_before_it_is_returned_and_a_second_delivery_is_dropped(db, clock):
    batch = [start_update(101), start_update(102, USER + 1)]
    durable = DurableUpdates(CannedUpdates(batch), db, clock)  # type: ignore[arg-type]
    code, payload = await durable.do_request("http://x/botT/getUpdates", "POST")
    assert code == 200 and [u["update_id"] for u in json.loads(payload)["result"]] == [101, 102]
    async with db.session() as session:
        assert [uid for uid, _ in await inbox.pending(session)] == [101, 102]
    # Telegram sends the same batch again (the offset was never confirmed): nothing new reaches PTB.
    _code, again = await durable.do_request("http://x/botT/getUpdates", "POST")
    assert json.loads(again)["result"] == []


async def test_a_batch_the_database_cannot_take_is_not_confirmed(db, clock, monkeypatch):
    async def broken(*_args: Any, **_kwargs: Any) -> set[int]:
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(inbox, "receive", broken)
    durable = DurableUpdates(CannedUpdates([start_update(7)]), db, clock)  # type: ignore[arg-type]
    with pytest.raises(NetworkError):  # PTB's updater retries a network error with the same offset
        await durable.do_request("http://x/botT/getUpdates", "POST")


async def test_what_a_crash_left_undone_is_handled_after_a_restart(app, api, db, clock):
    async with db.session() as session:
        await inbox.receive(session, [(501, USER, json.dumps(start_update(501)))], clock())
    assert await replay(app) == 1
    update = app.update_queue.get_nowait()
    assert isinstance(update, Update) and update.update_id == 501
    await app.process_update(update)
    assert "Ja, jeg godtar" in str(api.chats[USER][-1].inline_buttons)  # the consent question was answered
    await app.marks_written()  # the mark follows the handlers, written with those that end meanwhile
    async with db.session() as session:
        assert await inbox.pending(session) == []
    assert await replay(app) == 0


def test_updates_carry_their_chat():
    assert chat_of(start_update(1, USER)) == USER
    assert chat_of({"update_id": 2, "callback_query": {"id": "1", "from": {"id": USER}, "data": "x",
                                                       "message": {"chat": {"id": USER + 5}}}}) == USER + 5
    assert chat_of({"update_id": 3}) is None


async def test_one_chat_in_order_other_chats_at_once():
    processor = PerChatOrder(8)
    seen: list[str] = []
    gate = asyncio.Event()

    async def work(name: str, wait: bool) -> None:
        if wait:
            await gate.wait()
        seen.append(name)

    def update(chat: int, update_id: int) -> Update:
        return Update.de_json(start_update(update_id, chat), None)  # type: ignore[arg-type]

    first = asyncio.create_task(processor.process_update(update(1, 1), work("a1", True)))
    second = asyncio.create_task(processor.process_update(update(1, 2), work("a2", False)))
    other = asyncio.create_task(processor.process_update(update(2, 3), work("b1", False)))
    await asyncio.wait_for(other, 2)
    assert seen == ["b1"]  # chat 2 did not wait for chat 1
    gate.set()
    await asyncio.gather(first, second)
    assert seen == ["b1", "a1", "a2"]  # chat 1 in the order its updates came


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("LAGBOT_SKIP_E2E") == "1", reason="LAGBOT_SKIP_E2E=1")
def test_kill_9_during_a_rush_loses_no_update(tmp_path):
    """300 members press /start at once; the bot is killed with SIGKILL mid-rush and started again:
    every one of them is answered, and none twice but what was in flight at the kill."""
    server = Server()
    database = os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path}/kill.db"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": FAKE_TOKEN, "DATABASE_URL": database, "PYTHONPATH": str(ROOT),
           "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{server.port}/bot", "TELEGRAM_BOT_USERNAME": "lagbot_e2e_bot"}
    users = [6_500_000_000 + n for n in range(300)]

    def start_bot() -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def sent() -> int:
        with urlopen(f"http://127.0.0.1:{server.port}/stats", timeout=5) as response:
            return len(json.loads(response.read())["deliveries"])

    def answered() -> dict[int, int]:
        return {uid: sum("godtar" in json.dumps(m, ensure_ascii=False) for m in server.messages(uid)) for uid in users}

    bot = start_bot()
    try:
        for uid in users:
            server.push(text(uid, "nb", "/start"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sent() < 5:
            time.sleep(0.005)
        os.kill(bot.pid, signal.SIGKILL)
        bot.wait(timeout=10)
        before = sum(1 for n in answered().values() if n)
        assert before < len(users), "the rush was over before the kill; the test proves nothing"
        bot = start_bot()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and sent() < len(users):
            time.sleep(0.2)
        counts = answered()
        while time.monotonic() < deadline and not all(counts.values()):
            time.sleep(1)
            counts = answered()
        missing = [uid for uid, n in counts.items() if n == 0]
        twice = [uid for uid, n in counts.items() if n > 1]
        assert not missing, f"{len(missing)} of {len(users)} never answered (answered before the kill: {before})"
        # Only what was in flight at the kill can run twice: at most `concurrent_updates` of them.
        print(f"kill -9: {before} answered before the kill, {len(missing)} lost, {len(twice)} answered twice")
        assert len(twice) <= 32, twice
    finally:
        bot.kill()
        output = bot.communicate(timeout=20)[0]
        server.process.terminate()
    assert "Traceback" not in output, output[-3000:]


@pytest.mark.slow
@pytest.mark.skipif(not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"), reason="PostgreSQL only")
def test_a_second_instance_takes_over_polling_when_the_first_dies(tmp_path):
    server = Server()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": FAKE_TOKEN, "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
           "PYTHONPATH": str(ROOT), "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{server.port}/bot"}

    def start_bot() -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def answered(uid: int) -> bool:
        return any("godtar" in json.dumps(m, ensure_ascii=False) for m in server.messages(uid))

    def wait(uid: int, seconds: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < seconds and not answered(uid):
            time.sleep(0.1)
        assert answered(uid), f"no answer within {seconds} s"
        return time.monotonic() - started

    first = start_bot()
    second = None
    try:
        server.push(text(6_600_000_001, "nb", "/start"))
        wait(6_600_000_001, 60)
        second = start_bot()  # waits on the lock: it must not poll while the first one does
        time.sleep(3)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        server.push(text(6_600_000_002, "nb", "/start"))
        took = wait(6_600_000_002, 45)
        print(f"takeover: answered {took:.1f} s after the first instance died")
        assert took < 30
    finally:
        for process in (first, second):
            if process is not None:
                process.kill()
        outputs = [p.communicate(timeout=20)[0] for p in (first, second) if p is not None]
        server.process.terminate()
    assert "Conflict" not in "".join(outputs) and "Traceback" not in outputs[-1], outputs[-1][-3000:]


async def test_updates_that_finish_together_are_marked_done_in_one_transaction(app, db, clock):
    from sqlalchemy import event

    async with db.session() as session:
        await inbox.receive(session, [(700 + n, USER + n, json.dumps(start_update(700 + n, USER + n))) for n in range(5)],
                            clock())
    commits: list[int] = []

    def count(_connection: Any) -> None:
        commits.append(1)

    event.listen(db.engine.sync_engine, "commit", count)
    try:
        await asyncio.gather(*(app._mark_done(700 + n) for n in range(5)))
    finally:
        event.remove(db.engine.sync_engine, "commit", count)
    assert len(commits) == 1, commits  # five updates, one transaction
    async with db.session() as session:
        assert await inbox.pending(session) == []  # every mark committed before _mark_done returned


async def test_an_update_does_not_hold_its_place_while_its_mark_is_written(app, db, clock, monkeypatch):
    """The handlers' end frees the update's place (PTB's concurrency, its chat's turn); the mark is
    written meanwhile, and a stop waits for it."""
    async with db.session() as session:
        await inbox.receive(session, [(801, USER, json.dumps(start_update(801)))], clock())
    release = asyncio.Event()
    finish = inbox.finish

    async def slow_finish(session: Any, ids: Any, now: Any) -> None:
        await release.wait()
        await finish(session, ids, now)

    monkeypatch.setattr(inbox, "finish", slow_finish)
    await asyncio.wait_for(app.process_update(Update.de_json(start_update(801), app.bot)), 10)  # not waiting for the mark
    async with db.read() as session:  # (the mark's write has SQLite's writer turn)
        assert [uid for uid, _payload in await inbox.pending(session)] == [801]
    release.set()
    await app.marks_written()
    async with db.session() as session:
        assert await inbox.pending(session) == []


async def test_background_work_gives_way_while_an_update_is_handled(app):
    from bot.runtime import RUNTIME_KEY

    runtime = app.bot_data[RUNTIME_KEY]
    await runtime.give_way(60)  # nothing in flight: no wait at all
    runtime.update_started()
    waiting = asyncio.create_task(runtime.give_way(600))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not waiting.done()  # the dispatcher or an upkeep pass waits for the update
    runtime.update_ended()
    await asyncio.wait_for(waiting, 60)
    assert runtime.in_flight == 0
