"""Telegram being unreachable is not a message's fault.

A network error or a 5xx counts against a message (it has `MAX_ATTEMPTS`) only while other sends
succeed. When every send for `WINDOW` has failed that way, the dispatcher pauses: it claims
nothing, spends no attempts, and asks Telegram `getMe` with a capped back-off; the first answer
ends the pause and sending goes on where it stopped.

While other sends succeed, a message that failed that way is one bad message (a passing 5xx, a
request that stalled): `others_succeed` tells the dispatcher to try it again soon rather than after
the long back-off meant for a Telegram that is going down.
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
# A send succeeded this recently: Telegram answers, and a failure is the message's own bad luck.
RECENT_SUCCESS = timedelta(seconds=5)


class Outage:
    def __init__(self) -> None:
        self.failing_since: datetime | None = None  # the first failure after the last success
        self.paused = False
        self.next_probe: datetime | None = None
        self.backoff = FIRST_PROBE
        self.last_success: datetime | None = None

    def succeeded(self, now: datetime | None = None) -> None:
        if self.paused:
            log.info("Telegram answers again: sending resumes")
        self.failing_since, self.paused, self.next_probe, self.backoff = None, False, None, FIRST_PROBE
        if now is not None:
            self.last_success = now

    def others_succeed(self, now: datetime) -> bool:
        """A send succeeded within `RECENT_SUCCESS` and no pause is on: Telegram is up."""
        return not self.paused and self.last_success is not None and now - self.last_success <= RECENT_SUCCESS

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
