"""Findings of a season played against the events: at the door, members who had said maybe or were on
the waiting list could not be checked in (and so were missing from the figures); check-in worked days
before and after the event; the notice of a place given from the waiting list had neither the place nor
a calendar file, which every other confirmation has."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import events as ev
from models.event_tables import Rsvp
from models.member import Member
from models.membership import member_by_telegram
from tests.helpers import tick
from tests.test_events import ics_of
from tests.test_plan import board_member
from tests.test_season_member import START, person

FULL = ("Alle plassene er tatt, så {name} ble ikke sjekket inn. Merk hvem som ikke kom når arrangementet har begynt: "
        "da blir plassene deres ledige.")


async def new_event(db, clock, *, kind="social", title="Pubkveld", capacity=None, start=START):
    async with db.session() as session:
        event = await ev.create_event(session, kind=kind, title=title, starts_at=start, ends_at=start + timedelta(hours=3),
                                      place="Tapperiet", now=clock(), capacity=capacity)
        return event.id


async def answers(db, event_id) -> dict[str, tuple[str, str, bool | None]]:
    """Per member's first name: (answer, seat, attended)."""
    async with db.session() as session:
        rows = list(await session.scalars(select(Rsvp).where(Rsvp.event_id == event_id)))
        return {(await session.get(Member, r.member_id)).name.split()[0]: (r.answer, r.seat, r.attended) for r in rows}


async def open_list(kari, title):
    await kari.send("/arrangementer")
    await kari.press("⚙️ Administrer arrangementer")
    card_message = [m for m in kari.messages() if title in (m.text or "") and "Sjekk inn" in dict(m.inline_buttons)][-1]
    return await kari.press_data(dict(card_message.inline_buttons)["Sjekk inn"], card_message)


# Kari stood at the door of the pub evening (one place): Bjørn, on the waiting list, and Cato, who had said
# "kanskje", came anyway. The list showed only Anne, so neither could be checked in, and the year's
# figures left them out. At the member meeting (no limit) Dag, who had said maybe, came too.
async def test_maybe_and_waiting_list_are_checked_in_at_the_door_while_a_place_is_free(db, app, make_user, clock):
    kari = await board_member(db, make_user)
    anne, bjorn, cato, dag = [await person(make_user, k, first=n) for k, n in enumerate(("Anne", "Bjørn", "Cato", "Dag"), 1)]
    pub = await new_event(db, clock, capacity=1)
    meeting = await new_event(db, clock, kind="member_meeting", title="Medlemsmøte", start=START + timedelta(days=1))
    await anne.press_data(f"ev.rsvp:{pub}:yes")
    await bjorn.press_data(f"ev.rsvp:{pub}:yes")                   # the waiting list
    await cato.press_data(f"ev.rsvp:{pub}:maybe")
    await dag.press_data(f"ev.rsvp:{meeting}:maybe")
    clock.set(START - timedelta(hours=1))
    listing = await open_list(kari, "Pubkveld")
    assert listing.buttons == ["✅ Anne: her", "✅ Bjørn: her", "✅ Cato: her"], listing.buttons
    assert "Svarte kanskje eller står på venteliste — sjekk dem inn hvis de kommer:" in listing.text, listing.text
    assert "▫️ Bjørn Nordmann (venteliste)" in listing.text and "▫️ Cato Nordmann (kanskje)" in listing.text, listing.text
    full = await kari.press("✅ Cato: her")                        # Anne holds the one place
    assert full.alerts == [FULL.format(name="Cato Nordmann")], full.alerts
    assert (await answers(db, pub))["Cato"] == ("maybe", "none", None)
    clock.set(START + timedelta(minutes=15))
    await open_list(kari, "Pubkveld")
    await kari.press("❌ Anne: kom ikke")                          # her place is free
    came = await kari.press("✅ Bjørn: her")
    assert not came.alerts, came.alerts
    [edited] = came.method("editMessageText")
    assert "✅ Bjørn Nordmann" in edited.text and "❌ Anne Nordmann" in edited.text, edited.text
    again = await kari.press("✅ Cato: her")                       # Bjørn has the free place now
    assert again.alerts == [FULL.format(name="Cato Nordmann")], again.alerts
    assert await answers(db, pub) == {"Anne": ("yes", "confirmed", False), "Bjørn": ("yes", "confirmed", True),
                                      "Cato": ("maybe", "none", None)}
    clock.set(START + timedelta(days=1, minutes=15))
    await open_list(kari, "Medlemsmøte")
    let_in = await kari.press("✅ Dag: her")                       # no limit: in at once
    assert not let_in.alerts and "✅ Dag Nordmann" in let_in.method("editMessageText")[0].text
    assert await answers(db, meeting) == {"Dag": ("yes", "confirmed", True)}
    clock.set(START + timedelta(days=2))
    report = await kari.send("/arrangementer rapport")
    assert "• Medlemsmøte: 1" in report.text and "• Sosialt: 1" in report.text, report.text


