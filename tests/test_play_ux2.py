"""Findings of a season played against `python -m bot run` (play-ux2): each test plays the finding
through the chat and checks what the person saw and what was stored."""

from __future__ import annotations

from sqlalchemy import select

from models import Member
from models import rounds as rd
from models.membership import grant_role, member_by_telegram
from tests.helpers import onboard, tick
from tests.test_season_member import make_round, person


async def board_member(db, make_user, k=90, first="Styre", roles=("board",)):
    user = make_user(first_name=first, language_code="nb")
    await onboard(user, phone=f"+47451{k:05d}", district="Heimdal")
    async with db.session() as session:
        member = await member_by_telegram(session, user.user_id)
        for role in roles:
            await grant_role(session, member, role)
    return user


# A phone round linked to a full door-knocking round: the caller was told "✅ Signed up", the progress
# counted the person as signed up, and /nyringerunde did not say the round was full.
async def test_a_call_that_only_gets_a_waiting_list_place_says_so_and_progress_counts_it_apart(db, app, make_user, clock):
    seated = await person(make_user, 1, first="Anne")
    rid = await make_round(db, clock, capacity=1)
    await seated.press_data(f"rd.join:{rid}")                       # the round is full now
    async with db.session() as session:                             # in the register, and on lagbot
        session.add(Member(name="Cato Berg", phone="+4792000001", district="ostbyen", verified=True, language="nb"))
    callee = make_user(first_name="Cato")
    await onboard(callee, phone="+4792000001", district="Østbyen")
    board = await board_member(db, make_user, roles=("board", "caller"))
    await board.send("/nyringerunde")
    await board.send("Ring til dørbank")
    await board.send("Flere ut på Lade")
    await board.send("Hei {navn}! Jeg ringer om dørbank.")
    await board.press("Fortsett")
    await board.press("Østbyen")
    await board.press("Fortsett")
    await board.press("Dørbank på Lade")
    summary = await board.press("Medlemmer med ringerrollen")
    assert ("⚠️ Det er fullt (1 av 1 plasser, 0 på venteliste): de som meldes på nå, får plass på ventelisten."
            in summary.text), summary.text
    await board.press("✅ Start ringerunden")
    await board.send("/ringerunde")
    card = await board.press("📞 Neste samtale")
    assert "Cato" in card.text, card.text
    done = await board.press("✅ Meldt på")
    assert "⏳ På venteliste, nummer 1" in done.text and "✅ Meldt på" not in done.text, done.text
    async with db.session() as session:
        cato = await session.scalar(select(Member).where(Member.telegram_id == callee.user_id))
        assert (await rd.signup_of(session, rid, cato.id)).status == "waiting"
    await board.send("/ringerunde")
    figures = await board.press("📊 Framdrift")
    text = figures.texts[0]
    assert "Påmeldt: 0" in text and "På venteliste (fullt på runden eller arrangementet): 1" in text, text
    await tick(app)
    told = callee.last_message().text
    assert told.startswith("Som avtalt på telefonen står du på ventelisten til «Dørbank på Lade»") and "(nummer 1)" in told, told
    await seated.press_data(f"rd.leave:{rid}")                      # Cato moves up: now he counts as signed up
    await board.send("/ringerunde")
    text = (await board.press("📊 Framdrift")).texts[0]
    assert "Påmeldt: 1" in text and "På venteliste" not in text, text


# Kari was named leader of a team by her phone number before she was on Telegram. When she started
# lagbot and shared her number she was never told, and /hjelp did not show her what a leader does.
async def test_a_leader_named_by_phone_is_told_on_linking_and_help_shows_leaders_their_commands(db, app, make_user, clock):
    from datetime import timedelta

    from bot import round_messages
    from tests.helpers import import_members
    from tests.test_season_member import START

    await import_members(db, "navn;telefon;bydel;innmeldt;medlemsnummer\nKari Nordmann;912 34 567;Heimdal;01.01.2020;1001\n")
    async with db.session() as session:
        kari_row = await session.scalar(select(Member).where(Member.name == "Kari Nordmann"))
        round_ = await rd.create_round(session, title="Dørbank på Lade", district="ostbyen", starts_at=START,
                                       ends_at=START + timedelta(hours=3), meeting_point="Utenfor Lade kirke", capacity=6,
                                       now=clock(), teams=[(None, 3), (kari_row.id, 3)])
        await round_messages.leaders_named(session, round_, clock())
    await tick(app)                                                  # she is not on lagbot: nothing reaches her
    kari = make_user(first_name="Kari", language_code="nb")
    await onboard(kari, phone="+4791234567", district="Heimdal")
    await tick(app)
    told = kari.last_message().text
    assert told.startswith("Velkommen! Styret har gjort deg til dørbankgeneral (lagleder):"), told
    assert "• lag 2 på «Dørbank på Lade», lørdag 5. desember kl. 12:00–15:00. Oppmøte: Utenfor Lade kirke" in told, told
    assert "/dorbank lag — laget ditt på dagen" in told and "/nyrunde" not in told, told
    help_text = (await kari.send("/hjelp")).text
    assert "Som dørbankgeneral (lagleder):\n/dorbank lag — laget ditt på dagen" in help_text, help_text
    assert "/nyrunde" not in help_text, help_text                    # she has no leader role: she cannot create rounds
    member = await person(make_user, 5, first="Per")
    assert "Som dørbankgeneral" not in (await member.send("/hjelp")).text  # leaders only
    await kari.send("/start")                                        # back again: told once
    await kari.share_contact("+4791234567")
    await tick(app)
    assert sum("Styret har gjort deg til dørbankgeneral" in m.text for m in kari.messages()) == 1


