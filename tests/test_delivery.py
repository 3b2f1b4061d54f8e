"""The outbox and its dispatcher: dedupe, cancel, reschedule, quiet hours, preferences, cap, errors, leases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.delivery import Dispatcher
from bot.ratelimit import RateLimiter
from models import OutboxMessage
from models import outbox as box
from models.membership import member_by_telegram
from tests.helpers import onboard, runtime, stored, tick

OSLO_2200 = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # 22:00 in Oslo (CET)


async def member_id(db, user) -> int:
    return (await stored(db, user.user_id)).id


async def queue(db, key: str, member: int, *, kind: str = "reminder", due: datetime, urgent: bool = False, text: str = "Hei") -> bool:
    async with db.session() as session:
        return await box.schedule(session, dedupe_key=key, kind=kind, text=text, due_at=due, member_id=member, urgent=urgent)


async def rows(db, prefix: str = "") -> list[OutboxMessage]:
    async with db.session() as session:
        return await box.rows_with_prefix(session, prefix)


def received(user) -> list[str]:
    return [m.text for m in user.messages()]


async def test_dedupe_cancel_and_reschedule(db, make_user, clock):
    user = make_user()
    await onboard(user)
    mid = await member_id(db, user)
    due = clock() + timedelta(hours=5)
    assert await queue(db, f"reminder:round:42:member:{mid}:24h", mid, due=due)
    assert not await queue(db, f"reminder:round:42:member:{mid}:24h", mid, due=due, text="again")
    assert await queue(db, f"reminder:round:42:member:{mid}:2h", mid, due=due + timedelta(hours=22))
    assert await queue(db, f"reminder:round:43:member:{mid}:24h", mid, due=due)
    assert len(await rows(db)) == 3 and (await rows(db, "reminder:round:42:"))[0].text == "Hei"

    async with db.session() as session:
        assert await box.reschedule(session, "reminder:round:42:", timedelta(days=1)) == 2
    moved = await rows(db, "reminder:round:42:")
    assert [r.due_at for r in moved] == [due + timedelta(days=1), due + timedelta(days=1, hours=22)]

    async with db.session() as session:
        assert await box.cancel(session, f"reminder:round:42:member:{mid}:") == 2
    assert [r.dedupe_key for r in await rows(db)] == [f"reminder:round:43:member:{mid}:24h"]


async def test_due_rows_are_sent_once_with_buttons(db, app, make_user, clock):
    user = make_user()
    await onboard(user)
    mid = await member_id(db, user)
    async with db.session() as session:
        await box.schedule(session, dedupe_key="notice:1", kind="notice", text="Runden er flyttet", due_at=clock(),
                           member_id=mid, buttons=[[box.Button("Jeg kommer", data="x:1")]])
        await box.schedule(session, dedupe_key="notice:2", kind="notice", text="Senere", due_at=clock() + timedelta(hours=1), member_id=mid)
    assert await tick(app) == 1
    assert received(user)[-1] == "Runden er flyttet"
    assert user.last_message().inline_buttons == [("Jeg kommer", "x:1")]
    assert await tick(app) == 0
    [sent, later] = await rows(db, "notice:")
    assert sent.status == "sent" and sent.telegram_message_id == user.last_message().message_id and sent.attempts == 1
    assert later.status == "pending"
    clock.advance(hours=1)
    assert await tick(app) == 1
    assert received(user)[-1] == "Senere"


async def test_quiet_hours_hold_nudges_not_reminders_or_urgent(db, app, make_user, clock):
    user = make_user()
    await onboard(user)
    mid = await member_id(db, user)
    clock.set(OSLO_2200)
    await queue(db, "nudge:1", mid, kind="nudge", due=clock(), text="Bli med på dørbank?")
    await queue(db, "reminder:1", mid, kind="reminder", due=clock(), text="Husk runden i morgen")
    await queue(db, "broadcast:urgent", mid, kind="broadcast", due=clock(), urgent=True, text="Haster!")
    before = len(user.messages())
    await tick(app)
    assert sorted(received(user)[before:]) == ["Haster!", "Husk runden i morgen"]
    [nudge] = await rows(db, "nudge:1")
    assert nudge.status == "pending" and nudge.attempts == 0
    assert nudge.due_at == datetime(2026, 11, 28, 8, 0, tzinfo=UTC)  # 09:00 in Oslo
    clock.set(datetime(2026, 11, 28, 7, 59, tzinfo=UTC))
    assert await tick(app) == 0
    clock.set(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    await tick(app)
    assert received(user)[-1] == "Bli med på dørbank?"


async def test_preferences_and_stop_word(db, app, make_user, clock):
    user = make_user()
    await onboard(user)
    mid = await member_id(db, user)
    stop = await user.send("STOPP")
    assert "Du får ikke flere meldinger fra styret og ingen forslag" in stop.text
    assert "/innstillinger" in stop.text
    member = await stored(db, user.user_id)
    assert not member.wants_broadcasts and not member.wants_nudges and member.wants_reminders
    await queue(db, "broadcast:1", mid, kind="broadcast", due=clock(), text="Utsending")
    await queue(db, "nudge:1", mid, kind="nudge", due=clock(), text="Forslag")
    await queue(db, "reminder:1", mid, kind="reminder", due=clock(), text="Påminnelse")
    before = len(user.messages())
    await tick(app)
    assert received(user)[before:] == ["Påminnelse"]
    statuses = {r.dedupe_key: (r.status, r.last_error) for r in await rows(db)}
    assert statuses["broadcast:1"] == ("skipped", "opted out of broadcasts")
    assert statuses["nudge:1"] == ("skipped", "opted out of nudges")
    for word in ("stop", "Avslutt", " stopp! "):
        assert "Du får ikke flere meldinger" in (await user.send(word)).text
    english = make_user(language_code="en")
    await onboard(english, lang="en", phone="+4798765432")
    assert (await english.send("stop")).text.startswith("Done: you will get no more messages from the board")


async def test_weekly_cap_counts_nudges_and_broadcasts_only(db, app, make_user, clock):
    user = make_user()
    await onboard(user)
    mid = await member_id(db, user)
    for day in range(4):
        await queue(db, f"nudge:{day}", mid, kind="nudge", due=clock() + timedelta(days=day), text=f"Forslag {day}")
    await queue(db, "broadcast:urgent", mid, kind="broadcast", due=clock() + timedelta(days=3), urgent=True, text="Haster")
    await queue(db, "reminder:x", mid, kind="reminder", due=clock() + timedelta(days=3), text="Påminnelse")
    before = len(user.messages())
    for _day in range(4):
        await tick(app)
        clock.advance(days=1)
    got = received(user)[before:]
    assert got[:3] == ["Forslag 0", "Forslag 1", "Forslag 2"]
    assert "Forslag 3" not in got and "Haster" in got and "Påminnelse" in got
    [capped] = await rows(db, "nudge:3")
    assert (capped.status, capped.last_error) == ("skipped", "weekly cap reached")
    # A week after the first, there is room again.
    clock.advance(days=4)
    await queue(db, "nudge:later", mid, kind="nudge", due=clock(), text="Ny uke")
    await tick(app)
    assert received(user)[-1] == "Ny uke"


async def test_429_waits_and_retries_never_drops(db, app, api, make_user, clock):
    user = make_user()
    await onboard(user)
    mid = await member_id(db, user)
    await queue(db, "notice:429", mid, kind="notice", due=clock(), text="Viktig")
    api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    await tick(app)
    [row] = await rows(db, "notice:429")
    assert row.status == "pending" and row.attempts == 0 and row.due_at == clock() + timedelta(seconds=7)
    assert "429" in row.last_error
    limiter = runtime(app).dispatcher.limiter
    assert limiter.reserve(user.chat_id) - limiter.clock() > 6  # the chat is paused for retry_after
    # The pause runs on the real clock; this test moves its own clock instead, so start afresh.
    runtime(app).dispatcher.limiter = RateLimiter(10000, 0.0001, 20)
    clock.advance(seconds=7)
    await tick(app)
    [row] = await rows(db, "notice:429")
    assert row.status == "sent"
    assert received(user).count("Viktig") == 1


async def test_403_marks_unreachable_until_they_return(db, app, api, make_user, clock):
    user = make_user()
    await onboard(user)
    mid = await member_id(db, user)
    await queue(db, "notice:a", mid, kind="notice", due=clock(), text="A")
    api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=user.chat_id)
    await tick(app)
    [row] = await rows(db, "notice:a")
    assert row.status == "failed" and row.last_error.startswith("unreachable")
    assert (await stored(db, user.user_id)).unreachable_at is not None
    await queue(db, "notice:b", mid, kind="notice", due=clock(), text="B")
    await tick(app)
    assert (await rows(db, "notice:b"))[0].status == "skipped"
    assert "B" not in received(user)
    # They write to the bot again: reachable.
    await user.send("hei")
    assert (await stored(db, user.user_id)).unreachable_at is None
    await queue(db, "notice:c", mid, kind="notice", due=clock(), text="C")
    await tick(app)
    assert received(user)[-1] == "C"


async def test_my_chat_member_updates_reachability(db, app, make_user):
    from telegram import Update

    user = make_user()
    await onboard(user)

    def change(old: str, new: str) -> Update:
        return Update.de_json({
            "update_id": 99001 if new == "kicked" else 99002,
            "my_chat_member": {
                "chat": user.chat_dict, "from": user.user_dict, "date": 1,
                "old_chat_member": {"user": {"id": app.bot.id, "is_bot": True, "first_name": "lagbot"}, "status": old,
                                    **({"until_date": 0} if old == "kicked" else {})},
                "new_chat_member": {"user": {"id": app.bot.id, "is_bot": True, "first_name": "lagbot"}, "status": new,
                                    **({"until_date": 0} if new == "kicked" else {})},
            },
        }, app.bot)

    await app.process_update(change("member", "kicked"))
    assert (await stored(db, user.user_id)).unreachable_at is not None
    await app.process_update(change("kicked", "member"))
    assert (await stored(db, user.user_id)).unreachable_at is None


async def test_400_fails_row_and_dispatcher_goes_on(db, app, api, make_user, clock):
    first, second = make_user(), make_user()
    await onboard(first)
    await onboard(second, phone="+4798765432")
    await queue(db, "notice:bad", await member_id(db, first), kind="notice", due=clock(), text="X")
    await queue(db, "notice:good", await member_id(db, second), kind="notice", due=clock(), text="Y")
    api.fail("sendMessage", 400, "Bad Request: can't parse entities", chat_id=first.chat_id)
    await tick(app)
    bad, good = (await rows(db, "notice:bad"))[0], (await rows(db, "notice:good"))[0]
    assert (bad.status, bad.last_error) == ("failed", "400: Can't parse entities")
    assert good.status == "sent"


async def test_5xx_retries_with_backoff_then_fails(db, app, api, make_user, clock, settings):
    user = make_user()
    await onboard(user)
    await queue(db, "notice:flaky", await member_id(db, user), kind="notice", due=clock(), text="Z")
    api.fail("sendMessage", 502, "Bad Gateway", times=1)
    await tick(app)
    [row] = await rows(db, "notice:flaky")
    assert row.status == "pending" and row.attempts == 1 and row.due_at == clock() + timedelta(seconds=5)
    clock.advance(seconds=5)
    await tick(app)
    assert (await rows(db, "notice:flaky"))[0].status == "sent"

    # One message that keeps failing while others go out is given up after MAX_ATTEMPTS.
    other = make_user()
    await onboard(other, phone="+4791234568")
    await queue(db, "notice:down", await member_id(db, user), kind="notice", due=clock(), text="W")
    api.fail("sendMessage", 500, "Internal Server Error", chat_id=user.user_id, times=settings.max_attempts)
    for attempt in range(settings.max_attempts):
        await queue(db, f"notice:fine:{attempt}", await member_id(db, other), kind="notice", due=clock(), text="OK")
        await tick(app)
        clock.advance(minutes=15)
    [row] = await rows(db, "notice:down")
    assert row.status == "failed" and row.last_error.startswith(f"gave up after {settings.max_attempts} attempts")
    assert "W" not in received(user) and received(other).count("OK") == settings.max_attempts


async def test_claimed_row_of_a_dead_process_is_retried_after_lease(db, app, settings, make_user, clock):
    user = make_user()
    await onboard(user)
    await queue(db, "notice:crash", await member_id(db, user), kind="notice", due=clock(), text="Etter krasj")
    async with db.session() as session:  # a dispatcher claims the row, then its process dies
        claimed = await box.claim_due(session, now=clock(), limit=10, lease=timedelta(seconds=settings.lease_seconds), worker="dead")
    assert [r.dedupe_key for r in claimed] == ["notice:crash"]
    assert await tick(app) == 0  # held under the dead worker's lease
    clock.advance(seconds=settings.lease_seconds + 1)
    assert await tick(app) == 1
    assert received(user)[-1] == "Etter krasj"
    # The dead worker, were it to wake, cannot overwrite the outcome.
    async with db.session() as session:
        assert not await box.mark_sent(session, claimed[0].id, "dead", message_id=1, now=clock())


async def test_concurrent_claims_never_share_a_row(db, clock):
    async with db.session() as session:
        from models.member import Member

        member = Member(name="Test", telegram_id=1, onboarded_at=clock(), language="nb")
        session.add(member)
        await session.flush()
        await box.schedule_many(session, [
            {"dedupe_key": f"notice:{n}", "member_id": member.id, "kind": "notice", "text": str(n), "due_at": clock()}
            for n in range(300)
        ])

    async def claimer(name: str) -> list[int]:
        got: list[int] = []
        while True:
            async with db.session() as session:
                batch = await box.claim_due(session, now=clock(), limit=7, lease=timedelta(minutes=1), worker=name)
            if not batch:
                return got
            got.extend(r.id for r in batch)

    results = await asyncio.gather(*(claimer(f"w{n}") for n in range(4)))
    claimed = [row_id for result in results for row_id in result]
    assert len(claimed) == 300 and len(set(claimed)) == 300
    assert sum(1 for result in results if result) >= 2 or db.url.startswith("sqlite")


async def test_two_dispatchers_send_each_row_exactly_once(db, app, api, settings, make_user, clock):
    users = [make_user() for _ in range(6)]
    for n, user in enumerate(users):
        await onboard(user, phone=f"+474000000{n}")
    async with db.session() as session:
        ids = [(await member_by_telegram(session, u.user_id)).id for u in users]
        await box.schedule_many(session, [
            {"dedupe_key": f"notice:{mid}:{k}", "member_id": mid, "kind": "notice", "text": f"m{mid}-{k}", "due_at": clock()}
            for mid in ids for k in range(10)
        ])
    one = Dispatcher(settings, db, clock, worker="one")
    two = Dispatcher(settings, db, clock, worker="two")
    await asyncio.gather(one.tick(app.bot), two.tick(app.bot))
    sent = [c.text for c in api.calls if c.method == "sendMessage" and c.text.startswith("m")]
    assert len(sent) == 60 and len(set(sent)) == 60
    async with db.session() as session:
        statuses = set(await session.scalars(select(OutboxMessage.status)))
        workers = set(await session.scalars(select(OutboxMessage.claimed_by)))
    assert statuses == {"sent"}
    assert workers <= {"one", "two"}


async def test_job_queue_drives_the_dispatcher(db, settings, api, clock):
    from bot.app import build_application
    from tests.harness import FakeUser

    settings.dispatch_interval = 0.05
    application = build_application(settings, db, request=api, clock=clock)
    await application.initialize()
    await application.start()
    try:
        user = FakeUser(application, api, 777)
        await onboard(user)
        await queue(db, "notice:job", (await stored(db, user.user_id)).id, kind="notice", due=clock(), text="Fra jobben")
        for _wait in range(500):  # up to 10 s on a busy machine
            if received(user)[-1:] == ["Fra jobben"]:
                break
            await asyncio.sleep(0.02)
        assert received(user)[-1] == "Fra jobben"
    finally:
        await application.stop()
        await application.shutdown()


async def test_retention_deletes_finished_rows_after_their_time_in_batches(app, db, make_user, clock, monkeypatch):
    """Sent, failed and skipped rows older than the retention go, a batch per transaction over
    several runs; pending rows, recent rows and a broadcast's rows stay."""
    from bot.upkeep import retention
    from models.broadcast import Broadcast

    monkeypatch.setattr(retention, "BATCH", 3)
    monkeypatch.setattr(retention, "BUDGET_SECONDS", 0.0)  # one batch per run: the backlog takes several
    user = make_user()
    await onboard(user)
    member = await member_id(db, user)
    long_ago = clock() - timedelta(days=181)
    async with db.session() as session:
        broadcast = Broadcast(text="Hei", audience={}, status="sent")
        session.add(broadcast)
        await session.flush()
        for n, status in enumerate(("sent", "failed", "skipped", "sent", "sent", "pending", "claimed")):
            await box.schedule(session, dedupe_key=f"old:{n}:{status}", kind="reminder", text="Hei", due_at=long_ago, member_id=member)
            await session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == f"old:{n}:{status}").values(status=status))
        await box.schedule(session, dedupe_key="recent:sent", kind="reminder", text="Hei", due_at=clock() - timedelta(days=179),
                           member_id=member)
        await box.schedule(session, dedupe_key="old:broadcast", kind="broadcast", text="Hei", due_at=long_ago, member_id=member,
                           broadcast_id=broadcast.id)
        await session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key.in_(("recent:sent", "old:broadcast")))
                              .values(status="sent"))

    run = runtime(app)
    assert await retention.run(run) == 3
    assert await retention.run(run) == 2  # the rest of the backlog, on the next run
    assert await retention.run(run) == 0  # nothing left: not again for an hour
    assert sorted(row.dedupe_key for row in await rows(db, "old:") + await rows(db, "recent:")) == [
        "old:5:pending", "old:6:claimed", "old:broadcast", "recent:sent"]
    async with db.session() as session:
        await box.schedule(session, dedupe_key="old:later", kind="reminder", text="Hei", due_at=long_ago, member_id=member)
        await session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == "old:later").values(status="sent"))
    clock.advance(minutes=30)
    await tick(app)
    assert "old:later" in [row.dedupe_key for row in await rows(db, "old:")]
    clock.advance(minutes=31)
    await tick(app)  # the upkeep job runs retention again after an hour
    assert "old:later" not in [row.dedupe_key for row in await rows(db, "old:")]


