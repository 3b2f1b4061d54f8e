"""What members and the board do is stored at the bot's time (runtime.now(): the tests' clock, faketime
in play), not the machine's: door input and a leader's report given in March 2027 say March 2027."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models.round_tables import DoorInput, RoundReport
from models.tombstones import Tombstone
from tests.helpers import tick
from tests.test_plan import board_member, captions
from tests.test_play_fixes import door_count
from tests.test_season_member import grant, make_round, person

MARCH = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
START = datetime(2027, 3, 6, 11, 0, tzinfo=UTC)  # Sat 6 Mar 2027, 12:00 Oslo
END = START + timedelta(hours=3)


# Played under faketime in March 2027: Anne's input and Ola's report were stored with the machine's
# date (November 2026), so /mine_data said she had told it months before the round took place.
async def test_door_input_and_a_report_given_through_the_chat_are_stored_at_the_bots_time(db, app, make_user, clock):
    clock.set(MARCH)
    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    anne = await person(make_user, 1, first="Anne")
    kari = await board_member(db, make_user)
    rid = await make_round(db, clock, leader=ola, start=START)
    await anne.press_data(f"rd.join:{rid}")

    clock.set(END + timedelta(minutes=31))
    await tick(app)
    assert anne.last_message().text.startswith("Takk for at du banket på dører i dag! Hvordan gikk det"), anne.last_message().text
    await anne.press("Bolig")
    said = clock()
    assert (await anne.send("Husleia er for høy")).text.startswith("Takk — notert til programarbeidet"), anne.last_message().text

    clock.set(END + timedelta(hours=2))
    filed = clock()
    await ola.press_data(f"rd:report:{rid}")
    await ola.send("80")
    await ola.send("20")
    await ola.press("Skole")
    await ola.press("Ferdig", exact=True)
    assert (await ola.send("Skoleveien er farlig")).text.startswith("Takk! Rapporten er lagret")

    async with db.session() as session:
        [item] = await session.scalars(select(DoorInput).where(DoorInput.round_id == rid))
        [report] = await session.scalars(select(RoundReport).where(RoundReport.round_id == rid))
    assert item.created_at == said, item.created_at
    assert report.filed_at == filed, report.filed_at

    clock.set(END + timedelta(days=1))
    found = captions(await kari.send("/rapport"))
    assert any("2027" in caption for caption in found), found
    assert door_count(found[5]) == 2, found[5]
    exported = await anne.send("/mine_data")
    [document] = exported.method("sendDocument")
    data = json.loads(document.files["document"].decode("utf-8"))
    [heard] = data["Innspill fra dørene"]
    assert any(str(value).startswith("2027-03-06T15:") for value in heard.values()), heard


# Anne erased her data in March 2027 (faketime) and came back: "Du slettet dataene dine" named the
# machine's date, months before she pressed the button.
async def test_the_day_an_erasure_is_told_is_the_bots(db, app, make_user, clock):
    clock.set(MARCH)
    anne = await person(make_user, 1, first="Anne")
    await anne.send("/slett_meg")
    await anne.press("Ja, slett dataene mine")
    async with db.session() as session:
        [stone] = await session.scalars(select(Tombstone))
    assert stone.erased_at == MARCH, stone.erased_at
    clock.set(MARCH + timedelta(days=2))
    again = await anne.send("/start")
    assert again.text.startswith("Velkommen tilbake. Du slettet dataene dine mandag 1. mars,"), again.text


# Siri sent a broadcast in March 2027 (faketime): /utsending status dated it 28 November 2026.
async def test_a_broadcast_is_dated_by_the_bots_clock(db, app, make_user, clock):
    from models import Broadcast
    from tests.test_broadcast import board_member as broadcaster

    clock.set(MARCH)
    siri = await broadcaster(db, make_user)
    await siri.send("/utsending")
    await siri.send("Stand på torget laurdag!")
    await siri.press("Forhåndsvis ▸")
    await siri.press("Send nå")
    async with db.session() as session:
        [cast] = await session.scalars(select(Broadcast))
    assert cast.created_at == MARCH, cast.created_at
    listing = await siri.send("/utsending status")
    assert "#1 · mandag 1. mars kl. 10:00" in listing.text, listing.text
