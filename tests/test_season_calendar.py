"""The year at a glance: /arshjul lists door-knocking rounds beside events and keeps a date-like
title apart from its day; the event list filters by every kind and an empty filter says which."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import events as ev
from tests.test_season_member import make_round, person

MARCH_8 = datetime(2027, 3, 8, 16, 0, tzinfo=UTC)  # Monday 8 March 2027, 17:00 in Oslo


async def add_event(db, clock, kind, title, start):
    async with db.session() as session:
        await ev.create_event(session, kind=kind, title=title, starts_at=start, ends_at=start + timedelta(hours=2),
                              place="Torget", now=clock())


async def test_arshjul_lists_rounds_and_reads_cleanly(db, make_user, clock):
    member = await person(make_user, 1)
    nynorsk = await person(make_user, 2, lang="nn")
    await make_round(db, clock)
    await add_event(db, clock, "movement_day", "8. mars-markering", MARCH_8)

    calendar = (await member.send("/arshjul")).text
    assert "🗓 Desember 2026\n• lør. 5. — Dørbank på Lade (dørbanking)" in calendar
    assert "🗓 Mars 2027\n• man. 8. — 8. mars-markering (bevegelsesdag)" in calendar
    assert "8. 8." not in calendar
    calendar_nn = (await nynorsk.send("/arshjul")).text
    assert "• må. 8. — 8. mars-markering (rørsledag)" in calendar_nn and "(dørbanking)" in calendar_nn


async def test_every_kind_can_be_filtered_and_an_empty_filter_says_which(db, make_user, clock):
    member = await person(make_user, 3)
    await add_event(db, clock, "movement_day", "8. mars-markering", MARCH_8)
    listing = await member.send("/arrangementer")
    labels = listing.buttons
    for kind in ("Sosialt", "Medlemsmøte", "Kurs", "Åpent møte", "Gruppemøte i bystyregruppa", "Bevegelsesdag",
                 "Programarbeid", "Alle"):
        assert kind in labels, labels
    movement = await member.press("Bevegelsesdag")
    assert "8. mars-markering" in movement.text
    courses = await member.press("Kurs")
    assert courses.text.startswith("Ingen kurs er planlagt akkurat nå.")
    nynorsk = await person(make_user, 4, lang="nn")
    await nynorsk.send("/arrangementer")
    assert (await nynorsk.press("Sosialt")).text.startswith("Ingen sosiale arrangement er planlagde akkurat no.")
