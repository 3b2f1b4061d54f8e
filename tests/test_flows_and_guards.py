"""Flows cannot capture each other, roles are re-read at every step, a forgotten flow times out; and
what no feature expects (edits, empty or forged buttons, people who never started) gets a clear
answer, never an exception (the `app` fixture fails a test on any handler exception)."""

from __future__ import annotations

import time

import pytest

from bot.app import build_application
from bot.member_buttons import CallStep, NudgeControl, SettingsPage, WelcomeStep
from handlers.broadcast import SendNow
from handlers.common import features
from handlers.phonebank import CallOutcome
from models import Broadcast, Campaign, OutboxMessage
from models.membership import member_by_telegram, revoke_role
from tests.harness.user import _message_ids, _update_ids
from tests.helpers import count, onboard
from tests.test_broadcast import board_member

START_FIRST = "Du må starte lagbot først: send /start."
STALE = "Denne knappen virker ikke lenger. Send /start for å se menyen."


async def at_preview(board) -> None:
    await board.send("/utsending")
    await board.send("Husk medlemsmøtet torsdag!")
    await board.press("Forhåndsvis ▸")


async def test_a_board_member_whose_role_is_revoked_mid_broadcast_cannot_send(db, make_user):
    board = await board_member(db, make_user)
    await at_preview(board)
    async with db.session() as session:  # as `python -m bot role revoke` does, from another process
        await revoke_role(session, await member_by_telegram(session, board.user_id), "board")
    refused = await board.press("Send nå")
    assert refused.text.startswith("Du har ikke lenger rollen som trengs for «ny utsending»")
    assert await count(db, Broadcast) == 0 and await count(db, OutboxMessage) == 0
    again = await board.press("Send nå")  # the flow is over: the old button is stale now
    assert again.alerts == [STALE]
    assert await count(db, Broadcast) == 0


async def test_starting_another_flow_ends_the_first_and_text_goes_to_the_new_one(db, make_user):
    board = await board_member(db, make_user)
    await at_preview(board)
    switched = await board.send("/nyringerunde")
    assert switched.texts == ["Jeg avsluttet «ny utsending», som du ikke var ferdig med.",
                              "Ny ringerunde. Hva heter den? (/avbryt for å avbryte)"]
    named = await board.send("Ring for valget")
    assert named.text == "Hva er formålet, i én setning? (vises for styret)"
    stale = await board.press("Send nå")
    assert stale.alerts == [STALE]
    assert await count(db, Broadcast) == 0 and await count(db, Campaign) == 0


async def test_a_flow_left_for_half_an_hour_is_closed_at_the_next_message(db, make_user, clock):
    board = await board_member(db, make_user)
    await at_preview(board)
    clock.advance(minutes=31)
    closed = await board.send("alle sammen")
    assert closed.text.startswith("Jeg avsluttet «ny utsending» etter 30 minutter uten svar")
    assert await count(db, Broadcast) == 0
    assert (await board.press("Send nå")).alerts == [STALE]
    assert await count(db, Broadcast) == 0 and await count(db, OutboxMessage) == 0


async def test_a_flow_is_not_closed_within_half_an_hour(db, make_user, clock):
    board = await board_member(db, make_user)
    await at_preview(board)
    clock.advance(minutes=29)
    sent = await board.press("Send nå")
    assert "Utsending #1" in sent.text
    assert await count(db, Broadcast) == 1


async def test_a_step_button_of_an_earlier_draft_is_stale(db, make_user):
    board = await board_member(db, make_user)
    await at_preview(board)
    old_send = board.find_button("Send nå")
    await board.send("/avbryt")
    await at_preview(board)
    pressed = await board.press_data(old_send[1], old_send[0])
    assert pressed.alerts == [STALE]
    assert await count(db, Broadcast) == 0
    assert SendNow.parse(board.find_button("Send nå")[1]).draft_id == SendNow.parse(old_send[1]).draft_id + 1


async def edit(user, text: str):
    message = {"message_id": next(_message_ids), "date": int(time.time()), "edit_date": int(time.time()),
               "chat": user.chat_dict, "from": user.user_dict, "text": text}
    return await user._process({"update_id": next(_update_ids), "edited_message": message})


async def test_an_edited_message_is_answered_not_read(db, make_user):
    board = await board_member(db, make_user)
    await board.send("/utsending")
    edited = await edit(board, "Ny tekst")
    assert edited.text == "Jeg leser ikke redigerte meldinger. Mente du noe annet, send det på nytt som en ny melding."
    stranger = make_user(language_code="en")
    answered = await edit(stranger, "hello")
    assert answered.text.startswith("I don't read edited messages.")
    assert await count(db, Broadcast) == 0


@pytest.mark.parametrize("data", [
    "", "zz:1", "x" * 64,
    "pb:next:0", f"pb:next:{2**63}", "pb:next:abc", "pb:next", "pb:next:1:2", "pb:jump:1",
    "wl:take:-1", "wl.o:1:zz", "pb.o:1:su:extra", "ng:snooze:no_such_rule", "set:nowhere",
    "set.lang:de", "ob.district:oslo", "bc.tog:1:d:oslo", "pbb:explode:1", "adm.verify:0",
])
async def test_empty_unknown_and_forged_buttons_are_stale(db, make_user, data):
    user = make_user()
    await onboard(user)
    pressed = await user.press_data(data)
    assert pressed.alerts == [STALE]


