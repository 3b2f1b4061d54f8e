"""Play a Telegram user against `python -m bot run` through the fake Bot API (bench/fake_bot_api.py).

    python bench/fake_bot_api.py --files /tmp/play/files        # prints its port, say 40123
    TELEGRAM_API_BASE_URL=http://127.0.0.1:40123/bot TELEGRAM_BOT_TOKEN=123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \\
        LAGBOT_ADMINS=5000000001 python -m bot run
    export CHAT_PORT=40123
    python bench/chat.py say 5000000001 /start --lang nb --name "Kari Nordmann"
    python bench/chat.py press 5000000001 "Ja, jeg godtar"
    python bench/chat.py contact 5000000001 +4791234567
    python bench/chat.py show 5000000001 -n 5

Each command prints what the bot sent in answer (text, buttons as [label], files by name, and a
button's pop-up answer). A person's name, username and language are remembered between calls
(in $CHAT_STATE, by default /tmp/lagbot-chat-<port>.json). `--group -100…` speaks in a group chat.
To live later in the season, stop the bot and start it again under `faketime -f +30d`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen


class Api:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str) -> Any:
        with urlopen(self.base + path, timeout=35) as response:
            return json.loads(response.read())

    def push(self, update: dict[str, Any]) -> None:
        urlopen(Request(self.base + "/push", data=json.dumps(update).encode(), method="POST"), timeout=5).read()

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return self.get(f"/messages/{chat_id}")["messages"]


def labels(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    markup = message.get("reply_markup") or {}
    return markup.get("inline_keyboard") or markup.get("keyboard") or []


def render(message: dict[str, Any]) -> str:
    lines = [f"#{message['message_id']}" + (f" [{message.get('method')}: {message['file']}]" if message.get("file") else "")]
    lines.append(message.get("text") or "")
    for row in labels(message):
        lines.append("  " + "  ".join(f"[{button['text'] if isinstance(button, dict) else button}]" for button in row))
    return "\n".join(lines)


def person(state: dict[str, Any], uid: int, args: argparse.Namespace) -> dict[str, Any]:
    known = state.setdefault(str(uid), {"first_name": "Test", "language_code": "nb"})
    if args.name:
        first, _, last = args.name.partition(" ")
        known["first_name"], known["last_name"] = first, last or None
    if args.username:
        known["username"] = args.username
    if args.lang:
        known["language_code"] = args.lang
    return {"id": uid, "is_bot": False, **{k: v for k, v in known.items() if v}}


def chat_of(uid: int, group: int | None) -> dict[str, Any]:
    if group:
        return {"id": group, "type": "group", "title": "Lokallaget"}
    return {"id": uid, "type": "private", "first_name": "x"}


def wait_and_print(api: Api, chat_id: int, seen: int, query_id: str | None, quiet: float = 1.5) -> None:
    """Print messages that arrive (and edits to the last one) until the chat is quiet for `quiet` s."""
    deadline, last_change = time.monotonic() + 20, time.monotonic()
    before = {m["message_id"]: (m.get("text"), json.dumps(m.get("reply_markup"))) for m in api.messages(chat_id)}
    shown: dict[int, tuple[Any, str]] = {}
    while time.monotonic() < deadline and time.monotonic() - last_change < quiet:
        time.sleep(0.2)
        for message in api.messages(chat_id):
            key = (message.get("text"), json.dumps(message.get("reply_markup")))
            changed = message["message_id"] > seen or before.get(message["message_id"]) != key
            if changed and shown.get(message["message_id"]) != key:
                shown[message["message_id"]] = key
                last_change = time.monotonic()
    if query_id:
        toast = api.get(f"/toast/{query_id}").get("text")
        if toast:
            print(f"(pop-up) {toast}")
    for message in api.messages(chat_id):
        if message["message_id"] in shown:
            edited = message["message_id"] <= seen
            print(("(edited) " if edited else "") + render(message))
            print("-" * 40)
    if not shown:
        print("(no message)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["say", "press", "contact", "show", "reply"])
    parser.add_argument("uid", type=int)
    parser.add_argument("value", nargs="?", default="")
    parser.add_argument("-n", type=int, default=3, help="show: how many of the latest messages")
    parser.add_argument("--to", type=int, help="reply: the message id answered; press: the message with the button")
    parser.add_argument("--lang")
    parser.add_argument("--name")
    parser.add_argument("--username")
    parser.add_argument("--group", type=int, help="a group chat id (negative)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CHAT_PORT", "0")))
    args = parser.parse_args()
    if not args.port:
        parser.error("give --port or set CHAT_PORT to the fake Bot API's port")
    api = Api(args.port)
    state_file = Path(os.environ.get("CHAT_STATE", f"/tmp/lagbot-chat-{args.port}.json"))
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    sender = person(state, args.uid, args)
    state_file.write_text(json.dumps(state))
    chat = chat_of(args.uid, args.group)
    history = api.messages(chat["id"])
    seen = max((m["message_id"] for m in history), default=0)
    query_id = None
    base = {"message_id": int(time.time() * 1000) % 10**9, "date": int(time.time()), "chat": chat, "from": sender}
    if args.action == "show":
        for message in history[-args.n:]:
            print(render(message))
            print("-" * 40)
        return 0
    if args.action in ("say", "reply"):
        message = {**base, "text": args.value}
        if args.value.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(args.value.split()[0])}]
        if args.action == "reply":
            original = next(m for m in history if m["message_id"] == args.to)
            message["reply_to_message"] = {"message_id": original["message_id"], "date": base["date"], "chat": chat,
                                           "text": original.get("text") or "",
                                           "from": {"id": 7000000001, "is_bot": True, "first_name": "lagbot"}}
        api.push({"message": message})
    elif args.action == "contact":
        api.push({"message": {**base, "contact": {"phone_number": args.value, "first_name": sender["first_name"],
                                                  "user_id": args.uid}}})
    else:  # press
        candidates = [m for m in history if args.to in (None, m["message_id"])]
        for message in reversed(candidates):
            for row in labels(message):
                for button in row:
                    if isinstance(button, dict) and args.value in button["text"]:
                        if "callback_data" not in button:  # a reply-keyboard button sends its label as text
                            if button.get("request_contact"):
                                print("(this button shares a phone number: use `contact`)")
                                return 1
                            api.push({"message": {**base, "text": button["text"]}})
                        else:
                            query_id = str(time.time_ns())
                            api.push({"callback_query": {
                                "id": query_id, "from": sender, "chat_instance": "c", "data": button["callback_data"],
                                "message": {"message_id": message["message_id"], "date": base["date"], "chat": chat,
                                            "text": message.get("text") or ""}}})
                        wait_and_print(api, chat["id"], seen, query_id)
                        return 0
        print(f"no button with {args.value!r}; the latest buttons:")
        for message in history[-3:]:
            print(render(message))
        return 1
    wait_and_print(api, chat["id"], seen, query_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