async def test_one_bad_message_while_others_go_out_is_retried_within_seconds(db, app, api, make_user, clock, settings):
    """A 5xx (or a timeout) while other sends succeed is that message's bad luck: it is tried again
    after 1 s, then 2 s, …; with no success to go by it waits the long back-off (5 s, 20 s …)."""
    user, other = make_user(), make_user()
    await onboard(user)
    await onboard(other, phone="+4791234568")
    await queue(db, "notice:fine", await member_id(db, other), kind="notice", due=clock(), text="OK")
    await tick(app)  # Telegram answers
    assert received(other)[-1] == "OK"
    await queue(db, "notice:unlucky", await member_id(db, user), kind="notice", due=clock(), text="Igjen")
    api.fail("sendMessage", 500, "Internal Server Error", chat_id=user.user_id, times=2)
    await tick(app)
    [row] = await rows(db, "notice:unlucky")
    assert row.status == "pending" and row.attempts == 1 and row.due_at == clock() + timedelta(seconds=1)
    clock.advance(seconds=1)
    await tick(app)
    [row] = await rows(db, "notice:unlucky")
    assert row.attempts == 2 and row.due_at == clock() + timedelta(seconds=2)
    clock.advance(seconds=2)
    await tick(app)
    assert (await rows(db, "notice:unlucky"))[0].status == "sent" and received(user).count("Igjen") == 1

    # Nothing has gone out for a while: no sign that Telegram is up, so the long back-off.
    clock.advance(minutes=1)
    await queue(db, "notice:alone", await member_id(db, user), kind="notice", due=clock(), text="Alene")
    api.fail("sendMessage", 502, "Bad Gateway", chat_id=user.user_id)
    await tick(app)
    [row] = await rows(db, "notice:alone")
    assert row.attempts == 1 and row.due_at == clock() + timedelta(seconds=5)


