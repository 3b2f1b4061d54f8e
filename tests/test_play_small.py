"""Small findings of a season player: a team leader took a seat on the round they lead; erasing one's
data with only a waiting-list place promised that place to "the next on the waiting list"; /mine_data
called an unconfirmed supporter a member; one member got two nudges in the same second."""

from __future__ import annotations

from sqlalchemy import select

from models import OutboxMessage, round_leaders
from models import rounds as rd
from models.membership import member_by_telegram
from tests.test_doorknock import make_round, people, signups
from tests.test_phonebank import caller, campaign


# Per (leader of team 1 on Lade) tapped an old "Bli med" under an earlier /dorbank, and then the round's
# QR code: he was given a seat on his own round, and counted among the participants.
async def test_a_leader_takes_no_seat_on_the_round_they_lead(db, app, make_user, clock):
    leader, member = await people(make_user, 2)
    round_id = await make_round(db, clock, leader=leader)
    old = await leader.press_data(f"rd.join:{round_id}")
    assert old.alerts == ["Du leder denne runden — laget ditt finner du under /dorbank lag."]
    assert await signups(db, round_id) == []
    link = await leader.send(f"/start round_{round_id}")
    assert "Dørbank på Lade" in link.text
    assert link.buttons == ["👥 Laget: Dørbank på Lade"], link.buttons
    await member.press_data(f"rd.join:{round_id}")  # others join as before
    assert await signups(db, round_id) == [("Person1 Nordmann", "confirmed")]


# Per was named leader after a phone round for the round began; a caller reached him and pressed "Meldt på": he is not given a seat,
# and the caller is told why.
async def test_a_caller_signing_up_the_rounds_leader_gives_no_seat(db, app, make_user, clock):
    [leader] = await people(make_user, 1, district="Midtbyen")
    round_id = await make_round(db, clock, district="midtbyen")
    async with db.session() as session:
        (await member_by_telegram(session, leader.user_id)).verified = True  # confirmed by the board: in the audience
    await campaign(db, clock, round_id=round_id)
    async with db.session() as session:  # named leader after the phone round began
        round_ = await rd.get_round(session, round_id)
        await round_leaders.set_leader(session, round_.teams[0].id, (await member_by_telegram(session, leader.user_id)).id,
                                       now=clock(), grant=True)
    user = await caller(make_user, db)
    await user.send("/ringerunde")
    card = await user.press("📞 Neste samtale")
    assert "Person0 Nordmann" in card.text, card.texts
    done = await user.press("✅ Meldt på")
    edited = done.method("editMessageText")[0]
    assert "Person0 Nordmann leder et lag på runden denne ringerunden gjelder, og fikk derfor ingen plass på den." in edited.text
    assert await signups(db, round_id) == []


# Bjørn was number 1 on the waiting list for Lade and had said maybe to the pub evening; /slett_meg told
# him "the next on the waiting list gets" his places, though he held no seat anyone could be given.
async def test_erasing_with_only_a_waiting_place_and_a_maybe_says_what_is_given_up(db, app, make_user, clock):
    from datetime import timedelta

    from tests.test_play_c import make_event
    from tests.test_season_member import START, person
    from tests.test_season_member import make_round as season_round

    anne, bjorn = await person(make_user, 1, first="Anne"), await person(make_user, 2, first="Bjørn")
    rid = await season_round(db, clock, capacity=1, title="Dørbank på Lade")
    eid = await make_event(db, clock, title="Pubkveld", start=START + timedelta(days=1))
    await anne.press_data(f"rd.join:{rid}")
    await bjorn.press_data(f"rd.join:{rid}")
    await bjorn.press_data(f"ev.rsvp:{eid}:maybe")
    asked = await bjorn.send("/slett_meg")
    assert "ventelisten får" not in asked.text, asked.text
    assert "Plassene dine på ventelisten til disse blir gitt fra deg:\n• Dørbank på Lade — lørdag 5. desember kl. 12:00" in asked.text, asked.text
    assert "«Kanskje»-svaret ditt på disse blir trukket tilbake:\n• Pubkveld — søndag 6. desember kl. 12:00" in asked.text, asked.text
    await bjorn.press("Ja, slett dataene mine")
    assert await signups(db, rid) == [("Anne Nordmann", "confirmed")]
    # One with a seat is still told the next in line gets it (and only that).
    seated = await anne.send("/slett_meg")
    assert "Plassene dine på disse blir gitt fra deg, og den neste på ventelisten får dem:\n• Dørbank på Lade" in seated.text
    assert "Plassene dine på ventelisten" not in seated.text


