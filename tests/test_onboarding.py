"""A person goes from /start to the main menu, in nb, nn and en, by invite or by phone."""

from __future__ import annotations

import pytest

from handlers.onboarding import Consent
from models import ConsentRefusal, Member, PersistedData
from models.member import STATUS_MEMBER, STATUS_SUPPORTER
from tests.helpers import LABELS, count, import_members, onboard, stored

REGISTER = "navn;telefon;bydel;medlemsnummer\nKari Nordmann;912 34 567;Midtbyen;1001\nOla Hansen;+47 934 56 789;Heimdal;1002\n"


@pytest.mark.parametrize(
    ("language_code", "lang", "consent_start", "menu_label"),
    [
        ("nb", "nb", "Velkommen til lagbot", "⚙️ Innstillinger"),
        ("no", "nb", "Velkommen til lagbot", "⚙️ Innstillinger"),
        ("nb-NO", "nb", "Velkommen til lagbot", "⚙️ Innstillinger"),
        ("nn", "nn", "Velkomen til lagbot", "⚙️ Innstillingar"),
        ("de", "en", "Welcome to lagbot", "⚙️ Settings"),
        (None, "nb", "Velkommen til lagbot", "⚙️ Innstillinger"),
    ],
)
async def test_member_links_by_phone_and_reaches_menu(db, make_user, language_code, lang, consent_start, menu_label):
    await import_members(db, REGISTER)
    user = make_user(language_code=language_code)

    consent = await user.send("/start")
    assert consent.text.startswith(consent_start)
    assert LABELS[lang]["agree"] in consent.buttons

    asked = await user.press(LABELS[lang]["agree"])
    assert LABELS[lang]["share"] in asked.buttons
    share_button = asked.calls[-1].markup["keyboard"][0][0]
    assert share_button["request_contact"] is True

    found = await user.share_contact("4791234567")  # Telegram may drop the '+'
    assert "Kari Nordmann" in found.text
    assert "Midtbyen" in found.texts[1] and "Lerkendal" not in found.buttons  # the register's district: not asked
    toggled = await user.press({"nb": "Dørbanking", "nn": "Dørbanking", "en": "Door-knocking"}[lang])
    assert toggled.method("editMessageReplyMarkup")
    assert any(label.startswith("✅") for label in user.last_message().inline_buttons[0][0:1])
    done = await user.press(LABELS[lang]["done"], exact=True)
    assert menu_label in user.reply_keyboard()
    assert done.texts

    member = await stored(db, user.user_id)
    assert member is not None
    assert member.name == "Kari Nordmann" and member.phone == "+4791234567"
    assert member.status == STATUS_MEMBER and member.verified
    assert member.district == "midtbyen"
    assert member.interest_names == {"doorknock"}
    assert member.language == lang
    assert member.consent_at is not None and member.onboarded_at is not None


async def test_invite_link_greets_by_name_only_after_the_number_is_shared(db, make_user):
    await import_members(db, REGISTER)
    async with db.session() as session:
        from sqlalchemy import select

        ola = await session.scalar(select(Member).where(Member.member_number == "1002"))
    user = make_user(language_code="nn")
    opened = await user.send(f"/start inv_{ola.invite_token}")
    asked = await user.press("Ja, eg godtek")
    assert "Ola" not in opened.text + asked.text  # a forwarded link must not say whose it is
    linked = await user.share_contact("+4793456789")
    assert "Takk, Ola Hansen!" in linked.text
    assert "Bydel: Heimdal (frå medlemsregisteret" in linked.text and "Kva bydel bur du i?" not in linked.text
    await user.press("Ferdig", exact=True)
    member = await stored(db, user.user_id)
    assert member is not None and member.member_number == "1002" and member.district == "heimdal"


async def test_used_invite_cannot_be_taken_over(db, make_user):
    await import_members(db, REGISTER)
    async with db.session() as session:
        from sqlalchemy import select

        kari = await session.scalar(select(Member).where(Member.member_number == "1001"))
    owner = make_user()
    await user_start_with(owner, kari.invite_token)
    other = make_user()
    exchange = await other.send(f"/start inv_{kari.invite_token}")
    assert "allerede brukt av en annen Telegram-konto" in exchange.text
    member = await stored(db, owner.user_id)
    assert member is not None and member.member_number == "1001"
    assert await stored(db, other.user_id) is None


