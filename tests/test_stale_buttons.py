"""Findings of a season played against `python -m bot run` (ux1): buttons pressed on an old message act
on what holds now. A round held and reported was moved from its old card (and dropped out of
/dorbank rapport); an old "⏳ Nr. 1 på ventelisten — meld av" gave up the seat its member had just
been given; a leader marked someone "didn't come" before the round began, on buttons without names."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.activity_buttons import FileReport
from models import events as ev
from models import rounds as rd
from models.event_tables import Rsvp
from models.membership import member_by_telegram
from models.round_tables import Round, Signup
from tests.helpers import tick
from tests.test_plan import board_member
from tests.test_play_c import make_event, seat_of
from tests.test_season_member import START, grant, make_round, person


def labels(message) -> list[str]:
    return [label for label, _data in message.inline_buttons]


async def stored_round(db, rid) -> Round:
    async with db.session() as session:
        return await session.get(Round, rid)


async def status_of(db, user, rid) -> str | None:
    async with db.session() as session:
        member = await member_by_telegram(session, user.user_id)
        return await session.scalar(select(Signup.status).where(Signup.round_id == rid, Signup.member_id == member.id))


async def file_report(leader, rid, doors="120", talks="35") -> None:
    await leader.press_data(f"rd:report:{rid}")
    await leader.send(doors)
    await leader.send(talks)
    await leader.press("Hopp over", exact=True)
    await leader.press("Hopp over", exact=True)


# Kari (board) kept the "⚙️ Administrer runder" card of "Dørbank på Lade". After the round was held and
# Ola had reported it, "Flytt" on that card asked for a new time and moved it, and its 120 doors
# were gone from /dorbank rapport.
async def test_a_round_held_and_reported_is_not_moved_or_cancelled_from_its_old_card(db, app, make_user, clock):
    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    kari = await board_member(db, make_user)
    anne = await person(make_user, 1, first="Anne")
    rid = await make_round(db, clock, leader=ola, title="Dørbank på Lade")
    await anne.press_data(f"rd.join:{rid}")
    await kari.send("/dorbank")
    await kari.press("⚙️ Administrer runder")
    card, _data = kari.find_button("Flytt", exact=True)
    assert "Avlys runden" in labels(card), labels(card)
    asked = await kari.press("Avlys runden")                     # asked before the round, answered after it
    assert "Ja, avlys runden" in asked.buttons, asked.buttons
    confirm = kari.find_button("Ja, avlys runden")[0]
    clock.set(START + timedelta(hours=4))
    await file_report(ola, rid)
    version = (await stored_round(db, rid)).version
    moved = await kari.press_data(f"act.do:rd:move:{rid}", card)
    refused = "«Dørbank på Lade» har begynt eller er over, og kan ikke lenger flyttes eller avlyses."
    assert moved.alerts == [refused], (moved.alerts, moved.texts)
    assert not any("Ny start" in text for text in moved.texts), moved.texts
    [markup] = moved.method("editMessageReplyMarkup")               # the old card stops offering it
    assert "Flytt" not in markup.buttons and "Avlys runden" not in markup.buttons and "Laget" in markup.buttons, markup.buttons
    cancelled = await kari.press_data(f"act.cancel:rd:{rid}", confirm)
    assert cancelled.method("editMessageText")[0].text == refused, cancelled.texts
    again = await kari.press_data(f"act.do:rd:cancel:{rid}", card)
    assert again.alerts == [refused], again.alerts
    stored = await stored_round(db, rid)
    assert (stored.status, stored.starts_at, stored.version) == (rd.PLANNED, START, version)
    report = await kari.send("/dorbank rapport")
    assert "Runder holdt: 1 av målet på 10" in report.texts[0] and "Dører: 120 · samtaler: 35" in report.texts[0], report.texts
    await tick(app)
    assert not any("flyttet" in m.text or "avlyst" in m.text for m in anne.messages()), [m.text for m in anne.messages()]


# The same card, pressed when the move was begun before the round and finished after it started.
async def test_a_move_begun_before_the_round_is_refused_once_it_has_started(db, app, make_user, clock):
    kari = await board_member(db, make_user, lang="nn")
    rid = await make_round(db, clock, title="Dørbank på Lade")
    clock.set(START - timedelta(minutes=10))
    await kari.send("/dorbank")
    await kari.press("⚙️ Administrer rundar")
    await kari.press("Flytt", exact=True)
    await kari.send("12.12 12:00")
    clock.set(START + timedelta(minutes=5))
    ended = await kari.send("15:00")
    assert ended.texts == ["«Dørbank på Lade» har byrja eller er over, og kan ikkje lenger flyttast eller avlysast."], ended.texts
    assert (await stored_round(db, rid)).starts_at == START


# A round that has a report and a time still ahead (as the old bug left Ola's round) is not moved
# or cancelled either: the report says it was held.
async def test_a_round_with_a_report_is_not_moved_or_cancelled(db, app, make_user, clock):
    ola = await person(make_user, 0, first="Ola", lang="en"); await grant(db, ola, "leader")
    rid = await make_round(db, clock, leader=ola, title="Doorknocking at Lade")
    clock.set(START + timedelta(hours=4))
    await ola.press_data(f"rd:report:{rid}")
    await ola.send("80")
    await ola.send("20")
    await ola.press("Skip", exact=True)
    await ola.press("Skip", exact=True)
    later = START + timedelta(days=14)
    async with db.session() as session:                            # moved by the old bug: its time is ahead again
        await session.execute(update(Round).where(Round.id == rid).values(starts_at=later, ends_at=later + timedelta(hours=3)))
    await ola.send("/doorknock")
    await ola.press("⚙️ Manage rounds")
    card = ola.last_message()
    moved = await ola.press("Move", exact=True)
    assert moved.alerts == ["“Doorknocking at Lade” has a report, so it can no longer be moved or cancelled."], moved.alerts
    cancelled = await ola.press_data(f"act.cancel:rd:{rid}", card)
    assert cancelled.method("editMessageText")[0].text == ("“Doorknocking at Lade” has a report, so it can no longer be "
                                                             "moved or cancelled."), cancelled.texts
    stored = await stored_round(db, rid)
    assert (stored.status, stored.starts_at) == (rd.PLANNED, later)


# Events share the code: an event that has begun is neither moved nor cancelled, its card under
# "Administrer arrangement" no longer offers it, and an old card (or the series buttons) say why.
async def test_an_event_that_has_begun_is_not_moved_or_cancelled(db, app, make_user, clock):
    kari = await board_member(db, make_user, lang="nn")
    eid = await make_event(db, clock, title="Medlemsmøte")
    await kari.send("/arrangementer")
    await kari.press("⚙️ Administrer arrangement")
    card, _data = kari.find_button("Avlys arrangementet")
    clock.set(START + timedelta(minutes=30))
    refused = "«Medlemsmøte» har byrja eller er over, og kan ikkje lenger flyttast eller avlysast."
    moved = await kari.press_data(f"act.do:ev:move:{eid}", card)
    assert moved.alerts == [refused], moved.alerts
    cancelled = await kari.press_data(f"act.do:ev:cancel:{eid}", card)
    assert cancelled.alerts == [refused], cancelled.alerts
    confirmed = await kari.press_data(f"act.cancel:ev:{eid}", card)
    assert confirmed.method("editMessageText")[0].text == refused, confirmed.texts
    await kari.send("/arrangementer")
    now = await kari.press("⚙️ Administrer arrangement")
    assert "Sjekk inn" in now.buttons and "Flytt" not in now.buttons and "Avlys arrangementet" not in now.buttons, now.buttons
    async with db.session() as session:
        event = await session.get(ev.Event, eid)
    assert (event.status, event.starts_at) == (ev.PLANNED, START)


async def test_a_series_occurrence_that_has_begun_does_not_move_the_series(db, app, make_user, clock):
    from handlers.event_series import CancelSeries, MoveSeries
    from tests.test_event_series import planned, weekly_series

    kari = await board_member(db, make_user)
    first = (await planned(db, await weekly_series(db, clock)))[0]   # Friday 4 December 19:00
    clock.set(first.starts_at + timedelta(minutes=30))
    refused = "«Pubkveld» har begynt eller er over, og kan ikke lenger flyttes eller avlyses."
    await kari.send("/hjelp")
    assert (await kari.press_data(MoveSeries(first.id).pack())).alerts == [refused]
    assert (await kari.press_data(CancelSeries(first.id).pack())).alerts == [refused]
    async with db.session() as session:
        assert (await session.get(ev.Event, first.id)).starts_at == first.starts_at


# Bjørn was number 1 on the waiting list of a full round. Anne left, Bjørn moved up and was told; then
# he pressed the "⏳ Nr. 1 på ventelisten — meld av" still on his /dorbank list: his new seat was
# given up without a word (and went to the next in line).
async def test_an_old_waiting_list_button_does_not_give_up_a_seat_given_since(db, app, make_user, clock):
    anne = await person(make_user, 1, first="Anne")
    bjorn = await person(make_user, 2, first="Bjørn")
    cato = await person(make_user, 3, first="Cato", lang="en")
    rid = await make_round(db, clock, capacity=1, title="Dørbank på Lade")
    await anne.press_data(f"rd.join:{rid}")
    await bjorn.press_data(f"rd.join:{rid}")
    await cato.press_data(f"rd.join:{rid}")
    listing = await bjorn.send("/dorbank")
    assert any(label.startswith("⏳ Nr. 1 på ventelisten — meld av") for label in listing.buttons), listing.buttons
    mine = await cato.send("/mine")                                # Cato keeps /mine's "Leave" from the waiting list
    assert "(waiting list, number 2)" in mine.text, mine.text
    await anne.press_data(f"rd.leave:{rid}")                       # Bjørn moves up
    await tick(app)
    assert bjorn.last_message().text.startswith("Gode nyheter"), bjorn.last_message().text
    stale = await bjorn.press("⏳ Nr. 1 på ventelisten — meld av")
    assert stale.texts[0].startswith("Du har fått plass på «Dørbank på Lade», lørdag 5. desember"), stale.texts
    assert "Ingenting er endret." in stale.texts[0], stale.texts
    assert [b for b in stale.buttons if b.startswith("✅ Påmeldt — meld av")], stale.buttons
    assert await status_of(db, bjorn, rid) == rd.CONFIRMED
    assert await status_of(db, cato, rid) == rd.WAITING
    left = await cato.press("Leave: Dørbank på Lade")             # still waiting: leaves the waiting list
    assert left.texts == ["You have left “Dørbank på Lade”. Thanks for letting us know!"], left.texts
    assert await status_of(db, cato, rid) == rd.LEFT
    given_up = await bjorn.press("✅ Påmeldt — meld av")           # the ordinary way, now that he knows
    assert given_up.texts == ["Du er meldt av «Dørbank på Lade». Takk for at du sa fra!"], given_up.texts
    assert await status_of(db, bjorn, rid) == rd.LEFT


async def test_an_old_waiting_list_leave_in_english_after_moving_up(db, app, make_user, clock):
    anne = await person(make_user, 1, first="Anne")
    lucy = await person(make_user, 2, first="Lucy", lang="en")
    rid = await make_round(db, clock, capacity=1, title="Doorknocking at Lade")
    await anne.press_data(f"rd.join:{rid}")
    joined = await lucy.press_data(f"rd.join:{rid}")              # the join's own "Leave" is for the waiting list
    assert "number 1 on the waiting list" in joined.text, joined.texts
    await anne.press_data(f"rd.leave:{rid}")
    stale = await lucy.press("Leave", exact=True)
    assert stale.texts[0].startswith("You have a seat on “Doorknocking at Lade”, Saturday 5 December"), stale.texts
    assert "Nothing was changed. If you can't come after all, give up the seat here:" in stale.texts[0]
    assert await status_of(db, lucy, rid) == rd.CONFIRMED


# The same for an event: Bjørn's card said "• ⏳ Venteliste, nummer 1"; after he got a place, "❌ Nei"
# (and "Kommer ikke" in /mine) on what he had seen on the waiting list gave it up at once.
async def test_an_old_event_card_from_the_waiting_list_does_not_give_up_a_place(db, app, make_user, clock):
    anne = await person(make_user, 1, first="Anne")
    bjorn = await person(make_user, 2, first="Bjørn")
    jon = await person(make_user, 3, first="Jon", lang="nn")
    eid = await make_event(db, clock, capacity=1)
    await anne.press_data(f"ev.rsvp:{eid}:yes")
    await bjorn.send("/arrangementer")
    await bjorn.press("Pubkveld")
    await bjorn.press("✅ Ja")
    await jon.press_data(f"ev.rsvp:{eid}:yes")
    card, _data = bjorn.find_button("❌ Nei")
    assert "• ⏳ Venteliste, nummer 1" in labels(card), labels(card)
    await jon.send("/mine")
    await anne.press_data(f"ev.rsvp:{eid}:no")                     # Bjørn gets the place
    assert await seat_of(db, bjorn, eid) == ev.CONFIRMED
    stale = await bjorn.press_data(dict(card.inline_buttons)["❌ Nei"], card)
    assert stale.texts[0].startswith("Du har fått plass på «Pubkveld», lørdag 5. desember"), stale.texts
    assert "Hvis du likevel ikke kan komme, svar Nei her:" in stale.texts[0]
    assert stale.texts[1].startswith("📅 Pubkveld") and "• ✅ Ja" in stale.buttons and "❌ Nei" in stale.buttons, stale.buttons
    maybe = await bjorn.press_data(dict(card.inline_buttons)["🤔 Kanskje"], card)
    assert maybe.texts[0].startswith("Du har fått plass på «Pubkveld»"), maybe.texts
    assert await seat_of(db, bjorn, eid) == ev.CONFIRMED
    left = await jon.press("Kjem ikkje: Pubkveld")                 # Jon still waits: his leaves the waiting list
    assert left.texts[-1] == "Takk for at du sa frå!", left.texts
    assert await seat_of(db, jon, eid) == ev.NONE
    no = await bjorn.press("❌ Nei", exact=True)                    # the ordinary card: gives the place up
    assert no.texts[-1] == "Takk for at du sa fra!", no.texts
    async with db.session() as session:
        member = await member_by_telegram(session, bjorn.user_id)
        rsvp = await session.scalar(select(Rsvp).where(Rsvp.event_id == eid, Rsvp.member_id == member.id))
    assert (rsvp.answer, rsvp.seat) == ("no", ev.NONE)


# Ola opened his team 30 minutes before the round and could mark Anne "kom ikke" though nobody was
# late yet; and the buttons said "Anne Nordmann: her" and "kom ikke" — which "kom ikke" was Anne's?
async def test_no_show_only_once_the_round_has_begun_and_buttons_name_the_person(db, app, make_user, clock):
    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    anne = await person(make_user, 1, first="Anne")
    anne_berg = make_user(first_name="Anne", last_name="Berg", language_code="nb")
    from tests.helpers import onboard
    await onboard(anne_berg, phone="+4741000077", district="Østbyen")
    cato = await person(make_user, 3, first="Cato")
    rid = await make_round(db, clock, leader=ola)
    for user in (anne, anne_berg, cato):
        await user.press_data(f"rd.join:{rid}")
    clock.set(START - timedelta(minutes=30))
    team = await ola.send("/dorbank lag")
    assert team.buttons[:3] == ["✅ Anne N.: her", "✅ Anne B.: her", "✅ Cato: her"], team.buttons
    assert not any("kom ikke" in label for label in team.buttons), team.buttons
    assert "Hvem som ikke kom, kan du merke når runden har begynt." in team.text, team.text
    async with db.session() as session:
        member = await member_by_telegram(session, cato.user_id)
        signup = await rd.signup_of(session, rid, member.id)
    early = await ola.press_data(f"rd.in:{signup.id}:0")            # an old list's (or a forged) "didn't come"
    assert early.alerts == ["Hvem som ikke kom, kan du merke når runden har begynt."], early.alerts
    async with db.session() as session:
        assert (await session.get(Signup, signup.id)).attended is None
    here = await ola.press("✅ Anne N.: her")
    assert "✅ Anne Nordmann" in here.method("editMessageText")[0].text
    clock.set(START + timedelta(minutes=20))
    team = await ola.send("/dorbank lag")
    assert ["✅ Cato: her", "❌ Cato: kom ikke"] == team.buttons[4:6], team.buttons
    gone = await ola.press("❌ Cato: kom ikke")
    assert "❌ Cato Nordmann" in gone.method("editMessageText")[0].text
    async with db.session() as session:
        assert (await session.get(Signup, signup.id)).attended is False


async def test_event_check_in_names_the_person_and_no_show_waits_for_the_start(db, app, make_user, clock):
    kari = await board_member(db, make_user, lang="en")
    anne = await person(make_user, 1, first="Anne")
    jon = await person(make_user, 2, first="Jon", lang="nn")
    eid = await make_event(db, clock, title="Course")
    for user in (anne, jon):
        await user.press_data(f"ev.rsvp:{eid}:yes")
    clock.set(START - timedelta(hours=1))  # check-in is open; the event has not begun
    await kari.send("/events")
    await kari.press("⚙️ Manage events")
    listing = await kari.press("Check in")
    assert listing.buttons == ["✅ Anne: here", "✅ Jon: here"], listing.buttons
    assert "Who didn't come can be marked once the event has begun." in listing.text, listing.text
    async with db.session() as session:
        member = await member_by_telegram(session, jon.user_id)
        rsvp = await ev.rsvp_of(session, eid, member.id)
    early = await kari.press_data(f"ev.in:{eid}:{rsvp.id}:0")
    assert early.alerts == ["Who didn't come can be marked once the event has begun."], early.alerts
    clock.set(START + timedelta(minutes=10))
    await kari.press("✅ Anne: here")
    edited = kari.last_message()
    assert labels(edited) == ["✅ Anne: here", "❌ Anne: didn't come", "✅ Jon: here", "❌ Jon: didn't come"], labels(edited)
    await kari.press("❌ Jon: didn't come")
    async with db.session() as session:
        assert (await session.get(Rsvp, rsvp.id)).attended is False


# Nearby, the same kind: Anne left the round in /mine after the two-hour reminder came; its old
# "Jeg kommer" still answered "Flott — vi sees!" and marked the reminder "✅ Du kommer.".
async def test_an_old_reminder_says_im_coming_only_for_someone_with_a_seat(db, app, make_user, clock):
    anne = await person(make_user, 1, first="Anne")
    bo = await person(make_user, 2, first="Bo")
    rid = await make_round(db, clock, title="Dørbank på Lade")
    other = await make_round(db, clock, title="Dørbank på Moholt", start=START + timedelta(days=7))
    await anne.press_data(f"rd.join:{rid}")
    await bo.press_data(f"rd.join:{other}")
    clock.set(START - timedelta(hours=2))
    await tick(app)
    reminder = anne.last_message()
    assert "Kommer du?" in reminder.text, reminder.text
    await anne.press_data(f"rd.leave:{rid}")                       # from /mine, after the reminder
    pressed = await anne.press_data(dict(reminder.inline_buttons)["Jeg kommer"], reminder)
    assert pressed.alerts == ["Du er ikke påmeldt den runden."], pressed.alerts
    assert "✅ Du kommer." not in anne.api.find(anne.chat_id, reminder.message_id).text
    async with db.session() as session:                            # and one cancelled since
        await rd.cancel(session, other)
    cancelled = await bo.press_data(f"rd.coming:{other}")
    assert cancelled.alerts == ["Den runden er over eller avlyst."], cancelled.alerts


# Ola's team list and his "Skriv rapporten" were from before the board cancelled the round; on the
# day he could still check Anne in and file a report for a round that never took place.
async def test_a_cancelled_rounds_old_team_list_checks_in_and_reports_nothing(db, app, make_user, clock):
    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    kari = await board_member(db, make_user)
    anne = await person(make_user, 1, first="Anne")
    rid = await make_round(db, clock, leader=ola, title="Dørbank på Lade")
    await anne.press_data(f"rd.join:{rid}")
    clock.set(START - timedelta(minutes=90))  # check-in is open: the list has its buttons
    await ola.send("/dorbank lag")
    team = ola.last_message()
    await kari.send("/dorbank")
    await kari.press("⚙️ Administrer runder")
    await kari.press("Avlys runden")
    await kari.press("Ja, avlys runden")
    assert (await stored_round(db, rid)).status == rd.CANCELLED
    refused = "«Dørbank på Lade» ble avlyst: det er ingenting å sjekke inn eller rapportere."
    clock.set(START - timedelta(minutes=30))
    here = await ola.press_data(dict(team.inline_buttons)["✅ Anne: her"], team)
    assert here.alerts == [refused], here.alerts
    clock.set(START + timedelta(hours=4))
    report = await ola.press_data(FileReport(round_id=rid).pack(), team)  # a list from after the start had it
    assert report.alerts == [refused], report.alerts
    async with db.session() as session:
        assert await rd.report_of(session, rid) is None
        member = await member_by_telegram(session, anne.user_id)
        assert (await rd.signup_of(session, rid, member.id)).attended is None
