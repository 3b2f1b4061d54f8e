"""A recurring series moved or cancelled as a whole (issue 13): every later occurrence follows,
each person is told once, and the upkeep neither recreates nor duplicates occurrences."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from models import events as ev
from models.constants import OSLO
from models.event_tables import Event, Series
from tests.helpers import tick
from tests.test_season_member import grant, person


async def weekly_series(db, clock, rule="FREQ=WEEKLY;COUNT=6"):
    async with db.session() as session:
        series = await ev.create_series(session, kind="social", title="Pubkveld", rule=rule,
                                        first_local=datetime(2026, 12, 4, 19, 0), minutes=180, place="Tapperiet", now=clock())
        return series.id


async def planned(db, series_id):
    async with db.session() as session:
        return list(await session.scalars(select(Event).where(Event.series_id == series_id, Event.status == "planned")
                                          .order_by(Event.starts_at)))


async def test_move_a_weekly_series_by_a_day_and_half_an_hour(db, app, make_user, clock):
    board = await person(make_user, 41, first="Styre")
    await grant(db, board, "board")
    member = await person(make_user, 42)
    series_id = await weekly_series(db, clock, rule="FREQ=WEEKLY")
    events = await planned(db, series_id)
    for event in events[:3]:
        await member.press_data(f"ev.rsvp:{event.id}:yes")
    await board.send("/arrangementer")
    listed = await board.press("⚙️ Administrer arrangementer")
    assert "🔁 Flytt hele serien" in listed.buttons
    asked = await board.press_data(f"evs.move:{events[0].id}")
    assert asked.text.startswith("«Pubkveld» er fredag 4. desember kl. 19:00–22:00.")
    done = await board.send("05.12 19:30")
    assert done.text == f"Serien er flyttet: {len(events)} ganger, første gang lørdag 5. desember kl. 19:30–22:30; 1 person får beskjed."
    moved = await planned(db, series_id)
    local = [e.starts_at.astimezone(OSLO) for e in moved]
    assert all((t.weekday(), t.hour, t.minute) == (5, 19, 30) for t in local)  # Saturdays 19:30, summer time too
    async with db.session() as session:
        assert await ev.materialise(session, clock()) == 0  # nothing recreated at the old time
        assert (await session.get(Series, series_id)).first_local == "2026-12-05T19:30"
    await tick(app)
    told = [m.text for m in member.messages() if m.text.startswith("Endring: «Pubkveld» er flyttet:")]
    assert len(told) == 1, told


async def test_a_series_on_set_days_moves_in_the_day_and_cancels_as_a_whole(db, app, make_user, clock):
    board = await person(make_user, 43, first="Styre")
    await grant(db, board, "board")
    member = await person(make_user, 44)
    series_id = await weekly_series(db, clock, rule="FREQ=MONTHLY;BYDAY=1FR;COUNT=4")
    first = (await planned(db, series_id))[0]
    await member.press_data(f"ev.rsvp:{first.id}:yes")
    await board.press_data(f"evs.move:{first.id}")
    refused = await board.send("05.12 19:00")
    assert refused.text.startswith("Denne serien går på faste dager")
    await board.send("04.12 20:00")
    assert all(e.starts_at.astimezone(OSLO).hour == 20 for e in await planned(db, series_id))

    await board.press_data(f"evs.cancel:{first.id}")
    done = await board.press("Ja, avlys serien")
    assert done.text == "Serien er avlyst fra fredag 4. desember kl. 20:00–23:00 (4×); 1 person får beskjed."
    assert await planned(db, series_id) == []
    async with db.session() as session:
        assert (await session.get(Series, series_id)).active is False
        assert await ev.materialise(session, clock() + timedelta(days=40)) == 0
    await tick(app)
    assert [m.text for m in member.messages()][-1].startswith("Avlyst: «Pubkveld» blir ikke noe av lenger (4 ganger fra fredag 4. desember).")


async def test_only_the_board_or_contact_changes_a_series(db, app, make_user, clock):
    member = await person(make_user, 45)
    series_id = await weekly_series(db, clock)
    first = (await planned(db, series_id))[0]
    refused = await member.press_data(f"evs.cancel:{first.id}")
    assert refused.alerts == ["Bare styret eller kontaktpersonen for arrangementet kan gjøre det."]
    assert len(await planned(db, series_id)) == 6
