"""An offline Bot API: answers what lagbot asks, remembers every call and every chat's messages."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 7000000001
BOT_USERNAME = "lagbot_test_bot"
SENDING = {"sendMessage", "sendDocument", "sendPhoto", "sendLocation", "sendVenue"}


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    result: Any = None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def markup(self) -> dict[str, Any] | None:
        markup = self.params.get("reply_markup")
        return json.loads(markup) if isinstance(markup, str) else markup

    @property
    def buttons(self) -> list[str]:
        """Labels of inline buttons, or of reply-keyboard buttons."""
        markup = self.markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button["text"] if isinstance(button, dict) else button for row in rows for button in row]


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    chat_id: int | None = None
    times: int = 1


@dataclass
class BotMessage:
    """A message the bot sent, as the chat now shows it (edits applied)."""

    message_id: int
    chat_id: int
    text: str
    markup: dict[str, Any] | None
    kind: str = "text"

    @property
    def inline_buttons(self) -> list[tuple[str, str]]:
        rows = (self.markup or {}).get("inline_keyboard") or []
        return [(b["text"], b.get("callback_data") or b.get("url") or "") for row in rows for b in row]


class FakeBotAPI(BaseRequest):
    """A `BaseRequest` that never touches the network."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.chats: dict[int, list[BotMessage]] = {}
        self.failures: dict[str, list[Failure]] = {}
        self._message_ids = itertools.count(1000)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def fail(self, method: str, status: int, description: str, *, retry_after: int | None = None,
             chat_id: int | None = None, times: int = 1) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) answer with an error."""
        self.failures.setdefault(method, []).append(Failure(status, description, retry_after, chat_id, times))

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files: dict[str, bytes] = {}
        if request_data is not None and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                content = part[1] if isinstance(part, tuple) else part
                files[name] = content if isinstance(content, bytes) else content.read()
        failure = self._take_failure(api_method, params) or self._not_modified(api_method, params)
        if failure is not None:
            body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            self.calls.append(ApiCall(api_method, params, files, result=body))
            return failure.status, json.dumps(body).encode()
        try:
            result = self._answer(api_method, params, files)
        except KeyError:  # as Telegram answers an edit of a message it does not know
            body = {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}
            self.calls.append(ApiCall(api_method, params, files, result=body))
            return 400, json.dumps(body).encode()
        self.calls.append(ApiCall(api_method, params, files, result=result))
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _not_modified(self, method: str, params: dict[str, Any]) -> Failure | None:
        """Telegram refuses an edit that changes nothing; so does this fake."""
        if method not in {"editMessageText", "editMessageReplyMarkup"} or "message_id" not in params:
            return None
        try:
            message = self.find(int(params["chat_id"]), int(params["message_id"]))
        except KeyError:
            return None
        markup = params.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) else markup
        same_text = method == "editMessageReplyMarkup" or str(params.get("text")) == message.text
        if same_text and (markup or None) == (message.markup or None):
            return Failure(400, "Bad Request: message is not modified: specified new message content and reply markup "
                                "are exactly the same as a current content and reply markup of the message")
        return None

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self.failures.get(method, []):
            if failure.chat_id is not None and str(failure.chat_id) != str(params.get("chat_id")):
                continue
            failure.times -= 1
            if failure.times <= 0:
                self.failures[method].remove(failure)
            return failure
        return None

    def _answer(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "lagbot", "username": BOT_USERNAME,
                    "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        if method in SENDING:
            return self._send(method, params, files)
        if method in {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}:
            return self._edit(method, params)
        if method == "getUpdates":
            return []
        return True

    def _send(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) else markup
        message_id = next(self._message_ids)
        text = str(params.get("text") or params.get("caption") or "")
        kind = {"sendMessage": "text", "sendDocument": "document", "sendPhoto": "photo"}.get(method, "other")
        self.chats.setdefault(chat_id, []).append(BotMessage(message_id, chat_id, text, markup, kind))
        result: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "lagbot", "username": BOT_USERNAME},
        }
        if method == "sendMessage":
            result["text"] = text
        elif method == "sendDocument":
            result["document"] = {"file_id": f"doc{message_id}", "file_unique_id": f"u{message_id}",
                                  "file_name": next(iter(files), "file")}
        elif method == "sendPhoto":
            result["photo"] = [{"file_id": f"ph{message_id}", "file_unique_id": f"u{message_id}",
                                "width": 100, "height": 100}]
        if text and method != "sendMessage":
            result["caption"] = text
        if markup and "inline_keyboard" in markup:
            result["reply_markup"] = markup
        return result

    def _edit(self, method: str, params: dict[str, Any]) -> dict[str, Any] | bool:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        message = self.find(chat_id, message_id)
        markup = params.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) else markup
        if method == "editMessageText":
            message.text = str(params["text"])
            message.markup = markup
        elif method == "editMessageReplyMarkup":
            message.markup = markup
        result: dict[str, Any] = {
            "message_id": message_id, "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "text": message.text,
        }
        if message.markup:
            result["reply_markup"] = message.markup
        return result

    def find(self, chat_id: int, message_id: int) -> BotMessage:
        for message in self.chats.get(chat_id, []):
            if message.message_id == message_id:
                return message
        raise KeyError(f"no message {message_id} in chat {chat_id}")

    def sent_to(self, chat_id: int, method: str | None = None) -> list[ApiCall]:
        return [c for c in self.calls if c.chat_id == chat_id and (method is None or c.method == method)]
