"""Telegram being unreachable is not a message's fault.

A network error or a 5xx counts against a message (it has `MAX_ATTEMPTS`) only while other sends
succeed. When every send for `WINDOW` has failed that way, the dispatcher pauses: it claims
nothing, spends no attempts, and asks Telegram `getMe` with a capped back-off; the first answer
ends the pause and sending goes on where it stopped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import TelegramError

log = logging.getLogger(__name__)

WINDOW = timedelta(seconds=30)
FIRST_PROBE = timedelta(seconds=5)
MAX_PROBE = timedelta(minutes=5)


class Outage:
    def __init__(self) -> None:
        self.failing_since: datetime | None = None  # the first failure after the last success
        self.paused = False
        self.next_probe: datetime | None = None
        self.backoff = FIRST_PROBE

    def succeeded(self) -> None:
        if self.paused:
            log.info("Telegram answers again: sending resumes")
        self.failing_since, self.paused, self.next_probe, self.backoff = None, False, None, FIRST_PROBE

    def failed(self, now: datetime) -> bool:
        """Record a network error or 5xx; True when it is part of an outage (spend no attempt)."""
        if self.failing_since is None:
            self.failing_since = now
        if self.paused:
            return True
        if now - self.failing_since < WINDOW:
            return False
        log.warning("every send for %s has failed: pausing, and asking Telegram until it answers", WINDOW)
        self.paused, self.next_probe = True, now + self.backoff
        return True

    async def may_send(self, bot: Bot, now: datetime) -> bool:
        """False while paused and Telegram does not answer a probe."""
        if not self.paused:
            return True
        if self.next_probe is not None and now < self.next_probe:
            return False
        try:
            await bot.get_me()
        except TelegramError:
            self.backoff = min(self.backoff * 2, MAX_PROBE)
            self.next_probe = now + self.backoff
            return False
        self.succeeded()
        return True
