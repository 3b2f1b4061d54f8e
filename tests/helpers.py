"""Shortcuts that play common steps through the real chat, and read what was stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.db import Database
from models.member import Member
from models.membership import member_by_telegram
from models.register import import_register
from tests.harness import FakeUser

LABELS = {
    "nb": {"agree": "Ja, jeg godtar", "share": "📱 Del nummeret mitt", "done": "Ferdig"},
    "nn": {"agree": "Ja, eg godtek", "share": "📱 Del nummeret mitt", "done": "Ferdig"},
    "en": {"agree": "Yes, I agree", "share": "📱 Share my number", "done": "Done"},
}


async def import_members(db: Database, csv_text: str) -> None:
    async with db.session() as session:
        await import_register(session, csv_text.encode("utf-8"))


async def onboard(user: FakeUser, phone: str | None = "+4791234567", *, lang: str = "nb",
                  district: str = "Midtbyen", interests: tuple[str, ...] = ()) -> None:
    """Go from /start to the main menu in the chat."""
    labels = LABELS[lang]
    await user.send("/start")
    await user.press(labels["agree"])
    if phone is not None:
        await user.share_contact(phone)
    else:
        skip = {"nb": "Fortsett uten nummer", "nn": "Hald fram utan nummer", "en": "Continue without number"}[lang]
        await user.send(skip)
    if any(label == district for label, _data in user.last_message().inline_buttons):
        await user.press(district)  # a member the register gives a district is not asked for one
    for interest in interests:
        await user.press(interest)
    await user.press(labels["done"], exact=True)


async def stored(db: Database, telegram_id: int) -> Member | None:
    async with db.session() as session:
        return await member_by_telegram(session, telegram_id)


async def count(db: Database, model: Any) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def tick(app: Any) -> int:
    """Run the outbox dispatcher once, then the upkeep job, as their JobQueue jobs would."""
    from bot.runtime import RUNTIME_KEY

    dispatcher = app.bot_data[RUNTIME_KEY].dispatcher
    handled = await dispatcher.tick(app.bot)
    await dispatcher.upkeep(app.bot)
    return handled


def runtime(app: Any) -> Any:
    from bot.runtime import RUNTIME_KEY

    return app.bot_data[RUNTIME_KEY]


async def forget_upkeep(app: Any, name: str | None = None) -> None:
    """Let an upkeep concern run at the next tick however recently it ran (the tests move the clock)."""
    from models import upkeep_runs

    async with runtime(app).db.session() as session:
        await upkeep_runs.forget(session, name)


async def came(session: Any, *activities: Any, member_id: int | None = None) -> None:
    """Someone came to each of `activities` (Round or Event rows): a seat nobody checked either way, so each
    counts as held once over (models/held.py). A new unnamed member unless `member_id` is given."""
    from models.activity import CONFIRMED
    from models.event_tables import Event, Rsvp
    from models.round_tables import Signup

    if member_id is None:
        someone = Member(name="Deltaker", language="nb")
        session.add(someone)
        await session.flush()
        member_id = someone.id
    for activity in activities:
        if isinstance(activity, Event):
            session.add(Rsvp(event_id=activity.id, member_id=member_id, answer="yes", seat=CONFIRMED))
        else:
            session.add(Signup(round_id=activity.id, member_id=member_id, status=CONFIRMED))
    await session.flush()
