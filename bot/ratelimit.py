"""Pacing within Telegram's limits: overall per second, per private chat, per group per minute.

python-telegram-bot's AIORateLimiter neither spaces messages to one chat nor keeps other chats
going while one is told to wait, so the dispatcher reserves a time slot for each message here.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


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
            if len(self._sent) >= self._window_limit:
                await self.sleep(self._sent[0] + 1.0 - now + 0.001)
            elif self._sent and now - self._sent[-1] < self.spacing * 0.8:
                # Sleepers woken late would all go at once; spread them out again.
                await self.sleep(self._sent[-1] + self.spacing * 0.8 - now)
            else:
                self._sent.append(now)
                return

    def pause_chat(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 for this chat: nothing more to it until `retry_after` has passed."""
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), self.clock() + seconds)

    def pause_all(self, seconds: float) -> None:
        self._next_global = max(self._next_global, self.clock() + seconds)
