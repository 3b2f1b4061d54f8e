"""A season in the chat (issue 13, "done when"): 15 door-knocking rounds and a year of 31 events of
every kind; each is reachable by a member (paging) and manageable by the board (paging), the last
round and the last event of the year included."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import events as ev
from models import rounds as rd
from models.constants import EVENT_KINDS
from models.membership import member_by_telegram
from tests.test_season_member import START, grant, make_round, person


async def page_to(user, first, wanted: str):
    """Press "Next ▶" until a message shows `wanted`; returns that exchange."""
    shown = first
    for _page in range(10):
        if any(wanted in text for text in shown.texts):
            return shown
        nxt = next((label for label in shown.buttons if label.startswith("Neste ▶")), None)
        assert nxt is not None, f"{wanted} is out of reach"
        shown = await user.press(nxt)
    raise AssertionError(f"{wanted} not reached in ten pages")


@pytest.mark.slow
async def test_fifteen_rounds_and_a_year_of_events_are_all_in_reach(db, app, make_user, clock):
    member = await person(make_user, 51)
    board = await person(make_user, 52, first="Styre")
    await grant(db, board, "board")
    for k in range(15):  # a spring of rounds, two a week, the last in April
        await make_round(db, clock, title=f"Runde {k + 1:02d}", start=START + timedelta(days=9 * k))
    async with db.session() as session:
        for k in range(31):
            start = START + timedelta(days=11 * k + 1)
            await ev.create_event(session, kind=EVENT_KINDS[k % len(EVENT_KINDS)], title=f"Treff {k + 1:02d}", starts_at=start,
                                  ends_at=start + timedelta(hours=2), place="Folkets hus", now=clock())

    # A member reaches the last round and joins it, and the last event of the year and answers it.
    await page_to(member, await member.send("/dorbank"), "Runde 15")
    joined = await member.press("Runde 15")
    assert "Du er påmeldt «Runde 15»" in joined.text, joined.texts
    await page_to(member, await member.send("/arrangementer"), "Treff 31")
    await member.press("Treff 31")
    answered = await member.press("✅ Ja")
    async with db.session() as session:
        me = await member_by_telegram(session, member.user_id)
        mine = await rd.my_rounds(session, me.id, clock())
        assert [m.round.title for m in mine] == ["Runde 15"]
        treff = await session.scalar(select(ev.Event).where(ev.Event.title == "Treff 31"))
        assert (await ev.rsvp_of(session, treff.id, me.id)).answer == "yes", answered.texts

    # The board reaches round 15 and event 31 in the manage lists and changes each.
    await board.send("/dorbank")
    await page_to(board, await board.press("⚙️ Administrer runder"), "Runde 15")
    async with db.session() as session:
        round_15 = await session.scalar(select(rd.Round).where(rd.Round.title == "Runde 15"))
    await board.press_data(f"act.do:rd:edit:{round_15.id}")
    await board.press("Navn", exact=True)
    assert (await board.send("Runde 15 på Lade")).text == "Lagret."
    await board.send("/arrangementer")
    await page_to(board, await board.press("⚙️ Administrer arrangementer"), "Treff 31")
    await board.press_data(f"act.do:ev:cancel:{treff.id}")
    await board.press("Ja, avlys arrangementet")
    async with db.session() as session:
        assert (await session.get(rd.Round, round_15.id)).title == "Runde 15 på Lade"
        assert (await session.get(ev.Event, treff.id)).status == "cancelled"
