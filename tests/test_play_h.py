"""Findings from playing a season through the fake Bot API (helper "play", December 2026): steps that
each worked alone but not together."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Member, OutboxMessage
from models import events as ev
from models import nudges as ng
from models import rounds as rd
from models.membership import member_by_telegram
from tests.helpers import forget_upkeep, tick
from tests.test_nudges import MONDAY, member, nudge_texts, run_hooks
from tests.test_season_member import START, grant, make_round, person


async def seat_status(db, rid, user) -> str | None:
    async with db.session() as session:
        me = await member_by_telegram(session, user.user_id)
        signup = await rd.signup_of(session, rid, me.id)
        return signup.status if signup else None


# Siri had a seat on the Heimdal round; Per, who led team 1, erased his data and the board made Siri
# the team's leader. She kept her seat: /mine listed the round twice ("du leier han" and "påmeldt"),
# her own team list had her as a participant with a check-in button, she took one of the round's
# seats (nobody on the waiting list moved up) and got the participants' reminders too.
async def test_a_member_made_a_teams_leader_gives_up_their_seat_to_the_queue(db, app, make_user, clock):
    board = await person(make_user, 61, first="Styre")
    await grant(db, board, "board")
    kari = await person(make_user, 62, first="Kari")
    await grant(db, kari, "leader")
    siri = await person(make_user, 63, first="Siri")
    waiting = await person(make_user, 64, first="Vera")
    rid = await make_round(db, clock, capacity=2)  # one team, no leader yet
    for user in (kari, siri, waiting):
        await user.press_data(f"rd.join:{rid}")
    assert await seat_status(db, rid, waiting) == rd.WAITING

    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    await board.press("👥 Dørbankgeneraler")
    await board.press("Lag 1: velg dørbankgeneral")
    done = await board.press("Kari Nordmann")
    assert ("Kari Nordmann leder nå lag 1. Plassen personen hadde på runden, gikk til Vera Nordmann fra ventelisten."
            in done.texts), done.texts
    assert await seat_status(db, rid, kari) == "left"
    assert await seat_status(db, rid, waiting) == rd.CONFIRMED
    await tick(app)
    told = [m.text for m in kari.messages()]
    assert any(t.startswith("Du leder nå lag 1 på «Dørbank på Lade»") for t in told)
    assert any("plassen din som deltaker er gitt fra deg" in t for t in told), told
    assert waiting.last_message().text.startswith("Gode nyheter: Det ble ledig plass på «Dørbank på Lade»")
    mine = await kari.send("/mine")
    assert mine.text.count("Dørbank på Lade") == 1, mine.text
    team = await kari.send("/dorbank lag")
    assert "Kari Nordmann" not in team.text and "Siri Nordmann" in team.text, team.text
    async with db.session() as session:  # no participant reminders left for the leader, the leader's own ones stay
        kari_id = (await member_by_telegram(session, kari.user_id)).id
        rows = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.member_id == kari_id, OutboxMessage.status == "pending")))
    assert not [r for r in rows if r.topic.startswith("round.reminder_")], [r.topic for r in rows]
    assert [r for r in rows if r.topic.startswith("round.leader_reminder_")]


# Jon pressed "Jeg kommer" on the two-hour reminder the morning after the round: "Flott — vi ses!",
# and his leader's team list showed him as "👍 kommer" for a round already over.
async def test_im_coming_pressed_after_the_round_is_refused(db, app, make_user, clock):
    leader = await person(make_user, 65, first="Ola")
    await grant(db, leader, "leader")
    jon = await person(make_user, 66, first="Jon")
    rid = await make_round(db, clock, leader=leader)
    await jon.press_data(f"rd.join:{rid}")
    clock.set(START - timedelta(hours=2) + timedelta(minutes=1))
    await tick(app)
    assert "Jeg kommer" in [label for label, _data in jon.last_message().inline_buttons]
    clock.set(START + timedelta(days=1))  # the next morning
    late = await jon.press("Jeg kommer")
    assert late.alerts == ["Den runden er over eller avlyst."]
    async with db.session() as session:
        me = await member_by_telegram(session, jon.user_id)
        assert (await rd.signup_of(session, rid, me.id)).coming_at is None


# Per led team 2 on Lade on Thursday and was asked the next day "A door-knocking round with free
# seats is coming up … Join with one tap?" — leading a team did not count as taking part.
async def test_doorknock_nudge_passes_over_one_who_just_led_a_round(db, app, make_user, clock):
    led = await member(db, make_user, interests=("doorknock",), roles=("leader",))
    other = await member(db, make_user, interests=("doorknock",), phone="+4747000001")
    async with db.session() as session:
        await ng.switch(session, "newcomer", False)
        per = await member_by_telegram(session, led.user_id)
        await rd.create_round(session, title="Dørbank på Lade", district="ostbyen", starts_at=MONDAY - timedelta(days=4),
                              ends_at=MONDAY - timedelta(days=4) + timedelta(hours=2), meeting_point="Lade kirke", capacity=4,
                              now=MONDAY - timedelta(days=20), teams=[(per.id, 4)])
        await rd.create_round(session, title="Dørbank Moholt", district="lerkendal", starts_at=MONDAY + timedelta(days=5),
                              ends_at=MONDAY + timedelta(days=5, hours=3), meeting_point="Moholt torg", capacity=6, now=clock())
    await run_hooks(app, clock, MONDAY)
    assert [t[:40] for t in await nudge_texts(other)] == ["Snart er det en dørbankrunde med ledige "]
    assert await nudge_texts(led) == []


# Anne, new in November, is the contact person of the Julebord: her welcome step on day 2 said
# "Ein fin måte å bli kjend med dei andre på: «Julebord» … Blir du med?" — her own event.
async def test_welcome_and_social_suggestions_do_not_offer_ones_own_event(db, app, make_user, clock):
    from tests.test_welcome import setup

    await setup(db, clock)
    async with db.session() as session:
        await ng.switch(session, "newcomer", False)
        nora = await session.scalar(select(Member).where(Member.name == "Nora Ny"))
        await ev.create_event(session, kind="social", title="Julebord", starts_at=clock() + timedelta(days=5),
                              ends_at=clock() + timedelta(days=5, hours=4), place="Folkets hus", now=clock(), contact_id=nora.id)
    user = make_user(first_name="Nora", last_name="Ny")
    await user.send(f"/start inv_{nora.invite_token}")
    await user.press("Ja, jeg godtar")
    await user.share_contact("+47 912 34 567")
    await user.press("Sosiale aktiviteter")
    await user.press("Ferdig", exact=True)
    clock.advance(hours=1)
    await tick(app)
    await tick(app)
    clock.advance(days=2)
    await forget_upkeep(app, "welcome")
    await forget_upkeep(app, "nudges")
    await tick(app)
    await tick(app)
    assert not [m for m in user.messages() if "Julebord" in m.text], [m.text for m in user.messages()]
    async with db.session() as session:
        day2 = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("welcome:member:%:day2")))
    assert (day2.status, day2.last_error) == ("skipped", "nothing that fits")


# Five days before the round Ola's team list showed "✅ Siri: her" for each person and "Skriv rapporten";
# every one of them only answered "Innsjekking åpner to timer før runden starter." / "Rapporten kan
# skrives når runden har startet." — buttons that led nowhere.
async def test_the_team_list_offers_check_in_and_report_only_when_they_work(db, app, make_user, clock):
    ola = await person(make_user, 67, first="Ola")
    await grant(db, ola, "leader")
    siri = await person(make_user, 68, first="Siri")
    rid = await make_round(db, clock, leader=ola)
    await siri.press_data(f"rd.join:{rid}")
    early = await ola.send("/dorbank lag")
    assert early.buttons == [] and "Innsjekking åpner to timer før runden starter." in early.text
    clock.set(START - timedelta(hours=1))
    near = await ola.send("/dorbank lag")
    assert near.buttons == ["✅ Siri: her"]
    clock.set(START + timedelta(minutes=30))
    under_way = await ola.send("/dorbank lag")
    assert under_way.buttons == ["✅ Siri: her", "❌ Siri: kom ikke", "Skriv rapporten"]
    assert rid


# Per erased his data; the board went to choose a new leader for team 1 and was offered Ola, who led
# team 2 of the same round — pressing him only answered "Ola Hansen leder allerede et lag på den tiden".
async def test_the_leader_picker_leaves_out_who_leads_another_team_then(db, app, make_user, clock):
    board = await person(make_user, 69, first="Styre")
    await grant(db, board, "board")
    ola = await person(make_user, 70, first="Ola")
    kari = await person(make_user, 71, first="Kari")
    for user in (ola, kari):
        await grant(db, user, "leader")
    async with db.session() as session:
        ola_id = (await member_by_telegram(session, ola.user_id)).id
        await rd.create_round(session, title="Dørbank på Heimdal", district="heimdal", starts_at=START, ends_at=START + timedelta(hours=2),
                              meeting_point="Heimdal stasjon", capacity=4, now=clock(), teams=[(None, 2), (ola_id, 2)])
    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    await board.press("👥 Dørbankgeneraler")
    picker = await board.press("Lag 1: velg dørbankgeneral")
    assert "Kari Nordmann" in picker.buttons and "Ola Nordmann" not in picker.buttons, picker.buttons


# Liv Moe is not on Telegram: a caller put her on the waiting list, and she moved up when Anne
# could not come. Nobody could tell her, and Per's team list said "Liv Moe — … · no answer yet", as
# if she had only not pressed "I'm coming" yet.
async def test_the_team_list_says_who_is_not_on_telegram(db, app, make_user, clock):
    from models.register import import_register

    per = await person(make_user, 72, first="Per")
    await grant(db, per, "leader")
    rid = await make_round(db, clock, leader=per)
    async with db.session() as session:
        await import_register(session, "navn;telefon;bydel;medlemsnummer\nLiv Moe;977 88 999;Midtbyen;1007\n".encode())
    async with db.session() as session:
        liv = await session.scalar(select(Member).where(Member.name == "Liv Moe"))
        await rd.sign_up(session, rid, liv.id, clock())  # as a caller's "✅ Meldt på" does
    clock.set(START - timedelta(hours=1))
    team = await per.send("/dorbank lag")
    assert "Liv Moe — +47 977 88 999 · 📵 ikke på Telegram: får ingen påminnelser" in team.text, team.text


# Siri, leading team 1 (the round's own leader), recorded that the Heimdal round did not take place.
# Ola had been out with team 2 and filed its report: it was removed, and nobody told him.
async def test_the_other_teams_leader_is_told_when_the_round_is_recorded_as_not_held(db, app, make_user, clock):
    siri = await person(make_user, 73, first="Siri")
    ola = await person(make_user, 74, first="Ola")
    ids = []
    for user in (siri, ola):
        await grant(db, user, "leader")
        async with db.session() as session:
            ids.append((await member_by_telegram(session, user.user_id)).id)
    async with db.session() as session:
        made = await rd.create_round(session, title="Dørbank på Heimdal", district="heimdal", starts_at=START, ends_at=START + timedelta(hours=2),
                                     meeting_point="Heimdal stasjon", capacity=4, now=clock(), teams=[(ids[0], 2), (ids[1], 2)])
        rid = made.id
    clock.set(START + timedelta(minutes=40))
    await ola.send("/dorbank lag")
    await ola.press("Skriv rapporten")
    await ola.send("30")
    await ola.send("8")
    await ola.press("Hopp over")
    await ola.press("Hopp over")
    await siri.send("/dorbank lag")
    await siri.press("Skriv rapporten")
    await siri.press("🌧 Runden ble ikke noe av")
    await siri.press("Ja, den ble ikke noe av")
    async with db.session() as session:
        assert (await rd.get_round(session, rid)).status == rd.NOT_HELD
    await tick(app)
    told = ola.last_message().text
    assert told.startswith("Siri Nordmann har registrert at «Dørbank på Heimdal», lørdag 5. desember kl. 12:00–14:00, ikke ble noe av"), told
    assert not [m for m in siri.messages() if "har registrert at" in m.text]


# Three weeks before the Pubkveld the board's "Sjekk inn" listed Siri and Anne with "✅ Siri: her" and
# "✅ Anne: her"; each press only answered that check-in opens two hours before.
async def test_an_events_check_in_list_has_buttons_only_once_check_in_is_open(db, app, make_user, clock):
    board = await person(make_user, 75, first="Styre")
    await grant(db, board, "board")
    siri = await person(make_user, 76, first="Siri")
    async with db.session() as session:
        event = await ev.create_event(session, kind="social", title="Pubkveld", starts_at=START, ends_at=START + timedelta(hours=3),
                                      place="Tapperiet", now=clock())
        eid = event.id
    await siri.press_data(f"ev.rsvp:{eid}:yes")
    await board.send("/arrangementer")
    await board.press("⚙️ Administrer arrangementer")
    early = await board.press("Sjekk inn")
    assert "Innsjekking åpner to timer før arrangementet starter." in early.text and early.buttons == [], early.buttons
    clock.set(START - timedelta(hours=1))
    await board.send("/arrangementer")
    await board.press("⚙️ Administrer arrangementer")
    assert (await board.press("Sjekk inn")).buttons == ["✅ Siri: her"]


# Kari (on the board) was checked in on her third round and got both "Kari Nordmann har nå vært med på
# 3 dørbankrunder og kan tilbys opplæring …" — about herself, as the board — and the offer to her.
async def test_a_board_member_on_their_third_round_is_not_told_about_themselves(db, app, make_user, clock):
    from tests.test_doorknock import signup

    ola = await person(make_user, 77, first="Ola")
    await grant(db, ola, "leader")
    kari = await person(make_user, 78, first="Kari")
    await grant(db, kari, "board")
    other_board = await person(make_user, 79, first="Styre")
    await grant(db, other_board, "board")
    starts = [START + timedelta(days=7 * k) for k in range(3)]
    ids = [await make_round(db, clock, leader=ola, start=s, title=f"Runde {k}") for k, s in enumerate(starts)]
    for rid in ids:
        await kari.press_data(f"rd.join:{rid}")
    for rid, start in zip(ids, starts, strict=True):
        clock.set(start)
        await ola.press_data(f"rd.in:{(await signup(db, rid, kari)).id}:1")
    await tick(app)
    assert other_board.last_message().text.startswith("Kari Nordmann har nå vært med på 3 dørbankrunder")
    told = [m.text for m in kari.messages()]
    assert not [t for t in told if t.startswith("Kari Nordmann har nå vært med på 3")], told
    assert any(t.startswith("Takk for at du har vært med på 3 dørbankrunder!") for t in told)
