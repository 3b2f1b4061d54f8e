"""The board sets the plan's tags on a stored event (voter-contact course, 1 May breakfast, 8 March,
Pride, open meeting with the movements): a toggle per tag, stored at once. /rapport counts them."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot import event_messages as msgs
from bot.activity_buttons import EventTag, EventTags
from bot.i18n import N_
from handlers.common import Context, inline, requires_role
from handlers.questions import role_gone
from models import events as ev
from models.errors import NotFound

TITLE = N_("tagging an event")


def keyboard(event: ev.Event, lang: str) -> object:
    return inline(msgs.tag_keyboard_rows(list(event.tags or []), lang, lambda tag: EventTag(event_id=event.id, tag=tag).pack()))


async def _refuse(update: Update, context: Context, text: str) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(context._(text), show_alert=True)


@requires_role("board")
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


@requires_role("board")
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


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CallbackQueryHandler(show_tags, pattern=EventTags.filter()))
    application.add_handler(CallbackQueryHandler(toggle_tag, pattern=EventTag.filter()))