# Kari opened the check-in list the evening before and pressed "✅ Anne: her" by mistake: Anne counted as
# having come to an event that had not happened; an old list pressed a week later changed it again.
async def test_check_in_is_open_from_two_hours_before_until_a_day_after(db, app, make_user, clock):
    kari = await board_member(db, make_user)
    anne = await person(make_user, 1, first="Anne")
    pub = await new_event(db, clock)
    await anne.press_data(f"ev.rsvp:{pub}:yes")
    clock.set(START - timedelta(days=1))
    listing = await open_list(kari, "Pubkveld")
    assert "Innsjekking åpner to timer før arrangementet starter." in listing.text, listing.text
    assert listing.buttons == []  # nothing to press before then
    old_list = kari.last_message()
    anne_in = f"ev.in:{pub}:{await rsvp_id(db, anne, pub)}:1"  # "✅ Anne: her" of a list shown later
    early = await kari.press_data(anne_in, old_list)
    assert early.alerts == ["Innsjekking åpner to timer før arrangementet starter."], early.alerts
    assert not early.method("editMessageText")
    assert await answers(db, pub) == {"Anne": ("yes", "confirmed", None)}
    clock.set(START - timedelta(hours=2))                          # opens
    await kari.press_data(anne_in, old_list)
    assert await answers(db, pub) == {"Anne": ("yes", "confirmed", True)}
    clock.set(START + timedelta(hours=3 + 20))                     # the morning after: still open
    corrected = await kari.press_data(f"ev.in:{pub}:{await rsvp_id(db, anne, pub)}:0", old_list)  # "didn't come"
    assert not corrected.alerts, corrected.alerts
    assert await answers(db, pub) == {"Anne": ("yes", "confirmed", False)}
    clock.set(START + timedelta(days=5))                           # days later: closed, nothing changes
    late = await kari.press_data(anne_in, old_list)
    assert late.alerts == ["Innsjekkingen stengte et døgn etter at arrangementet var slutt; ingenting ble endret."], late.alerts
    assert await answers(db, pub) == {"Anne": ("yes", "confirmed", False)}


async def rsvp_id(db, user, event_id) -> int:
    async with db.session() as session:
        member = await member_by_telegram(session, user.user_id)
        return (await ev.rsvp_of(session, event_id, member.id)).id


# Bjørn moved up from the waiting list and was told "Gode nyheter: Det ble ledig plass på «Pubkveld», …"
# with no place and no calendar file, though Anne's "yes" had both.
async def test_a_place_from_the_waiting_list_comes_with_the_place_and_a_calendar_file(db, app, make_user, clock):
    anne = await person(make_user, 1, first="Anne")
    bjorn = await person(make_user, 2, first="Bjørn", lang="nn")
    pub = await new_event(db, clock, capacity=1)
    await anne.press_data(f"ev.rsvp:{pub}:yes")
    await bjorn.press_data(f"ev.rsvp:{pub}:yes")
    await anne.press_data(f"ev.rsvp:{pub}:no")
    await tick(app)
    told = bjorn.last_message()
    assert told.text == "Gode nyheiter: Det vart ledig plass på «Pubkveld», laurdag 5. desember kl. 12:00–15:00, og han er din! Stad: Tapperiet.", told.text
    assert [label for label, _data in told.inline_buttons] == ["📅 Kalenderfil", "Eg kan likevel ikkje"], told.inline_buttons
    calendar = ics_of(await bjorn.press("📅 Kalenderfil"))
    [item] = calendar.walk("VEVENT")
    assert str(item["location"]) == "Tapperiet" and item["dtstart"].dt == START
    assert (await answers(db, pub))["Bjørn"] == ("yes", "confirmed", None)
