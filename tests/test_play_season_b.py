"""Findings from playing a season as the board, callers and welcomers (play-playB)."""

from __future__ import annotations

from tests.helpers import onboard, tick
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
