"""Findings of a season played against the real bot as members, leaders and the board (play-playD)
that were written down and not fixed then: each test plays the finding through the chat and checks
what the person saw and what was stored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.member import Member
from models.membership import member_by_telegram
from tests.helpers import import_members, stored, tick
from tests.test_season_member import START, person

REGISTER = ("navn;telefon;bydel;innmeldt;medlemsnummer\n"
            "Kari Nordmann;912 34 567;Heimdal;01.01.2020;1001\n"
            "Jon Vik;934 56 789;Lerkendal;01.01.2020;1002\n"
            "Lucy Lee;900 11 222;;01.01.2020;1003\n")


def labels(message) -> list[str]:
    return [label for label, _data in message.inline_buttons]


# Kari shared her number, was greeted by name from the register (which has her in Heimdal), and
# was then asked "Hvilken bydel bor du i?" all the same.
async def test_onboarding_takes_the_district_from_the_register_and_does_not_ask(db, app, make_user):
    await import_members(db, REGISTER)
    kari = make_user(first_name="Kari", language_code="nb")
    await kari.send("/start")
    await kari.press("Ja, jeg godtar")
    shared = await kari.share_contact("+4791234567")
    assert "Takk, Kari Nordmann!" in shared.texts[0], shared.texts
    assert "Bydel: Heimdal (fra medlemsregisteret; du kan endre den i /innstillinger)" in shared.texts, shared.texts
    assert not any("Hvilken bydel" in text for text in shared.texts), shared.texts
    assert "Hva har du lyst til å bidra med?" in shared.texts[-1] and "Midtbyen" not in shared.buttons, shared.buttons
    await kari.press("Ferdig", exact=True)
    stored_kari = await stored(db, kari.user_id)
    assert (stored_kari.district, stored_kari.is_onboarded) == ("heimdal", True)
    jon = make_user(first_name="Jon", language_code="nn")          # the same in Nynorsk
    await jon.send("/start")
    await jon.press("Ja, eg godtek")
    shared = await jon.share_contact("+4793456789")
    assert "Bydel: Lerkendal (frå medlemsregisteret; du kan endre han i /innstillinger)" in shared.texts, shared.texts
    lucy = make_user(first_name="Lucy", language_code="en")        # the register has no district for her: asked
    await lucy.send("/start")
    await lucy.press("Yes, I agree")
    shared = await lucy.share_contact("+4790011222")
    assert shared.texts[-1] == "Which district do you live in?", shared.texts
    await lucy.press("Østbyen")
    assert (await stored(db, lucy.user_id)).district == "ostbyen"
