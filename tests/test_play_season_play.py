"""Findings of a whole season played against `python -m bot run` (tester: play). Each test plays the finding
through the real Application."""

from __future__ import annotations

from tests.helpers import import_members, onboard, stored

REGISTER = "navn;telefon;bydel;innmeldt;medlemsnummer\nIngrid Fjell;914 56 789;Lerkendal;2024-10-01;1003\n"


# A Nynorsk member was told to change things in "/innstillinger" (and to leave "stopp" under it), the Bokmål
# command name, while their menu button, Nynorsk help and Telegram's Nynorsk command list say /innstillingar.
async def test_nynorsk_texts_name_the_nynorsk_commands(db, app, make_user):
    await import_members(db, REGISTER)
    ingrid = make_user(first_name="Ingrid", last_name="Fjell", language_code="nn")
    await ingrid.send("/start")
    await ingrid.press("Ja, eg godtek")
    linked = await ingrid.share_contact("+4791456789")
    assert "Bydel: Lerkendal (frå medlemsregisteret; du kan endre han i /innstillingar)" in linked.texts, linked.texts
    await ingrid.press("Ringje")
    done = await ingrid.press("Ferdig", exact=True)
    assert any("når som helst i /innstillingar." in text for text in done.texts), done.texts
    assert not any("/innstillinger" in text for text in done.texts + linked.texts)
    stopped = await ingrid.send("stopp")
    assert "under Meldingar i /innstillingar." in stopped.texts[-1], stopped.texts
    member = await stored(db, ingrid.user_id)
    assert member is not None and member.language == "nn" and not member.wants_broadcasts
