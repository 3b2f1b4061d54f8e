"""Members answer the board: a Telegram reply to a broadcast's message, or its "Reply to the board"
button followed by the text. Other free text is not passed on (DECISIONS: only a reply is)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import reply_messages
from bot.i18n import N_
from bot.member_buttons import ReplyToBoard
from handlers.common import Context, cancel_conversation, onboarded, pressed, reply
from handlers.flows import Flow
from handlers.presses import Press
from models import broadcast as bc

WRITING = 0
REPLY_KEY = "board_reply"


async def passed_on(update: Update, context: Context) -> bool:
    """A Telegram reply to a broadcast the member got is kept for the board; True if it was."""
    message, member = update.effective_message, context.member
    if message is None or not message.text or message.reply_to_message is None or member is None:
        return False
    async with context.runtime.db.session() as session:
        answered = await bc.record_reply(session, member.id, message.text, now=context.runtime.now(),
                                         reply_to_message_id=message.reply_to_message.message_id)
        if answered is not None:
            await reply_messages.reply_received(session, answered, member.id, context.runtime.now())
    if answered is None:
        return False
    await reply(update, context._("Thank you! Your reply has been passed on to the board."))
    return True


@onboarded
async def ask(update: Update, context: Context) -> int:
    assert update.callback_query is not None and context.user_data is not None
    await update.callback_query.answer()
    context.user_data[REPLY_KEY] = {"broadcast": pressed(update, ReplyToBoard).broadcast_id}
    await reply(update, context._("Write your reply to the board (or /avbryt)."))
    return WRITING


async def got_reply(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None and context.user_data is not None
    broadcast_id = context.user_data.pop(REPLY_KEY, {}).get("broadcast", 0)
    async with context.runtime.db.session() as session:
        answered = await bc.record_reply(session, context.known.id, update.message.text, now=context.runtime.now(),
                                         broadcast_id=broadcast_id)
        if answered is not None:
            await reply_messages.reply_received(session, answered, context.known.id, context.runtime.now())
    if answered is None:
        await reply(update, context._("That message is not one I can pass a reply to. Nothing was sent."))
    else:
        await reply(update, context._("Thank you! Your reply has been passed on to the board."))
    return Flow.END


async def not_text(update: Update, context: Context) -> int:
    await reply(update, context._("Please write the reply as text, or /avbryt."))
    return WRITING


cancel = cancel_conversation(N_("Cancelled. Nothing was sent."), REPLY_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(Flow(
        application, "board_reply", title=N_("writing a reply to the board"), drafts=(REPLY_KEY,),
        entry_points=[Press(ask, pattern=ReplyToBoard.filter())],
        states={WRITING: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_reply), MessageHandler(~filters.COMMAND, not_text)]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel)],
    ))
