"""A person in Telegram: sends commands and text, presses buttons, shares a contact."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from tests.harness.fake_api import BOT_ID, ApiCall, BotMessage, FakeBotAPI

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


@dataclass
class Exchange:
    """What the bot did in answer to one update."""

    calls: list[ApiCall]

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.calls if c.text]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def alerts(self) -> list[str]:
        return [str(c.params.get("text", "")) for c in self.calls if c.method == "answerCallbackQuery" and c.params.get("text")]

    @property
    def buttons(self) -> list[str]:
        return [label for c in self.calls for label in c.buttons]

    def method(self, name: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == name]


class FakeUser:
    def __init__(self, app: Application, api: FakeBotAPI, user_id: int, *, first_name: str = "Kari",  # type: ignore[type-arg]
                 last_name: str | None = "Nordmann", language_code: str | None = "nb",
                 chat_id: int | None = None, chat_type: str = "private") -> None:
        self.app, self.api = app, api
        self.user_id = user_id
        self.first_name, self.last_name = first_name, last_name
        self.language_code = language_code
        self.chat_id = chat_id if chat_id is not None else user_id
        self.chat_type = chat_type

    @property
    def user_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    @property
    def chat_dict(self) -> dict[str, Any]:
        if self.chat_type == "private":
            return {"id": self.chat_id, "type": "private", "first_name": self.first_name}
        return {"id": self.chat_id, "type": self.chat_type, "title": "Trondheim SV aktive"}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {"message_id": next(_message_ids), "date": int(time.time()), "chat": self.chat_dict,
                "from": self.user_dict, **content}

    async def _process(self, update: dict[str, Any]) -> Exchange:
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        if hasattr(self.app, "marks_written"):  # the update's inbox mark (and the day's activity) written, as a test expects
            await self.app.marks_written()
        return Exchange(self.api.calls[before:])

    async def send(self, text: str) -> Exchange:
        """Type and send `text`; a leading /command is marked as one, as Telegram does."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._process({"update_id": next(_update_ids), "message": self._message(**content)})

    async def reply_to(self, message: BotMessage, text: str) -> Exchange:
        """Answer one of the bot's messages with Telegram's reply (swipe left on it)."""
        original = {"message_id": message.message_id, "date": int(time.time()), "chat": self.chat_dict, "text": message.text,
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "lagbot"}}
        return await self._process({"update_id": next(_update_ids), "message": self._message(text=text, reply_to_message=original)})

    async def share_contact(self, phone: str, *, user_id: int | None = -1, first_name: str | None = None) -> Exchange:
        """Share a contact; by default one's own (as the request_contact button does)."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first_name or self.first_name}
        if user_id == -1:
            contact["user_id"] = self.user_id
        elif user_id is not None:
            contact["user_id"] = user_id
        return await self._process({"update_id": next(_update_ids), "message": self._message(contact=contact)})

    async def send_document(self, file_id: str, *, file_name: str = "sak.pdf", mime_type: str = "application/pdf") -> Exchange:
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name, "mime_type": mime_type}
        return await self._process({"update_id": next(_update_ids), "message": self._message(document=document)})

    async def send_location(self, latitude: float, longitude: float) -> Exchange:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._process({"update_id": next(_update_ids), "message": self._message(location=location)})

    def messages(self) -> list[BotMessage]:
        return self.api.chats.get(self.chat_id, [])

    def last_message(self) -> BotMessage:
        return self.messages()[-1]

    def find_button(self, label: str, *, exact: bool = False) -> tuple[BotMessage, str]:
        """The newest message with an inline button whose label is (or contains) `label`."""
        for message in reversed(self.messages()):
            for text, data in message.inline_buttons:
                if text == label or (not exact and label in text):
                    return message, data
        raise AssertionError(f"no button {label!r}; last messages: {[m.text[:60] for m in self.messages()[-3:]]}")

    async def press(self, label: str, *, exact: bool = False) -> Exchange:
        message, data = self.find_button(label, exact=exact)
        return await self.press_data(data, message)

    async def press_data(self, data: str, message: BotMessage | None = None) -> Exchange:
        """Press a button with this callback data, as if on `message` (forged buttons too)."""
        message = message or self.last_message()
        bot_message: dict[str, Any] = {
            "message_id": message.message_id, "date": int(time.time()), "chat": self.chat_dict,
            "from": {"id": self.app.bot.id, "is_bot": True, "first_name": "lagbot"}, "text": message.text or "-",
        }
        if message.markup and "inline_keyboard" in message.markup:
            bot_message["reply_markup"] = message.markup
        query = {"id": str(next(_update_ids)), "from": self.user_dict, "chat_instance": f"ci{self.chat_id}",
                 "data": data, "message": bot_message}
        return await self._process({"update_id": next(_update_ids), "callback_query": query})

    def reply_keyboard(self) -> list[str]:
        """Labels of the newest reply keyboard the bot sent to this chat."""
        for call in reversed(self.api.sent_to(self.chat_id)):
            markup = call.markup or {}
            if "keyboard" in markup:
                return [b["text"] if isinstance(b, dict) else b for row in markup["keyboard"] for b in row]
            if markup.get("remove_keyboard"):
                return []
        return []
