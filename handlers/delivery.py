"""What members control about unsolicited messages: the stop word, and coming back after a block."""

from __future__ import annotations

from sqlalchemy.orm.attributes import set_committed_value
from telegram import ChatMember, Update
from telegram.ext import Application, ApplicationHandlerStop, ChatMemberHandler, MessageHandler, TypeHandler, filters

from bot.member_cache import read_member
from handlers.common import Context, reply
from models import membership

STOP_WORDS = r"(?i)^\s*(stopp|stop|avslutt)\s*[.!]*\s*$"
GUARD_GROUP = -5


async def stop_word(update: Update, context: Context) -> None:
    """`stopp`: no more broadcasts or suggestions; say how to turn them back on."""
    member, _ = context.member, context._
    if member is None or not member.is_onboarded:
        await reply(update, _("We don't send you any messages. Send /start to get started."))
        raise ApplicationHandlerStop
    async with context.runtime.db.session() as session:
        stored = await membership.member_by_telegram(session, member.telegram_id or 0)
        assert stored is not None
        await membership.stop_unsolicited(session, stored)
    await reply(update, _("Done: you will get no more messages from the board and no suggestions. "
                          "Reminders for what you have signed up for still come. "
                          "Turn them back on under Messages in /innstillinger."))
    raise ApplicationHandlerStop


async def chat_member_changed(update: Update, context: Context) -> None:
    """Blocking the bot marks the member unreachable; unblocking makes them reachable again."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    runtime = context.runtime
    async with runtime.db.session() as session:
        if change.new_chat_member.status == ChatMember.BANNED:
            found = await membership.member_by_telegram(session, change.from_user.id)
            if found is not None:
                await membership.mark_unreachable(session, found.id, runtime.now())
        elif change.new_chat_member.status == ChatMember.MEMBER:
            await membership.mark_reachable(session, change.from_user.id)


async def came_back(update: Update, context: Context) -> None:
    """Any update from a member we could not reach makes them reachable; it also marks activity
    (one write a day). Decided from the member row read for this update, not from memory of this
    process: another instance's dispatcher may have marked them unreachable."""
    member = context.member
    runtime = context.runtime
    if member is None or member.telegram_id is None or update.effective_chat is None \
            or update.effective_chat.type != "private":
        return
    now = runtime.now()
    active_today = member.last_active_at is not None and member.last_active_at.date() == now.date()
    if active_today and member.unreachable_at is None:
        return
    if member.unreachable_at is None:
        # Only the day's activity to write: it goes with this update's inbox mark, in the same
        # transaction (bot/inbox.py), instead of a transaction of its own.
        runtime.seen_today[member.id] = now
        set_committed_value(member, "last_active_at", now)
        return
    async with runtime.db.session() as session:
        # One read (roles and interests with it, so the member cache keeps the row as committed
        # rather than forgetting it) and one UPDATE of what changed.
        stored = await read_member(session, member.telegram_id)
        if stored is not None:
            stored.last_active_at, stored.unreachable_at = now, None
    # The member this update carries (and whatever a handler commits of it, which the member cache
    # keeps) must show what was just written, or the next update would write it again.
    set_committed_value(member, "last_active_at", now)
    set_committed_value(member, "unreachable_at", None)


def register_guards(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(TypeHandler(Update, came_back), group=GUARD_GROUP - 1)
    application.add_handler(MessageHandler(private & filters.Regex(STOP_WORDS), stop_word), group=GUARD_GROUP)
    application.add_handler(ChatMemberHandler(chat_member_changed, ChatMemberHandler.MY_CHAT_MEMBER), group=GUARD_GROUP)