async def user_start_with(user, token):
    await user.send(f"/start inv_{token}")
    await user.press("Ja, jeg godtar")
    await user.share_contact("+4791234567")  # the register has her district: not asked
    await user.press("Ferdig", exact=True)


async def test_declining_stores_only_the_refusal(db, app, make_user):
    user = make_user()
    await user.send("/start")
    declined = await user.press("Nei takk")
    assert "sender du bare /start" in declined.text
    await app.update_persistence()
    assert await count(db, Member) == 0
    assert await count(db, ConsentRefusal) == 1
    assert await count(db, PersistedData) == 0
    again = await user.send("/start")
    assert again.text.startswith("Velkommen til lagbot")


async def test_someone_elses_contact_is_refused(db, make_user):
    await import_members(db, REGISTER)
    user = make_user()
    await user.send("/start")
    await user.press("Ja, jeg godtar")
    refused = await user.share_contact("+4791234567", user_id=5_424_242_424)
    assert "kontakten til noen andre" in refused.text
    no_id = await user.share_contact("+4791234567", user_id=None)
    assert "kontakten til noen andre" in no_id.text
    assert await stored(db, user.user_id) is None
    async with db.session() as session:
        from sqlalchemy import select

        kari = await session.scalar(select(Member).where(Member.member_number == "1001"))
    assert kari.telegram_id is None


async def test_unknown_number_becomes_unverified_supporter(db, make_user):
    user = make_user()
    await onboard(user, phone="+47 400 00 000")
    member = await stored(db, user.user_id)
    assert member is not None and member.status == STATUS_SUPPORTER and not member.verified
    assert member.name == "Kari Nordmann"


async def test_without_number_is_supporter(db, make_user):
    user = make_user(language_code="en")
    await onboard(user, phone=None, lang="en")
    member = await stored(db, user.user_id)
    assert member is not None and member.status == STATUS_SUPPORTER and member.phone is None
    assert "⚙️ Settings" in user.reply_keyboard()


async def test_number_linked_to_another_account_is_refused(db, make_user):
    first = make_user()
    await onboard(first, phone="+4791234567")
    second = make_user()
    await second.send("/start")
    await second.press("Ja, jeg godtar")
    refused = await second.share_contact("+4791234567")
    assert "allerede koblet til en annen Telegram-konto" in refused.text
    assert await stored(db, second.user_id) is None


async def test_returning_member_gets_menu_not_onboarding(db, make_user):
    user = make_user()
    await onboard(user)
    again = await user.send("/start")
    assert again.text.startswith("Velkommen tilbake, Kari Nordmann!")
    assert "⚙️ Innstillinger" in again.buttons


async def test_language_can_be_switched_at_consent(db, make_user):
    user = make_user(language_code="nb")
    await user.send("/start")
    switched = await user.press("English")
    assert switched.method("editMessageText")[0].text.startswith("Welcome to lagbot")
    asked = await user.press("Yes, I agree")
    assert "📱 Share my number" in asked.buttons


async def test_text_where_buttons_expected_changes_nothing(db, make_user):
    user = make_user()
    await user.send("/start")
    exchange = await user.send("ja")
    assert exchange.text == "Svar med knappene over."
    await user.press("Ja, jeg godtar")
    exchange = await user.send("hei")
    assert "Trykk på «Del nummeret mitt»" in exchange.text
    assert await stored(db, user.user_id) is None


async def test_stale_and_forged_buttons(db, make_user):
    user = make_user()
    await user.send("/start")
    consent_message = user.last_message()
    await user.press("Ja, jeg godtar")
    await user.share_contact("+4791234567")
    forged = await user.press_data("ob.district:oslo")  # a known family, but no such district
    assert forged.alerts == ["Denne knappen virker ikke lenger. Send /start for å se menyen."]
    stale = await user.press_data(Consent("no").pack(), consent_message)
    assert stale.alerts
    member = await stored(db, user.user_id)
    assert member is not None and member.district is None
    await user.press("Midtbyen")
    member = await stored(db, user.user_id)
    assert member.district == "midtbyen"
