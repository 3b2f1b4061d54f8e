"""A season played as members and leaders in Bokmål and Nynorsk against `python -m bot run` (play-playA):
each test is a bug found that way, now fixed."""

from __future__ import annotations

from datetime import timedelta

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
    old_list = await leader.send("/dorbank lag")
    assert "Nils" in old_list.text, old_list.texts
    await nils.press_data(f"rd.leave:{rid}")           # Liv moves up
    clock.set(START - timedelta(minutes=30))
    pressed = await leader.press("Nils Nordmann: her")
    assert not any("gikk galt" in text for text in pressed.texts), pressed.texts
    assert any("ikke lenger" in alert for alert in pressed.alerts), pressed.alerts
    now = leader.last_message().text
    assert "Liv" in now and "Nils" not in now, now
