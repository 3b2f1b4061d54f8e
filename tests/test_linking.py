"""An invite link shows nothing of the member and links only with a proven number or the board's
confirmation; a proven number wins over a link someone else used; "without number" is undone later."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.member_buttons import DecideLink
from models import LinkRequest, Member
from models.member import STATUS_MEMBER, STATUS_SUPPORTER
from models.membership import grant_role, member_by_telegram, revoke_role
from tests.helpers import LABELS, count, import_members, onboard, stored, tick

REGISTER = "navn;telefon;bydel;medlemsnummer\nKari Nordmann;912 34 567;Midtbyen;1001\nOla Hansen;+47 934 56 789;Heimdal;1002\n"
SKIP = {"nb": "Fortsett uten nummer", "nn": "Hald fram utan nummer", "en": "Continue without number"}


async def member_number(db, number: str) -> Member:
    async with db.session() as session:
        return await session.scalar(select(Member).where(Member.member_number == number))


async def board_member(db, make_user, lang: str = "nb"):
    board = make_user(first_name="Berit", last_name="Styre", language_code=lang)
    await onboard(board, phone="+4745200000", lang=lang)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, board.user_id), "board")
    return board


def everything_seen(user) -> str:
    return "\n".join(m.text or "" for m in user.messages())


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
async def test_invite_link_shows_nothing_and_links_on_the_registers_number(db, make_user, lang):
    await import_members(db, REGISTER)
    ola = await member_number(db, "1002")
    user = make_user(first_name="Ola", last_name="H", language_code=lang)
    await user.send(f"/start inv_{ola.invite_token}")
    asked = await user.press(LABELS[lang]["agree"])
    assert LABELS[lang]["share"] in asked.buttons and SKIP[lang] in asked.buttons
    assert "Ola Hansen" not in everything_seen(user) and "1002" not in everything_seen(user)
    assert (await member_number(db, "1002")).telegram_id is None  # opening the link linked nobody
    found = await user.share_contact("4793456789")  # without '+', as Telegram may send it
    assert {"nb": "Takk, Ola Hansen!", "nn": "Takk, Ola Hansen!", "en": "Thanks, Ola Hansen!"}[lang] in found.text
    assert "Heimdal" in found.text and "Heimdal" not in found.buttons  # the register's district: not asked
    await user.press(LABELS[lang]["done"], exact=True)
    member = await stored(db, user.user_id)
    assert member.member_number == "1002" and member.linked_by == "phone" and member.language == lang


async def test_forwarded_invite_with_another_number_asks_the_board_who_refuses(db, app, make_user):
    await import_members(db, REGISTER)
    board = await board_member(db, make_user)
    kari = await member_number(db, "1001")
    stranger = make_user(first_name="Snik", last_name="Snoker", language_code="nn")
    await stranger.send(f"/start inv_{kari.invite_token}")
    await stranger.press("Ja, eg godtek")
    told = await stranger.share_contact("+47 411 11 111")
    assert "Vi har bede styret sjekke at medlemskapet er ditt" in told.text
    await stranger.press("Midtbyen")
    await stranger.press("Ferdig", exact=True)
    assert "Kari" not in everything_seen(stranger) and "1001" not in everything_seen(stranger)
    exported = await stranger.send("/mine_data")
    assert exported.method("sendDocument")
    assert (await member_number(db, "1001")).telegram_id is None

    await tick(app)
    asked = board.last_message()
    assert "Skal Telegram-kontoen «Snik Snoker» kobles til Kari Nordmann (1001)?" in asked.text
    refused = await board.press("✖️ Avvis")
    assert "✖️ Avvist: «Snik Snoker» er ikke koblet til Kari Nordmann (1001)." in refused.text
    await tick(app)
    assert stranger.last_message().text.startswith("Styret kunne ikkje stadfeste at invitasjonslenkja var di")
    member = await stored(db, stranger.user_id)
    assert member.status == STATUS_SUPPORTER and member.member_number is None
    assert (await member_number(db, "1001")).telegram_id is None
    again = await board.press_data(DecideLink("yes", (await only_request(db)).id).pack(), asked)
    assert again.alerts == ["Dette er allerede avgjort. Ingenting ble endret."]
    assert (await member_number(db, "1001")).telegram_id is None


async def only_request(db) -> LinkRequest:
    async with db.session() as session:
        return (await session.scalars(select(LinkRequest))).one()


async def test_without_number_the_board_confirms_and_the_person_is_told_in_their_language(db, app, make_user):
    await import_members(db, REGISTER)
    board = await board_member(db, make_user)
    ola = await member_number(db, "1002")
    user = make_user(first_name="Ola", last_name="Hansen", language_code="en")
    await user.send(f"/start inv_{ola.invite_token}")
    await user.press("Yes, I agree")
    told = await user.send("Continue without number")
    assert "We have asked the board to check that the membership is yours" in told.text
    await user.press("Heimdal")
    await user.press("Door-knocking")
    await user.press("Done", exact=True)
    await tick(app)
    confirmed = await board.press("✅ Koble")
    assert "✅ Koblet: «Ola Hansen» er nå Ola Hansen (1002)." in confirmed.text
    await tick(app)
    assert user.last_message().text == ("The board has confirmed it: you are now linked to your membership in "
                                        "Trondheim SV, Ola Hansen.")
    member = await stored(db, user.user_id)
    assert member.member_number == "1002" and member.status == STATUS_MEMBER and member.linked_by == "board"
    assert member.interest_names == {"doorknock"} and member.language == "en"
    async with db.session() as session:  # the supporter row was folded into the member
        assert await session.scalar(select(Member).where(Member.name == "Ola Hansen", Member.status == STATUS_SUPPORTER)) is None
    again = await user.send("/start")
    assert again.text.startswith("Welcome back, Ola Hansen!")


async def test_the_board_role_is_read_again_and_forged_presses_change_nothing(db, app, make_user):
    await import_members(db, REGISTER)
    board = await board_member(db, make_user)
    kari = await member_number(db, "1001")
    user = make_user(first_name="Kari", last_name="N")
    await user.send(f"/start inv_{kari.invite_token}")
    await user.press("Ja, jeg godtar")
    await user.send("Fortsett uten nummer")
    await tick(app)
    request = await only_request(db)
    member_press = await user.press_data(DecideLink("yes", request.id).pack())
    assert member_press.alerts  # not onboarded, not board: refused
    async with db.session() as session:
        await revoke_role(session, await member_by_telegram(session, board.user_id), "board")
    revoked = await board.press("✅ Koble")
    assert revoked.alerts
    forged = await board.press_data("lnk:yes:999999")
    assert forged.alerts
    assert (await member_number(db, "1001")).telegram_id is None
    assert (await only_request(db)).status == "pending"


async def test_a_proven_number_wins_over_a_link_the_board_confirmed(db, app, make_user):
    await import_members(db, REGISTER)
    board = await board_member(db, make_user)
    kari = await member_number(db, "1001")
    taker = make_user(first_name="Falsk", last_name="Kari")
    await taker.send(f"/start inv_{kari.invite_token}")
    await taker.press("Ja, jeg godtar")
    await taker.send("Fortsett uten nummer")
    await taker.press("Midtbyen")
    await taker.press("Ferdig", exact=True)
    await tick(app)
    await board.press("✅ Koble")  # a mistake: the board believed the link
    assert (await stored(db, taker.user_id)).member_number == "1001"

    real = make_user(first_name="Kari", last_name="Nordmann")
    await real.send("/start")
    await real.press("Ja, jeg godtar")
    found = await real.share_contact("+4791234567")
    assert "Takk, Kari Nordmann!" in found.text
    member = await stored(db, real.user_id)
    assert member.member_number == "1001" and member.linked_by == "phone"
    displaced = await stored(db, taker.user_id)
    assert displaced.status == STATUS_SUPPORTER and displaced.member_number is None and not displaced.verified
    await tick(app)
    assert taker.last_message().text.startswith("Telegram-kontoen din er ikke lenger koblet til et medlemskap")
    assert "Kari Nordmann (1001) bekreftet telefonnummeret sitt med en ny Telegram-konto" in board.last_message().text
    assert "(Falsk Kari)" in board.last_message().text
    # The one who proved the number keeps it: the other account cannot take it back the same way.
    retry = await taker.share_contact("+4791234567", user_id=real.user_id)
    assert (await stored(db, real.user_id)).member_number == "1001"
    assert retry.texts


async def test_without_number_is_undone_from_settings(db, app, make_user):
    await import_members(db, REGISTER)
    await board_member(db, make_user)
    kari = await member_number(db, "1001")
    user = make_user(first_name="Kari", last_name="N", language_code="nn")
    await user.send(f"/start inv_{kari.invite_token}")
    await user.press("Ja, eg godtek")
    await user.send("Hald fram utan nummer")
    await user.press("Midtbyen")
    await user.press("Ferdig", exact=True)
    settings = await user.send("/innstillingar")
    assert "📱 Del nummeret mitt" in settings.buttons
    offered = await user.press("📱 Del nummeret mitt")
    assert offered.calls[-1].markup["keyboard"][0][0]["request_contact"] is True
    found = await user.share_contact("+47 912 34 567")
    assert "Takk, Kari Nordmann!" in found.text
    member = await stored(db, user.user_id)
    assert member.member_number == "1001" and member.status == STATUS_MEMBER and member.district == "midtbyen"
    assert (await only_request(db)).status == "settled"
    assert await count(db, Member) == 3  # Kari, Ola and the board member: the supporter row is gone
    await tick(app)  # the board's question is no longer sent: nothing is waiting for it
    settings = await user.send("/innstillingar")
    assert "📱 Del nummeret mitt" not in settings.buttons


async def test_confirming_after_the_member_proved_the_number_elsewhere_changes_nothing(db, app, make_user):
    await import_members(db, REGISTER)
    board = await board_member(db, make_user)
    kari = await member_number(db, "1001")
    stranger = make_user(first_name="Snik", last_name="Snoker")
    await stranger.send(f"/start inv_{kari.invite_token}")
    await stranger.press("Ja, jeg godtar")
    await stranger.send("Fortsett uten nummer")
    await tick(app)
    assert "«Snik Snoker»" in board.last_message().text
    real = make_user(first_name="Kari", last_name="Nordmann")
    await onboard(real, phone="+4791234567")
    late = await board.press("✅ Koble")
    assert "Ikke koblet: «Snik Snoker» eller Kari Nordmann (1001) er blitt koblet i mellomtiden." in late.text
    assert (await stored(db, real.user_id)).member_number == "1001"
    assert (await stored(db, stranger.user_id)).status == STATUS_SUPPORTER
    assert (await only_request(db)).status == "refused"
    await tick(app)
    assert stranger.last_message().text.startswith("Styret kunne ikke bekrefte at invitasjonslenken var din")
