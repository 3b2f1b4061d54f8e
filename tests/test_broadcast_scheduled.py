"""A scheduled broadcast can be seen, changed and cancelled until it goes out; its status says when
messages wait for quiet hours to end (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime

from models import broadcast as bc
from tests.helpers import tick
from tests.test_broadcast import board_member, members


async def schedule(board, text: str, when: str):
    await board.send("/utsending")
    await board.send(text)
    await board.press("Forhåndsvis ▸")
    await board.press("Planlegg …")
    return await board.send(when)


async def test_change_text_and_time_then_it_goes_out_changed(db, app, make_user, clock):
    people = await members(db, make_user)
    board = await board_member(db, make_user)
    planned = await schedule(board, "Medlemsmøte i kveld!", "28.11 18:00")
    assert planned.text == "Utsending #1 er planlagt til lørdag 28. november kl. 18:00."
    assert planned.buttons == ["✏️ Endre teksten", "🕒 Endre tidspunktet", "✖️ Avlys utsending #1"]

    listed = await board.send("/utsending planlagt")
    assert "Medlemsmøte i kveld!" in listed.text and "✏️ Endre teksten" in listed.buttons
    await board.press("✏️ Endre teksten")
    changed = await board.send("Medlemsmøte i kveld kl. 19 på Folkets hus!")
    assert changed.text.startswith("Endret. Utsending #1 er planlagt til lørdag 28. november kl. 18:00.")
    await board.press("🕒 Endre tidspunktet")
    assert (await board.send("i går")).text.startswith("Det tidspunktet skjønte jeg ikke")
    moved = await board.send("28.11 19:30")
    assert "kl. 19:30" in moved.text
    async with db.session() as session:
        stored = await bc.get(session, 1)
        assert stored.text == "Medlemsmøte i kveld kl. 19 på Folkets hus!" and stored.status == bc.SCHEDULED

    clock.set(datetime(2026, 11, 28, 17, 5, tzinfo=UTC))  # 18:05, the old time
    await tick(app)
    await tick(app)
    assert not any("Medlemsmøte" in m.text for m in people[0].messages())
    clock.set(datetime(2026, 11, 28, 18, 31, tzinfo=UTC))  # 19:31
    await tick(app)
    await tick(app)
    assert people[0].messages()[-1].text.startswith("Medlemsmøte i kveld kl. 19 på Folkets hus!")
    # Once it has gone out, a change is refused and nothing changes.
    await board.send("/utsending planlagt")
    await board.press_data("bcs.cancel:1")
    late = await board.press("Ja, avlys den")
    assert "er allerede sendt eller avlyst" in late.alerts[0]
    async with db.session() as session:
        assert (await bc.get(session, 1)).status != bc.CANCELLED


async def test_cancelled_broadcast_never_goes_out(db, app, make_user, clock):
    people = await members(db, make_user)
    board = await board_member(db, make_user)
    await schedule(board, "Stand på torget!", "28.11 18:00")
    await board.press("✖️ Avlys utsending #1")
    done = await board.press("Ja, avlys den")
    assert "Utsending #1 er avlyst. Ingen fikk den." in done.texts
    assert (await board.send("/utsending planlagt")).text == "Ingen utsendinger er planlagt."
    clock.set(datetime(2026, 11, 28, 18, 0, tzinfo=UTC))
    await tick(app)
    await tick(app)
    assert not any("Stand på torget" in m.text for m in people[0].messages())
    async with db.session() as session:
        assert (await bc.get(session, 1)).status == bc.CANCELLED


async def test_member_cannot_cancel_a_scheduled_broadcast(db, app, make_user, clock):
    people = await members(db, make_user)
    board = await board_member(db, make_user)
    await schedule(board, "Stand på torget!", "28.11 18:00")
    refused = await people[0].press_data("bcs.confirm:1")
    assert refused.alerts and "styret" in refused.alerts[0]
    async with db.session() as session:
        assert (await bc.get(session, 1)).status == bc.SCHEDULED


async def test_status_says_when_messages_wait_for_quiet_hours(db, app, make_user, clock):
    await members(db, make_user)
    board = await board_member(db, make_user)
    clock.set(datetime(2026, 11, 28, 21, 30, tzinfo=UTC))  # 22:30 in Oslo
    await board.send("/utsending")
    await board.send("Husk valgkampmøtet!")
    await board.press("Forhåndsvis ▸")
    await board.press("Send nå")
    for _ in range(3):
        await tick(app)
    status = next(m for m in board.messages() if m.text.startswith("Utsending #1:"))
    assert "Venter til etter nattestid, kl. 09:00: 3" in status.text, status.text
