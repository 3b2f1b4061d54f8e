"""python-telegram-bot persistence in lagbot's own database (no pickle files)."""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.db import Database
from models import persistence_store as store


class SQLPersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    """User data and conversation states in the database, so a restart loses no conversation."""

    def __init__(self, database: Database, update_interval: float = 5.0) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self.database = database
        # What was last written (or read) per user: PTB hands over the user_data of every user
        # seen since the last flush, changed or not, and an unchanged one costs nothing here.
        self._written: dict[int, str] = {}
        # Every conversation's states, read in one statement when PTB asks for the first of them
        # (it asks once per conversation, some sixty, each time it (re)loads persistence), and the
        # names handed out since: a name asked for again is a new load, and reads afresh.
        self._conversations: dict[str, ConversationDict] | None = None
        self._handed_out: set[str] = set()

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        async with self.database.session() as session:
            loaded = await store.load_data(session, store.KIND_USER)
        self._written = {user_id: _snapshot(data) for user_id, data in loaded.items()}
        return loaded

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        if self._conversations is None or name in self._handed_out:
            async with self.database.session() as session:
                self._conversations = await store.load_all_conversations(session)
            self._handed_out = set()
        self._handed_out.add(name)
        return self._conversations.pop(name, {})

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        async with self.database.session() as session:
            await store.save_conversation(session, name, key, new_state)

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        snapshot = _snapshot(data)
        if self._written.get(user_id, "{}") == snapshot:
            return
        async with self.database.session() as session:
            await store.save_data(session, store.KIND_USER, user_id, data)
        self._written[user_id] = snapshot

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        self._written.pop(user_id, None)
        async with self.database.session() as session:
            await store.drop_data(session, store.KIND_USER, user_id)
            await store.drop_conversations_for(session, user_id)

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None


def _snapshot(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, default=str)
