"""Durable updates (see models/inbox.py) and per-chat order with concurrent handling.

`DurableUpdates` wraps the request that fetches updates: the batch Telegram returns is written to
the inbox before PTB sees it (and so before the next `getUpdates` confirms it); an update stored
before is dropped from the batch. If the database cannot take the batch, the fetch fails as a
network error and PTB asks Telegram again later, so nothing is confirmed that was not stored.
`DurableApplication` marks an update done once its handlers ran, and `replay` queues what a
crash left undone. `PerChatOrder` handles updates of different chats at once and those of one
chat one after the other, in the order they came.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Awaitable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import NetworkError
from telegram.ext import Application, BaseUpdateProcessor, ConversationHandler
from telegram.request import BaseRequest, RequestData

from bot.db import OUTAGE_ERRORS, Database
from bot.runtime import RUNTIME_KEY
from models import inbox, membership

log = logging.getLogger(__name__)


def chat_of(raw: dict[str, Any]) -> int | None:
    """The chat (or, failing that, the user) an update in Telegram's JSON belongs to."""
    for key in ("message", "edited_message", "callback_query", "my_chat_member", "chat_member"):
        item = raw.get(key)
        if not isinstance(item, dict):
            continue
        chat = item.get("chat") or (item.get("message") or {}).get("chat") or item.get("from")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    return None


class DurableUpdates(BaseRequest):
    """The request PTB fetches updates with, storing each batch in the inbox before returning it."""

    def __init__(self, inner: BaseRequest, database: Database, clock: Any) -> None:
        self.inner, self.db, self.clock = inner, database, clock

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        code, payload = await self.inner.do_request(url, method, request_data, read_timeout=read_timeout,
                                                    write_timeout=write_timeout, connect_timeout=connect_timeout,
                                                    pool_timeout=pool_timeout)
        if not url.endswith("/getUpdates") or code != 200:
            return code, payload
        body = json.loads(payload)
        updates = body.get("result") or []
        if not body.get("ok") or not updates:
            return code, payload
        try:
            async with self.db.single() as session:  # one statement: on PostgreSQL no BEGIN and COMMIT around it
                new = await inbox.receive(session, [(u["update_id"], chat_of(u), json.dumps(u)) for u in updates], self.clock())
        except (SQLAlchemyError, OSError) as exc:
            # Not stored means not confirmed: Telegram sends the batch again when asked again.
            raise NetworkError(f"inbox unavailable: {exc}") from exc
        body["result"] = [u for u in updates if u["update_id"] in new]
        return code, json.dumps(body).encode()


class DurableApplication(Application):  # type: ignore[type-arg]
    """Marks each update done in the inbox once its handlers have run (errors included: they were
    answered by the error handler).

    Marks are committed together (group commit): an update that finishes while a mark is being
    written joins the next write, so a rush costs one statement per handful of updates instead of
    one each. `process_update` returns once the handlers have run, without waiting for the write:
    the mark is written just as soon either way, and an update waiting for it held its place
    (one of PTB's concurrent updates, its chat's turn) for a write often longer than its handlers
    (bench/updates.py). A crash before the write replays the update, as a crash just before its
    handlers ended would; a stop writes what is queued first (`shutdown`)."""

    _marks: list[int] | None = None
    _marks_written: asyncio.Future[None] | None = None
    _marker: asyncio.Task[None] | None = None

    async def process_update(self, update: object) -> None:
        runtime = self.bot_data.get(RUNTIME_KEY)
        if runtime is not None:
            runtime.update_started()
        try:
            await super().process_update(update)
            if isinstance(update, Update):
                self._queue_mark(update.update_id)
        finally:
            if runtime is not None:
                runtime.update_ended()

    async def _mark_done(self, update_id: int) -> None:
        """Queue the mark and wait until it is written (or its write failed)."""
        await asyncio.shield(self._queue_mark(update_id))

    def _queue_mark(self, update_id: int) -> asyncio.Future[None]:
        if self._marks is None:
            self._marks = []
        self._marks.append(update_id)
        if self._marks_written is None:
            self._marks_written = asyncio.get_running_loop().create_future()
        written = self._marks_written
        if self._marker is None:
            self._marker = asyncio.create_task(self._write_marks())
        return written

    async def marks_written(self) -> None:
        """Wait until every mark queued so far is written (a stop, a test)."""
        while (marker := self._marker) is not None:
            try:
                await asyncio.shield(marker)
            except Exception:  # noqa: BLE001 - logged where it happened; a stop goes on
                log.exception("writing the inbox marks failed")

    async def shutdown(self) -> None:
        await self.marks_written()
        await super().shutdown()

    async def _write_marks(self) -> None:
        """Write the marks gathered so far in one statement, then those gathered meanwhile."""
        runtime = self.bot_data[RUNTIME_KEY]
        try:
            while self._marks:
                ids, written = self._marks, self._marks_written
                self._marks, self._marks_written = [], None
                seen, runtime.seen_today = runtime.seen_today, {}
                try:
                    # Each statement stands alone (on PostgreSQL in autocommit: no BEGIN and COMMIT
                    # around it); every update marked here waits for this, holding its place.
                    async with runtime.db.single() as session:
                        if seen:  # the members whose first update today these were (handlers/delivery.came_back)
                            await membership.mark_active(session, list(seen), max(seen.values()))
                        await inbox.finish(session, ids, runtime.now())
                except (SQLAlchemyError, *OUTAGE_ERRORS):
                    log.warning("could not mark updates %s done; they may be handled again after a restart", ids)
                except BaseException:
                    if written is not None:
                        written.cancel()
                    raise
                if written is not None and not written.done():
                    written.set_result(None)
        finally:
            self._marker = None
            if self._marks:  # stopped by an error or a cancellation: whoever waits is not left hanging
                self._marks = []
                if self._marks_written is not None:
                    self._marks_written.cancel()
                self._marks_written = None

    async def reload_persistence(self) -> None:
        """Read user data and conversation states from the database again (a standby instance
        taking over polling). PTB loads them only in `initialize`, so this repeats its steps."""
        if self.persistence is None:
            return
        self._user_data.clear()
        self._conversation_handler_conversations.clear()
        await self._initialize_persistence()
        for handler in itertools.chain.from_iterable(self.handlers.values()):
            if isinstance(handler, ConversationHandler) and handler.persistent and handler.name:
                handler._conversations = {}  # a fresh start, not deletions to write back
                await self._add_ch_to_persistence(handler)


async def replay(application: Application) -> int:  # type: ignore[type-arg]
    """Queue what the inbox holds and was not handled (a crash, a kill, a stop with a backlog)."""
    runtime = application.bot_data[RUNTIME_KEY]
    async with runtime.db.session() as session:
        await inbox.prune(session, runtime.now())
        waiting = await inbox.pending(session)
    for _update_id, payload in waiting:
        await application.update_queue.put(Update.de_json(json.loads(payload), application.bot))
    if waiting:
        log.info("replaying %d updates that were received and not handled before the last stop", len(waiting))
    return len(waiting)


class PerChatOrder(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` updates at once, but one chat's updates strictly in order.

    Each chat has a lock while it has updates in flight; asyncio locks are first come, first
    served, and PTB starts the update tasks in the order Telegram sent them."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
