"""Findings from playing a season as the board, callers and welcomers (play-playB)."""

from __future__ import annotations

from tests.helpers import tick
from tests.test_doorknock import people
from models.membership import grant_role, member_by_telegram


async def test_team_leaders_named_when_a_round_is_created_are_told(db, app, make_user, clock):
    board, per, tom = await people(make_user, 3)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
        await grant_role(session, await member_by_telegram(session, per.user_id), "leader")
        await grant_role(session, await member_by_telegram(session, tom.user_id), "leader")
    await board.send("/nyrunde")
    await board.send("Dørbank på Lade")
    await board.press("Østbyen")
    await board.send("12.12 12:00")
    await board.send("15:00")
    await board.send("Lade kirke")
    await board.send("6")
    await board.press("Person1 Nordmann")
    await board.press("➕ Et lag til")
    await board.press("Person2 Nordmann")
    await board.press("➕ Et lag til")
    await board.press("Jeg gjør det")
    await board.press("Fortsett")
    await board.press("Hopp over")
    await board.press("Hopp over")
    await board.press("✅ Opprett")
    before = len(board.messages())
    await tick(app)
    assert "Du leder nå lag 1 på «Dørbank på Lade»" in per.last_message().text
    assert "Du leder nå lag 2 på «Dørbank på Lade»" in tom.last_message().text
    assert len(board.messages()) == before  # the creator, who leads team 3, is not told what they just did


async def test_a_team_leader_is_not_nudged_to_join_the_round_they_lead(db, app, make_user, clock):
    from datetime import timedelta

    from models import rounds as rd
    from tests.test_nudges import MONDAY, member, nudge_texts, run_hooks

    leader = await member(db, make_user, interests=("doorknock",), roles=("leader",))
    other = await member(db, make_user, interests=("doorknock",), phone="+4747000001")
    async with db.session() as session:
        leader_id = (await member_by_telegram(session, leader.user_id)).id
        await rd.create_round(session, title="Dørbank Moholt", district="lerkendal", starts_at=MONDAY + timedelta(days=5),
                              ends_at=MONDAY + timedelta(days=5, hours=3), meeting_point="Moholt torg", capacity=6,
                              now=clock(), teams=[(None, 3), (leader_id, 3)])
    await run_hooks(app, clock, MONDAY)
    assert len(await nudge_texts(other)) == 1
    assert await nudge_texts(leader) == []
