"""Suggestion upkeep: nudges at most hourly (`run`), and the board's weekly digest at its hour
(`digest`): two JobQueue jobs, so that neither holds the event loop for both."""

from __future__ import annotations

from datetime import time, timedelta

from bot import nudge_messages
from bot.runtime import Runtime
from models import upkeep_runs

EVERY = timedelta(hours=1)


async def run(runtime: Runtime) -> None:
    now = runtime.now()
    async with runtime.db.session() as session:
        if await upkeep_runs.claim(session, "nudges", now, lambda last: now - last >= EVERY):
            await upkeep_runs.plan_for_values(session)
            await nudge_messages.run(session, now, runtime.settings.lagbot_admins)


async def digest(runtime: Runtime) -> None:
    now = runtime.now()
    settings = runtime.settings
    hours, minutes = (int(part) for part in settings.digest_time.split(":"))
    if nudge_messages.digest_due(now, settings.digest_weekday, time(hours, minutes)):
        async with runtime.db.session() as session:
            await nudge_messages.send_digest(session, now, settings.lagbot_admins, settings.plan_ahead_days)