async def test_a_button_without_data_is_stale(db, make_user):
    user = make_user()
    await onboard(user)
    message = user.last_message()
    query = {"id": str(next(_update_ids)), "from": user.user_dict, "chat_instance": "ci", "game_short_name": "x",
             "message": {"message_id": message.message_id, "date": int(time.time()), "chat": user.chat_dict, "text": "-"}}
    pressed = await user._process({"update_id": next(_update_ids), "callback_query": query})
    assert pressed.alerts == [STALE]


@pytest.mark.parametrize("data", [
    CallStep("next", 1).pack(), CallStep("stop", 1).pack(), CallOutcome(1, "su").pack(), WelcomeStep("take", 1).pack(),
    NudgeControl("snooze", "social").pack(), SettingsPage("int").pack(), "set.lang:en", "bc.send:1", "pbb:pause:1",
    "adm.verify:1", "zz", "",
])
async def test_someone_who_never_started_is_told_to_start(db, make_user, data):
    """A press on a message we cannot show (say, one forwarded to them) from someone with no member row."""
    stranger = make_user()
    query = {"id": str(next(_update_ids)), "from": stranger.user_dict, "chat_instance": "ci", "data": data,
             "message": {"message_id": 1, "date": int(time.time()), "chat": stranger.chat_dict, "text": "-"}}
    pressed = await stranger._process({"update_id": next(_update_ids), "callback_query": query})
    assert pressed.alerts == [START_FIRST]


async def test_someone_who_never_started_gets_an_answer_to_anything_they_send(db, make_user):
    stranger = make_user(language_code="nn")
    assert (await stranger.send("hei")).text == "Hei! Send /start for å kome i gang med lagbot."
    assert (await stranger.send("/utsending")).text == "Du må starte lagbot først: send /start."
    assert (await stranger.send("/ringerunde")).text == "Du må starte lagbot først: send /start."
    assert (await stranger.share_contact("+4790000000")).texts
    assert (await stranger.send_location(63.43, 10.39)).texts


async def test_two_applications_have_their_own_menus_and_flows(db, settings, api, clock, app):
    other = build_application(settings, db, request=api, clock=clock)
    first, second = features(app).menu, features(other).menu
    assert [item.key for item in first] == [item.key for item in second]
    assert len({item.key for item in second}) == len(second)
    assert not set(map(id, first)) & set(map(id, second))
    from handlers.flows import switch_of

    names = [flow.name for flow in switch_of(other).flows]
    assert len(names) == len(set(names)) and names == [flow.name for flow in switch_of(app).flows]


@pytest.mark.parametrize(("legacy", "family"), [
    ("pb:next:7", CallStep), ("pb:stop:7", CallStep), ("wl:take:3", WelcomeStep), ("ng:snooze:social", NudgeControl),
    ("ng:off:doorknock", NudgeControl), ("set:int", SettingsPage),
])
def test_buttons_in_queued_outbox_messages_keep_their_packed_form(legacy, family):
    """bot/call_messages, welcome_messages, nudge_messages and broadcasting build these strings; the
    families that handle them pack to exactly the same text."""
    assert family.parse(legacy).pack() == legacy


async def test_outbox_buttons_still_work_when_pressed(db, make_user):
    user = make_user()
    await onboard(user)
    opened = await user.press_data("set:int")
    assert opened.method("editMessageReplyMarkup")
    snoozed = await user.press_data("ng:snooze:social")
    assert snoozed.text.startswith("Greit — ingen flere forslag om")


async def test_erasing_ones_data_ends_the_flow_one_was_in(db, make_user):
    board = await board_member(db, make_user)
    await board.send("/utsending")
    await board.send("/slett_meg")
    await board.press("Ja, slett dataene mine")
    after = await board.send("Husk medlemsmøtet!")
    assert after.text == "Hei! Send /start for å komme i gang med lagbot."
    assert await count(db, Broadcast) == 0


async def test_a_command_another_feature_answers_closes_the_open_form(db, app, make_user, clock):
    """/arrangementer in the middle of /nyrunde was answered and the form kept waiting: the next
    "hei" became the round's name. The form is closed with a notice; the command's answer stands."""
    from models.membership import grant_role, member_by_telegram
    from models.rounds import Round
    from sqlalchemy import func, select

    board = make_user()
    await onboard(board)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    await board.send("/nyrunde")
    answered = await board.send("/arrangementer")
    assert answered.texts[-1] == "Jeg avsluttet «ny dørbankrunde», som du ikke var ferdig med."
    hei = await board.send("hei")
    assert "Navn" not in hei.text and "navnet" not in hei.text.lower()
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Round)) == 0
    again = await board.send("/nyrunde")  # the form starts afresh
    assert again.texts
    await board.send("/avbryt")  # a flow's own command is the flow's: no second notice
    assert not any("Jeg avsluttet" in t for t in (await board.send("/hjelp")).texts)
