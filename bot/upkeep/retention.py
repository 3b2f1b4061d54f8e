"""Outbox retention: finished rows are deleted after `outbox_retention_days`, a small batch per
transaction, so a long backlog never holds the database (or SQLite's writer lock) for long."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.runtime import Runtime
from models import outbox as box

BATCH = 200
BUDGET_SECONDS = 0.03  # per run; what is left waits for the next run
EVERY = timedelta(hours=1)  # once the backlog is gone


async def run(runtime: Runtime) -> int:
    """Delete what is due for deletion, within the budget; returns how many rows went."""
    now = runtime.now()
    if runtime.retention_next_at is not None and now < runtime.retention_next_at:
        return 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BUDGET_SECONDS
    due_before = now - timedelta(days=runtime.settings.outbox_retention_days)
    deleted = 0
    while True:
        async with runtime.db.session() as session:
            gone = await box.delete_finished(session, due_before=due_before, limit=BATCH)
        deleted += gone
        if gone < BATCH:
            runtime.retention_next_at = now + EVERY
            return deleted
        if loop.time() >= deadline:
            runtime.retention_next_at = None  # more to do: the next run goes on
            return deleted
