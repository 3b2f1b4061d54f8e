"""`python -m bot run` (what `make run` starts) against a Bot API server over HTTP: /start to menu."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest

from tests.conftest import FAKE_TOKEN

ROOT = Path(__file__).resolve().parent.parent


class Server:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fake_bot_api.py"), "--scale", "100000"],
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.message_ids = 0

    def push(self, update: dict[str, Any]) -> None:
        urlopen(Request(f"http://127.0.0.1:{self.port}/push", data=json.dumps(update).encode(), method="POST"), timeout=5).read()

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        with urlopen(f"http://127.0.0.1:{self.port}/messages/{chat_id}", timeout=5) as response:
            return json.loads(response.read())["messages"]

    def wait_for(self, chat_id: int, needle: str, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.messages(chat_id)):
                labels = [b["text"] for row in ((message.get("reply_markup") or {}).get("inline_keyboard")
                                                or (message.get("reply_markup") or {}).get("keyboard") or []) for b in row]
                if needle in message["text"] or any(needle in label for label in labels):
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no {needle!r} in chat {chat_id}: {[m['text'][:50] for m in self.messages(chat_id)]}")


def user(uid: int, lang: str) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": "Eli", "last_name": "Test", "language_code": lang}


def chat(uid: int) -> dict[str, Any]:
    return {"id": uid, "type": "private", "first_name": "Eli"}


def text(uid: int, lang: str, body: str) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": int(time.time() * 1000) % 10**9, "date": int(time.time()),
                               "chat": chat(uid), "from": user(uid, lang), "text": body}
    if body.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(body.split()[0])}]
    return {"message": message}


def press(uid: int, lang: str, message: dict[str, Any], label: str) -> dict[str, Any]:
    data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if label in b["text"])
    return {"callback_query": {"id": str(time.time_ns()), "from": user(uid, lang), "chat_instance": "c", "data": data,
                               "message": {"message_id": message["message_id"], "date": int(time.time()),
                                           "chat": chat(uid), "text": message["text"]}}}


def contact(uid: int, lang: str, phone: str) -> dict[str, Any]:
    return {"message": {"message_id": 1, "date": int(time.time()), "chat": chat(uid), "from": user(uid, lang),
                        "contact": {"phone_number": phone, "first_name": "Eli", "user_id": uid}}}


LANGUAGES = {
    "nb": ("Ja, jeg godtar", "Hvilken bydel", "Ferdig", "⚙️ Innstillinger"),
    "nn": ("Ja, eg godtek", "Kva bydel", "Ferdig", "⚙️ Innstillingar"),
    "en": ("Yes, I agree", "Which district", "Done", "⚙️ Settings"),
}


@pytest.mark.skipif(os.environ.get("LAGBOT_SKIP_E2E") == "1", reason="LAGBOT_SKIP_E2E=1")
def test_run_onboards_three_languages_over_http(tmp_path):
    server = Server()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": FAKE_TOKEN, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/run.db",
           "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{server.port}/bot", "TELEGRAM_BOT_USERNAME": "lagbot_e2e_bot"}
    bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    failure: AssertionError | None = None
    try:
        for n, (lang, (agree, district_question, done, menu)) in enumerate(LANGUAGES.items()):
            uid = 6_300_424_200 + n
            server.push(text(uid, lang, "/start"))
            consent = server.wait_for(uid, agree)
            server.push(press(uid, lang, consent, agree))
            server.wait_for(uid, "📱")
            server.push(contact(uid, lang, f"+47 911 00 00{n}"))
            district = server.wait_for(uid, district_question)
            server.push(press(uid, lang, district, "Midtbyen"))
            interests = server.wait_for(uid, done)
            server.push(press(uid, lang, interests, done))
            final = server.wait_for(uid, menu)
            assert menu in [b["text"] for row in final["reply_markup"]["keyboard"] for b in row]
    except AssertionError as exc:
        failure = exc
    finally:
        bot.terminate()
        output = bot.communicate(timeout=20)[0]
        server.process.terminate()
    if failure is not None:
        raise AssertionError(f"{failure}\n--- bot output ---\n{output[-3000:]}")
    assert "starting" in output and "Traceback" not in output
