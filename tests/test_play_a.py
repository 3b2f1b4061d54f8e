"""A season played as members and leaders in Bokmål and Nynorsk against `python -m bot run` (play-playA):
each test is a bug found that way, now fixed."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from models import rounds as rd
from tests.helpers import tick
from tests.test_season_member import START, grant, make_round, person


# The leader's team list was shown before someone left; pressing "<name>: her" for them on that
# old list answered "Beklager, noe gikk galt" (models.errors.NotFound from set_attendance).
async def test_check_in_on_a_stale_team_list_of_someone_who_left(db, app, make_user, clock):
    leader = await person(make_user, 0, first="Ola"); await grant(db, leader, "leader")
    nils = await person(make_user, 1, first="Nils"); liv = await person(make_user, 2, first="Liv")
    rid = await make_round(db, clock, capacity=1, leader=leader)
    await nils.press_data(f"rd.join:{rid}")
    await liv.press_data(f"rd.join:{rid}")            # waiting list
    clock.set(START - timedelta(minutes=90))           # check-in is open: the list has its buttons
    old_list = await leader.send("/dorbank lag")
    assert "Nils" in old_list.text, old_list.texts
    await nils.press_data(f"rd.leave:{rid}")           # Liv moves up
    clock.set(START - timedelta(minutes=30))
    pressed = await leader.press("✅ Nils: her")
    assert not any("gikk galt" in text for text in pressed.texts), pressed.texts
    assert any("ikke lenger" in alert for alert in pressed.alerts), pressed.alerts
    now = leader.last_message().text
    assert "Liv" in now and "Nils" not in now, now


# The bot was down over the evening before a member meeting; when it came back on the day itself,
# Jon (nn) got "Påminning: «Medlemsmøte» er i morgon, …" together with "startar om to timar".
async def test_a_day_before_reminder_held_up_until_the_day_itself_is_dropped(db, app, make_user, clock):
    from models import events as ev

    jon = await person(make_user, 3, lang="nn", first="Jon")
    anne = await person(make_user, 4, first="Anne")
    async with db.session() as session:
        e = await ev.create_event(session, kind="member_meeting", title="Medlemsmøte", starts_at=START,
                                  ends_at=START + timedelta(hours=2), place="Partikontoret", now=clock())
        eid = e.id
    await jon.press_data(f"ev.rsvp:{eid}:yes")
    rid = await make_round(db, clock, start=START + timedelta(hours=1))
    await anne.press_data(f"rd.join:{rid}")
    jon_before, anne_before = len(jon.messages()), len(anne.messages())
    clock.set(START - timedelta(hours=3))               # the same morning, before the two-hour reminders
    await tick(app)
    jon_sent = [m.text for m in jon.messages()[jon_before:]]
    anne_sent = [m.text for m in anne.messages()[anne_before:]]
    assert not any("i morgon" in text for text in jon_sent), jon_sent
    assert not any("i morgen" in text for text in anne_sent), anne_sent
    clock.set(START - timedelta(hours=1, minutes=50))  # the two-hour reminder still comes
    await tick(app)
    assert any("om to timar" in m.text for m in jon.messages()[jon_before:]), [m.text for m in jon.messages()[jon_before:]]


async def test_a_day_before_reminder_on_time_still_comes(db, app, make_user, clock):
    from models import events as ev

    jon = await person(make_user, 3, lang="nn", first="Jon")
    async with db.session() as session:
        e = await ev.create_event(session, kind="member_meeting", title="Medlemsmøte", starts_at=START,
                                  ends_at=START + timedelta(hours=2), place="Partikontoret", now=clock())
        eid = e.id
    await jon.press_data(f"ev.rsvp:{eid}:yes")
    clock.set(START - timedelta(hours=23))
    await tick(app)
    assert "i morgon" in jon.last_message().text, jon.last_message().text


# Kari (board) made "Dørbank på Byåsen" with /nyrunde and picked Siri (nn) to lead team 1: Siri was
# never told (only assigning a leader later through "👥 Dørbankgeneraler" told them).
async def test_the_leader_named_when_a_round_is_created_is_told(db, app, make_user, clock):
    board = await person(make_user, 5, first="Kari"); await grant(db, board, "board")
    siri = await person(make_user, 6, lang="nn", first="Siri"); await grant(db, siri, "leader")
    await board.send("/nyrunde")
    await board.send("Dørbank på Byåsen")
    await board.press("Midtbyen")
    await board.send("16.12 12:00")
    await board.send("15:00")
    await board.send("Byåsen skole")
    await board.send("2")
    await board.press("Siri Nordmann")
    await board.press("Fortsett")
    await board.press("Hopp over")
    await board.press("Hopp over")
    created = await board.press("✅ Opprett")
    assert "start=round_" in created.text, created.texts
    before_board = len(board.messages())
    await tick(app)
    told = siri.last_message().text
    assert told.startswith("Du leier no lag 1 på «Dørbank på Byåsen»"), told
    assert len(board.messages()) == before_board  # the creator is not told what they just did


# Ola leads "Dørbank på Lade" and is interested in door-knocking: he got "Snart er det en dørbankrunde
# med ledige plasser: «Dørbank på Lade» … Blir du med med ett trykk? [Bli med]" for his own round.
async def test_a_leader_is_not_nudged_to_join_the_round_he_leads(db, app, make_user, clock):
    from models.membership import member_by_telegram
    from tests.test_nudges import MONDAY, member, nudge_texts, run_hooks

    ola = await member(db, make_user, interests=("doorknock",), roles=("leader",))
    siri = await member(db, make_user, interests=("doorknock",), phone="+4747000001", lang="nn")
    async with db.session() as session:
        leader_id = (await member_by_telegram(session, ola.user_id)).id
        await rd.create_round(session, title="Dørbank på Lade", district="lerkendal", starts_at=MONDAY + timedelta(days=5),
                              ends_at=MONDAY + timedelta(days=5, hours=3), meeting_point="Lade kirke", capacity=6,
                              now=clock(), teams=[(leader_id, 6)])
    await run_hooks(app, clock, MONDAY)
    assert await nudge_texts(ola) == []
    [text] = await nudge_texts(siri)             # the rule itself still works
    assert "«Dørbank på Lade»" in text, text


# The board moved and cancelled rounds Ola leads; Ola (not signed up) got the participant's words:
# "Kan du ikke nå, melder du deg av under /mine" and "Takk for at du meldte deg på".
async def test_a_leader_is_told_of_a_move_and_a_cancellation_in_a_leaders_words(db, app, make_user, clock):
    from tests.test_season_leaders_told import _setup

    board, leader = await _setup(db, make_user, clock)
    siri = await person(make_user, 7, lang="nn", first="Siri")
    async with db.session() as session:
        rid = await session.scalar(select(rd.Round.id))
    await siri.press_data(f"rd.join:{rid}")
    before, siri_before = len(leader.messages()), len(siri.messages())
    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    await board.press("Flytt")
    await board.send("06.12 12:00")
    confirmed = await board.send("15:00")
    assert "2 personer får beskjed" in confirmed.text, confirmed.texts  # Siri and the leader (it said 1)
    await tick(app)
    moved = leader.messages()[before:][-1].text
    assert moved.startswith("Endring: «Dørbank Lade», som du leder, er flyttet til søndag 6. desember"), moved
    assert "/mine" not in moved, moved
    assert "meld" in siri.messages()[siri_before:][-1].text  # a participant keeps the words about leaving
    before = len(leader.messages())
    await board.press("Avlys runden")
    answer = await board.press("Ja, avlys runden")
    assert "er avlyst; 2 personer får beskjed" in answer.method("editMessageText")[0].text
    await tick(app)
    cancelled = leader.messages()[before:][-1].text
    assert cancelled.startswith("Avlyst: «Dørbank Lade»") and "som du skulle lede" in cancelled, cancelled
    assert "meldte deg på" not in cancelled, cancelled


# Siri (nn) in /innstillingar → Meldingar read "Enkle vegar inn for nye medlemmer": Nynorsk is "medlemer"
# (eit medlem, medlemmet, medlemer, medlemene), and so everywhere in the Nynorsk catalog.
async def test_nynorsk_says_medlemer(db, app, make_user, clock):
    import re

    from babel.messages.pofile import read_po

    siri = await person(make_user, 8, lang="nn", first="Siri")
    await siri.send("/innstillinger")
    shown = await siri.press("Meldingar", exact=True)
    assert any(label.endswith("Enkle vegar inn for nye medlemer") for label in shown.buttons), shown.buttons
    po = Path(__file__).resolve().parents[1] / "locales" / "nn" / "LC_MESSAGES" / "lagbot.po"
    catalog = read_po(io.BytesIO(po.read_bytes()), locale="nn")
    wrong = [s for m in catalog if m.id for s in (m.string if isinstance(m.string, tuple) else (m.string,))
             if re.search(r"\b[Mm]edlem(mer|mene|mar|men)\b", s)]
    assert wrong == [], wrong


# Siri (nn) opened "Julebord" ("👤 Kontaktperson: Astrid …") and pressed "✅ Ja": the edited card had
# lost the contact person.
async def test_the_event_card_keeps_its_contact_person_after_an_answer(db, app, make_user, clock):
    from models import events as ev
    from models.membership import member_by_telegram

    astrid = await person(make_user, 9, lang="nn", first="Astrid")
    siri = await person(make_user, 10, lang="nn", first="Siri")
    async with db.session() as session:
        contact = await member_by_telegram(session, astrid.user_id)
        e = await ev.create_event(session, kind="social", title="Julebord", starts_at=START, ends_at=START + timedelta(hours=5),
                                  place="Folkets hus", now=clock(), capacity=2, contact_id=contact.id)
        eid = e.id
    card = await siri.press_data(f"ev.show:{eid}")
    assert "Kontaktperson: Astrid Nordmann" in card.text, card.texts
    await siri.press("✅ Ja")
    texts = [m.text for m in siri.messages() if m.text.startswith("📅 Julebord")]
    assert texts and all("Kontaktperson: Astrid Nordmann" in t for t in texts), texts


# Liv moved up from the waiting list the evening before the round ("Gode nyheter: Det ble ledig plass …
# og den er din!") and had no button to say she could not come after all; Eirik the same for Julebord.
async def test_a_seat_from_the_waiting_list_can_be_given_back_from_its_message(db, app, make_user, clock):
    from models import events as ev

    nils = await person(make_user, 11, first="Nils"); liv = await person(make_user, 12, first="Liv")
    eirik = await person(make_user, 13, lang="nn", first="Eirik")
    rid = await make_round(db, clock, capacity=1)
    await nils.press_data(f"rd.join:{rid}"); await liv.press_data(f"rd.join:{rid}"); await eirik.press_data(f"rd.join:{rid}")
    async with db.session() as session:
        e = await ev.create_event(session, kind="social", title="Julebord", starts_at=START + timedelta(days=1),
                                  ends_at=START + timedelta(days=1, hours=3), place="Folkets hus", now=clock(), capacity=1)
        eid = e.id
    await nils.press_data(f"ev.rsvp:{eid}:yes"); await eirik.press_data(f"ev.rsvp:{eid}:yes")
    await nils.press_data(f"rd.leave:{rid}"); await nils.press_data(f"ev.rsvp:{eid}:no")
    await tick(app)
    seat = [m for m in liv.messages() if m.text.startswith("Gode nyheter")][-1]
    assert "Jeg kan likevel ikke" in [label for label, _data in seat.inline_buttons], seat.inline_buttons
    gave_back = await liv.press("Jeg kan likevel ikke")
    assert not any("gikk galt" in t for t in gave_back.texts), gave_back.texts
    await tick(app)
    seats = [m for m in eirik.messages() if m.text.startswith("Gode nyheiter")]
    assert len(seats) == 2, [m.text for m in eirik.messages()[-4:]]     # the round seat Liv gave back, and the party
    assert all("Eg kan likevel ikkje" in [label for label, _data in m.inline_buttons] for m in seats), [m.inline_buttons for m in seats]


# The bot was down from the evening of a round until a month later; Siri (nn) then got "Takk for at du
# banka på dører i dag!" for a round a month old.
async def test_a_follow_up_held_up_past_the_rounds_day_is_dropped(db, app, make_user, clock):
    siri = await person(make_user, 14, lang="nn", first="Siri")
    rid = await make_round(db, clock)
    await siri.press_data(f"rd.join:{rid}")
    clock.set(START - timedelta(minutes=30))
    await tick(app)
    before = len(siri.messages())
    clock.set(START + timedelta(days=33))
    await tick(app)
    late = [m.text for m in siri.messages()[before:]]
    assert not any("i dag" in t for t in late), late


async def test_a_follow_up_on_time_still_comes(db, app, make_user, clock):
    liv = await person(make_user, 15, first="Liv")
    rid = await make_round(db, clock)
    await liv.press_data(f"rd.join:{rid}")
    clock.set(START + timedelta(hours=3, minutes=40))
    await tick(app)
    assert liv.last_message().text.startswith("Takk for at du banket på dører i dag!"), liv.last_message().text


# The members of "Dørbank i Midtbyen" got the morning briefing ("Orientering før dagens dørbanking …");
# Ola, who led the round, did not.
async def test_the_leader_gets_the_briefing_too(db, app, make_user, clock):
    ola = await person(make_user, 16, first="Ola"); await grant(db, ola, "leader")
    siri = await person(make_user, 17, lang="nn", first="Siri")
    rid = await make_round(db, clock, leader=ola, briefing="Snakk om eigedomsskatt og kollektivtrafikk.")
    await siri.press_data(f"rd.join:{rid}")
    clock.set(START - timedelta(hours=3, minutes=30))   # the morning of the round
    await tick(app)
    briefed = [m.text for m in ola.messages() if m.text.startswith("Orientering før dagens dørbanking")]
    assert briefed == ["Orientering før dagens dørbanking (Dørbank på Lade):\n\nSnakk om eigedomsskatt og kollektivtrafikk."], \
        [m.text for m in ola.messages()[-3:]]
    assert any(m.text.startswith("Orientering før dørbankinga i dag") for m in siri.messages())


# Ola leads "Dørbank på Lade" (a move notice even sent him to /mine), but /mine said "Du har ikke meldt deg
# på noe ennå. Prøv /dorbank!".
async def test_mine_lists_the_rounds_one_leads_with_the_team_a_tap_away(db, app, make_user, clock):
    ola = await person(make_user, 18, first="Ola"); await grant(db, ola, "leader")
    siri = await person(make_user, 19, lang="nn", first="Siri")
    rid = await make_round(db, clock, leader=ola)
    await siri.press_data(f"rd.join:{rid}")
    mine = await ola.send("/mine")
    assert "🚪 Dørbank på Lade — lørdag 5. desember kl. 12:00–15:00 (du leder den)" in mine.text, mine.texts
    team = await ola.press("👥 Laget: Dørbank på Lade")
    assert "Siri Nordmann" in team.text, team.texts


# Nils dropped out the day before and Jon two hours before; Liv and Eirik moved up from the waiting
# list. Ola, the leader, heard nothing and met the team with an old list.
async def test_the_leader_hears_of_a_dropout_close_to_the_round(db, app, make_user, clock):
    siri = await person(make_user, 20, lang="nn", first="Siri"); await grant(db, siri, "leader")
    nils = await person(make_user, 21, first="Nils"); liv = await person(make_user, 22, first="Liv")
    per = await person(make_user, 23, first="Per"); eva = await person(make_user, 24, first="Eva")
    rid = await make_round(db, clock, capacity=2, leader=siri)
    for u in (nils, per, liv, eva):
        await u.press_data(f"rd.join:{rid}")            # Liv and Eva wait
    before = len(siri.messages())
    await per.press_data(f"rd.leave:{rid}")              # days ahead: the team list is enough
    await tick(app)
    assert len(siri.messages()) == before, [m.text for m in siri.messages()[before:]]
    clock.set(START - timedelta(hours=20))
    await tick(app)                                      # the day-before reminders
    await nils.press("Jeg kan likevel ikke")
    await tick(app)
    told = [m.text for m in siri.messages()[before:] if "kan likevel ikkje kome" in m.text]
    expected = ("Nils Nordmann kan likevel ikkje kome på «Dørbank på Lade», laurdag 5. desember kl. 12:00–15:00; "
                "Eva Nordmann frå ventelista tek plassen. Laget ditt ser du under /dorbank lag.")
    assert told == [expected], [m.text for m in siri.messages()[before:]]


# `events add --contact "917 66 666"` made Astrid (nn) the contact person of Julebord; she was never told
# (naming her in /nyttarrangement tells her).
async def test_a_contact_person_named_from_the_command_line_is_told(db, app, make_user, clock, monkeypatch, database_url):
    import asyncio

    from tests.test_register import run_cli

    astrid = await person(make_user, 25, lang="nn", first="Astrid")
    before = len(astrid.messages())
    code = await asyncio.to_thread(run_cli, monkeypatch, database_url, "events", "add", "--kind", "social", "--title", "Julebord",
                                   "--start", "2030-12-05 18:00", "--end", "2030-12-05 23:00", "--place", "Folkets hus",
                                   "--contact", "+4741000025")
    assert code == 0
    from datetime import UTC, datetime
    clock.set(datetime.now(UTC) + timedelta(minutes=1))  # the command line queues it at the wall clock's now
    await tick(app)
    told = [m.text for m in astrid.messages()[before:]]
    assert len(told) == 1 and "Julebord" in told[0], told


# "Endring: «Dørbank på Lade» er flyttet til lørdag 12. desember … Kan du ikke nå, melder du deg av under
# /mine." — and no button: one more step for someone who can't come at the new time.
async def test_a_move_notice_has_a_button_to_give_up_the_seat(db, app, make_user, clock):
    from tests.test_season_leaders_told import _setup

    board, _leader = await _setup(db, make_user, clock)
    nils = await person(make_user, 26, first="Nils")
    async with db.session() as session:
        rid = await session.scalar(select(rd.Round.id))
    await nils.press_data(f"rd.join:{rid}")
    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    await board.press("Flytt")
    await board.send("06.12 12:00")
    await board.send("15:00")
    await tick(app)
    assert nils.last_message().text.startswith("Endring: «Dørbank Lade» er flyttet"), nils.last_message().text
    left = await nils.press("Jeg kan likevel ikke")
    assert any("Du er meldt av «Dørbank Lade»" in t for t in left.texts), left.texts
    async with db.session() as session:
        view = await rd.view(session, await rd.get_round(session, rid))
    assert view.confirmed == 0, view
