"""Help, and the answers to everything no feature expects: groups, unknown commands, edited
messages, stale or forged buttons, and people who have not started yet."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.commands import BOARD_COMMANDS, COMMANDS, shown
from bot.db import is_outage
from bot.i18n import language_from_telegram, translator
from bot.leading_messages import leader_commands
from handlers import board_replies
from handlers.common import Context, features, menu_label_pattern, reply, show_main_menu
from models import rounds as rd
from models.member import Member
from models.membership import has_role

log = logging.getLogger(__name__)
GUARD_GROUP = -10
# Words typed instead of a command: help, or the menu (any case, an optional "!" or ".").
HELP_WORDS = r"(?i)^\s*(hjelp|help)\s*[!.?]?\s*$"
MENU_WORDS = r"(?i)^\s*(meny|menu|hei|hallo|hi|hello|start)\s*[!.?]?\s*$"
FALLBACK_GROUP = 0  # same group as the features, registered last: only what none of them took


class _TooLong(filters.MessageFilter):
    """Text or caption longer than one Telegram message may be."""

    def filter(self, message: Message) -> bool:
        text = message.text or message.caption or ""
        return len(text) > MessageLimit.MAX_TEXT_LENGTH


TOO_LONG = _TooLong(name="TooLong")


async def group_chat(update: Update, context: Context) -> None:
    """lagbot works in private chats only: point there, store nothing."""
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        _ = context._
        username = context.bot.username
        await message.reply_text(
            _("Write to me in a private chat, so that what you tell me stays between us."),
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(_("Open a private chat"), url=f"https://t.me/{username}")]]),
        )
    raise ApplicationHandlerStop


async def too_long(update: Update, context: Context) -> None:
    """Refuse overlong text before any feature sees it."""
    await reply(update, context._("That message is too long. Please keep it under {limit} characters.").format(
        limit=MessageLimit.MAX_TEXT_LENGTH))
    raise ApplicationHandlerStop


async def edited(update: Update, context: Context) -> None:
    """An edit of an earlier message is not read again: a flow would take it for a new answer."""
    await reply(update, context._("I don't read edited messages. If you meant something else, send it again as a new message."))
    raise ApplicationHandlerStop


async def empty_button(update: Update, context: Context) -> None:
    """A press without callback data (or with empty data) is no button of ours: stale, before any
    feature tries to read it."""
    query = update.callback_query
    if query is not None and not query.data:
        await stale_button(update, context)
        raise ApplicationHandlerStop


async def help_command(update: Update, context: Context) -> None:
    """What lagbot does, in the member's language."""
    member, _ = context.member, context._
    lang = context.lang  # English help lists the English names, Nynorsk help the Nynorsk ones; all always work
    commands = "\n".join(f"/{shown(no, en, lang)} — {_(description)}" for no, en, description in COMMANDS)
    text = "\n\n".join([
        _("lagbot is Trondheim SV's member bot. Here you can sign up for door-knocking and phone rounds, "
          "join social events and member meetings, and tell us what you want to help with."),
        commands,
        _("Questions? Contact the board of Trondheim SV."),
    ])
    admins = context.runtime.settings.lagbot_admins
    if await leads_or_may_lead(context, member):  # leaders only: what a team leader does (the board lists /nyrunde below)
        creates = has_role(member, "leader", admins) and not has_role(member, "board", admins)
        text += "\n\n" + "\n".join([_("As a team leader:"), *leader_commands(context.lang, creates=creates)])
    if has_role(member, "board", admins):
        text += "\n\n" + "\n".join(f"/{shown(no, en, lang)} — {_(description)}" for no, en, description in BOARD_COMMANDS)
    elif has_role(member, "programme", context.runtime.settings.lagbot_admins):  # the programme committee's asks
        text += "\n\n" + "\n".join(f"/{shown(no, en, lang)} — {_(description)}" for no, en, description in BOARD_COMMANDS
                                    if no in ("nyttinnspill", "innspill"))
    if member is not None and member.is_onboarded:
        await show_main_menu(update, context, member, text)
    else:
        await reply(update, text)


async def leads_or_may_lead(context: Context, member: Member | None) -> bool:
    """Has the leader role (the board has it too), or leads a team of a round to come (named by the board)."""
    if member is None or not member.is_onboarded:
        return False
    if has_role(member, "leader", context.runtime.settings.lagbot_admins):
        return True
    async with context.runtime.db.session() as session:
        return bool(await rd.rounds_led(session, member.id, context.runtime.now()))


async def typed_menu(update: Update, context: Context) -> None:
    """"meny", "hei", "start" typed as words: the menu (or how to start)."""
    member = context.member
    if member is None or not member.is_onboarded:
        await reply(update, context._("Hi! Send /start to get started with lagbot."))
        return
    await show_main_menu(update, context, member)


async def unknown_command(update: Update, context: Context) -> None:
    await reply(update, context._("I don't know that command. Send /hjelp to see what I can do."))


