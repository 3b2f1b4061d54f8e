"""The board sets the plan's tags on a stored event (voter-contact course, 1 May breakfast, 8 March,
Pride, open meeting with the movements): a toggle per tag, stored at once; on a recurring event, the
same tags for the series from that occurrence on. /rapport counts them. Only the board: an event's
contact person is told so."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot import event_messages as msgs
from bot.activity_buttons import EventSeriesTags, EventTag, EventTags
from bot.i18n import N_, translator
from handlers.common import Context, inline, onboarded
from handlers.presses import Press
from handlers.questions import role_gone
from models import event_series as series
from models import events as ev
from models import membership
from models.errors import NotFound

Handler = Callable[[Update, Context], Awaitable[Any]]
TITLE = N_("tagging an event")
BOARD_ONLY = N_("Only the board sets which of the plan's goals an event counts toward. Ask the board if this event "
                "should count, for example as a course in direct voter contact.")


def keyboard(event: ev.Event, lang: str) -> object:
    _ = translator(lang)
    rows = msgs.tag_keyboard_rows(list(event.tags or []), lang, lambda tag: EventTag(event_id=event.id, tag=tag).pack())
    if event.series_id is not None:
        rows.append([(_("🔁 The same for the series from here on"), EventSeriesTags(event_id=event.id).pack())])
    return inline(rows)


async def _refuse(update: Update, context: Context, text: str) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(context._(text), show_alert=True)


def board_only(handler: Handler) -> Handler:
    """The board only; anyone else (an event's contact person too) is told who sets the plan's goals."""

    @onboarded
    @wraps(handler)
    async def wrapper(update: Update, context: Context) -> Any:
        member = await context.load_member(update)
        if member is None or not membership.has_role(member, "board", context.runtime.settings.lagbot_admins):
            await _refuse(update, context, BOARD_ONLY)
            return None
        return await handler(update, context)

    return wrapper


@board_only
async def show_tags(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    event_id = EventTags.parse(query.data).event_id
    async with context.runtime.db.session() as session:
        try:
            event = await ev.get_event(session, event_id)
        except NotFound:
            event = None
    if event is None or event.status != ev.PLANNED:
        await _refuse(update, context, N_("That event is over or cancelled."))
        return
    await query.answer()
    await query.message.reply_text(  # type: ignore[union-attr]
        context._("Which of the plan's goals is “{title}”? Tap to tick or untick; it is saved at once.").format(title=event.title),
        reply_markup=keyboard(event, context.lang))


@board_only
async def toggle_tag(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    pressed = EventTag.parse(query.data)
    if pressed.tag not in ev.TAGS:
        await _refuse(update, context, N_("Please use the buttons above, or /avbryt to cancel."))
        return
    async with context.runtime.db.session() as session:
        if await role_gone(update, context, session, "board", TITLE):
            return
        try:
            event = await ev.get_event(session, pressed.event_id, lock=True)
        except NotFound:
            event = None
        if event is None or event.status != ev.PLANNED:
            await _refuse(update, context, N_("That event is over or cancelled."))
            return
        tags = list(event.tags or [])
        tags = [t for t in tags if t != pressed.tag] if pressed.tag in tags else [*tags, pressed.tag]
        event = await ev.set_tags(session, event.id, tags)
        markup = keyboard(event, context.lang)
    await query.answer(context._("Saved."))
    await query.edit_message_reply_markup(markup)  # type: ignore[arg-type]


@board_only
async def tag_series(update: Update, context: Context) -> None:
    """This occurrence's tags for every later one of its series, and for those the series makes later."""
    query = update.callback_query
    assert query is not None
    event_id = EventSeriesTags.parse(query.data).event_id
    runtime = context.runtime
    async with runtime.db.session() as session:
        if await role_gone(update, context, session, "board", TITLE):
            return
        try:
            event = await ev.get_event(session, event_id)
            changed_series, events = await series.set_tags(session, event.id, list(event.tags or []), runtime.now())
        except (NotFound, series.NotInSeries, ev.EventClosed):
            await _refuse(update, context, N_("That event is over or cancelled."))
            return
        first = events[0]
        labels = [context._(msgs.TAG_LABELS[t]) for t in changed_series.tags]
    await query.answer(context._("Saved."))
    text = context.ngettext("“{title}” from {when} on ({times} time) counts toward: {tags}. Occurrences made later do too.",
                            "“{title}” from {when} on ({times} times) counts toward: {tags}. Occurrences made later do too.",
                            len(events)).format(title=first.title, when=msgs.when(first, context.lang), times=len(events),
                                                tags=", ".join(labels) or context._("none of the plan's goals"))
    await query.message.reply_text(text)  # type: ignore[union-attr]


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(Press(show_tags, pattern=EventTags.filter()))
    application.add_handler(Press(toggle_tag, pattern=EventTag.filter()))
    application.add_handler(Press(tag_series, pattern=EventSeriesTags.filter()))
