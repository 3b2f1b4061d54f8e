"""Welcome upkeep: a task for every new member, escalation of late calls, the welcome sequence."""

from __future__ import annotations

from datetime import timedelta

from bot import welcome_messages
from bot.runtime import Runtime
from models import upkeep_runs
from models import welcome as wl

EVERY = timedelta(minutes=1)


async def run(runtime: Runtime) -> None:
    """At most once a minute, however often the job runs."""
    now = runtime.now()
    async with runtime.db.session() as session:
        if not await upkeep_runs.claim(session, "welcome", now, lambda last: now - last >= EVERY):
            return
        await wl.ensure_tasks(session, now)
        await welcome_messages.escalate(session, now, runtime.settings.lagbot_admins)
        await welcome_messages.run_sequences(session, await wl.new_members_for_sequence(session, now), now)