async def unexpected_message(update: Update, context: Context) -> None:
    """Text (or anything else) that no conversation expects: a friendly pointer to the menu."""
    member, _ = context.member, context._
    if member is None or not member.is_onboarded:
        await reply(update, _("Hi! Send /start to get started with lagbot."))
        return
    if await board_replies.passed_on(update, context):
        return
    for hook in features(context.application).free_text:
        if await hook(update, context):
            return
    await show_main_menu(update, context, member, _("I didn't quite get that. Use the buttons in the menu below."))


async def stale_button(update: Update, context: Context) -> None:
    """A button no feature took: from an old message, forged, empty — or pressed by someone who has
    not started lagbot (or has erased their data)."""
    query = update.callback_query
    if query is None:
        return
    _ = context._
    if context.member is None:
        await query.answer(_("You need to start lagbot first: send /start."), show_alert=True)
        return
    await query.answer(_("This button is no longer valid. Send /start to see the menu."), show_alert=True)


async def on_error(update: object, context: Context) -> None:
    """Log the failure, keep it for the tests, and tell the member in their language. A database
    outage is not a bug: the member is asked to try again in a moment, without asking the database."""
    runtime = context.runtime
    if isinstance(context.error, BadRequest) and "not modified" in context.error.message.lower():
        return  # a button pressed twice: the message already shows what it should
    if is_outage(context.error):
        runtime.outages += 1
        log.warning("database unavailable while handling an update: %r", context.error)
        await _outage_answer(update, context)
        if isinstance(update, Update):
            raise ApplicationHandlerStop  # one answer per update: the later handler groups would fail too
        return
    if isinstance(update, Update) and update.callback_query is not None and _uneditable(context.error):
        await _too_old_answer(update, context)
        raise ApplicationHandlerStop
    runtime.record_error(context.error)
    log.error("update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None and update.effective_chat.type == "private":
        try:
            await context.load_member(update)  # the error handler gets a context of its own
            await reply(update, context._("Sorry, something went wrong on our side. Please try again in a little while."))
        except Exception:
            log.warning("could not send the error message", exc_info=True)


def _uneditable(error: object) -> bool:
    """The message under a pressed button can no longer be edited: too old for Telegram to show it
    to the bot (PTB refuses to edit it), or gone."""
    if isinstance(error, TypeError):
        return "inaccessible message" in str(error)
    return isinstance(error, BadRequest) and any(
        words in error.message.lower() for words in ("message to edit not found", "message can't be edited"))


async def _too_old_answer(update: Update, context: Context) -> None:
    log.info("a button on a message that can no longer be edited: answered with a new message")
    query = update.callback_query
    try:
        if query is not None:
            await query.answer()
    except TelegramError:
        pass  # answered already, or too late
    if update.effective_chat is None or update.effective_chat.type != "private":
        return
    try:
        await context.load_member(update)
        await reply(update, context._("That message is too old to change. Send /start to see the menu and where things stand."))
    except Exception:
        log.warning("could not send the too-old message", exc_info=True)


async def _outage_answer(update: object, context: Context) -> None:
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_chat.type != "private":
        return
    user = update.effective_user
    # The member's language as last read, or one chosen before /start, or Telegram's: not the database's.
    language = ((context.runtime.languages.get(user.id) if user is not None else None)
                or (context.user_data or {}).get("lang")
                or language_from_telegram(user.language_code if user is not None else None))
    _ = translator(str(language))
    text = _("We can't reach our database just now. Please try again in a moment.")
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(text, show_alert=True)
            return
        except TelegramError:  # answered already, or too late to answer: say it in the chat
            pass
    try:
        await reply(update, text)
    except TelegramError:  # best effort: Telegram may be away too
        log.warning("could not send the outage message", exc_info=True)


def register_guards(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(filters.ChatType.GROUPS, group_chat), group=GUARD_GROUP)
    application.add_handler(MessageHandler(private & filters.UpdateType.EDITED, edited), group=GUARD_GROUP)
    # A group of its own: a TypeHandler matches every update, and a group runs only its first match.
    application.add_handler(TypeHandler(Update, empty_button), group=GUARD_GROUP - 1)
    application.add_handler(MessageHandler(private & TOO_LONG, too_long), group=GUARD_GROUP)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(["hjelp", "help"], help_command, private))
    application.add_handler(MessageHandler(private & filters.Regex(menu_label_pattern(application, "help")), help_command))
    application.add_handler(MessageHandler(private & filters.Regex(HELP_WORDS), help_command))
    application.add_handler(MessageHandler(private & filters.Regex(MENU_WORDS), typed_menu))


def register_fallbacks(application: Application) -> None:  # type: ignore[type-arg]
    application.add_error_handler(on_error)
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.COMMAND, unknown_command), group=FALLBACK_GROUP)
    application.add_handler(MessageHandler(private & ~filters.COMMAND, unexpected_message), group=FALLBACK_GROUP)
    application.add_handler(CallbackQueryHandler(stale_button), group=FALLBACK_GROUP)
