"""The contact person's check-in list for an event (from its card under "Manage events"): everyone
with a place, each with a button naming them; “didn't come” once the event has begun. Those who said
maybe or wait on the waiting list are listed below, to check in if they turn up (they then take a
free place: models.events.check_in). Check-in is open from two hours before the start until a day
after the end."""

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
from models import membership
from models.errors import NotFound
from models.member import Member

NO_SHOW_LATER = N_("Who didn't come can be marked once the event has begun.")
NOT_OPEN = N_("Check-in opens two hours before the event starts.")
CLOSED = N_("Check-in closed a day after the event ended; nothing was changed.")
FULL = N_("All places are taken, so {name} was not checked in. Mark who didn't come once the event has begun: "
          "their places are then free.")
REFUSED: dict[type[Exception], str] = {ev.CheckInNotOpen: NOT_OPEN, ev.CheckInClosed: CLOSED, ev.NotBegun: NO_SHOW_LATER,
                                       ev.EventClosed: EVENTS.closed}


def people_view(event: ev.Event, coming: list[tuple[ev.Rsvp, Member]], lang: str, now: datetime) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = translator(lang)
    lines = [_("Who came to “{title}”?").format(title=event.title)]
    begun = event.starts_at <= now
    closed = ev.check_in_window(event, now) is ev.CheckInClosed
    names = dict(zip((answer.id for answer, _person in coming), button_names([person.name for _answer, person in coming]), strict=True))
    seated = [(answer, person) for answer, person in coming if answer.seat == ev.CONFIRMED]
    others = sorted(((answer, person) for answer, person in coming if answer.seat != ev.CONFIRMED),  # the waiting list in its order, then maybe
                    key=lambda pair: (pair[0].seat != ev.WAITING, pair[0].queue or 0, pair[0].id))
    rows = []
    for answer, person in seated:
        mark = {True: "✅", False: "❌", None: "▫️"}[answer.attended]
        lines.append(f"{mark} {person.name or '?'}")
        rows.append(attendance_row(names[answer.id], EventCheckIn(event_id=event.id, rsvp_id=answer.id, present=True).pack(),
                                   EventCheckIn(event_id=event.id, rsvp_id=answer.id, present=False).pack() if begun else None,
                                   lang))
    if others:  # they may turn up anyway: checked in, they take a free place
        lines += ["", _("Said maybe or on the waiting list — check them in if they come:")]
        for answer, person in others:
            state = _("waiting list") if answer.seat == ev.WAITING else _("maybe")
            lines.append(f"▫️ {person.name or '?'} ({state})")
            rows.append(attendance_row(names[answer.id], EventCheckIn(event_id=event.id, rsvp_id=answer.id, present=True).pack(),
                                       None, lang))
        if event.capacity is not None:
            lines.append(_("They get a place while one is free; the place of someone marked “didn't come” is free."))
    if closed:
        lines += ["", _(CLOSED)]
        rows = []
    elif ev.check_in_window(event, now) is ev.CheckInNotOpen and rows:
        lines += ["", _(NOT_OPEN)]
        rows = []  # a button before then would only say so
    if seated and not begun:
        lines.append(_(NO_SHOW_LATER))
    return "\n".join(lines), inline(rows) if rows else None


@onboarded
async def people(update: Update, context: Context) -> None:
    """The contact person's check-in list: everyone with a seat (present/absent), then maybe and waiting (present)."""
    kind, event = await pressed_action(update, context)
    if kind is None:
        return
    async with context.runtime.db.session() as session:
        coming = await ev.attendees(session, event.id, ("yes", "maybe"))
    text, keyboard = people_view(event, coming, context.lang, context.runtime.now())
    await reply(update, text, reply_markup=keyboard)


@onboarded
async def check_in(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    pressed = EventCheckIn.parse(query.data)
    now = context.runtime.now()
    alert = None
    async with context.runtime.db.session() as session:
        event = await managed(update, context, EVENTS, pressed.event_id, session)  # the right, read with the change
        if event is None:
            return
        try:
            answer = await ev.get_rsvp(session, pressed.rsvp_id)
        except NotFound:
            answer = None
        if answer is None or answer.event_id != event.id:
            await query.answer(context._(EVENTS.not_allowed), show_alert=True)
            return
        try:
            await ev.check_in(session, event.id, answer.id, pressed.present, now)
        except tuple(REFUSED) as error:  # outside the window, "didn't come" before the start, or cancelled: nothing changes
            await query.answer(context._(REFUSED[type(error)]), show_alert=True)
            return
        except ev.EventFull:
            person = await membership.member_or_none(session, answer.member_id)
            alert = context._(FULL).format(name=person.name if person and person.name else "?")
        except NotFound:  # they answered no since this list was shown
            alert = context._("That person no longer has a place. Here is the list as it is now.")
        coming = await ev.attendees(session, event.id, ("yes", "maybe"))
    text, keyboard = people_view(event, coming, context.lang, now)
    if alert:
        await query.answer(alert, show_alert=True)
    else:
        await query.answer()
    await query.edit_message_text(clip(text), reply_markup=keyboard)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(Press(people, pattern=is_action("people", ("ev",))))
    application.add_handler(Press(check_in, pattern=EventCheckIn.filter()))
