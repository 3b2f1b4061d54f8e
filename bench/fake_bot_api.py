"""A fake Telegram Bot API over HTTP on 127.0.0.1 that enforces Telegram's limits and injects faults.

    python bench/fake_bot_api.py --port 8081 [--scale 10] [--fault-5xx 0.05] [--fault-timeout 0.01]
                                 [--forbidden-every 50]

Limits, multiplied by --scale so runs stay short: 30 messages/s overall, 1/s per private chat,
20/min per group. Past a limit it answers 429 with retry_after, like Telegram. Faults answer 500
(never delivered), stall past the client's timeout (never delivered), or 403 for every Nth chat.
GET /stats returns what was delivered; GET /wait/<callback_query_id> blocks until that query is
answered and returns when (time.monotonic(), the same clock in every process); POST /reset forgets it. The last line printed is the port.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import defaultdict, deque
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs


class State:
    def __init__(self, scale: float, fault_5xx: float, fault_timeout: float, forbidden_every: int,
                 stall_seconds: float, seed: int = 7, files_dir: Path | None = None) -> None:
        self.lock = threading.Lock()
        self.answered_cond = threading.Condition(self.lock)
        self.global_limit = 30 * scale
        self.chat_interval = 1.0 / scale
        self.group_limit, self.group_window = 20, 60.0 / scale
        self.fault_5xx, self.fault_timeout, self.forbidden_every = fault_5xx, fault_timeout, forbidden_every
        self.stall_seconds = stall_seconds
        self.random = random.Random(seed)
        self.files_dir = files_dir
        self.reset()

    def reset(self) -> None:
        self.recent: deque[float] = deque()
        self.last_chat: dict[int, float] = {}
        self.group_sends: dict[int, deque[float]] = defaultdict(deque)
        self.deliveries: list[tuple[float, int, str]] = []
        self.attempts: list[tuple[float, int, int]] = []  # every sendMessage: (time, chat, HTTP status; -1 a stall)
        self.counts: dict[str, int] = defaultdict(int)
        self.message_id = 0
        self.updates: list[dict[str, Any]] = []
        # Telegram's update ids go on from where they were; a fresh server must not reuse ids a
        # database from an earlier run has seen (the inbox drops an id it has stored).
        self.last_update_id = int(time.time() * 1000) % 1_000_000_000
        self.messages: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.answers: list[str] = []  # callback_query_id of every answerCallbackQuery
        self.answered_at: dict[str, float] = {}  # callback_query_id -> time.monotonic() of its first answer
        self.toasts: dict[str, str] = {}  # callback_query_id -> the text shown with its answer

    def admit(self, chat_id: int) -> tuple[int, dict[str, Any]] | None:
        """Apply limits and faults; None means deliver. Called under the lock."""
        now = time.monotonic()
        while self.recent and self.recent[0] <= now - 1.0:
            self.recent.popleft()
        if len(self.recent) >= self.global_limit:
            self.counts["429_global"] += 1
            return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                         "parameters": {"retry_after": 1}}
        if chat_id > 0 and now - self.last_chat.get(chat_id, -1e9) < self.chat_interval:
            self.counts["429_chat"] += 1
            return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                         "parameters": {"retry_after": 1}}
        if chat_id < 0:
            sends = self.group_sends[chat_id]
            while sends and sends[0] <= now - self.group_window:
                sends.popleft()
            if len(sends) >= self.group_limit:
                self.counts["429_group"] += 1
                return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                             "parameters": {"retry_after": 1}}
        if self.forbidden_every and chat_id % self.forbidden_every == 0:
            self.counts["403"] += 1
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        roll = self.random.random()
        if roll < self.fault_5xx:
            self.counts["5xx"] += 1
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if roll < self.fault_5xx + self.fault_timeout:
            self.counts["timeout"] += 1
            return -1, {}
        self.recent.append(now)
        self.last_chat[chat_id] = now
        if chat_id < 0:
            self.group_sends[chat_id].append(now)
        return None


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/stats":
                with state.lock:
                    self._reply(200, {"deliveries": state.deliveries, "counts": dict(state.counts),
                                      "answers": state.answers, "attempts": state.attempts})
            elif self.path.startswith("/wait/"):  # block until that callback query is answered (30 s at most)
                query_id = self.path.rsplit("/", 1)[1]
                with state.answered_cond:
                    state.answered_cond.wait_for(lambda: query_id in state.answered_at, timeout=30)
                    at = state.answered_at.get(query_id)
                self._reply(200 if at is not None else 404, {"at": at})
            elif self.path.startswith("/toast/"):
                with state.lock:
                    self._reply(200, {"text": state.toasts.get(self.path.rsplit("/", 1)[1])})
            elif self.path.startswith("/messages/"):
                with state.lock:
                    self._reply(200, {"messages": state.messages.get(int(self.path.rsplit("/", 1)[1]), [])})
            else:
                self._reply(404, {"ok": False})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path == "/reset":
                with state.lock:
                    state.reset()
                self._reply(200, {"ok": True})
                return
            if self.path == "/push":
                with state.lock:
                    update = json.loads(raw)
                    state.last_update_id += 1
                    update["update_id"] = state.last_update_id
                    state.updates.append(update)
                self._reply(200, {"ok": True})
                return
            method = self.path.rsplit("/", 1)[-1]
            params = self._params(raw)
            if method == "getMe":
                self._reply(200, {"ok": True, "result": {"id": 7000000001, "is_bot": True, "first_name": "lagbot",
                                                         "username": "lagbot_bench_bot"}})
            elif method == "getUpdates":
                offset = int(params.get("offset") or 0)
                if offset:  # as Telegram does: an offset confirms, and forgets, every update before it
                    with state.lock:
                        state.updates = [u for u in state.updates if u["update_id"] >= offset]
                deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.5)
                while True:
                    with state.lock:
                        waiting = [u for u in state.updates if u["update_id"] >= offset]
                    if waiting or time.monotonic() >= deadline:
                        break
                    time.sleep(0.02)
                self._reply(200, {"ok": True, "result": waiting})
            elif method in ("editMessageText", "editMessageReplyMarkup"):
                self._edit(method, params)
            elif method == "sendMessage":
                self._send(params)
            elif method in ("sendDocument", "sendPhoto"):
                self._send_file(method, params)
            elif method == "answerCallbackQuery":
                with state.lock:
                    query_id = str(params.get("callback_query_id"))
                    state.answers.append(query_id)
                    if params.get("text"):
                        state.toasts[query_id] = str(params["text"])
                    state.answered_at.setdefault(query_id, time.monotonic())
                    state.answered_cond.notify_all()
                self._reply(200, {"ok": True, "result": True})
            else:
                self._reply(200, {"ok": True, "result": True})

        def _params(self, raw: bytes) -> dict[str, Any]:
            kind = self.headers.get("Content-Type", "")
            if "json" in kind:
                return json.loads(raw or b"{}")
            if "urlencoded" in kind:
                return {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            if "multipart" in kind:  # a file upload: its fields, and each file as (filename, bytes)
                message = BytesParser(policy=default).parsebytes(
                    f"Content-Type: {kind}\r\n\r\n".encode() + raw)
                fields: dict[str, Any] = {}
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    filename = part.get_filename()
                    payload = part.get_payload(decode=True) or b""
                    fields[name] = (filename, payload) if filename else payload.decode()
                return fields
            return {}

        def _send_file(self, method: str, params: dict[str, Any]) -> None:
            """A document or photo, kept as a message (its caption as text) and, with --files, on disk."""
            chat_id = int(params["chat_id"])
            upload = params.get("document") or params.get("photo")
            filename = upload[0] if isinstance(upload, tuple) else str(upload)
            with state.lock:
                state.message_id += 1
                message_id = state.message_id
                if state.files_dir is not None and isinstance(upload, tuple):
                    filename = f"{message_id}-{upload[0]}"
                    (state.files_dir / filename).write_bytes(upload[1])
                markup = params.get("reply_markup")
                state.messages[chat_id].append({"message_id": message_id, "text": str(params.get("caption", "")),
                                                "file": filename, "method": method,
                                                "reply_markup": json.loads(markup) if isinstance(markup, str) else markup})
            kind = "document" if method == "sendDocument" else "photo"
            media: Any = ({"file_id": f"f{message_id}", "file_unique_id": f"u{message_id}", "file_name": filename}
                          if kind == "document" else
                          [{"file_id": f"f{message_id}", "file_unique_id": f"u{message_id}", "width": 1, "height": 1}])
            self._reply(200, {"ok": True, "result": {
                "message_id": message_id, "date": int(time.time()), "caption": params.get("caption", ""),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}, kind: media}})

        def _send(self, params: dict[str, Any]) -> None:
            if "chat_id" not in params:  # a body cut off (a client killed mid-request)
                self._reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"})
                return
            chat_id = int(params["chat_id"])
            with state.lock:
                verdict = state.admit(chat_id)
                state.attempts.append((time.monotonic(), chat_id, 200 if verdict is None else verdict[0]))
                if verdict is None:
                    state.message_id += 1
                    message_id = state.message_id
                    state.deliveries.append((time.monotonic(), chat_id, str(params.get("text", ""))[:60]))
                    markup = params.get("reply_markup")
                    state.messages[chat_id].append({"message_id": message_id, "text": str(params.get("text", "")),
                                                    "reply_markup": json.loads(markup) if isinstance(markup, str) else markup})
            if verdict is not None:
                status, body = verdict
                if status == -1:
                    time.sleep(state.stall_seconds)
                    self.close_connection = True
                    return
                self._reply(status, body)
                return
            self._reply(200, {"ok": True, "result": {
                "message_id": message_id, "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "text": params.get("text", ""),
            }})

        def _edit(self, method: str, params: dict[str, Any]) -> None:
            chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
            markup = params.get("reply_markup")
            markup = json.loads(markup) if isinstance(markup, str) else markup
            with state.lock:
                for message in state.messages.get(chat_id, []):
                    if message["message_id"] == message_id:
                        if method == "editMessageText":
                            message["text"] = str(params.get("text", ""))
                        message["reply_markup"] = markup
                        text = message["text"]
                        break
                else:
                    text = ""
            self._reply(200, {"ok": True, "result": {"message_id": message_id, "date": int(time.time()), "text": text,
                                                     "chat": {"id": chat_id, "type": "private"}}})

    return Handler


class Server(ThreadingHTTPServer):
    request_queue_size = 512  # many clients connect at once in a burst; the default backlog of 5 resets them


def serve(port: int, state: State) -> ThreadingHTTPServer:
    server = Server(("127.0.0.1", port), make_handler(state))
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--fault-5xx", type=float, default=0.0)
    parser.add_argument("--fault-timeout", type=float, default=0.0)
    parser.add_argument("--stall-seconds", type=float, default=3.0)
    parser.add_argument("--forbidden-every", type=int, default=0)
    parser.add_argument("--files", type=Path, help="keep documents and photos the bot sends in this folder")
    args = parser.parse_args()
    if args.files:
        args.files.mkdir(parents=True, exist_ok=True)
    state = State(args.scale, args.fault_5xx, args.fault_timeout, args.forbidden_every, args.stall_seconds,
                  files_dir=args.files)
    server = serve(args.port, state)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
