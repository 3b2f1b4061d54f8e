"""Proactive messages are rendered when they are sent (bot/render.py): from the data and in the
language of that moment; a message whose subject is gone is dropped, not sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import event_messages, leader_training_messages, round_messages
from models import Member, OutboxMessage
from models import events as ev
from models import rounds as rd
from models.membership import member_by_telegram
from models.privacy import erase_member
from tests.helpers import onboard, tick

START = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)  # Saturday 5 December, 12:00 in Oslo
DAY_BEFORE = START - timedelta(days=1)


async def member(make_user, n: int, lang: str = "nb"):
    user = make_user(first_name=f"Person{n}", language_code=lang)
    await onboard(user, phone=f"+47410{n:05d}", lang=lang)
    return user


async def stored(db, user) -> Member:
    async with db.session() as session:
        return await member_by_telegram(session, user.user_id)


async def joined_round(db, clock, user, *, leader: Member | None = None) -> int:
    """A round the user has a seat on, with its reminders queued as the join button does."""
    async with db.session() as session:
        round_ = await rd.create_round(session, title="Dørbank på Lade", district="ostbyen", starts_at=START,
                                       ends_at=START + timedelta(hours=3), meeting_point="Utenfor Lade kirke", capacity=5,
                                       now=clock(), teams=[(leader.id if leader else None, 5)])
        person = await member_by_telegram(session, user.user_id)
        await rd.sign_up(session, round_.id, person.id, clock())
        await round_messages.schedule_for_member(session, round_, person, [], clock())
        return round_.id


async def joined_event(db, clock, user) -> int:
    async with db.session() as session:
        event = await ev.create_event(session, kind="social", title="Pubkveld", starts_at=START,
                                      ends_at=START + timedelta(hours=3), place="Tapperiet", now=clock())
        person = await member_by_telegram(session, user.user_id)
        await ev.answer(session, event.id, person.id, "yes", clock())
        await event_messages.schedule_for_member(session, event, person, clock())
        return event.id


async def outcomes(db, topic: str) -> list[tuple[str, str | None]]:
    async with db.session() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic).order_by(OutboxMessage.id))
        return [(row.status, row.last_error) for row in rows]


async def test_an_edit_reaches_reminders_already_queued(db, app, make_user, clock):
    user = await member(make_user, 0)
    round_id = await joined_round(db, clock, user)
    event_id = await joined_event(db, clock, user)
    async with db.session() as session:
        await rd.edit(session, round_id, now=clock(), meeting_point="Lade arena")
        await ev.edit(session, event_id, now=clock(), title="Julebord", place="Antikvariatet")
    clock.set(DAY_BEFORE)
    await tick(app)
    texts = [m.text for m in user.messages()[-2:]]
    assert any("Oppmøte: Lade arena" in t for t in texts), texts
    assert "Påminnelse: «Julebord» er i morgen, lørdag 5. desember kl. 12:00–15:00, på Antikvariatet." in texts


async def test_a_moved_round_is_reminded_at_the_new_time_with_the_new_time(db, app, make_user, clock):
    user = await member(make_user, 0)
    round_id = await joined_round(db, clock, user)
    later = START + timedelta(days=1)
    async with db.session() as session:
        # The domain move alone: the reminders queued for the old time must not go out.
        round_ = await rd.move(session, round_id, starts_at=later, ends_at=later + timedelta(hours=3), now=clock())
        person = await member_by_telegram(session, user.user_id)
        await round_messages.moved(session, round_, person, clock())
        await round_messages.schedule_for_member(session, round_, person, [], clock())
    await tick(app)
    assert user.last_message().text.startswith("Endring: «Dørbank på Lade» er flyttet til søndag 6. desember kl. 12:00–15:00.")
    clock.set(DAY_BEFORE)
    told = len(user.messages())
    await tick(app)
    assert len(user.messages()) == told  # nothing at the old time
    assert ("skipped", "the activity moved; its reminders were scheduled anew") in await outcomes(db, "round.reminder_24h")
    clock.set(later - timedelta(days=1))
    await tick(app)
    assert user.last_message().text.startswith("Påminnelse: dørbanking i morgen, søndag 6. desember kl. 12:00–15:00.")


async def test_each_place_change_of_an_event_is_announced_once(db, app, make_user, clock):
    user = await member(make_user, 0)
    event_id = await joined_event(db, clock, user)
    person = await stored(db, user)
    for place in ("Antikvariatet", "Tapperiet bakgården", "Folkets hus"):
        async with db.session() as session:
            event, _promoted = await ev.edit(session, event_id, now=clock(), place=place)
            await event_messages.moved(session, event, person, clock())
        await tick(app)
        await tick(app)
        assert user.last_message().text.endswith(f"fredag 4. desember kl. 19:00–22:00, {place}.") or \
            user.last_message().text.endswith(f"lørdag 5. desember kl. 12:00–15:00, {place}.")
    changes = [m.text for m in user.messages() if m.text.startswith("Endring:")]
    assert len(changes) == 3 and len(set(changes)) == 3
    # Two changes before the notice went out: only the newer one is sent.
    async with db.session() as session:
        event, _promoted = await ev.edit(session, event_id, now=clock(), place="Rådhuset")
        await event_messages.moved(session, event, person, clock())
        event, _promoted = await ev.edit(session, event_id, now=clock(), place="Torget")
        await event_messages.moved(session, event, person, clock())
    await tick(app)
    changes = [m.text for m in user.messages() if m.text.startswith("Endring:")]
    assert len(changes) == 4 and changes[-1].endswith("Torget.")
    assert ("skipped", "superseded by a newer change") in await outcomes(db, "event.moved")


async def test_a_leader_who_erased_their_data_is_not_named(db, app, make_user, clock):
    leader, user = await member(make_user, 0), await member(make_user, 1)
    leader_row = await stored(db, leader)
    await joined_round(db, clock, user, leader=leader_row)
    async with db.session() as session:
        await erase_member(session, await session.get(Member, leader_row.id), now=clock())
    clock.set(DAY_BEFORE)
    await tick(app)
    reminder = user.last_message().text
    assert reminder.startswith("Påminnelse: dørbanking i morgen") and "Person0" not in reminder
    assert "Dørbankgeneral: ikke bestemt ennå" in reminder


async def test_a_message_about_an_erased_member_is_dropped(db, app, make_user, clock):
    board, candidate = await member(make_user, 0), await member(make_user, 1)
    async with db.session() as session:
        person = await member_by_telegram(session, candidate.user_id)
        await leader_training_messages.leader_candidate(session, person, [await member_by_telegram(session, board.user_id)], 3, clock())
        await erase_member(session, person, now=clock())
    told = len(board.messages())
    await tick(app)
    assert len(board.messages()) == told
    assert await outcomes(db, "round.leader_candidate") == [("skipped", "about a member who erased their data")]


async def test_a_cancelled_rounds_reminders_are_dropped_not_sent(db, app, make_user, clock):
    user = await member(make_user, 0)
    round_id = await joined_round(db, clock, user)
    async with db.session() as session:
        await rd.cancel(session, round_id)  # the queued reminders are left where they are
    told = len(user.messages())
    clock.set(START + timedelta(hours=4))
    await tick(app)
    assert len(user.messages()) == told
    for topic in ("round.reminder_24h", "round.reminder_2h", "round.followup"):
        assert await outcomes(db, topic) == [("skipped", "the activity is cancelled")]


async def test_a_reminder_speaks_the_language_chosen_after_it_was_queued(db, app, make_user, clock):
    user = await member(make_user, 0)
    await joined_event(db, clock, user)
    async with db.session() as session:
        (await member_by_telegram(session, user.user_id)).language = "en"
    clock.set(DAY_BEFORE)
    await tick(app)
    assert user.last_message().text == "Reminder: “Pubkveld” is tomorrow, Saturday 5 December, 12:00–15:00, at Tapperiet."


async def test_a_notice_speaks_the_language_chosen_after_it_was_queued(db, app, make_user, clock):
    user = await member(make_user, 0)
    round_id = await joined_round(db, clock, user)
    async with db.session() as session:
        round_ = await rd.cancel(session, round_id)
        person = await member_by_telegram(session, user.user_id)
        await round_messages.cancelled(session, round_, person, clock())
        person.language = "en"
    await tick(app)
    assert user.last_message().text.startswith("Cancelled: “Dørbank på Lade” on Saturday 5 December, 12:00–15:00 will not")


async def test_a_welcome_offer_of_a_cancelled_event_is_dropped(db, app, make_user, clock):
    from bot import welcome_messages

    user = await member(make_user, 0)
    async with db.session() as session:
        event = await ev.create_event(session, kind="social", title="Brettspill", starts_at=START,
                                      ends_at=START + timedelta(hours=3), place="Tapperiet", now=clock())
        person = await member_by_telegram(session, user.user_id)
        person.onboarded_at = clock() - timedelta(days=2, minutes=1)
        await welcome_messages.run_sequence(session, person, clock())
        await ev.cancel(session, event.id)
    await tick(app)
    assert ("skipped", "the event offered is cancelled or gone") in await outcomes(db, "welcome")
    assert not any("Brettspill" in m.text for m in user.messages())


async def test_a_broken_renderer_fails_its_row_and_the_others_go_out(db, app, make_user, clock, monkeypatch):
    from bot import render
    from models import outbox as box

    async def broken(session, row, to):
        raise KeyError("oops")

    monkeypatch.setitem(render.RENDERERS, "test.broken", broken)
    user = await member(make_user, 0)
    person = await stored(db, user)
    async with db.session() as session:
        await box.schedule(session, dedupe_key="test:broken", kind="notice", member_id=person.id, due_at=clock(),
                           topic="test.broken")
        await round_messages.notify(session, person, "test:plain", "Fortsatt her", clock())
    await tick(app)
    assert user.last_message().text == "Fortsatt her"
    [(status, error)] = await outcomes(db, "test.broken")
    assert status == "failed" and "KeyError" in error
