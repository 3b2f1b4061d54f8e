"""Asks upkeep: the reminder two days before a deadline, and at the deadline the ask closes and the
board gets its summary. Everything is read from the database, so it holds across restarts."""

from __future__ import annotations

from bot import ask_messages
from bot.runtime import Runtime
from models import asks as ak


async def run(runtime: Runtime) -> None:
    now = runtime.now()
    async with runtime.db.session() as session:
        await ak.queue_reminders(session, now)
        closed = await ak.close_due(session, now)
        await ask_messages.queue_summaries(session, closed, now, runtime.settings.lagbot_admins)