async def test_a_send_unanswered_within_send_timeout_is_tried_again_at_once(db, app, api, make_user, clock, settings,
                                                                            monkeypatch):
    """The dispatcher waits `send_timeout` (3 s, not PTB's 5) for Telegram's answer; a send that
    timed out while others succeed has waited already, and is due again at once."""
    from telegram.error import TimedOut

    user, other = make_user(), make_user()
    await onboard(user)
    await onboard(other, phone="+4791234568")
    asked: list[float | None] = []
    real = api.do_request

    async def timing_out(url, method, request_data=None, **timeouts):
        if url.endswith("/sendMessage"):
            asked.append(timeouts.get("read_timeout"))
            if str(request_data.parameters.get("chat_id")) == str(user.chat_id) and asked.count(3.0) == 2:
                raise TimedOut("Timed out")
        return await real(url, method, request_data, **timeouts)

    monkeypatch.setattr(api, "do_request", timing_out)
    await queue(db, "notice:fine", await member_id(db, other), kind="notice", due=clock(), text="OK")
    await tick(app)
    await queue(db, "notice:stalled", await member_id(db, user), kind="notice", due=clock(), text="Treg")
    await tick(app)
    [row] = await rows(db, "notice:stalled")
    assert settings.send_timeout == 3.0 and asked == [3.0, 3.0, 3.0]  # the first, the timed out one, again
    # Tried again in the same tick (the clock has not moved): no back-off after the wait.
    assert row.status == "sent" and row.attempts == 2 and received(user).count("Treg") == 1


