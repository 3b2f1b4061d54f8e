"""Findings of play (a season through the fake Bot API): a supporter who joined a round and an event
and then proved membership — by sharing the number under /innstillinger, or by the board's
"🔗 Koble til" in /supportere — lost both: the supporter row was folded into the member and its
seat, waiting-list place and event answer went with it (/mine: "Du har ikke meldt deg på noe ennå")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.event_tables import Rsvp
from models.member import STATUS_MEMBER
from models.membership import grant_role, member_by_telegram, set_language
from models.round_tables import Round, Signup
from tests.helpers import import_members, onboard, stored, tick
from tests.test_doorknock import people, signups
from tests.test_linking import REGISTER, board_member, member_number
from tests.test_play_c import make_event
from tests.test_season_member import START, make_round, person


@pytest.mark.parametrize("how", ["number", "board"])
async def test_a_supporter_keeps_what_they_joined_when_they_become_the_member(db, app, make_user, clock, how):
    await import_members(db, REGISTER)
    board = await board_member(db, make_user)
    anne = await person(make_user, 1, first="Anne")
    rid = await make_round(db, clock, capacity=2)
    full = await make_round(db, clock, capacity=1, title="Dørbank på Byåsen", start=START + timedelta(days=1))
    eid = await make_event(db, clock)
    await anne.press_data(f"rd.join:{full}")
    kari = make_user(first_name="Kari", last_name="Nordmann", language_code="nb")
    await onboard(kari, phone=None)                                  # "Fortsett uten nummer": a supporter
    await kari.press_data(f"rd.join:{rid}")
    await kari.press_data(f"rd.join:{full}")                         # the waiting list
    await kari.press_data(f"ev.rsvp:{eid}:yes")
    if how == "number":
        await kari.send("/innstillinger")
        await kari.press("📱 Del nummeret mitt")
        assert "Takk, Kari Nordmann!" in (await kari.share_contact("+47 912 34 567")).text
    else:
        await board.send("/supportere")
        await board.press("🔗 Koble til")
    member = await stored(db, kari.user_id)
    assert member.status == STATUS_MEMBER and member.id == (await member_number(db, "1001")).id
    mine = await kari.send("/mine")
    assert "Dørbank på Lade" in mine.text and "Dørbank på Byåsen" in mine.text and "Pubkveld" in mine.text, mine.text
    async with db.session() as session:
        signups = {s.round_id: s.status for s in await session.scalars(select(Signup).where(Signup.member_id == member.id))}
        assert signups == {rid: "confirmed", full: "waiting"}
        answer = await session.scalar(select(Rsvp.answer).where(Rsvp.event_id == eid, Rsvp.member_id == member.id))
        assert answer == "yes"
    await tick(app)
    clock.set(START - timedelta(hours=23))                           # the day-before reminders come to the member
    await tick(app)
    reminded = [m.text for m in kari.messages() if m.text and m.text.startswith("Påminnelse")]
    assert any("Dørbank" in text or "dørbanking" in text for text in reminded), reminded
    assert any("Pubkveld" in text for text in reminded), reminded


async def test_leaving_and_joining_again_after_becoming_the_member_reminds_once(db, app, make_user, clock):
    await import_members(db, REGISTER)
    rid = await make_round(db, clock, capacity=2)
    kari = make_user(first_name="Kari", last_name="Nordmann", language_code="nb")
    await onboard(kari, phone=None)
    await kari.press_data(f"rd.join:{rid}")
    await kari.send("/innstillinger")
    await kari.press("📱 Del nummeret mitt")
    await kari.share_contact("+47 912 34 567")
    await kari.send("/mine")
    left = await kari.press("Dørbank på Lade")
    assert any("meldt av" in text for text in left.texts), left.texts
    await kari.press_data(f"rd.join:{rid}")                          # and back again: one set of reminders
    clock.set(START - timedelta(hours=23))
    await tick(app)
    clock.set(START - timedelta(hours=1, minutes=50))
    await tick(app)
    texts = [m.text or "" for m in kari.messages()]
    assert len([t for t in texts if t.startswith("Påminnelse: dørbanking")]) == 1, texts
    assert len([t for t in texts if t.startswith("Dørbanking om to timer")]) == 1, texts


# The board named Ola (no leader role) for team 2 by his number. He was told "Laget og innsjekkingen
# finner du under /dorbank → Administrer runder", a button only the leader role sees; /dorbank
# offered him "➕ Bli med" on the round he leads, and a tap put him in team 1 as a participant.
@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
async def test_a_team_leader_without_the_role_is_shown_the_way_to_the_team(db, app, make_user, clock, lang):
    board, per, ola = await people(make_user, 3)
    ola.language_code = lang
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
        await grant_role(session, await member_by_telegram(session, per.user_id), "leader")
        await set_language(session, await member_by_telegram(session, ola.user_id), lang)
    await board.send("/nyrunde")
    await board.send("Dørbank på Lade")
    await board.press("Østbyen")
    await board.send("12.12 12:00")
    await board.send("15:00")
    await board.send("Lade kirke")
    await board.send("6")
    await board.press("Person1 Nordmann")
    await board.press("➕ Et lag til")
    await board.send("+47 410 00 002")                             # Ola, by his number
    await board.press("Fortsett")
    await board.press("Hopp over")
    await board.press("Hopp over")
    await board.press("✅ Opprett")
    await tick(app)
    told = ola.last_message().text
    assert told.endswith(TEAM_IS_UNDER[lang]), told
    listed = await ola.send("/dorbank")
    assert not any(label.startswith("➕") and "Lade" in label for label in listed.buttons), listed.buttons
    team = await ola.press(TEAM_BUTTON[lang])
    assert team.text.startswith(YOUR_TEAM[lang]), team.texts
    async with db.session() as session:
        rid = await session.scalar(select(Round.id))
    assert await signups(db, rid) == []
    per_list = await per.send("/dorbank")                            # the leader with the role: the same
    assert "👥 Laget: Dørbank på Lade" in per_list.buttons, per_list.buttons
    assert not any(label.startswith("➕") and "Lade" in label for label in per_list.buttons), per_list.buttons


TEAM_IS_UNDER = {"nb": "Laget ditt og innsjekkingen finner du under /dorbank lag.",
                 "nn": "Laget ditt og innsjekkinga finn du under /dorbank lag.",
                 "en": "Your team and its check-in are under /doorknock team."}
TEAM_BUTTON = {"nb": "👥 Laget: Dørbank på Lade", "nn": "👥 Laget: Dørbank på Lade", "en": "👥 Team: Dørbank på Lade"}
YOUR_TEAM = {"nb": "Laget ditt på «Dørbank på Lade»", "nn": "Laget ditt på «Dørbank på Lade»",
             "en": "Your team for “Dørbank på Lade”"}
