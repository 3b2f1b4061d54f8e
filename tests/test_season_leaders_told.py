"""Board moves / cancels a round; is its dørbankgeneral (who is not a signed-up participant) told?"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import round_messages
from models import Member
from models import rounds as rd
from models.membership import grant_role, member_by_telegram
from tests.helpers import onboard, tick

START = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)


async def _setup(db, make_user, clock):
    board = make_user(first_name="Styre")
    await onboard(board, phone="+4791100001")
    leader = make_user(first_name="General")
    await onboard(leader, phone="+4791100002")
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
        lm = await member_by_telegram(session, leader.user_id)
        await grant_role(session, lm, "leader")
        r = await rd.create_round(session, title="Dørbank Lade", district="ostbyen", starts_at=START, ends_at=START + timedelta(hours=3),
                                  meeting_point="Lade kirke", capacity=10, now=clock(), teams=[(lm.id, 10)])
        await round_messages.schedule_report_nudge(session, r, lm)
    return board, leader


async def test_leader_is_told_when_the_board_moves_the_round(db, app, make_user, clock):
    board, leader = await _setup(db, make_user, clock)
    before = len(leader.messages())
    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    await board.press("Flytt")
    await board.send("06.12 12:00")
    told = await board.send("15:00")
    await tick(app)
    new = [m.text for m in leader.messages()[before:]]
    assert any("Dørbank Lade" in t for t in new), (told.text, new)


async def test_leader_is_told_when_the_board_cancels_the_round(db, app, make_user, clock):
    board, leader = await _setup(db, make_user, clock)
    before = len(leader.messages())
    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    await board.press("Avlys runden")
    told = await board.press("Ja, avlys runden")
    await tick(app)
    new = [m.text for m in leader.messages()[before:]]
    assert any("Dørbank Lade" in t for t in new), (told.text, new)
