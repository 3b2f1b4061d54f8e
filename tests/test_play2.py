"""A season played by hand (helper play2): welcome calls, phone rounds and erasure combined."""

from __future__ import annotations

from sqlalchemy import select

from models import Member, WelcomeTask
from models.membership import grant_role, member_by_telegram
from models.register import import_register
from models.welcome import ensure_tasks
from tests.helpers import onboard

REGISTER = ("navn;telefon;epost;bydel;innmeldt;medlemsnummer\n"
            "Siv Sen;900 11 222;siv@example.no;Midtbyen;20.11.2026;7003\n")


async def welcomer(db, make_user, *, phone="+4745200000", role="welcomer"):
    user = make_user(first_name="Åse", last_name="AU")
    await onboard(user, phone=phone)
    async with db.session() as session:
        await grant_role(session, await member_by_telegram(session, user.user_id), role)
    return user


async def test_welcome_card_loses_the_number_once_the_call_is_done(db, app, make_user, clock):
    async with db.session() as session:
        await import_register(session, REGISTER.encode())
    async with db.session() as session:
        await ensure_tasks(session, clock())
    user = await welcomer(db, make_user)
    await user.send("/velkomst")
    card = (await user.press("Ta: Siv Sen")).texts[0]
    assert "☎️ +47 900 11 222" in card and "siv@example.no" in card
    tried = await user.press("🔕 Svarte ikke")  # still theirs: the card keeps the number and the buttons
    assert tried.text == "Notert. Prøv igjen senere — samtalen blir hos deg: kortet over har fortsatt knappene."
    card_message, _data = user.find_button("📞 Nådd på telefon")
    assert "900 11 222" in card_message.text
    await user.press("📞 Nådd på telefon")
    shown = "\n".join(m.text or "" for m in user.messages())
    assert "900 11 222" not in shown and "siv@example.no" not in shown
    assert any(m.text == "👋 Siv Sen — 📞 Nådd på telefon" for m in user.messages())
    async with db.session() as session:
        siv = await session.scalar(select(Member).where(Member.name == "Siv Sen"))
        task = await session.scalar(select(WelcomeTask).where(WelcomeTask.member_id == siv.id))
    assert (task.status, task.outcome) == ("done", "phone")
