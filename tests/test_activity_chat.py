"""Rounds and events in the chat after issue 11: flows that cannot capture each other, time out and
re-check the role; typed buttons that refuse forged data; dates refused with the reason; one
manage flow for both kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.activity_buttons import ActivityAction, JoinRound, Rsvp, read
from bot.callbacks import BadCallback
from models import Event, Round, Signup
from models import events as ev
from models.membership import grant_role, member_by_telegram, revoke_role
from tests.helpers import count
from tests.test_doorknock import START, make_round, people

STALE = "Denne knappen virker ikke lenger. Send /start for å se menyen."


async def with_role(db, user, role: str) -> None:
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, user.user_id), role)


async def without_role(db, user, role: str) -> None:
    async with db.session() as session:
        await revoke_role(session, await member_by_telegram(session, user.user_id), role)


async def test_starting_the_event_flow_ends_the_round_flow_and_takes_the_text(db, app, make_user, clock):
    [board] = await people(make_user, 1)
    await with_role(db, board, "board")
    await board.send("/nyrunde")
    assert (await board.send("Dørbank på Moholt")).text == "Hvilken bydel?"
    switched = await board.send("/nyttarrangement")
    assert "Jeg avsluttet «ny dørbankrunde», som du ikke var ferdig med." in switched.text
    await board.press("Sosialt")
    titled = await board.send("Quiz på Moholt")  # typed text goes to the event flow, not the round's
    assert titled.text == "En kort beskrivelse? Skriv den, eller hopp over."
    stale_district = await board.press("Heimdal")  # the round flow's old button: that flow is gone
    assert stale_district.alerts == [STALE]
    assert await count(db, Round) == 0


async def test_a_flow_left_thirty_minutes_is_closed_and_stores_nothing(db, app, make_user, clock):
    [board] = await people(make_user, 1)
    await with_role(db, board, "board")
    await board.send("/nyrunde")
    await board.send("Dørbank på Moholt")
    await board.press("Midtbyen")
    clock.advance(minutes=31)
    late = await board.send("12.12 12:00")
    assert late.text.startswith("Jeg avsluttet «ny dørbankrunde» etter 30 minutter uten svar")
    after = await board.send("15:00")  # no flow takes text now
    assert "Når er slutten?" not in after.text
    assert await count(db, Round) == 0


async def test_a_leader_whose_role_is_revoked_cannot_press_create(db, app, make_user, clock):
    [leader] = await people(make_user, 1)
    await with_role(db, leader, "leader")
    await leader.send("/nyrunde")
    await leader.send("Min runde")
    await leader.press("Heimdal")
    await leader.send("12.12 12:00")
    await leader.send("14:00")
    await leader.send("Heimdal stasjon")
    await leader.send("6")
    await leader.press("Jeg gjør det")
    await leader.press("Fortsett")
    await leader.press("Hopp over")
    summary = await leader.press("Hopp over")
    assert "Ny dørbankrunde" in summary.text
    await without_role(db, leader, "leader")
    refused = await leader.press("✅ Opprett")
    assert "Du har ikke lenger rollen som trengs for «ny dørbankrunde»" in refused.text
    assert await count(db, Round) == 0
    again = await leader.press("✅ Opprett")  # the flow is over: the old button is stale
    assert again.alerts == [STALE] and await count(db, Round) == 0


@pytest.mark.parametrize("data", ["rd.join:0", "rd.join:99999999999999999999", "rd.join:abc", "rd.join:", "rd.join:1:2",
                                  "act.do:rd:people:1", "act.do:xx:edit:1", "ev.rsvp:1:perhaps", "rd:join:-1"])
async def test_forged_buttons_get_the_stale_answer_and_change_nothing(db, app, make_user, clock, data):
    [member] = await people(make_user, 1)
    await make_round(db, clock)
    await member.send("/dorbank")
    pressed = await member.press_data(data)
    assert pressed.alerts == [STALE]
    assert await count(db, Signup) == 0


def test_legacy_button_strings_still_parse():
    assert read(JoinRound, "rd:join:7") == JoinRound(round_id=7) == read(JoinRound, JoinRound(round_id=7).pack())
    assert read(Rsvp, "ev:rsvp:3:maybe") == Rsvp(event_id=3, answer="maybe")
    with pytest.raises(BadCallback):
        read(JoinRound, "rd:join:0")
    assert ActivityAction(kind="ev", action="edit", activity_id=2**63 - 1).pack() == f"act.do:ev:edit:{2**63 - 1}"


async def start_round_until_start_time(board) -> None:
    await board.send("/nyrunde")
    await board.send("Dørbank i Midtbyen")
    await board.press("Midtbyen")


@pytest.mark.parametrize(("written", "reason"), [
    ("31.04 12:00", "Datoen 31.04.2027 finnes ikke."),  # the year it names is the one the parser tried
    ("29.02.2027 12:00", "Datoen 29.02.2027 finnes ikke."),
    ("28.03.2027 02:30", "Den natta hopper klokka fra 02:00 til 03:00 (sommertid), så 02:30 finnes ikke."),
])
async def test_impossible_dates_are_refused_with_the_reason(db, app, make_user, clock, written, reason):
    [board] = await people(make_user, 1)
    await with_role(db, board, "board")
    await start_round_until_start_time(board)
    refused = await board.send(written)
    assert refused.text.startswith(reason)
    accepted = await board.send("29.02.2028 12:00")  # a leap day: the flow goes on to the end
    assert accepted.text.startswith("Når er slutten?")
    await board.send("15:00")
    assert (await board.send("Torget")).text == "Hvor mange kan bli med (plasser totalt)?"


async def test_the_same_move_flow_serves_an_event_and_rereads_the_right_to_manage(db, app, make_user, clock):
    board, member = await people(make_user, 2)
    await with_role(db, board, "board")
    async with db.session() as session:
        event = await ev.create_event(session, kind="social", title="Pubkveld", starts_at=START, ends_at=START + timedelta(hours=3),
                                      place="Tapperiet", now=clock())
    await member.press_data(Rsvp(event_id=event.id, answer="yes").pack())
    await board.press_data(ActivityAction(kind="ev", action="move", activity_id=event.id).pack())
    await board.send("06.12 19:00")
    moved = await board.send("21:00")
    assert moved.text.startswith("«Pubkveld» starter nå søndag 6. desember kl. 19:00–21:00; 1 person får beskjed.")
    # A member without the right gets the refusal and nothing moves.
    refused = await member.press_data(ActivityAction(kind="ev", action="move", activity_id=event.id).pack())
    assert refused.alerts == ["Bare styret eller kontaktpersonen for arrangementet kan gjøre det."]
    # The board member starts editing, loses the role, then sends the value: nothing is changed.
    await board.press_data(ActivityAction(kind="ev", action="edit", activity_id=event.id).pack())
    await board.press("Navn", exact=True)
    await without_role(db, board, "board")
    late = await board.send("Ny tittel")
    assert late.text == "Bare styret eller kontaktpersonen for arrangementet kan gjøre det."
    async with db.session() as session:
        stored = await session.scalar(select(Event))
    assert stored.title == "Pubkveld" and stored.starts_at == datetime(2026, 12, 6, 18, 0, tzinfo=UTC)


async def test_seats_and_notices_are_counted_in_words(db, app, make_user, clock):
    [member, other] = await people(make_user, 2, lang="en")
    [norwegian] = await people(make_user, 1, start=2)
    round_id = await make_round(db, clock, capacity=2)
    await other.press_data(JoinRound(round_id=round_id).pack())
    assert "1 seat left" in (await member.send("/doorknock")).text
    assert "1 ledig plass" in (await norwegian.send("/dorbank")).text
    await with_role(db, norwegian, "board")
    await norwegian.send("/nyttarrangement")
    await norwegian.press("Sosialt")
    await norwegian.send("Sommerfest")
    await norwegian.press("Hopp over")
    await norwegian.send("12.12 18:00")
    await norwegian.send("22:00")
    await norwegian.send("Tapperiet")
    await norwegian.press("Ingen grense")
    await norwegian.press("Hopp over")
    await norwegian.press("Meg")
    await norwegian.press("Ferdig")
    await norwegian.press("Nei", exact=True)
    created = await norwegian.press("✅ Opprett")
    assert created.text.startswith("Opprettet: 1 arrangement. Medlemmene finner det under /arrangementer.\n📅 Sommerfest\n🏷 Sosialt\n")
    assert await count(db, Event) == 1
