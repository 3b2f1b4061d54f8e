"""A season with the welcome calls (play, welcome2): a verified supporter nobody can reach gets no call; offers
to welcomers wait for the morning; the chair's notice counts the real days; the digest names untaken calls and
labels its figures; /mine_data in words; an old invitation to an event that is over loses its buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import Member, OutboxMessage, WelcomeTask
from models import events as ev
from models import persistence_store as store
from models.membership import member_by_telegram
from models.register import import_register
from tests.conftest import ADMIN_ID
from tests.helpers import onboard, stored, tick
from tests.test_welcome import welcomer

OFFER = "ingen har tatt velkomstsamtalen"


async def import_nora(db, joined: str, extra: str = "") -> None:
    async with db.session() as session:
        await import_register(session, f"navn;telefon;innmeldt;medlemsnummer\nNora Ny;912 34 567;{joined};7001\n{extra}".encode())


async def test_a_verified_supporter_without_number_or_email_gets_no_welcome_call(db, app, make_user, clock):
    """Before: "Ta: Tor Ukjent" opened a card with "☎️ uten nummer", an SMS to copy and phone outcomes."""
    board = await welcomer(db, make_user, role="board", phone="+4745200005")
    tor = make_user(first_name="Tor", last_name="Ukjent")
    await onboard(tor, phone=None)
    eva = make_user(first_name="Eva", last_name="Epost")
    await onboard(eva, phone=None)
    async with db.session() as session:  # a supporter with only an e-mail address can be written to
        (await member_by_telegram(session, eva.user_id)).email = "eva@example.no"
    await board.send("/supportere")
    await board.press("Bekreft Tor Ukjent")
    await board.press("Bekreft Eva Epost")
    tor_id = (await stored(db, tor.user_id)).id
    async with db.session() as session:
        assert await session.scalar(select(WelcomeTask).where(WelcomeTask.member_id == tor_id)) is None
    helper = await welcomer(db, make_user)
    listing = await helper.send("/velkomst")
    assert "Tor Ukjent" not in listing.text and "Ta: Tor Ukjent" not in listing.buttons
    assert "• Eva Epost: 14 dager igjen" in listing.text
    card = await helper.press("Ta: Eva Epost")
    assert "✉️ eva@example.no" in card.text and "Ingen telefonnummer: skriv en e-post i stedet (kopier denne):" in card.text
    assert "Forslag til SMS" not in card.text
    assert card.buttons == ["✉️ Sendte e-post"]  # no phone outcomes for someone without a number
    report = await board.send("/velkomst rapport")
    assert "Velkomstsamtaler (nye medlemmer og bekreftede støttespillere): 1" in report.texts[0]


async def test_an_offer_to_take_a_welcome_call_waits_for_the_morning(db, app, make_user, clock):
    """Before: a register imported at 22:12 in Oslo sent "Ta den" offers at 22:14."""
    first = await welcomer(db, make_user)
    clock.set(datetime(2026, 11, 27, 21, 12, tzinfo=UTC))  # 22:12 in Oslo
    await import_nora(db, "20.11.2026")
    clock.advance(minutes=2)
    await tick(app)
    await tick(app)
    assert not [m for m in first.messages() if OFFER in m.text]
    async with db.session() as session:
        [offer] = await session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "welcome.offer"))
    assert offer.status == "pending" and offer.attempts == 0
    assert offer.due_at == datetime(2026, 11, 28, 8, 0, tzinfo=UTC)  # 09:00 in Oslo
    clock.set(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    await tick(app)
    assert [m for m in first.messages() if OFFER in m.text]


async def test_the_day_ten_notice_says_the_days_that_passed(db, app, make_user, clock):
    """Before: "etter 10 dager" also when the bot was down and the notice went out on day 13."""
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    await import_nora(db, "27.11.2026")
    chair = make_user(first_name="Leder", user_id=ADMIN_ID)
    await onboard(chair, phone="+4745200002")
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))  # day 13: the bot was down since the import
    await tick(app)
    await tick(app)
    assert "Velkomstsamtalen med Nora Ny er fortsatt ikke gjort etter 13 dager (tatt av: ingen). Se /velkomst." in [
        m.text for m in chair.messages()]


async def test_the_digest_names_untaken_calls_and_labels_its_figures(db, app, make_user, clock):
    """Before: "Venter på deg" said nothing of a call nobody took by day 10; "Nye medlemmer: 1" read as /velkomst rapport's."""
    board = await welcomer(db, make_user, role="board")
    await import_nora(db, "20.11.2026", "Siv Sen;900 11 222;25.11.2026;7003\n")
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00 in Oslo: Nora joined ten days ago
    await tick(app)
    await tick(app)
    [digest] = [m.text for m in board.messages() if m.text.startswith("📋")]
    assert "Nye medlemmer i registeret: 1" in digest and "Velkomstsamtaler over fristen på 14 dager: 0" in digest
    waiting = digest.split("Venter på dere:")[1]
    assert "• Velkomstsamtaler ingen har tatt innen dag 10: 1 (/velkomst)" in waiting


async def test_my_data_says_unfinished_conversations_and_skipped_suggestions_in_words(db, app, make_user, clock):
    """Before: the conversation was a JSON string with `call_just_recorded` and `flow_steps`; a skipped suggestion had no text."""
    user = make_user()
    await onboard(user)
    me = (await stored(db, user.user_id)).id
    async with db.session() as session:  # as a welcomer's note and a caller's last call leave it
        await store.save_data(session, store.KIND_USER, user.user_id, {
            "call_just_recorded": 5, "welcome_note": 3, "flow_steps": {"welcome_note": "2026-11-27T12:00:00+00:00"}})
        session.add(OutboxMessage(dedupe_key="nudge:social:x", member_id=me, kind="nudge", topic="nudge", text="",
                                  params={"rule": "social"}, due_at=clock(), status="skipped", attempts=0))
    exchange = await user.send("/mine_data")
    text = exchange.method("sendDocument")[0].files["document"].decode("utf-8")
    assert "flow_steps" not in text and "call_just_recorded" not in text and "welcome_note" not in text
    data = json.loads(text)
    [draft] = data["Uferdige samtaler"]
    assert draft == {"Samtale": "notat til velkomstsamtale", "Ditt siste steg i den": "2026-11-27T13:00:00+01:00"}
    [suggestion] = [m for m in data["Meldinger fra lagbot til deg"] if m.get("Forslag")]
    assert suggestion["Forslag"] == "Sosiale aktiviteter" and suggestion["Tekst"] is None


async def test_yes_to_an_event_that_is_over_takes_the_buttons_away(db, app, make_user, clock):
    """Before: "✅ Ja" under an old invitation gave the right pop-up, and the buttons stayed."""
    user = make_user()
    await onboard(user)
    async with db.session() as session:
        event = await ev.create_event(session, kind="social", title="Brettspillkveld", starts_at=clock() + timedelta(days=2),
                                      ends_at=clock() + timedelta(days=2, hours=3), place="Tapperiet", now=clock())
    await user.send(f"/start event_{event.id}")
    assert "✅ Ja" in [label for label, _data in user.last_message().inline_buttons]
    clock.advance(days=3)
    pressed = await user.press("✅ Ja")
    assert pressed.alerts == ["Det arrangementet er over eller avlyst."]
    [edit] = pressed.method("editMessageReplyMarkup")
    assert not (edit.params.get("reply_markup") or {}).get("inline_keyboard")
    async with db.session() as session:
        assert await session.scalar(select(Member).where(Member.id == (await stored(db, user.user_id)).id)) is not None