# On 27 November the board typed "25.11 18:00" for a round's start: it became 25 November next year,
# and the summary ("onsdag 25. november kl. 18:00") did not show the year.
async def test_a_day_just_passed_is_refused_and_a_day_next_year_is_shown_with_its_year(db, app, make_user, clock):
    from models.rounds import Round
    from tests.helpers import count
    from tests.test_broadcast_scheduled import schedule

    board = await board_member(db, make_user)
    await board.send("/nyrunde")
    await board.send("Dørbank på Moholt")
    await board.press("Midtbyen")
    refused = await board.send("25.11 18:00")
    assert refused.text == ("25.11 18:00 har passert: det var onsdag 25. november kl. 18:00. Skriv et tidspunkt fram i tid; "
                            "mener du neste år, skriv året også: 25.11.2027 18:00."), refused.text
    assert "Når er slutten?" in (await board.send("25.11.2027 18:00")).text
    await board.send("20:00")
    await board.send("Moholt torg")
    await board.send("6")
    await board.press("Jeg gjør det")
    await board.press("Fortsett")
    await board.press("Hopp over")
    summary = await board.press("Hopp over")
    assert "torsdag 25. november 2027 kl. 18:00" in summary.text, summary.text
    await board.press("✅ Opprett")
    async with db.session() as session:
        stored = await session.scalar(select(Round))
        assert stored.starts_at.year == 2027
    assert "torsdag 25. november 2027 kl. 18:00" in (await board.send("/dorbank")).text
    assert await count(db, Round) == 1
    # The same for an event's start and a scheduled broadcast; this year's days are written without the year.
    await board.send("/nyttarrangement")
    await board.press("Sosialt")
    await board.send("Julebord")
    await board.press("Hopp over")
    assert "har passert: det var" in (await board.send("1.10 19:00")).text
    await board.send("/avbryt")
    planned = await schedule(board, "Hei!", "26.11 18:00")
    assert planned.text.startswith("26.11 18:00 har passert: det var torsdag 26. november kl. 18:00."), planned.text
    assert (await board.send("28.11 18:00")).text == "Utsending #1 er planlagt til lørdag 28. november kl. 18:00."


# The chapter's admin (in LAGBOT_ADMINS) went on without sharing a number, and then found themself on
# their own /supportere list, "to be verified".
async def test_a_configured_admin_without_a_number_is_not_a_supporter_to_verify(db, app, make_user, clock):
    from tests.conftest import ADMIN_ID

    admin = make_user(ADMIN_ID, first_name="Ada", language_code="nb")
    await onboard(admin, phone=None, district="Midtbyen")
    said = [m.text for m in admin.messages()]
    assert any(t.startswith("Greit. Du er administrator (LAGBOT_ADMINS), så ingen trenger å sjekke hvem du er.") for t in said), said
    stranger = make_user(first_name="Ukjent", language_code="nb")
    await onboard(stranger, phone=None, district="Midtbyen")
    listed = await admin.send("/supportere")
    assert listed.text.startswith("Støttespillere som venter på bekreftelse (1):") and "Ukjent" in listed.text, listed.text
    assert "Ada" not in listed.text, listed.text
    async with db.session() as session:
        ada = await member_by_telegram(session, ADMIN_ID)
        assert (ada.status, ada.verified) == ("supporter", True)
    assert "📱 Del nummeret mitt" in (await admin.send("/innstillinger")).buttons    # can still link a membership
    shared = await admin.share_contact("+4740000099")                # a number not in the register: still vouched for
    assert shared.texts[0].startswith("Takk! Nummeret ditt er ikke i medlemsregisteret. Du er administrator"), shared.texts
    assert "Ada" not in (await admin.send("/supportere")).text


# The board's preview counted recipients and those left out, but said nothing of the unverified
# supporters who match: they were left out without a word.
async def test_the_broadcast_preview_says_how_many_unverified_supporters_are_left_out(db, app, make_user, clock):
    from tests.test_broadcast import board_member as styre
    from tests.test_broadcast import members

    people = await members(db, make_user)
    for k in range(2):                                               # went on without a number
        await onboard(make_user(first_name=f"Ukjent{k}"), phone=None, district="Midtbyen")
    board = await styre(db, make_user)
    async with db.session() as session:
        (await member_by_telegram(session, board.user_id)).verified = True  # as if found in the register
    await board.send("/utsending")
    await board.send("Dørbank lørdag!")
    await board.press("Bydeler", exact=True)
    await board.press("Midtbyen")
    await board.press("« Tilbake")
    summary = (await board.press("Forhåndsvis ▸")).texts[1]
    assert "Mottakere: 3" in summary and "Treff i målgruppen: 4" in summary, summary   # the board member lives there too
    assert ("2 ubekreftede støttespillere får den ikke: styret har ikke sjekket dem ennå (/supportere)." in summary), summary
    await board.press("« Endre målgruppe")
    await board.press("Bydeler", exact=True)
    await board.press("Midtbyen")                                     # off again
    await board.press("Heimdal")
    await board.press("« Tilbake")
    summary = (await board.press("Forhåndsvis ▸")).texts[1]
    assert "Mottakere: 1" in summary and "ubekreftede" not in summary and "ubekreftet" not in summary, summary
    assert people
