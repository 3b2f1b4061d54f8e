"""Findings of ux4: buttons that acted on the state they were sent about, not the one that holds now.
New seats on a round or event already under way moved people up from the waiting list (told "a seat
became free" for something begun); "Jeg kan likevel ikke" under a reminder sent before the round (or
event) moved took the member off it at its new time; /mine read each waiting-list number with its own
query."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import select

from models import events as ev
from models import rounds as rd
from models.event_tables import Event, Rsvp
from models.round_tables import Round
from tests.helpers import tick
from tests.test_plan import board_member
from tests.test_play_c import make_event, seat_of
from tests.test_season_member import START, make_round, person
from tests.test_stale_buttons import status_of

SEATS_SETTLED = "«{title}» har begynt eller er over, og antall plasser kan ikke lenger endres."


def told(user) -> list[str]:
    return [m.text for m in user.messages()]


async def board_and_two(db, make_user) -> tuple:
    """Kari on the board, Anne and Bjørn members: the cast of these findings."""
    return (await board_member(db, make_user), await person(make_user, 1, first="Anne"),
            await person(make_user, 2, first="Bjørn"))


# Kari (board) had written "Plasser" on the round's card before it began and typed "3" once it was
# under way: Bjørn, on the waiting list, was told "Gode nyheter: Det ble ledig plass" for a round
# already out knocking.
async def test_new_seats_on_a_round_under_way_move_nobody_up(db, app, make_user, clock):
    kari, anne, bjorn = await board_and_two(db, make_user)
    rid = await make_round(db, clock, capacity=1)
    await anne.press_data(f"rd.join:{rid}")
    await bjorn.press_data(f"rd.join:{rid}")                       # the waiting list
    clock.set(START - timedelta(minutes=10))
    await kari.send("/dorbank")
    await kari.press("⚙️ Administrer runder")
    fields = await kari.press("✏️ Endre")
    assert "Plasser" in fields.buttons, fields.buttons
    asked = await kari.press("Plasser")
    assert asked.text == "Hvor mange plasser totalt?", asked.texts
    clock.set(START + timedelta(minutes=5))                        # the round begins while she types
    refused = await kari.send("3")
    assert refused.text == SEATS_SETTLED.format(title="Dørbank på Lade"), refused.texts
    async with db.session() as session:
        stored = await session.get(Round, rid)
        assert stored.capacity == 1
    assert await status_of(db, bjorn, rid) == rd.WAITING
    assert await status_of(db, anne, rid) == rd.CONFIRMED
    assert (await kari.send("4")).text != "Lagret.", "the flow ended with the refusal"
    await tick(app)
    assert not any(text.startswith("Gode nyheter") for text in told(bjorn)), told(bjorn)


# The same for an event: its manage card stays for twelve hours after it began, and its "✏️ Endre"
# offered "Plasser" there, and a field list opened before it began did too.
async def test_new_places_at_an_event_under_way_move_nobody_up(db, app, make_user, clock):
    kari, anne, bjorn = await board_and_two(db, make_user)
    eid = await make_event(db, clock, capacity=1)
    await anne.press_data(f"ev.rsvp:{eid}:yes")
    await bjorn.press_data(f"ev.rsvp:{eid}:yes")                   # the waiting list
    clock.set(START - timedelta(minutes=10))
    await kari.send("/arrangementer")
    await kari.press("⚙️ Administrer arrangementer")
    before = await kari.press("✏️ Endre")                          # a field list from before it began
    assert "Plasser" in before.buttons, before.buttons
    old_fields = kari.find_button("Plasser", exact=True)[0]
    clock.set(START + timedelta(minutes=5))
    pressed = await kari.press_data(f"act.field:ev:{eid}:capacity", old_fields)
    assert pressed.alerts == [SEATS_SETTLED.format(title="Pubkveld")], (pressed.alerts, pressed.texts)
    assert not any("Hvor mange" in text for text in pressed.texts), pressed.texts
    [markup] = pressed.method("editMessageReplyMarkup")             # the old list stops offering it
    assert "Plasser" not in markup.buttons and "Sted" in markup.buttons, markup.buttons
    await kari.send("/avbryt")
    await kari.send("/arrangementer")                              # the card of an event under way
    await kari.press("⚙️ Administrer arrangementer")
    fields = await kari.press("✏️ Endre")
    assert "Plasser" not in fields.buttons and "Navn" in fields.buttons, fields.buttons
    async with db.session() as session:
        assert (await session.get(Event, eid)).capacity == 1
    assert await seat_of(db, bjorn, eid) == ev.WAITING
    await tick(app)
    assert not any(text.startswith("Gode nyheter") for text in told(bjorn)), told(bjorn)


# Anne had the day-before reminder and the two-hour one for Saturday 12:00. The board moved the round to
# Sunday; her "Jeg kan likevel ikke" on Saturday's reminder took her off Sunday's round at once, and
# "Jeg kommer" said "Supert — vi ses der!" about a time that no longer held.
async def test_a_reminder_from_before_a_move_does_not_take_the_member_off_the_moved_round(db, app, make_user, clock):
    kari = await board_member(db, make_user)
    anne = await person(make_user, 1, first="Anne")
    rid = await make_round(db, clock)
    await anne.press_data(f"rd.join:{rid}")
    clock.set(START - timedelta(days=1))
    await tick(app)
    day_before = anne.last_message()
    assert day_before.text.startswith("Påminnelse: dørbanking i morgen"), day_before.text
    clock.set(START - timedelta(hours=2))
    await tick(app)
    two_hours = anne.last_message()
    assert "Kommer du?" in two_hours.text, two_hours.text
    await kari.send("/dorbank")
    await kari.press("⚙️ Administrer runder")
    await kari.press("Flytt")
    await kari.send("06.12 13:00")
    assert "søndag 6. desember kl. 13:00" in (await kari.send("16:00")).text
    await tick(app)
    notice = anne.last_message()
    assert notice.text.startswith("Endring: «Dørbank på Lade» er flyttet til søndag 6. desember kl. 13:00–16:00"), notice.text
    moved = ("«Dørbank på Lade» er flyttet til søndag 6. desember kl. 13:00–16:00 etter at denne meldingen ble sendt, "
             "så ingenting er endret. Hvis du ikke kan komme på det nye tidspunktet, meld deg av her:")
    coming = await anne.press("Jeg kommer")                        # on the two-hour reminder of Saturday
    assert coming.texts == [moved] and not coming.alerts, (coming.texts, coming.alerts)
    assert coming.buttons == ["✅ Påmeldt — meld av søndag 6. desember"], coming.buttons
    assert not anne.api.find(anne.chat_id, two_hours.message_id).inline_buttons  # the old reminder loses its buttons
    cant = await anne.press_data(day_before.inline_buttons[0][1], day_before)
    assert cant.texts == [moved], cant.texts
    assert await status_of(db, anne, rid) == rd.CONFIRMED          # still on Sunday's round
    assert not anne.api.find(anne.chat_id, day_before.message_id).inline_buttons
    left = await anne.press_data(notice.inline_buttons[0][1], notice)  # the notice's button is about Sunday: it leaves
    assert "Du er meldt av «Dørbank på Lade»" in left.text, left.texts
    assert await status_of(db, anne, rid) == rd.LEFT


# The same for an event: Bjørn's "Jeg kan likevel ikke" under the reminder for the pub evening on
# Saturday answered No for Sunday, after it had moved.
async def test_an_event_reminder_from_before_a_move_does_not_answer_no(db, app, make_user, clock):
    kari = await board_member(db, make_user)
    bjorn = await person(make_user, 2, first="Bjørn")
    eid = await make_event(db, clock)
    await bjorn.press_data(f"ev.rsvp:{eid}:yes")
    clock.set(START - timedelta(days=1))
    await tick(app)
    reminder = bjorn.last_message()
    assert reminder.text.startswith("Påminnelse: «Pubkveld» er i morgen"), reminder.text
    await kari.send("/arrangementer")
    await kari.press("⚙️ Administrer arrangementer")
    await kari.press("Flytt")
    await kari.send("06.12 19:00")
    await kari.send("21:00")
    await tick(app)
    pressed = await bjorn.press_data(reminder.inline_buttons[0][1], reminder)
    assert pressed.texts[0] == ("«Pubkveld» er flyttet til søndag 6. desember kl. 19:00–21:00 etter at denne meldingen ble sendt, "
                                "så ingenting er endret. Hvis du ikke kan komme på det nye tidspunktet, svar Nei her:"), pressed.texts
    assert pressed.buttons == ["• ✅ Ja", "🤔 Kanskje", "❌ Nei", "📅 Kalenderfil"], pressed.buttons  # the card as it is now
    assert "søndag 6. desember" in pressed.texts[1], pressed.texts
    assert not bjorn.api.find(bjorn.chat_id, reminder.message_id).inline_buttons
    async with db.session() as session:
        rsvp = await session.scalar(select(Rsvp).where(Rsvp.event_id == eid))
        assert (rsvp.answer, rsvp.seat) == ("yes", ev.CONFIRMED)
    clock.set(START + timedelta(hours=7, minutes=1))               # the day before Sunday: a reminder about Sunday
    await tick(app)
    sunday = bjorn.last_message()
    assert sunday.text.startswith("Påminnelse: «Pubkveld» er i morgen, søndag 6. desember"), sunday.text
    await bjorn.press_data(sunday.inline_buttons[0][1], sunday)    # it answers No
    async with db.session() as session:
        assert (await session.scalar(select(Rsvp.answer).where(Rsvp.event_id == eid))) == "no"


# /mine read the number on each event's waiting list with one query per event: the numbers are right
# for two events (and a round), and a third waiting list adds no query.
async def test_my_signups_read_every_waiting_number_at_once(db, app, make_user, clock):
    anne = await person(make_user, 1, first="Anne")
    cato = await person(make_user, 2, first="Cato")
    bjorn = await person(make_user, 3, first="Bjørn")
    pub = await make_event(db, clock, capacity=1, title="Pubkveld")
    quiz = await make_event(db, clock, capacity=1, title="Quiz", start=START + timedelta(days=1))
    third = await make_event(db, clock, capacity=1, title="Filmkveld", start=START + timedelta(days=2))
    rid = await make_round(db, clock, capacity=1)
    for user in (anne, cato, bjorn):
        await user.press_data(f"ev.rsvp:{pub}:yes")                # Bjørn is number 2 on the pub evening's list
    for user in (cato, bjorn):
        await user.press_data(f"ev.rsvp:{quiz}:yes")               # and number 1 on the quiz's
    for user in (anne, cato, bjorn):
        await user.press_data(f"rd.join:{rid}")                    # and number 2 on the round's
    await anne.press_data(f"ev.rsvp:{third}:yes")

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    async def mine(user):
        statements.clear()
        sa_event.listen(db.engine.sync_engine, "before_cursor_execute", record)
        try:
            return await user.send("/mine")
        finally:
            sa_event.remove(db.engine.sync_engine, "before_cursor_execute", record)

    shown = await mine(bjorn)
    assert "📅 Pubkveld — lørdag 5. desember kl. 12:00–15:00 (venteliste, nummer 2)" in shown.text, shown.text
    assert "📅 Quiz — søndag 6. desember kl. 12:00–15:00 (venteliste, nummer 1)" in shown.text, shown.text
    assert "🚪 Dørbank på Lade — lørdag 5. desember kl. 12:00–15:00 (venteliste, nummer 2)" in shown.text, shown.text
    assert "(venteliste, nummer 1)" in (await cato.send("/mine")).text
    before = len(statements)
    await bjorn.press_data(f"ev.rsvp:{third}:yes")                 # a third waiting list
    shown = await mine(bjorn)
    assert "📅 Filmkveld — mandag 7. desember kl. 12:00–15:00 (venteliste, nummer 1)" in shown.text, shown.text
    assert len(statements) == before, statements
    await anne.press_data(f"ev.rsvp:{pub}:no")                     # Cato gets the place: Bjørn is number 1
    assert "📅 Pubkveld — lørdag 5. desember kl. 12:00–15:00 (venteliste, nummer 1)" in (await bjorn.send("/mine")).text


# Nearby, the same kind: Kari opened the pub evening's check-in list; Anne then answered No (her place
# went to Bjørn). "✅ Anne: her" on the old list still marked Anne as having come, and she counted as
# a participant of an evening she had said no to.
async def test_an_old_check_in_list_does_not_check_in_someone_who_gave_up_the_place(db, app, make_user, clock):
    kari, anne, bjorn = await board_and_two(db, make_user)
    eid = await make_event(db, clock, capacity=1)
    await anne.press_data(f"ev.rsvp:{eid}:yes")
    await bjorn.press_data(f"ev.rsvp:{eid}:yes")                   # the waiting list
    clock.set(START - timedelta(hours=1))                          # check-in is open
    await kari.send("/arrangementer")
    await kari.press("⚙️ Administrer arrangementer")
    listing = await kari.press("Sjekk inn")
    assert listing.buttons == ["✅ Anne: her", "✅ Bjørn: her"], listing.buttons  # Bjørn waits: checked in if he comes
    old_list = kari.last_message()
    await anne.press_data(f"ev.rsvp:{eid}:no")                     # Bjørn gets the place
    clock.set(START + timedelta(minutes=10))
    pressed = await kari.press_data(old_list.inline_buttons[0][1], old_list)
    assert pressed.alerts == ["Den personen har ikke lenger plass. Her er listen slik den er nå."], (pressed.alerts, pressed.texts)
    [edited] = pressed.method("editMessageText")
    assert "Bjørn" in edited.text and "Anne" not in edited.text, edited.text
    async with db.session() as session:
        answers = {r.answer: r.attended for r in await session.scalars(select(Rsvp).where(Rsvp.event_id == eid))}
    assert answers == {"no": None, "yes": None}, answers