async def test_a_row_tried_before_goes_ahead_of_rows_not_yet_tried(db, clock):
    from models.member import Member

    async with db.session() as session:
        member = Member(name="Test", telegram_id=1, onboarded_at=clock(), language="nb")
        session.add(member)
        await session.flush()
        await box.schedule_many(session, [
            {"dedupe_key": f"notice:{n}", "member_id": member.id, "kind": "notice", "text": str(n),
             "due_at": clock() - timedelta(minutes=5)} for n in range(3)
        ])
        await box.schedule(session, dedupe_key="notice:retry", kind="notice", text="r", due_at=clock(), member_id=member.id)
        await session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == "notice:retry").values(attempts=1))
    async with db.session() as session:
        first = await box.claim_due(session, now=clock(), limit=2, lease=timedelta(minutes=1), worker="w")
    assert [row.dedupe_key for row in first] == ["notice:retry", "notice:0"]


async def test_a_stalled_send_holds_no_sending_slot(db, app, api, make_user, clock, settings, monkeypatch):
    """With one sending slot, a send Telegram does not answer is handed over after SLOW_SEND and the
    next rows go out meanwhile; its outcome is still recorded before the tick ends."""
    from bot import delivery

    monkeypatch.setattr(delivery, "SLOW_SEND", 0.05)
    people = [make_user() for _ in range(3)]
    for n, person in enumerate(people):
        await onboard(person, phone=f"+479123459{n}")
    stalled, *others = people
    ids = [await member_id(db, person) for person in people]
    async with db.session() as session:
        for n, mid in enumerate(ids):
            await box.schedule(session, dedupe_key=f"notice:slot:{n}", kind="notice", text=f"Slot {n}", due_at=clock(),
                               member_id=mid)
    events: list[str] = []
    release = asyncio.Event()
    real = api.do_request

    async def slow_for_one(url, method, request_data=None, **timeouts):
        chat = str(request_data.parameters.get("chat_id")) if request_data else ""
        if url.endswith("/sendMessage") and chat == str(stalled.chat_id):
            events.append("stalled: asked")
            await release.wait()
            events.append("stalled: answered")
        result = await real(url, method, request_data, **timeouts)
        if url.endswith("/sendMessage") and chat != str(stalled.chat_id):
            events.append("other sent")
            if events.count("other sent") == len(others):
                release.set()
        return result

    monkeypatch.setattr(api, "do_request", slow_for_one)
    settings.dispatch_concurrency = 1
    dispatcher = Dispatcher(settings, db, clock, worker="one-slot")
    asyncio.get_running_loop().call_later(5, release.set)  # without the hand-over, only this ends the stall
    assert await dispatcher.tick(app.bot) == 3
    assert events == ["stalled: asked", "other sent", "other sent", "stalled: answered"]
    assert {row.status for row in await rows(db, "notice:slot:")} == {"sent"}
