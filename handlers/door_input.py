"""After a round, "How did it go?": a member picks a theme and writes what they heard at the doors."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import round_messages as msgs
from bot.activity_buttons import DoorTheme, NothingToAdd, accepts, read
from bot.i18n import N_
from handlers.choice import show_choice
from handlers.common import Context, inline, onboarded, reply
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import too_long
from models import round_reports
from models import rounds as rd
from models.errors import NotFound

INPUT_TEXT = 0
INPUT_KEY = "door_input"
NOT_ON_ROUND = N_("Only those who took part in that round can tell what they heard at its doors.")
# Why an answer to "How did it go?" (an old button, or text typed after the leader's word) is not stored.
TELL_REFUSED: dict[type[Exception], str] = {
    NotFound: NOT_ON_ROUND, rd.NotSignedUp: NOT_ON_ROUND,
    rd.RoundNotHeld: N_("That round did not take place, so nothing is stored about it."),
    rd.MarkedAbsent: N_("Your leader marked that you did not come to this round, so your answer is not stored. "
                        "If that is wrong, tell your leader."),
}


@onboarded
async def theme_chosen(update: Update, context: Context) -> int | None:
    """A theme from the follow-up: ask what they heard."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    _ = context._
    chosen = read(DoorTheme, query.data)
    if chosen.theme not in msgs.THEME_LABELS:
        await query.answer(_("This button is no longer valid. Send /start to see the menu."), show_alert=True)
        return Flow.END
    if await telling_refused(update, context, chosen.round_id):
        return Flow.END
    context.user_data[INPUT_KEY] = {"round": chosen.round_id, "theme": chosen.theme}
    await query.answer()
    await show_choice(update, _(msgs.THEME_LABELS[chosen.theme]))  # the old theme buttons go
    await reply(update, _("{theme}: what did you hear? Write a few words. Please no names or addresses. "
                          "(/avbryt to stop)").format(theme=_(msgs.THEME_LABELS[chosen.theme])))
    return INPUT_TEXT


async def input_text(update: Update, context: Context) -> int:
    """Store what they heard, with round and district only."""
    assert update.message is not None and update.message.text is not None and context.user_data is not None
    member, _ = context.known, context._
    pending = context.user_data.pop(INPUT_KEY, None)
    if pending is None:
        return Flow.END
    text = update.message.text.strip()
    if await too_long(update, context, text, rd.MAX_TEXT):
        context.user_data[INPUT_KEY] = pending
        return INPUT_TEXT
    try:
        async with context.runtime.db.session() as session:
            await rd.add_input(session, pending["round"], member.id, pending["theme"], text, now=context.runtime.now())
    except tuple(TELL_REFUSED) as error:
        await reply(update, _(TELL_REFUSED[type(error)]))
        return Flow.END
    keyboard = msgs.theme_buttons(pending["round"], member.language)
    await reply(update, _("Thank you — noted for the programme work! Anything else? Pick another theme, or “Nothing to add”."),
                reply_markup=inline([[(b.label, b.data or "") for b in row] for row in keyboard]))
    return Flow.END


async def telling_refused(update: Update, context: Context, round_id: int) -> bool:
    """Refuse (an alert, and the old buttons go) a press under "How did it go?" from someone who may not
    tell about the round: not on it, marked as not having come, or the round did not take place."""
    query = update.callback_query
    assert query is not None
    try:
        async with context.runtime.db.session() as session:
            await rd.may_tell(session, round_id, context.known.id)
    except tuple(TELL_REFUSED) as error:
        await query.answer(context._(TELL_REFUSED[type(error)]), show_alert=True)
        await query.edit_message_reply_markup(None)
        return True
    return False


@onboarded
async def nothing_to_add(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    if await telling_refused(update, context, read(NothingToAdd, query.data).round_id):
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, context._("Thank you for knocking on doors! Every conversation counts."))


async def input_cancel(update: Update, context: Context) -> int:
    """/avbryt before writing: this answer is not stored; what was told before about the round is kept (and said so)."""
    assert context.user_data is not None
    pending = context.user_data.pop(INPUT_KEY, None)
    told = False
    if pending is not None:
        async with context.runtime.db.session() as session:
            told = await round_reports.has_told(session, pending["round"], context.known.id)
    await reply(update, context._(N_("OK, this answer is not stored. What you told before is kept.") if told
                                  else N_("OK, nothing was stored.")))
    return Flow.END


def register_flow(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(Flow(
        application, "door_input", title=N_("telling what you heard at the doors"),
        entry_points=[Press(theme_chosen, pattern=accepts(DoorTheme))],
        states={INPUT_TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, input_text)]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], input_cancel)], drafts=(INPUT_KEY,),
    ))
