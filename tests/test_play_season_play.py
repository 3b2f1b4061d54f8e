"""Findings of a whole season played against `python -m bot run` (tester: play). Each test plays the finding
through the real Application."""

from __future__ import annotations

from models.event_tables import Event, Series
from tests.helpers import import_members, onboard, stored, tick

REGISTER = "navn;telefon;bydel;innmeldt;medlemsnummer\nIngrid Fjell;914 56 789;Lerkendal;2024-10-01;1003\n"


# A Nynorsk member was told to change things in "/innstillinger" (and to leave "stopp" under it), the Bokmål
# command name, while their menu button, Nynorsk help and Telegram's Nynorsk command list say /innstillingar.
async def test_nynorsk_texts_name_the_nynorsk_commands(db, app, make_user):
    await import_members(db, REGISTER)
    ingrid = make_user(first_name="Ingrid", last_name="Fjell", language_code="nn")
    await ingrid.send("/start")
    await ingrid.press("Ja, eg godtek")
    linked = await ingrid.share_contact("+4791456789")
    assert "Bydel: Lerkendal (frå medlemsregisteret; du kan endre han i /innstillingar)" in linked.texts, linked.texts
    await ingrid.press("Ringje")
    done = await ingrid.press("Ferdig", exact=True)
    assert any("når som helst i /innstillingar." in text for text in done.texts), done.texts
    assert not any("/innstillinger" in text for text in done.texts + linked.texts)
    stopped = await ingrid.send("stopp")
    assert "under Meldingar i /innstillingar." in stopped.texts[-1], stopped.texts
    member = await stored(db, ingrid.user_id)
    assert member is not None and member.language == "nn" and not member.wants_broadcasts


# A leader who moved or cancelled their own round got "Change: “…”, which you lead, has moved …" (and the
# cancellation) as if someone else had done it, and the confirmation counted them among those told.
async def test_a_leader_is_not_told_of_their_own_move_or_cancellation(db, app, make_user, clock):
    from datetime import timedelta

    from models.membership import grant_role, member_by_telegram
    from tests.helpers import tick
    from tests.test_doorknock import START, make_round, people

    clock.set(START - timedelta(days=3))
    leader, member = await people(make_user, 2)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, leader.user_id), "leader")
    round_id = await make_round(db, clock, leader=leader)
    await member.press_data(f"rd:join:{round_id}")
    await tick(app)
    await leader.send("/dorbank")
    await leader.press("Administrer runder")
    await leader.press("Flytt")
    await leader.send("06.12 13:00")
    moved = await leader.send("16:00")
    assert "søndag 6. desember kl. 13:00" in moved.text and "1 person får beskjed" in moved.text, moved.texts
    await tick(app)
    assert member.last_message().text.startswith("Endring: «Dørbank på Lade» er flyttet til søndag 6. desember"), member.last_message().text
    assert not leader.last_message().text.startswith("Endring:"), leader.last_message().text
    await leader.press("Avlys runden")
    cancelled = await leader.press("Ja, avlys runden")
    assert "er avlyst; 1 person får beskjed" in cancelled.method("editMessageText")[0].text
    await tick(app)
    assert member.last_message().text.startswith("Avlyst:"), member.last_message().text
    assert not leader.last_message().text.startswith("Avlyst:"), leader.last_message().text


# "Ring tilbake …" gave the example "28.11 18:30" every day of the year: from 29 November that example is a day
# that has passed (and typed as shown it is refused), so a caller in December was shown an example that fails.
async def test_call_back_example_is_a_day_to_come(db, app, make_user, clock):
    from datetime import UTC, datetime

    from tests.test_phonebank import callees, caller, campaign

    clock.set(datetime(2026, 12, 3, 16, 0, tzinfo=UTC))          # Thursday 3 December, 17:00 in Oslo
    await callees(db, 1)
    await campaign(db, clock)
    first = await caller(make_user, db)
    await first.send("/ringerunde")
    await first.press("📞 Neste samtale")
    asked = await first.press("⏰ Ring tilbake …")
    assert asked.text == "Når skal vedkommende ringes tilbake? Skriv et tidspunkt, for eksempel 18:30 eller 04.12 18:30.", asked.text
    unread = await first.send("i morgen")
    assert unread.text == "Det tidspunktet skjønte jeg ikke. Skriv det som 18:30 eller 04.12 18:30.", unread.text
    done = await first.send("04.12 18:30")                        # the example, typed as shown, is taken
    assert "⏰ Ring tilbake fredag 4. desember kl. 18:30" in done.method("editMessageText")[0].text, done.texts


# Siri joined in November, erased her data with /slett_meg in December; in January /rapport still said "Fortsatt
# åpne fra før 2027: 2 forsinkede velkomstsamtaler (/velkomst)" while /velkomst listed one (hers cannot be made),
# and the board's Monday digest counted hers among the late ones too.
async def test_a_welcome_call_of_someone_erased_is_not_counted_as_still_to_make(db, app, make_user, clock):
    from datetime import UTC, datetime

    from tests.test_plan import board_member, captions
    from tests.test_welcome import setup

    await setup(db, clock)  # Nora joined 27.11.2026 and Siv 20.11.2026; nobody calls them
    clock.set(datetime(2026, 12, 20, 10, 0, tzinfo=UTC))
    board = await board_member(db, make_user)
    await board.send("/fjern_medlem Nora")
    await board.press("Nora Ny (7001, Lerkendal)")
    await board.press("Ja, fjern")
    clock.set(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    listed = await board.send("/velkomst")
    assert "Siv Sen" in listed.text and "Nora" not in listed.text, listed.text
    welcome = captions(await board.send("/rapport"))[2]
    assert "Fortsatt åpen fra før 2027: 1 forsinket velkomstsamtale (/velkomst)." in welcome, welcome
    async with db.session() as session:
        from models.nudges import digest
        assert (await digest(session, clock())).welcome_late == 1


# The bot was down from 3 to 10 December; the call-back agreed for Friday 4 December 11:00 came on the 10th as
# "Nå er det tid for å ringe … tilbake, som avtalt." — six days late, as if it were the agreed time.
async def test_a_call_back_reminder_held_up_by_downtime_names_the_agreed_time(db, app, make_user, clock):
    from datetime import UTC, datetime

    from tests.helpers import tick
    from tests.test_phonebank import callees, caller, campaign

    clock.set(datetime(2026, 12, 3, 16, 0, tzinfo=UTC))
    await callees(db, 2)
    await campaign(db, clock)
    first = await caller(make_user, db)
    await first.send("/ringerunde")
    await first.press("📞 Neste samtale")
    await first.press("⏰ Ring tilbake …")
    await first.send("04.12 11:00")
    await first.press("📞 Neste samtale")
    await first.press("⏰ Ring tilbake …")
    await first.send("04.12 12:00")
    clock.set(datetime(2026, 12, 4, 10, 5, tzinfo=UTC))      # on time: as before
    await tick(app)
    assert first.last_message().text == "Nå er det tid for å ringe Callee 0 tilbake, som avtalt.", first.last_message().text
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))      # back up six days later
    await tick(app)
    late = first.last_message().text
    assert late == ("Du avtalte å ringe Callee 1 tilbake fredag 4. desember kl. 12:00. Denne påminnelsen kommer for sent; "
                    "ring når du kan."), late


# The bot was down from the evening before until 17:30 on the day of the member meeting at 19:00; the
# "two hours before" reminder then said "starter om to timer, kl. 19:00" at 17:30 (the same for a round).
async def test_a_two_hour_reminder_held_up_by_downtime_does_not_say_in_two_hours(db, app, make_user, clock):
    from datetime import timedelta

    from tests.helpers import tick
    from tests.test_doorknock import START, make_round, people
    from tests.test_events import make_event

    clock.set(START - timedelta(days=3))
    member, other = await people(make_user, 2)
    round_id = await make_round(db, clock)
    event_id = await make_event(db, clock, title="Medlemsmøte", start=START + timedelta(days=7))
    await member.press_data(f"rd:join:{round_id}")
    await other.press_data(f"ev:rsvp:{event_id}:yes")
    clock.set(START - timedelta(days=1))
    await tick(app)                                              # the day-before reminders; then the bot is down
    clock.set(START - timedelta(minutes=90))
    await tick(app)
    assert member.last_message().text == "Dørbanking snart, kl. 12:00: Utenfor Lade kirke. Kommer du?", member.last_message().text
    clock.set(START + timedelta(days=7, hours=-2))               # on time, as before
    await tick(app)
    assert other.last_message().text == "«Medlemsmøte» starter om to timer, kl. 12:00: Tapperiet, Trondheim. Velkommen!", \
        other.last_message().text


# Nynorsk call card: "ingen interesser oppgitt" is Bokmål ("oppgjevne" in Nynorsk).
async def test_nynorsk_call_card_without_interests(db, app, make_user, clock):
    from tests.test_phonebank import callees, caller, campaign

    await callees(db, 1)
    await campaign(db, clock)
    ingrid = await caller(make_user, db, lang="nn")
    await ingrid.send("/ringjerunde")
    card = await ingrid.press("📞 Neste samtale")
    assert "· ingen interesser oppgjevne" in card.text, card.text


# Kari (board) is the contact person of the monthly course; she moved the whole series and got "Endring: «Kurs i
# dørbanking» er flyttet: 12 ganger …" herself, counted as the "1 person" told (the same when she cancelled it).
async def test_the_contact_who_moves_or_cancels_a_series_is_not_told_of_it(db, app, make_user, clock):
    from sqlalchemy import update

    from models.membership import member_by_telegram
    from tests.test_event_series import planned, weekly_series
    from tests.test_season_member import grant, person

    board = await person(make_user, 41, first="Styre")
    await grant(db, board, "board")
    member = await person(make_user, 42)
    series_id = await weekly_series(db, clock, rule="FREQ=WEEKLY")
    async with db.session() as session:
        me = (await member_by_telegram(session, board.user_id)).id
        await session.execute(update(Series).where(Series.id == series_id).values(contact_id=me))
        await session.execute(update(Event).where(Event.series_id == series_id).values(contact_id=me))
    events = await planned(db, series_id)
    await member.press_data(f"ev.rsvp:{events[1].id}:yes")
    await board.press_data(f"evs.move:{events[0].id}")
    done = await board.send("05.12 19:30")
    assert done.text.endswith("; 1 person får beskjed."), done.text
    await tick(app)
    assert [m.text for m in member.messages() if m.text.startswith("Endring: «Pubkveld» er flyttet:")], member.messages()[-1].text
    assert not [m.text for m in board.messages() if m.text.startswith("Endring:")], board.messages()[-1].text
    await board.press_data(f"evs.cancel:{events[0].id}")
    cancelled = await board.press("Ja")
    assert "1 person får beskjed" in " ".join(cancelled.texts), cancelled.texts
    await tick(app)
    assert not [m.text for m in board.messages() if m.text.startswith("Avlyst:")], board.messages()[-1].text


# Nynorsk /mine_data: "Ringerundar som ringde deg" — Nynorsk writes "ringjerunde" everywhere else (menu, help).
async def test_nynorsk_data_export_says_ringjerundar(db, app, make_user):
    import json

    ingrid = make_user(first_name="Ingrid", language_code="nn")
    await onboard(ingrid, lang="nn")
    [document] = (await ingrid.send("/mine_data")).method("sendDocument")
    data = json.loads(document.files["document"])
    assert "Ringjerundar som ringde deg" in data and "Ringerundar som ringde deg" not in data, list(data)


# The board scheduled "Husk kurset torsdag!" for 23:00 and was told "Utsending #2 er planlagt til onsdag 13. januar
# kl. 23:00." — nothing said that a non-urgent broadcast is held for quiet hours, so members got it at 09:00.
async def test_a_broadcast_scheduled_in_quiet_hours_says_when_members_get_it(db, app, make_user, clock):
    from tests.test_broadcast import board_member, members
    from tests.test_broadcast_scheduled import schedule

    await members(db, make_user)
    board = await board_member(db, make_user)
    planned = await schedule(board, "Husk kurset torsdag!", "28.11 23:00")
    assert planned.text == ("Utsending #1 er planlagt til lørdag 28. november kl. 23:00. Det er i nattestiden (21:00–09:00), "
                            "så medlemmene får den søndag 29. november kl. 09:00."), planned.text
    await board.press("🕒 Endre tidspunktet")
    moved = await board.send("28.11 19:30")                     # out of quiet hours: as before
    assert moved.text.startswith("Endret. Utsending #1 er planlagt til lørdag 28. november kl. 19:30.\n"), moved.text
    assert "nattestiden" not in moved.text


# Siri erased her data in December and came back in January: lagbot promised "står det i medlemsregisteret, er du
# medlem her igjen med en gang", but erasing had blanked her register row, so her number was "not in the member
# register" and she became an unverified supporter — a member again only at the board's next register import.
async def test_coming_back_after_an_erasure_is_told_honestly_how_membership_returns(db, app, make_user):
    from models.member import STATUS_MEMBER, STATUS_SUPPORTER

    register = "navn;telefon;bydel;innmeldt;medlemsnummer\nSiri Dal;916 78 901;Østbyen;2026-11-01;1005\n"
    await import_members(db, register)
    siri = make_user(first_name="Siri", last_name="Dal")
    await onboard(siri, "+4791678901")
    await siri.send("/slett_meg")
    await siri.press("Ja, slett dataene mine")
    again = await siri.send("/start")
    assert again.texts[0].startswith("Velkommen tilbake. Du slettet dataene dine"), again.texts
    assert "blir medlem her igjen neste gang styret importerer registeret" in again.texts[0], again.texts
    assert "med en gang" not in again.texts[0]
    await siri.press("Ja, jeg godtar")
    shared = await siri.share_contact("+4791678901")
    assert "står ikke i medlemsregisteret" in shared.texts[0], shared.texts   # what the new text prepares her for
    assert (await stored(db, siri.user_id)).status == STATUS_SUPPORTER
    await import_members(db, register)                                      # the board's next import
    assert (await stored(db, siri.user_id)).status == STATUS_MEMBER
