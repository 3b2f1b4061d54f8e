"""The contact person's check-in list for an event (from its card under "Manage events"): everyone
with a place, each with a button naming them; “didn't come” once the event has begun."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application

from bot.activity_buttons import EventCheckIn
from bot.i18n import N_, translator
from handlers.activity_kinds import EVENTS
from handlers.activity_manage import is_action, managed, pressed_action
from handlers.cards import attendance_row, button_names
from handlers.common import Context, clip, inline, onboarded, reply
from handlers.presses import Press
from models import events as ev
from models.errors import NotFound
from models.member import Member

NO_SHOW_LATER = N_("Who didn't come can be marked once the event has begun.")


def people_view(event: ev.Event, coming: list[tuple[ev.Rsvp, Member]], lang: str, now: datetime) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = translator(lang)
    lines = [_("Who came to “{title}”?").format(title=event.title)]
    seated = [(answer, person) for answer, person in coming if answer.seat == ev.CONFIRMED]
    begun = event.starts_at <= now
    rows = []
    for (answer, person), name in zip(seated, button_names([person.name for _answer, person in seated]), strict=True):
        mark = {True: "✅", False: "❌", None: "▫️"}[answer.attended]
        lines.append(f"{mark} {person.name or '?'}")
        rows.append(attendance_row(name, EventCheckIn(event_id=event.id, rsvp_id=answer.id, present=True).pack(),
                                   EventCheckIn(event_id=event.id, rsvp_id=answer.id, present=False).pack() if begun else None,
                                   lang))
    if seated and not begun:
        lines.append(_(NO_SHOW_LATER))
    return "\n".join(lines), inline(rows) if rows else None


@onboarded
async def people(update: Update, context: Context) -> None:
    """The contact person's check-in list: everyone with a seat, with present/absent buttons."""
    kind, event = await pressed_action(update, context)
    if kind is None:
        return
    async with context.runtime.db.session() as session:
        coming = await ev.attendees(session, event.id, ("yes",))
    text, keyboard = people_view(event, coming, context.lang, context.runtime.now())
    await reply(update, text, reply_markup=keyboard)


@onboarded
async def check_in(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    pressed = EventCheckIn.parse(query.data)
    now = context.runtime.now()
    async with context.runtime.db.session() as session:
        event = await managed(update, context, EVENTS, pressed.event_id, session)
        if event is None:
            return
        try:
            answer = await ev.get_rsvp(session, pressed.rsvp_id)
        except NotFound:
            answer = None
        if answer is None or answer.event_id != event.id:
            await query.answer(context._(EVENTS.not_allowed), show_alert=True)
            return
        if not pressed.present and now < event.starts_at:  # a list from before the start: nobody is missing yet
            await query.answer(context._(NO_SHOW_LATER), show_alert=True)
            return
        try:
            await ev.set_attendance(session, answer.id, pressed.present)
            gone = False
        except NotFound:  # they gave up their place (or are on the waiting list) since this list was shown
            gone = True
        coming = await ev.attendees(session, event.id, ("yes",))
    text, keyboard = people_view(event, coming, context.lang, now)
    if gone:
        await query.answer(context._("That person no longer has a place. Here is the list as it is now."), show_alert=True)
    else:
        await query.answer()
    await query.edit_message_text(clip(text), reply_markup=keyboard)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(Press(people, pattern=is_action("people", ("ev",))))
    application.add_handler(Press(check_in, pattern=EventCheckIn.filter()))
