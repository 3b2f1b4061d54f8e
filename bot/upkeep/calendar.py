"""Calendar upkeep: keep a year of recurring events ahead, and warn the board when nothing is planned."""

from __future__ import annotations

from bot import event_messages as msgs
from bot.runtime import Runtime
from models import events as ev
from models import membership, upkeep_runs
from models.constants import OSLO


async def calendar_upkeep(runtime: Runtime) -> None:
    """Once a day (Oslo date): materialise recurring events, then nudge the board if the plan is empty."""
    now = runtime.now()
    today = now.astimezone(OSLO).date()
    settings = runtime.settings
    async with runtime.db.session() as session:
        if not await upkeep_runs.claim(session, "calendar", now, lambda last: last.astimezone(OSLO).date() != today):
            return
        await ev.materialise(session, now)
        if await ev.joinable_within(session, now, settings.plan_ahead_days) == 0:
            board = await membership.members_with_role(session, "board", settings.lagbot_admins)
            await msgs.nothing_planned(session, board, settings.plan_ahead_days, now, settings.plan_ahead_nudge_every_days)
