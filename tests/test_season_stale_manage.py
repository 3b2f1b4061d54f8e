"""Old management buttons of a cancelled round answer at once that it is cancelled (found by playing the board)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import rounds as rd
from models.membership import grant_role, member_by_telegram
from tests.helpers import onboard


async def test_buttons_of_a_cancelled_round_say_so_at_once(db, app, make_user, clock):
    board = make_user(first_name="Styre")
    await onboard(board, phone="+4791100001")
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
        start = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
        await rd.create_round(session, title="Dørbank Lade", district="ostbyen", starts_at=start,
                              ends_at=start + timedelta(hours=3), meeting_point="Lade kirke", capacity=10, now=clock(),
                              teams=[(None, 10)])
    await board.send("/dorbank")
    await board.press("⚙️ Administrer runder")
    card = board.last_message()
    await board.press("Avlys runden")
    await board.press("Ja, avlys runden")
    for label in ("QR-kode", "Flytt", "✏️ Endre", "🍻 Koble til en samling etterpå", "Avlys runden"):
        _message, data = board.find_button(label)
        pressed = await board.press_data(data, card)
        assert pressed.alerts == ["Den runden er over eller avlyst."], (label, pressed.text, pressed.alerts)
