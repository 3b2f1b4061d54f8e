"""Random updates (tests/harness/fuzz.py) through the real Application: nothing raises, the bot
still answers afterwards."""

from __future__ import annotations

import os

import pytest

from bot.runtime import RUNTIME_KEY
from tests.conftest import ADMIN_ID
from tests.harness.fuzz import Fuzzer, build_world, drive

COUNT = int(os.environ.get("LAGBOT_FUZZ_UPDATES", "1500"))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [12])
async def test_random_updates_raise_nothing_and_the_bot_still_answers(app, api, clock, make_user, seed):
    world = await build_world(app, api, clock, ADMIN_ID)
    fuzzer = Fuzzer(seed, world, api)
    result = await drive(app, fuzzer, COUNT, clock)
    runtime = app.bot_data[RUNTIME_KEY]
    assert not result["escaped"], result["escaped"][:5]
    assert not runtime.errors, list(runtime.errors)[:5]  # the app fixture checks this too
    assert runtime.outages == 0
    assert min(result["kinds"].values()) > 0 and len(result["kinds"]) == 12
    newcomer = make_user(language_code="nb")
    answer = await newcomer.send("/start")
    assert "Ja, jeg godtar" in answer.buttons


async def test_the_same_seed_gives_the_same_updates(api):
    from tests.harness.fuzz import World

    world = World(members=[(6_300_000_001, "+4791000001")], strangers=[6_300_000_900], ids=[1, 2, 3])
    first = [Fuzzer(5, world, api).update() for _ in range(1)]
    one, two = Fuzzer(5, world, api), Fuzzer(5, world, api)
    a = [_stable(one.update()) for _ in range(200)]
    b = [_stable(two.update()) for _ in range(200)]
    assert a == b and first


def _stable(update: dict) -> str:
    import json
    import re

    return re.sub(r'"(date|edit_date)": \d+', "", json.dumps(update, sort_keys=True))
