"""Welcome upkeep: a task for every new member, escalation of late calls, the welcome sequence."""

from __future__ import annotations

from datetime import timedelta

from bot import welcome_messages
from bot.runtime import Runtime
from models import welcome as wl

EVERY = timedelta(minutes=1)


async def run(runtime: Runtime) -> None:
    """At most once a minute, however often the job runs."""
    now = runtime.now()
    if runtime.welcome_checked_at is not None and now - runtime.welcome_checked_at < EVERY:
        return
    runtime.welcome_checked_at = now
    async with runtime.db.session() as session:
        await wl.ensure_tasks(session, now)
        await welcome_messages.escalate(session, now, runtime.settings.lagbot_admins)
        await welcome_messages.run_sequences(session, await wl.new_members_for_sequence(session, now), now)
