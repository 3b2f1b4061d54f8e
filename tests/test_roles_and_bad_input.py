"""Roles are enforced; bad input gets a clear answer in the user's language and changes nothing."""

from __future__ import annotations

from handlers.admin import VerifySupporter
from handlers.onboarding import Consent
from models import Member, PersistedData
from models.membership import grant_role
from tests.conftest import ADMIN_ID
from tests.helpers import count, onboard, stored


async def make_board(db, user) -> None:
    async with db.session() as session:
        from models.membership import member_by_telegram

        member = await member_by_telegram(session, user.user_id)
        await grant_role(session, member, "board")


async def test_member_without_board_role_is_refused(db, make_user):
    supporter = make_user()
    await onboard(supporter, phone=None)
    member = make_user(language_code="nn")
    await onboard(member, lang="nn", phone="+4798765432")
    refused = await member.send("/supportere")
    assert refused.text.startswith("Berre medlemer med rolla «styret» kan gjere det.")
    forged = await member.press_data(VerifySupporter((await stored(db, supporter.user_id)).id).pack())
    assert forged.alerts and forged.alerts[0].startswith("Berre medlemer med rolla «styret»")
    assert not (await stored(db, supporter.user_id)).verified


async def test_board_lists_and_verifies_supporters(db, app, make_user):
    supporter = make_user(first_name="Per", last_name="Sjøberg")
    await onboard(supporter, phone="+4740000001")
    board = make_user(first_name="Siri", last_name="Styre")
    await onboard(board, phone="+4740000002")
    await make_board(db, board)
    listing = await board.send("/supportere")
    assert "Per Sjøberg — +47 400 00 001" in listing.text
    verified = await board.press("Bekreft Per Sjøberg")
    assert verified.method("answerCallbackQuery")[0].params["text"] == "Per Sjøberg er bekreftet."
    assert "Per Sjøberg" not in user_text(board)
    assert (await stored(db, supporter.user_id)).verified
    again = await board.press_data(VerifySupporter((await stored(db, supporter.user_id)).id).pack())
    assert again.alerts == ["Den støttespilleren er allerede bekreftet eller finnes ikke lenger."]
    from tests.helpers import tick

    await tick(app)
    told = [m.text for m in supporter.messages() if m.text.startswith("Gode nyheter: styret har bekreftet")]
    assert len(told) == 1


async def test_configured_admin_may_act_as_board(db, make_user):
    admin = make_user(user_id=ADMIN_ID, language_code="en", first_name="Ada")
    await onboard(admin, lang="en", phone="+4740000003")  # not in the register: vouched for, not on the list
    supporter = make_user(language_code="en")
    await onboard(supporter, lang="en", phone="+4740000004")
    listing = await admin.send("/supporters")
    assert listing.text.startswith("Supporters waiting to be verified (1):") and "Ada" not in listing.text, listing.text
    await admin.press("Verify Kari Nordmann")
    assert admin.last_message().text == "No supporters are waiting to be verified."


async def test_unknown_command(db, make_user):
    user = make_user(language_code="en")
    exchange = await user.send("/frobnicate")
    assert exchange.text == "I don't know that command. Send /help to see what I can do."


async def test_group_chat_is_pointed_to_private_and_nothing_stored(db, app, make_user):
    user = make_user(chat_id=-100123, chat_type="supergroup")
    for command in ("/start", "/innstillinger", "/mine_data"):
        exchange = await user.send(command)
        assert exchange.text == "Skriv til meg i en privat chat, så det du forteller meg blir mellom oss."
        assert exchange.calls[0].markup["inline_keyboard"][0][0]["url"] == "https://t.me/lagbot_test_bot"
    chatter = await user.send("hei alle sammen")
    assert chatter.calls == []
    await app.update_persistence()
    assert await count(db, Member) == 0
    assert await count(db, PersistedData) == 0


async def test_overlong_text_is_refused(db, make_user):
    user = make_user()
    await onboard(user)
    exchange = await user.send("x" * 5000)
    assert exchange.text == "Meldingen er for lang. Hold den under 4096 tegn."


async def test_unexpected_text_gets_menu(db, make_user):
    stranger = make_user()
    hello = await stranger.send("hei")
    assert hello.text == "Hei! Send /start for å komme i gang med lagbot."
    user = make_user()
    await onboard(user)
    exchange = await user.send("hva skjer?")
    assert "Bruk knappene i menyen under" in exchange.text
    assert "⚙️ Innstillinger" in exchange.buttons


async def test_help_in_each_language(db, make_user):
    for code, expected in (("nb", "medlemsboten til Trondheim SV. Her kan du"), ("nn", "fortelje oss kva du vil bidra med"), ("en", "Trondheim SV's member bot")):
        user = make_user(language_code=code)
        exchange = await user.send("/help")
        assert expected in exchange.text


async def test_stale_button_after_onboarding(db, make_user):
    user = make_user()
    await user.send("/start")
    consent = user.last_message()
    await onboard(user)
    stale = await user.press_data(Consent("yes").pack(), consent)
    assert stale.alerts == ["Denne knappen virker ikke lenger. Send /start for å se menyen."]
    forged = await user.press_data("x" * 64)
    assert forged.alerts


def user_text(user) -> str:
    return user.last_message().text


async def test_a_failing_handler_apologises_in_the_members_language(db, app, api, make_user):
    from tests.helpers import runtime

    user = make_user(language_code="nn")
    api.fail("sendMessage", 400, "Bad Request: message is too long", chat_id=user.chat_id)
    exchange = await user.send("/hjelp")
    assert exchange.texts[-1] == "Orsak, noko gjekk gale hos oss. Prøv igjen om litt."
    errors = runtime(app).errors
    assert len(errors) == 1 and "too long" in str(errors[0]).lower()
    errors.clear()


async def test_long_lists_are_cut_not_refused(db, make_user):
    from models import Member

    async with db.session() as session:
        session.add_all([Member(name=f"Støttespiller nummer {k} med et langt navn", phone=f"+4741{k:06d}", status="supporter",
                                verified=False, language="nb") for k in range(300)])
    board = make_user()
    await onboard(board, phone="+4740000077")
    await make_board(db, board)
    listing = await board.send("/supportere")
    [call] = listing.method("sendMessage")
    assert len(call.text) <= 4096 and call.text.endswith("…")
    assert len(call.markup["inline_keyboard"]) <= 45
