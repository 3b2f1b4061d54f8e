"""/mine_data: everything stored about the member, with keys in the member's language."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import events as ev
from models import nudges as ng
from models import rounds as rd
from models.member import Member
from models.membership import grant_role, member_by_telegram
from models.phonebank import CallAttempt, CallTarget, Campaign
from models.welcome import WelcomeTask
from tests.helpers import import_members, onboard

REGISTER = "navn;telefon;bydel;medlemsnummer\nKari Nordmann;912 34 567;Midtbyen;1001\n"

# Each language's words for a few keys, and a raw column name that must not show.
WORDS = {
    "nb": {"about": "Om deg", "phone": "Telefon", "number": "Medlemsnummer", "consent": "Samtykke", "given": "Gitt",
           "rounds": "Dørbankrunder", "round": "Runde", "events": "Arrangementer", "answer": "Svar",
           "calls": "Ringerunder som ringte deg", "outcome": "Utfall", "note": "Notat", "welcome": "Velkomstsamtale til deg",
           "roles": "Roller", "interests": "Interesser", "suggestions": "Forslag", "off": "Slått av",
           "district": "Bydel", "midtbyen": "Midtbyen", "caller": "ringer", "doorknock": "Dørbanking",
           "maybe": "🤔 Kanskje", "wrong": "❌ Feil nummer"},
    "nn": {"about": "Om deg", "phone": "Telefon", "number": "Medlemsnummer", "consent": "Samtykke", "given": "Gjeve",
           "rounds": "Dørbankrundar", "round": "Runde", "events": "Arrangement", "answer": "Svar",
           "calls": "Ringjerundar som ringde deg", "outcome": "Utfall", "note": "Notat", "welcome": "Velkomstsamtale til deg",
           "roles": "Roller", "interests": "Interesser", "suggestions": "Forslag", "off": "Slått av",
           "district": "Bydel", "midtbyen": "Midtbyen", "caller": "ringjar", "doorknock": "Dørbanking",
           "maybe": "🤔 Kanskje", "wrong": "❌ Feil nummer"},
    "en": {"about": "About you", "phone": "Phone", "number": "Member number", "consent": "Consent", "given": "Given at",
           "rounds": "Door-knocking rounds", "round": "Round", "events": "Events", "answer": "Answer",
           "calls": "Phone rounds that called you", "outcome": "Outcome", "note": "Note", "welcome": "Welcome call to you",
           "roles": "Roles", "interests": "Interests", "suggestions": "Suggestions", "off": "Turned off",
           "district": "District", "midtbyen": "Midtbyen", "caller": "caller", "doorknock": "Door-knocking",
           "maybe": "🤔 Maybe", "wrong": "❌ Wrong number"},
}


def keys_of(document) -> set[str]:
    if isinstance(document, dict):
        return set(document) | {k for v in document.values() for k in keys_of(v)}
    if isinstance(document, list):
        return {k for item in document for k in keys_of(item)}
    return set()


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
async def test_my_data_has_everything_with_keys_in_my_language(db, app, make_user, clock, lang):
    await import_members(db, REGISTER)
    user = make_user(language_code=lang)
    await onboard(user, lang=lang, interests=({"nb": "Dørbanking", "nn": "Dørbanking", "en": "Door-knocking"}[lang],))
    async with db.session() as session:
        kari = await member_by_telegram(session, user.user_id)
        await grant_role(session, kari, "caller")
        round_ = await rd.create_round(session, title="Dørbank på Lade", district="ostbyen", starts_at=clock() + timedelta(days=3),
                                       ends_at=clock() + timedelta(days=3, hours=2), meeting_point="Lade kirke", capacity=5, now=clock())
        await rd.sign_up(session, round_.id, kari.id, clock())
        event = await ev.create_event(session, kind="social", title="Julebord", starts_at=clock() + timedelta(days=9),
                                      ends_at=clock() + timedelta(days=9, hours=3), place="Folkets hus", now=clock())
        await ev.answer(session, event.id, kari.id, "maybe", clock())
        campaign = Campaign(name="Ring for dørbank", purpose="x", scripts={}, audience={}, status="active", mode="callers")
        session.add(campaign)
        await session.flush()
        target = CallTarget(campaign_id=campaign.id, member_id=kari.id, status="done", attempts=1, outcome="wrong_number",
                            note="Feil nummer, sa naboen")
        session.add(target)
        await session.flush()
        session.add(CallAttempt(target_id=target.id, outcome="wrong_number", at=clock()))
        session.add(WelcomeTask(member_id=kari.id, joined_at=clock(), due_at=clock() + timedelta(days=14), status="done",
                                outcome="phone", note="Vil gjerne dørbanke"))
        await ng.set_off(session, kari.id, "social", True)
    exchange = await user.send({"nb": "/mine_data", "nn": "/mine_data", "en": "/mydata"}[lang])
    [document] = exchange.method("sendDocument")
    data = json.loads(document.files["document"])
    w = WORDS[lang]
    assert data[w["about"]][w["phone"]] == "+4791234567" and data[w["about"]][w["number"]] == "1001"
    assert data[w["about"]][w["district"]] == w["midtbyen"]
    assert data[w["consent"]][w["given"]]
    assert w["caller"] in data[w["roles"]] and data[w["interests"]] == [w["doorknock"]]
    assert data[w["rounds"]][0][w["round"]] == "Dørbank på Lade"
    assert data[w["events"]][0][w["answer"]] == w["maybe"]  # in words, as the member saw the button
    [call] = data[w["calls"]]
    assert (call[w["outcome"]], call[w["note"]]) == (w["wrong"], "Feil nummer, sa naboen")
    assert data[w["welcome"]][w["note"]] == "Vil gjerne dørbanke"
    assert data[w["suggestions"]][0][w["off"]] is True
    keys = keys_of(data)
    assert not {"phone", "member_number", "consent_at", "note", "outcome", "door_knocking", "telegram_id"} & keys
    assert not [k for k in keys if "_" in k], "every key is a word of the member's language, not a column name"


async def test_my_data_of_someone_who_asked_to_be_linked(db, app, make_user):
    await import_members(db, REGISTER)
    async with db.session() as session:
        kari = await session.scalar(select(Member).where(Member.member_number == "1001"))
    user = make_user(first_name="Snik", last_name="Snoker")
    await user.send(f"/start inv_{kari.invite_token}")
    await user.press("Ja, jeg godtar")
    await user.send("Fortsett uten nummer")
    await user.press("Midtbyen")
    await user.press("Ferdig", exact=True)
    exchange = await user.send("/mine_data")
    text = exchange.method("sendDocument")[0].files["document"].decode("utf-8")
    data = json.loads(text)
    assert data["Forespørsler om å koble en konto"][0]["Telegram-navn"] == "Snik Snoker"
    assert "Kari" not in text and "1001" not in text and "912" not in text  # nothing of the member they asked for