# Siri started lagbot with a number not in the member register: /mine_data listed her role as "medlem",
# though she is a supporter the board has not confirmed yet.
async def test_my_data_names_an_unconfirmed_supporter_as_such(db, app, make_user, clock):
    import json

    from models import membership
    from tests.test_season_member import person

    siri = await person(make_user, 1, first="Siri")
    async with db.session() as session:
        member = await member_by_telegram(session, siri.user_id)
        assert (member.status, member.verified) == ("supporter", False)
        await membership.grant_role(session, member, "caller")

    async def roles() -> list[str]:
        [document] = (await siri.send("/mine_data")).method("sendDocument")
        return json.loads(document.files["document"])["Roller"]

    assert await roles() == ["støttespiller, ikke bekreftet av styret ennå", "ringer"]
    async with db.session() as session:
        await membership.verify_supporter(session, (await member_by_telegram(session, siri.user_id)).id)
    assert await roles() == ["støttespiller, bekreftet av styret", "ringer"]


# Kari (board, new this autumn, interested in door-knocking) got "a round with free seats" and "it
# takes time to find your place" in the same second; Ola, who had done nothing yet, got the round
# at ten and the newcomer word at eleven.
async def test_one_suggestion_a_day_and_the_newcomer_word_only_to_one_without_a_part(db, app, make_user, clock):
    from datetime import timedelta

    from tests.test_nudges import MONDAY, member, nudge_texts, run_hooks

    kari = await member(db, make_user, interests=("doorknock",), roles=("board",))
    ola = await member(db, make_user, interests=("doorknock",), phone="+4747000001")
    day = MONDAY + timedelta(days=23)  # past the welcome weeks: newcomers both
    async with db.session() as session:
        for user in (kari, ola):
            (await member_by_telegram(session, user.user_id)).joined_on = clock().date()
        await rd.create_round(session, title="Dørbank Moholt", district="lerkendal", starts_at=day + timedelta(days=5),
                              ends_at=day + timedelta(days=5, hours=3), meeting_point="Moholt torg", capacity=6, now=clock())
    await run_hooks(app, clock, day)
    [round_word] = await nudge_texts(kari)
    assert round_word.startswith("Snart er det en dørbankrunde med ledige plasser"), round_word
    [ola_word] = await nudge_texts(ola)
    assert ola_word.startswith("Snart er det en dørbankrunde med ledige plasser"), ola_word
    await run_hooks(app, clock, day + timedelta(hours=1))  # the next pass, the same day
    assert len(await nudge_texts(ola)) == 1 and len(await nudge_texts(kari)) == 1
    await run_hooks(app, clock, day + timedelta(days=1, hours=1))
    assert (await nudge_texts(ola))[1].startswith("Det kan ta litt tid å finne sin plass.")
    assert len(await nudge_texts(kari)) == 1  # the board has its place: no newcomer word, ever
    await run_hooks(app, clock, day + timedelta(days=3))
    assert len(await nudge_texts(kari)) == 1
    async with db.session() as session:
        kari_id = (await member_by_telegram(session, kari.user_id)).id
        rows = list(await session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.member_id == kari_id,
                                                                                OutboxMessage.kind == "nudge")))
    assert [k.split(":")[1] for k in rows] == ["doorknock"]
