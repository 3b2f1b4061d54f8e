"""An idle dispatcher tick: one read decides that nothing is due, as the claim itself would."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.delivery import Dispatcher
from models import outbox as box
from tests.helpers import onboard, stored


async def test_any_due_agrees_with_claim_due(db, make_user, clock):
    user = make_user()
    await onboard(user)
    member = (await stored(db, user.user_id)).id
    lease = timedelta(minutes=1)

    async def due_and_claimed(worker: str) -> tuple[bool, list[str]]:
        async with db.session() as session:
            due = await box.any_due(session, clock())
        async with db.session() as session:
            claimed = await box.claim_due(session, now=clock(), limit=10, lease=lease, worker=worker)
        return due, [row.dedupe_key for row in claimed]

    async with db.session() as session:
        await box.schedule(session, dedupe_key="notice:later", kind="notice", text="Senere", due_at=clock() + timedelta(hours=1),
                           member_id=member)
    assert await due_and_claimed("a") == (False, [])  # only a row due later
    async with db.session() as session:
        await box.schedule(session, dedupe_key="notice:now", kind="notice", text="Nå", due_at=clock(), member_id=member)
    assert await due_and_claimed("a") == (True, ["notice:now"])
    assert await due_and_claimed("b") == (False, [])  # claimed, its lease still running
    clock.advance(seconds=61)
    assert await due_and_claimed("b") == (True, ["notice:now"])  # the lease ran out: claimable again
    clock.advance(minutes=59)  # the later row falls due, and b's lease runs out
    assert await due_and_claimed("c") == (True, ["notice:now", "notice:later"])
    assert await due_and_claimed("d") == (False, [])


async def test_an_idle_tick_does_not_wait_for_a_writer(db, app, settings, clock):
    """Nothing due: the tick reads, and neither queues for SQLite's writer nor waits for its lock."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with db.session() as session:
            await box.schedule(session, dedupe_key="notice:elsewhere", kind="notice", text="Senere",
                               due_at=clock() + timedelta(hours=1), chat_id=2**31 + 7)
            holding.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await holding.wait()
    try:
        dispatcher = Dispatcher(settings, db, clock, worker="idle")
        assert await asyncio.wait_for(dispatcher.tick(app.bot), 5) == 0
    finally:
        release.set()
        await task
