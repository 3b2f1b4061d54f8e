"""Scheduled broadcasts the board can see, change and cancel until they go out: `/utsending planlagt`
lists them; each (and the confirmation sent when one is scheduled) carries change-text, change-time
and cancel buttons. A change after the broadcast went out is refused."""

from __future__ import annotations

from typing import Literal

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import broadcasting
from bot.callbacks import Id, callback
from bot.i18n import N_
from handlers.common import Context, acting, cancel_conversation, inline, message_chunks, pressed, reply, requires_role
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import read_future, too_long
from models import broadcast as bc
from models.errors import NotFound, UnknownChoice

TEXT, TIME = range(2)
CHANGE_KEY = "broadcast_change"


@callback("bcs.change")
class ChangeScheduled:
    broadcast_id: Id
    what: Literal["text", "time"]


@callback("bcs.cancel")
class CancelScheduled:
    broadcast_id: Id


@callback("bcs.confirm")
class ConfirmCancel:
    broadcast_id: Id


def scheduled_buttons(broadcast_id: int, lang: str) -> InlineKeyboardMarkup:
    from bot.i18n import translator

    _ = translator(lang)
    return inline([[(_("✏️ Change text"), ChangeScheduled(broadcast_id, "text").pack()),
                    (_("🕒 Change time"), ChangeScheduled(broadcast_id, "time").pack())],
                   [(_("✖️ Cancel broadcast #{number}").format(number=broadcast_id), CancelScheduled(broadcast_id).pack())]])


@requires_role("board")
async def list_scheduled(update: Update, context: Context) -> None:
    """Every broadcast waiting for its time, each with its buttons."""
    _ = context._
    async with context.runtime.db.session() as session:
        waiting = await bc.scheduled(session)
    if not waiting:
        await reply(update, _("No broadcasts are scheduled."))
        return
    for broadcast in waiting:
        quiet = broadcasting.quiet_hours(context.runtime.settings)
        lines = [broadcasting.scheduled_text(broadcast, context.lang, quiet), "", broadcast.text]
        await reply(update, message_chunks(lines)[0], reply_markup=scheduled_buttons(broadcast.id, context.lang))


@requires_role("board")
async def ask(update: Update, context: Context) -> int | None:
    """Change text or time: ask for the new one."""
    assert context.user_data is not None
    press = pressed(update, ChangeScheduled)
    assert update.callback_query is not None
    await update.callback_query.answer()
    context.user_data[CHANGE_KEY] = {"id": press.broadcast_id}
    if press.what == "text":
        await reply(update, context._("Send the new text for broadcast #{number} (at most {limit} characters), or /avbryt.").format(
            number=press.broadcast_id, limit=bc.MAX_TEXT))
        return TEXT
    await reply(update, context._("When should broadcast #{number} go out instead? For example 17.04 12:00, or /avbryt.").format(
        number=press.broadcast_id))
    return TIME


async def got_text(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    text = update.message.text.strip()
    if await too_long(update, context, text, bc.MAX_TEXT):
        return TEXT
    return await change(update, context, text=text)


async def got_time(update: Update, context: Context) -> int:
    if (send_at := await read_future(update, context)) is None:
        return TIME
    return await change(update, context, send_at=send_at)


async def change(update: Update, context: Context, **changes: object) -> int:
    assert context.user_data is not None
    broadcast_id = context.user_data.pop(CHANGE_KEY, {}).get("id", 0)
    try:
        async with context.runtime.db.session() as session:
            if await acting(update, context, session, "board", answered=True) is None:
                return Flow.END
            broadcast = await bc.change_scheduled(session, broadcast_id, now=context.runtime.now(), **changes)  # type: ignore[arg-type]
    except (bc.NotScheduled, NotFound, UnknownChoice):
        await reply(update, context._("Broadcast #{number} has already gone out or was cancelled, so it cannot be changed.").format(
            number=broadcast_id))
        return Flow.END
    status = broadcasting.scheduled_text(broadcast, context.lang, broadcasting.quiet_hours(context.runtime.settings))
    await reply(update, context._("Changed. {status}").format(status=status), reply_markup=scheduled_buttons(broadcast.id, context.lang))
    await broadcasting.update_status_message(context.bot, broadcast, status)
    return Flow.END


@requires_role("board")
async def ask_cancel(update: Update, context: Context) -> None:
    broadcast_id = pressed(update, CancelScheduled).broadcast_id
    assert update.callback_query is not None
    await update.callback_query.answer()
    await reply(update, context._("Cancel broadcast #{number}? Nobody will get it.").format(number=broadcast_id),
                reply_markup=inline([[(context._("Yes, cancel it"), ConfirmCancel(broadcast_id).pack())]]))


@requires_role("board")
async def confirm_cancel(update: Update, context: Context) -> None:
    broadcast_id = pressed(update, ConfirmCancel).broadcast_id
    query = update.callback_query
    assert query is not None
    try:
        async with context.runtime.db.session() as session:
            if await acting(update, context, session, "board") is None:
                return
            broadcast = await bc.change_scheduled(session, broadcast_id, now=context.runtime.now(), cancel=True)
    except (bc.NotScheduled, NotFound):
        await query.answer(context._("Broadcast #{number} has already gone out or was cancelled, so it cannot be changed.").format(
            number=broadcast_id), show_alert=True)
        return
    await query.answer()
    text = context._("Broadcast #{number} is cancelled. Nobody got it.").format(number=broadcast_id)
    await query.edit_message_text(text)
    await broadcasting.update_status_message(context.bot, broadcast, text)


cancel = cancel_conversation(N_("Cancelled. The broadcast is unchanged."), CHANGE_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(Flow(
        application, "broadcast_change", title=N_("changing a scheduled broadcast"), role="board", drafts=(CHANGE_KEY,),
        entry_points=[Press(ask, pattern=ChangeScheduled.filter())],
        states={TEXT: [MessageHandler(text, got_text)], TIME: [MessageHandler(text, got_time)]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel)],
    ))
    application.add_handler(Press(ask_cancel, pattern=CancelScheduled.filter()))
    application.add_handler(Press(confirm_cancel, pattern=ConfirmCancel.filter()))
