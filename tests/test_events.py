"""Events and the year's calendar, end to end in the chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from bot.i18n import OSLO
from models import Event, Member, OutboxMessage, Rsvp
from models import events as ev
from models.membership import grant_role, member_by_telegram
from tests.helpers import onboard, tick

START = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)  # Friday 4 December, 19:00 in Oslo


async def make_event(db, clock, *, capacity=None, kind="social", title="Pubkveld på Tapperiet", start=START, partners=None,
                     contact=None, tags=None) -> int:
    async with db.session() as session:
        contact_id = (await member_by_telegram(session, contact.user_id)).id if contact else None
        event = await ev.create_event(session, kind=kind, title=title, starts_at=start, ends_at=start + timedelta(hours=3),
                                      place="Tapperiet, Trondheim", now=clock(), capacity=capacity, partners=partners,
                                      contact_id=contact_id, tags=tags)
        return event.id


async def members(make_user, n, *, lang="nb"):
    people = []
    for k in range(n):
        user = make_user(first_name=f"Deltaker{k}", language_code=lang)
        await onboard(user, phone=f"+47480{k:05d}", lang=lang)
        people.append(user)
    return people


def ics_of(exchange) -> Calendar:
    [document] = exchange.method("sendDocument")
    return Calendar.from_ical(next(iter(document.files.values())))


async def test_member_rsvps_and_gets_a_calendar_file(db, app, make_user, clock):
    [member] = await members(make_user, 1)
    event_id = await make_event(db, clock)
    listing = await member.send("/arrangementer")
    assert "fredag 4. desember kl. 19:00–22:00 — Pubkveld på Tapperiet" in listing.text
    shown = await member.press("Pubkveld på Tapperiet")
    assert "🏷 Sosialt" in shown.text and "📍 Tapperiet, Trondheim" in shown.text
    yes = await member.press("✅ Ja")
    assert "Flott, vi ses på «Pubkveld på Tapperiet»" in yes.text
    calendar = ics_of(yes)
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Pubkveld på Tapperiet"
    assert vevent.decoded("DTSTART") == START.astimezone(OSLO)
    assert vevent["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert calendar.walk("VTIMEZONE")
    mine = await member.send("/mine")
    assert "📅 Pubkveld på Tapperiet — fredag 4. desember kl. 19:00–22:00 (kommer)" in mine.text
    await member.press_data(f"ev:rsvp:{event_id}:no")
    async with db.session() as session:
        pending = [r.dedupe_key for r in await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending"))]
    assert pending == []
    maybe = await member.press_data(f"ev:rsvp:{event_id}:maybe")
    assert "Notert som kanskje" in maybe.text and ics_of(maybe)


async def test_capacity_waiting_list_and_promotion(db, app, make_user, clock):
    first, second = await members(make_user, 2)
    event_id = await make_event(db, clock, capacity=1, kind="course", title="Dørbankkurs")
    await first.press_data(f"ev:rsvp:{event_id}:yes", (await first.send("/arrangementer")) and first.last_message())
    full = await second.press_data(f"ev:rsvp:{event_id}:yes", (await second.send("/arrangementer")) and second.last_message())
    assert "nummer 1 på ventelisten" in full.text and not full.method("sendDocument")
    await first.press_data(f"ev:rsvp:{event_id}:no")
    await tick(app)
    assert second.last_message().text.startswith("Gode nyheter: Det ble ledig plass på «Dørbankkurs»")
    async with db.session() as session:
        seats = {(await session.get(Member, r.member_id)).name: r.seat for r in await session.scalars(select(Rsvp))}
    assert seats == {"Deltaker0 Nordmann": "none", "Deltaker1 Nordmann": "confirmed"}


async def test_reminders_changes_and_cancellation(db, app, make_user, clock):
    board, yes, maybe = await members(make_user, 3)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    event_id = await make_event(db, clock, kind="member_meeting", title="Medlemsmøte om bolig")
    await yes.press_data(f"ev:rsvp:{event_id}:yes")
    await maybe.press_data(f"ev:rsvp:{event_id}:maybe")
    clock.set(START - timedelta(days=1))
    await tick(app)
    for user in (yes, maybe):
        assert user.last_message().text == "Påminnelse: «Medlemsmøte om bolig» er i morgen, fredag 4. desember kl. 19:00–22:00, på Tapperiet, Trondheim."
    await board.send("/arrangementer")
    await board.press("⚙️ Administrer arrangementer")
    await board.press("Flytt")
    await board.send("05.12 19:00")
    moved = await board.send("21:00")
    assert "2 personer får beskjed" in moved.text
    await tick(app)
    assert yes.last_message().text.startswith("Endring: «Medlemsmøte om bolig» er flyttet til lørdag 5. desember kl. 19:00–21:00")
    updated = ics_of(await yes.press("📅 Oppdatert kalenderfil"))
    [vevent] = [c for c in updated.walk() if c.name == "VEVENT"]
    assert vevent.decoded("dtstart").astimezone(OSLO).strftime("%d.%m %H:%M") == "05.12 19:00"
    clock.set(datetime(2026, 12, 5, 16, 0, tzinfo=UTC))
    await tick(app)
    assert maybe.last_message().text == "«Medlemsmøte om bolig» starter om to timer, kl. 19:00: Tapperiet, Trondheim. Velkommen!"
    await board.press("Avlys arrangementet")
    await board.press("Ja, avlys arrangementet")
    await tick(app)
    assert yes.last_message().text.startswith("Avlyst: «Medlemsmøte om bolig»")


async def test_summer_time_shifts_show_and_remind_at_oslo_time(db, app, make_user, clock):
    [member] = await members(make_user, 1, lang="nn")
    spring = datetime(2027, 3, 28, 10, 0, tzinfo=UTC)  # 12:00 in Oslo, the morning the clocks go forward
    autumn = datetime(2027, 10, 31, 11, 0, tzinfo=UTC)  # 12:00 in Oslo, the morning they go back
    spring_id = await make_event(db, clock, start=spring, title="Vårfest")
    autumn_id = await make_event(db, clock, start=autumn, title="Haustfest")
    for event_id in (spring_id, autumn_id):
        await member.press_data(f"ev:rsvp:{event_id}:yes")
    shown = await member.press_data(f"ev:show:{spring_id}")
    assert "søndag 28. mars 2027 kl. 12:00–15:00" in shown.text  # another year than now: with the year
    async with db.session() as session:
        due = {r.dedupe_key.split(":")[1] + r.dedupe_key.rsplit(":", 1)[1]: r.due_at
               for r in await session.scalars(select(OutboxMessage))}
    assert due[f"{spring_id}24h"].astimezone(OSLO).strftime("%d.%m %H:%M") == "27.03 12:00"  # 11:00 UTC, winter time
    assert due[f"{spring_id}2h"].astimezone(OSLO).strftime("%d.%m %H:%M") == "28.03 10:00"
    assert due[f"{autumn_id}24h"].astimezone(OSLO).strftime("%d.%m %H:%M") == "30.10 12:00"  # 10:00 UTC, summer time
    assert due[f"{autumn_id}24h"] == datetime(2027, 10, 30, 10, 0, tzinfo=UTC)
    clock.set(datetime(2027, 3, 27, 11, 0, tzinfo=UTC))
    await tick(app)
    assert member.last_message().text == "Påminning: «Vårfest» er i morgon, søndag 28. mars kl. 12:00–15:00, på Tapperiet, Trondheim."


async def test_board_creates_a_monthly_event_and_adjusts_one(db, app, make_user, clock):
    [board] = await members(make_user, 1)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    await board.send("/nyttarrangement")
    await board.press("Sosialt")
    await board.send("Pub på første fredag")
    await board.press("Hopp over")
    await board.send("04.12 19:00")
    await board.send("22:00")
    await board.send("Tapperiet")
    assert (await board.send("0")).text.startswith("Skriv et tall fra 1 til 5000")
    await board.press("Ingen grense")
    await board.send("Rødt, MDG")
    await board.press("Meg")
    await board.press("Ferdig")
    summary = await board.press("Hver måned, samme ukedag")
    assert "🔁 Hver måned, samme ukedag" in summary.text and "Rødt, MDG" in summary.text
    created = await board.press("✅ Opprett")
    assert created.text.startswith("Opprettet: 13 arrangementer.")
    async with db.session() as session:
        dates = [e.starts_at.astimezone(OSLO) for e in await session.scalars(select(Event).order_by(Event.starts_at))]
    assert all(d.weekday() == 4 and d.day <= 7 and d.hour == 19 for d in dates)
    assert dates[0].date().isoformat() == "2026-12-04" and dates[4].date().isoformat() == "2027-04-02"
    calendar = await board.send("/arshjul")
    assert "🗓 Desember 2026" in calendar.text and "• fre. 4. — Pub på første fredag (sosialt)" in calendar.text
    # Adjusting one occurrence leaves the rest alone, and upkeep does not recreate it.
    async with db.session() as session:
        first = await session.scalar(select(Event).order_by(Event.starts_at))
        await ev.move(session, first.id, starts_at=first.starts_at + timedelta(hours=1), ends_at=first.ends_at + timedelta(hours=1), now=clock())
        assert await ev.materialise(session, clock()) == 0


async def test_board_is_warned_when_nothing_is_planned(db, app, make_user, clock):
    [board] = await members(make_user, 1)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    await tick(app)
    await tick(app)
    warnings = [m.text for m in board.messages() if m.text.startswith("Det er ikke planlagt noe")]
    assert len(warnings) == 1
    clock.advance(days=1)
    await tick(app)
    await tick(app)
    assert len([m for m in board.messages() if m.text.startswith("Det er ikke planlagt noe")]) == 1  # not every day
    clock.advance(days=3)
    await make_event(db, clock, start=clock() + timedelta(days=10))
    await tick(app)
    await tick(app)
    assert len([m for m in board.messages() if m.text.startswith("Det er ikke planlagt noe")]) == 1  # something is planned


async def test_contact_person_checks_in_and_the_report_counts(db, app, make_user, clock):
    contact, member, stranger = await members(make_user, 3)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, contact.user_id), "board")
    course = await make_event(db, clock, kind="course", title="Kurs i direkte velgerkontakt", contact=contact, tags=["voter_course"])
    for day in (2, 3):  # two study circles of kind course: not the course the plan's goal counts
        await make_event(db, clock, kind="course", title="Marxistisk studiesirkel", start=START + timedelta(hours=day))
    meeting = await make_event(db, clock, kind="open_meeting", title="Åpent møte med LO", partners=["LO Trondheim"],
                               start=START + timedelta(days=1))
    await member.press_data(f"ev:rsvp:{course}:yes")
    await stranger.press_data(f"ev:rsvp:{meeting}:yes")  # someone came: the meeting was held (models/held.py)
    clock.set(START - timedelta(hours=1))  # check-in opens two hours before the start
    await contact.send("/arrangementer")
    await contact.press("⚙️ Administrer arrangementer")
    await contact.press_data(f"act.do:ev:people:{course}")
    forged = await stranger.press_data(f"ev.in:{course}:1:1", contact.last_message())
    assert forged.alerts == ["Bare styret eller kontaktpersonen for arrangementet kan gjøre det."]
    checked = await contact.press("✅ Deltaker1: her")
    assert "✅ Deltaker1 Nordmann" in checked.method("editMessageText")[0].text
    clock.set(START + timedelta(days=2))
    report = await contact.send("/arrangementer rapport")
    assert "Kurs i direkte velgerkontakt: 1 av målet på 2" in report.text
    assert "Åpne møter med samarbeidspartnere: 1 av målet på 2" not in report.text
    assert "Åpne møter med samarbeidspartnere: 1 av målet på 1" in report.text and "• Kurs: 1" in report.text
    refused = await member.send("/nyttarrangement")
    assert refused.text.startswith("Bare medlemmer med rollen «styret»")


async def test_simultaneous_cancellations_give_each_seat_to_one_person(db, clock):
    async with db.session() as session:
        people = [Member(name=f"P{k}", telegram_id=6_000_000 + k, onboarded_at=clock(), language="nb") for k in range(15)]
        session.add_all(people)
    event_id = await make_event(db, clock, capacity=5)
    for k, person in enumerate(people):
        async with db.session() as session:
            await ev.answer(session, event_id, person.id, "yes", clock() + timedelta(seconds=k))

    async def leave(person: Member) -> Member | None:
        async with db.session() as session:
            return (await ev.answer(session, event_id, person.id, "no", clock() + timedelta(minutes=1))).promoted

    promoted = await asyncio.gather(*(leave(p) for p in people[:5]))
    async with db.session() as session:
        seated = [r.member_id for r in await session.scalars(select(Rsvp).where(Rsvp.seat == ev.CONFIRMED))]
        waiting = [r.member_id for r in await session.scalars(select(Rsvp).where(Rsvp.seat == ev.WAITING).order_by(Rsvp.created_at))]
    assert len(seated) == 5 and len(set(seated)) == 5
    assert set(seated) == {p.id for p in people[5:10]} and waiting == [p.id for p in people[10:]]
    assert len({p.id for p in promoted if p}) == 5


def test_cli_events_add_import_and_list(tmp_path, monkeypatch, capsys, database_url):
    import asyncio as aio

    from bot.db import Database
    from tests.conftest import _empty_tables
    from tests.test_register import run_cli

    async def empty() -> None:
        database = Database(database_url)
        await _empty_tables(database)
        await database.dispose()

    aio.run(empty())
    assert run_cli(monkeypatch, database_url, "events", "add", "--kind", "movement_day", "--title", "1. mai-frokost",
                   "--start", "2027-05-01 08:00", "--end", "2027-05-01 10:00", "--place", "Folkets hus",
                   "--repeat", "FREQ=YEARLY") == 0
    assert "series #" in capsys.readouterr().out
    plan = tmp_path / "arshjul.csv"
    plan.write_bytes("kind;title;start;end;place;capacity\nkurs;Dørbankkurs;2027-03-13 11:00;2027-03-13 15:00;Rådhuset;20\n"
                     "sosialt;Brettspill;2027-02-02 18:00;2027-02-02 17:00;Tapperiet;\n".encode("cp1252"))
    assert run_cli(monkeypatch, database_url, "events", "import", str(plan)) == 0
    out = capsys.readouterr().out
    assert "created: 1" in out and "line 3: EndBeforeStart" in out
    assert run_cli(monkeypatch, database_url, "events", "list") == 0
    listing = capsys.readouterr().out
    assert ";course;Dørbankkurs;Rådhuset;20;" in listing and "2027-05-01 08:00;10:00;movement_day;1. mai-frokost" in listing
    aio.run(empty())


async def test_board_edits_an_event(db, app, make_user, clock):
    board, coming = await members(make_user, 2)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    event_id = await make_event(db, clock, capacity=10)
    await coming.press_data(f"ev:rsvp:{event_id}:yes")
    await board.send("/arrangementer")
    await board.press("⚙️ Administrer arrangementer")
    await board.press("✏️ Endre")
    await board.press("Sted")
    assert (await board.send("Antikvariatet")).text == "Lagret."
    await tick(app)
    assert coming.last_message().text == "Endring: «Pubkveld på Tapperiet» er flyttet til fredag 4. desember kl. 19:00–22:00, Antikvariatet."
    async with db.session() as session:
        assert (await ev.get_event(session, event_id)).place == "Antikvariatet"


async def test_a_contact_person_is_told_and_checks_people_in_without_the_board_role(db, app, make_user, clock):
    board, contact, member = await members(make_user, 3)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    await board.send("/nyttarrangement")
    await board.press("Kurs")
    await board.send("Kurs i direkte velgerkontakt")
    await board.press("Hopp over")
    await board.send("04.12 18:00")
    await board.send("21:00")
    await board.send("Folkets hus")
    await board.press("Ingen grense")
    await board.press("Hopp over")
    await board.send("+47 480 00 001")  # the contact person's number
    ticked = await board.press("▫️ Kurs i direkte velgerkontakt")
    assert "✅ Kurs i direkte velgerkontakt" in ticked.method("editMessageReplyMarkup")[0].buttons
    await board.press("▫️ Pride")
    await board.press("✅ Pride")  # pressed again: off
    await board.press("Ferdig")
    summary = await board.press("Nei")
    assert "🎯 Kurs i direkte velgerkontakt" in summary.text
    await board.press("✅ Opprett")
    await tick(app)
    assert contact.last_message().text.startswith("Du er kontaktperson for «Kurs i direkte velgerkontakt», fredag 4. desember")
    async with db.session() as session:
        [course] = list(await session.scalars(select(ev.Event)))
    assert course.tags == ["voter_course"]
    await member.press_data(f"ev.rsvp:{course.id}:yes")
    listing = await contact.send("/arrangementer")
    assert "⚙️ Administrer arrangementer" in listing.buttons and "➕ Nytt arrangement" not in listing.buttons
    assert "⚙️ Administrer arrangementer" not in (await member.send("/arrangementer")).buttons
    await contact.press("⚙️ Administrer arrangementer")
    clock.set(datetime(2026, 12, 4, 16, 0, tzinfo=UTC))  # an hour before the start (18:00 in Oslo): check-in is open
    await contact.press("Sjekk inn")
    checked = await contact.press("✅ Deltaker2: her")
    assert "✅ Deltaker2 Nordmann" in checked.method("editMessageText")[0].text
