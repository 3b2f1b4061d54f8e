"""Pacing within Telegram's limits: overall per second, per private chat, per group per minute.

python-telegram-bot's AIORateLimiter neither spaces messages to one chat nor keeps other chats
going while one is told to wait, so the dispatcher reserves a time slot for each message here.

Every other request (a handler's reply, edit or answer to a button) goes through PTB's own hook for
this, `BaseRateLimiter`: `RetryShortWaits` waits out a short 429 and asks again, so two replies in
quick succession to one chat do not end in "something went wrong".
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)


class RateLimiter:
    def __init__(self, per_second: float, chat_interval: float, group_per_minute: int, *, safety: float = 0.97,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.spacing = 1.0 / (per_second * safety)
        self.chat_interval = chat_interval / safety
        self.group_window = 60.0
        self.group_limit = max(1, int(group_per_minute * safety))
        self.clock, self.sleep = clock, sleep
        self._next_global = 0.0
        self._window_limit = max(1, int(per_second * safety))
        self._sent: deque[float] = deque()
        # Messages the handlers sent (replies): Telegram's overall limit counts them too, so while
        # members are being answered the dispatcher sends only what the limit leaves over, and
        # never less than a fifth of it, so the outbox is not starved by a long rush.
        self._others: deque[float] = deque()
        self._least_share = max(1, self._window_limit // 5)
        self._next_chat: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}

    def reserve(self, chat_id: int) -> float:
        """Book the earliest slot allowed for `chat_id`; returns the time to send at."""
        now = self.clock()
        slot = max(now, self._next_global, self._next_chat.get(chat_id, 0.0))
        if chat_id < 0:
            sends = self._group_sends.setdefault(chat_id, deque())
            while sends and sends[0] <= slot - self.group_window:
                sends.popleft()
            if len(sends) >= self.group_limit:
                slot = max(slot, sends[0] + self.group_window)
            sends.append(slot)
        self._next_global = slot + self.spacing
        self._next_chat[chat_id] = slot + self.chat_interval
        if len(self._next_chat) > 10000:
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
        return slot

    async def acquire(self, chat_id: int) -> None:
        """Wait for this chat's slot; then make sure no second holds more than the limit.

        Reserved slots are evenly spaced, but a busy event loop wakes sleepers late and in bunches;
        the sliding window over actual send times keeps such a bunch from exceeding the limit.
        """
        slot = self.reserve(chat_id)
        delay = slot - self.clock()
        if delay > 0:
            await self.sleep(delay)
        while True:
            now = self.clock()
            while self._sent and self._sent[0] <= now - 1.0:
                self._sent.popleft()
            room = max(self._least_share, self._window_limit - self._others_within(now))
            if len(self._sent) >= room:
                earliest = min(self._sent[0], self._others[0]) if self._others else self._sent[0]
                await self.sleep(earliest + 1.0 - now + 0.001)
            elif self._sent and now - self._sent[-1] < self.spacing * 0.8:
                # Sleepers woken late would all go at once; spread them out again.
                await self.sleep(self._sent[-1] + self.spacing * 0.8 - now)
            else:
                self._sent.append(now)
                return

    def note_other_send(self) -> None:
        """A message went out that did not come through this limiter (a handler's reply)."""
        now = self.clock()
        self._others.append(now)
        self._others_within(now)

    def _others_within(self, now: float) -> int:
        while self._others and self._others[0] <= now - 1.0:
            self._others.popleft()
        return len(self._others)

    def pause_chat(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 for this chat: nothing more to it until `retry_after` has passed."""
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), self.clock() + seconds)

    def pause_all(self, seconds: float) -> None:
        self._next_global = max(self._next_global, self.clock() + seconds)


@dataclass(frozen=True)
class Retries:
    """`rate_limit_args` of a request: how many times a 429 may be waited out (0: never)."""

    times: int


# The dispatcher's own sends: it handles a 429 itself (pauses that chat, puts the row back, takes
# the next one), so a worker never sleeps on one.
NO_RETRY = Retries(0)


def no_retry(bot: Any) -> dict[str, Any]:
    """Keyword arguments for a request whose 429 its caller handles: `rate_limit_args=NO_RETRY`
    when the bot has this module's limiter (PTB refuses the argument on a bot without one)."""
    return {"rate_limit_args": NO_RETRY} if isinstance(getattr(bot, "rate_limiter", None), RetryShortWaits) else {}


def retry_after_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# The requests that put a new message in a chat, as Telegram's overall limit counts them.
MESSAGE_ENDPOINTS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendVenue", "sendContact", "sendPoll",
    "sendMediaGroup", "copyMessage", "forwardMessage", "sendAnimation", "sendAudio", "sendVideo", "sendVoice",
})


class RetryShortWaits(BaseRateLimiter[Retries]):
    """A request Telegram answers with 429 and a `retry_after` of at most `max_wait` seconds is made
    again after that wait (up to `max_retries` times); a longer wait is raised as before.

    No pacing and no pause of other requests: only the request that was refused waits, so one
    chat's flood limit never holds up answers to the others.
    """

    def __init__(self, max_wait: float = 5.0, max_retries: int = 2,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.max_wait, self.max_retries, self.sleep = max_wait, max_retries, sleep
        self.waited = 0  # 429s waited out (for the tests and the logs)
        # Told of every message a handler sends (RateLimiter.note_other_send), so that the
        # dispatcher leaves Telegram's overall limit to the replies during a rush.
        self.on_message: Callable[[], None] | None = None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Retries | None,
    ) -> Any:
        allowed = self.max_retries if rate_limit_args is None else rate_limit_args.times
        if rate_limit_args is None and self.on_message is not None and endpoint in MESSAGE_ENDPOINTS:
            self.on_message()  # the dispatcher's own sends (NO_RETRY) are counted by its limiter
        for attempt in range(allowed + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                if attempt >= allowed or wait > self.max_wait:
                    raise
                log.info("%s to chat %s: 429, asking again in %g s", endpoint, data.get("chat_id"), wait)
                self.waited += 1
                await self.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises
