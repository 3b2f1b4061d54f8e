"""Findings of a season played against `python -m bot run` that were written down and not fixed then
(play-playC): each test plays the finding through the chat and checks what was stored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import events as ev
from models.event_tables import Rsvp
from models.member import Member
from models.membership import member_by_telegram
from tests.helpers import tick
from tests.test_season_member import START, person


async def make_event(db, clock, *, capacity=None, title="Pubkveld", start=START):
    async with db.session() as session:
        event = await ev.create_event(session, kind="social", title=title, starts_at=start, ends_at=start + timedelta(hours=3),
                                      place="Tapperiet", now=clock(), capacity=capacity)
        return event.id


async def seat_of(db, user, event_id):
    async with db.session() as session:
        member = await member_by_telegram(session, user.user_id)
        return await session.scalar(select(Rsvp.seat).where(Rsvp.event_id == event_id, Rsvp.member_id == member.id))


def buttons_of(message) -> list[str]:
    return [label for label, _data in message.inline_buttons]


# Bjørn said yes to a full pub evening and was put on the waiting list, yet the card (opened again
# from /arrangementer, and edited after his answer) marked him "• ✅ Ja" as if he had a place.
async def test_the_event_card_of_someone_on_the_waiting_list_says_so_with_the_number(db, app, make_user, clock):
    anne = await person(make_user, 1, first="Anne")
    bjorn = await person(make_user, 2, first="Bjørn")
    jon = await person(make_user, 3, lang="nn", first="Jon")
    eid = await make_event(db, clock, capacity=1)
    await anne.press_data(f"ev.rsvp:{eid}:yes")
    await bjorn.send("/arrangementer")
    await bjorn.press("Pubkveld")
    answered = await bjorn.press("✅ Ja")
    card = bjorn.api.find(bjorn.chat_id, answered.method("editMessageText")[0].params["message_id"])
    assert "⏳ Du er nummer 1 på ventelisten." in card.text, card.text
    assert "• ⏳ Venteliste, nummer 1" in buttons_of(card) and "• ✅ Ja" not in buttons_of(card), buttons_of(card)
    assert await seat_of(db, bjorn, eid) == ev.WAITING
    await jon.press_data(f"ev.rsvp:{eid}:yes")          # number 2, in Nynorsk
    await jon.send("/arrangementer")
    opened = await jon.press("Pubkveld")
    assert "⏳ Du er nummer 2 på ventelista." in opened.text, opened.text
    assert "• ⏳ Venteliste, nummer 2" in opened.buttons, opened.buttons
    await anne.press_data(f"ev.rsvp:{eid}:no")            # Bjørn moves up, Jon is number 1 now
    await tick(app)
    await bjorn.send("/arrangementer")
    seated = await bjorn.press("Pubkveld")
    assert "• ✅ Ja" in seated.buttons and "⏳" not in seated.text, (seated.text, seated.buttons)
    assert await seat_of(db, bjorn, eid) == ev.CONFIRMED
    await jon.send("/arrangementer")
    moved_up = await jon.press("Pubkveld")
    assert "⏳ Du er nummer 1 på ventelista." in moved_up.text, moved_up.text


# Ola's team list the day before the round showed "Siri Nordmann — +47 91 32 22 22"; Norwegians
# write a mobile number 3-2-3: "913 22 222".
async def test_a_leader_sees_a_norwegian_mobile_number_written_3_2_3(db, app, make_user, clock):
    from tests.helpers import onboard, stored
    from tests.test_season_member import grant, make_round

    ola = await person(make_user, 0, first="Ola"); await grant(db, ola, "leader")
    siri = make_user(first_name="Siri", language_code="nn")
    await onboard(siri, phone="913 22 222", lang="nn", district="Østbyen")
    rid = await make_round(db, clock, leader=ola)
    await siri.press_data(f"rd.join:{rid}")
    clock.set(START - timedelta(hours=20))               # the day before: numbers are shown to the leader
    team = await ola.send("/dorbank lag")
    assert "Siri Nordmann — +47 913 22 222" in team.text, team.text
    assert "91 32 22 22" not in team.text
    assert (await stored(db, siri.user_id)).phone == "+4791322222"  # stored as E.164, written for people


# Kari (board) pressed "📣 Send…", "Alle" and got the preview with "Mottakere: 3" and only
# "📣 Send undersøkelsen": no way to say no but to leave the message hanging.
async def test_the_survey_preview_can_be_cancelled_and_nothing_is_sent(db, app, make_user, clock):
    from models import OutboxMessage
    from models import surveys as sv
    from tests.test_surveys import board_member, write_survey

    board = await board_member(make_user, db)
    survey_id = await write_survey(board)
    kari = await person(make_user, 1, first="Kari")
    await board.send("/undersokelse")
    await board.press(f"#{survey_id}")
    await board.press("📣 Send…")
    preview = await board.press("Alle")
    assert "📣 Send undersøkelsen" in preview.buttons and "Avbryt" in preview.buttons, preview.buttons
    cancelled = await board.press("Avbryt", exact=True)
    [edited] = cancelled.method("editMessageText")
    assert edited.text.startswith(f"Ikke sendt. Undersøkelse #{survey_id} er som før"), edited.text
    assert "📣 Send undersøkelsen" not in edited.buttons and "📋 Åpne undersøkelsen" in edited.buttons, edited.buttons
    await tick(app)
    assert not [m for m in kari.messages() if "Valgkampen" in m.text]
    async with db.session() as session:
        assert (await sv.get(session, survey_id)).audience is None
        assert not list(await session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "survey.invite")))


# Anne (nn) erased her data while she had a seat on a round and a place at the pub evening: the
# confirmation and the goodbye said nothing about them (the seats were given up, and Bjørn and
# Cato moved up and were told, but Anne could not know).
async def test_erasing_says_which_places_are_given_up_and_the_next_in_line_moves_up(db, app, make_user, clock):
    from models import rounds as rd
    from models.member import STATUS_ERASED
    from models.round_tables import Signup
    from tests.test_season_member import make_round

    anne = await person(make_user, 1, lang="nn", first="Anne")
    bjorn = await person(make_user, 2, first="Bjørn")
    cato = await person(make_user, 3, first="Cato")
    rid = await make_round(db, clock, capacity=1, title="Dørbank på Lade")
    eid = await make_event(db, clock, capacity=1, title="Pubkveld", start=START + timedelta(days=1))
    await anne.press_data(f"rd.join:{rid}"); await bjorn.press_data(f"rd.join:{rid}")
    await anne.press_data(f"ev.rsvp:{eid}:yes"); await cato.press_data(f"ev.rsvp:{eid}:yes")
    async with db.session() as session:
        anne_id = (await member_by_telegram(session, anne.user_id)).id
    asked = await anne.send("/slett_meg")
    assert "Plassane dine på desse blir gjevne frå deg, og den neste på ventelista får dei:" in asked.text, asked.text
    assert "• Dørbank på Lade — laurdag 5. desember kl. 12:00" in asked.text, asked.text
    assert "• Pubkveld — søndag 6. desember kl. 12:00" in asked.text, asked.text
    erased = await anne.press("Ja, slett dataa mine")
    [goodbye] = erased.method("editMessageText")
    assert "Du har ikkje lenger plass på:" in goodbye.text and "• Dørbank på Lade" in goodbye.text and "• Pubkveld" in goodbye.text, goodbye.text
    await tick(app)
    assert bjorn.last_message().text.startswith("Gode nyheter"), bjorn.last_message().text
    assert cato.last_message().text.startswith("Gode nyheter"), cato.last_message().text
    async with db.session() as session:
        seats = {m: s for m, s in (await session.execute(select(Signup.member_id, Signup.status).where(Signup.round_id == rid))).all()}
        assert seats[anne_id] == rd.LEFT
        assert (await session.get(Member, anne_id)).status == STATUS_ERASED
    assert await seat_of(db, bjorn, eid) is None  # Bjørn never answered the event
    assert await seat_of(db, cato, eid) == ev.CONFIRMED
    assert [s for m, s in seats.items() if m != anne_id] == [ev.CONFIRMED]


async def test_erasing_with_no_places_says_nothing_about_places(db, app, make_user, clock):
    anne = await person(make_user, 1, first="Anne")
    asked = await anne.send("/slett_meg")
    assert "Plassene dine" not in asked.text
    erased = await anne.press("Ja, slett dataene mine")
    assert "ikke lenger plass" not in erased.method("editMessageText")[0].text


# Jon (nn) asked for /mine_data after the board cancelled the round he had joined: the file said
# "Status": "confirmed" for it, and "climate", "waiting", "yes", "ostbyen" … where words belong.
async def test_my_data_shows_words_in_my_language_and_a_cancelled_round_as_cancelled(db, app, make_user, clock):
    import json

    from models import rounds as rd
    from models.round_reports import add_input
    from tests.test_season_member import make_round

    anne = await person(make_user, 1, first="Anne")
    jon = await person(make_user, 2, lang="nn", first="Jon")
    rid = await make_round(db, clock, capacity=5, title="Dørbank på Lade")
    past = await make_round(db, clock, title="Dørbank i går", start=clock() + timedelta(hours=1))
    eid = await make_event(db, clock, capacity=1)
    await jon.press_data(f"rd.join:{rid}")
    await jon.press_data(f"rd.join:{past}")
    await anne.press_data(f"ev.rsvp:{eid}:yes")
    await jon.press_data(f"ev.rsvp:{eid}:yes")          # waiting list
    async with db.session() as session:
        jon_id = (await member_by_telegram(session, jon.user_id)).id
        await rd.cancel(session, rid)
        await add_input(session, past, jon_id, "climate", "Folk vil ha fleire bussar", now=clock())
    exchange = await jon.send("/mine_data")
    [document] = exchange.method("sendDocument")
    text = document.files["document"].decode("utf-8")
    data = json.loads(text)
    rounds = {r["Runde"]: r for r in data["Dørbankrundar"]}
    assert rounds["Dørbank på Lade"]["Status"] == "runden vart avlyst", rounds
    assert rounds["Dørbank i går"]["Status"] == "påmeldt", rounds
    [event] = data["Arrangement"]
    assert (event["Svar"], event["Plass"]) == ("✅ Ja", "på ventelista"), event
    assert data["Innspel frå dørene"][0]["Tema"] == "Klima", data["Innspel frå dørene"]
    assert data["Om deg"]["Bydel"] == "Østbyen" and data["Om deg"]["Status"] == "støttespelar, ikkje funnen i medlemsregisteret", data["Om deg"]
    assert {m["Type"] for m in data["Meldingar frå lagbot til deg"]} <= {"påminning", "varsel"}, data["Meldingar frå lagbot til deg"]
    for code in ('"confirmed"', '"waiting"', '"climate"', '"ostbyen"', '"yes"', '"supporter"', '"pending"', '"reminder"'):
        assert code not in text, (code, text)
    async with db.session() as session:                   # what is stored keeps its codes
        signup = await session.scalar(select(rd.Signup).where(rd.Signup.round_id == rid, rd.Signup.member_id == jon_id))
        assert signup.status == ev.CONFIRMED


# Kari (board) saw "• Person1 Nordmann — 3 (har takket ja til opplæring)" under /dorbank ledere,
# but had to leave the chat for `python -m bot roles grant leader …` to make him a leader.
async def test_the_board_makes_a_candidate_who_said_yes_a_leader_from_the_list(db, app, make_user, clock):
    from datetime import UTC, datetime

    from models import leader_training as training
    from tests.test_doorknock import make_round, people, signup
    from tests.test_plan import board_member

    start = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
    leader, member, other = await people(make_user, 3)
    board = await board_member(db, make_user)
    starts = [start + timedelta(days=7 * k) for k in range(3)]
    ids = [await make_round(db, clock, leader=leader, start=s, title=f"Runde {k}") for k, s in enumerate(starts)]
    for round_id in ids:
        await member.press_data(f"rd.join:{round_id}")
    for round_id, moment in zip(ids, starts, strict=True):
        clock.set(moment)
        await leader.press_data(f"rd.in:{(await signup(db, round_id, member)).id}:1")
    await tick(app)
    offered = await board.send("/dorbank ledere")
    assert "(har fått tilbud)" in offered.text and not offered.buttons  # no yes yet: nothing to press
    await member.press("Ja, jeg vil ha opplæring")
    listing = await board.send("/dorbank ledere")
    assert "• Person1 Nordmann — 3 (har takket ja til opplæring)" in listing.text, listing.text
    assert listing.buttons == ["🎖 Gjør Person1 Nordmann til dørbankgeneral"], listing.buttons
    _message, data = board.find_button("🎖 Gjør Person1 Nordmann til dørbankgeneral")
    forged = await other.press_data(data)                 # not on the board
    assert forged.alerts and forged.alerts[0].startswith("Bare medlemmer med rollen «styret»"), forged.alerts
    made = await board.press("🎖 Gjør Person1 Nordmann til dørbankgeneral")
    assert "Person1 Nordmann er dørbankgeneral nå, og får beskjed om det." in made.texts, made.texts
    async with db.session() as session:
        stored = await member_by_telegram(session, member.user_id)
        assert "leader" in stored.role_names
        assert (await training.of_member(session, stored.id)).accepted_at is not None
        assert "leader" not in (await member_by_telegram(session, other.user_id)).role_names
    await tick(app)
    assert member.last_message().text.startswith("Du er dørbankgeneral nå!"), member.last_message().text
    again = await board.press_data(data)                  # an old list pressed twice
    assert "Person1 Nordmann har allerede rollen som dørbankgeneral." in again.texts, again.texts
    after = await board.send("/dorbank ledere")
    assert "Person1 Nordmann" not in after.text  # a leader is no longer a candidate

