"""Phone-round upkeep: a call held past its 30 minutes, or by someone whose role was taken away, goes
back to the queue, and the caller's card loses the number. A phone round whose round or event has
begun or was cancelled closes (models/phone_close.py); whoever made it is told, with its figures."""

from __future__ import annotations

from telegram import Bot
from telegram.error import TelegramError

from bot import call_messages
from bot.i18n import translator
from bot.runtime import Runtime
from models import membership, phone_close
from models import phonebank as pb


async def expire_holds(bot: Bot, runtime: Runtime) -> None:
    now = runtime.now()
    async with runtime.db.session() as session:
        expired = await pb.expire_holds(session, now)
        revoked = await pb.release_unauthorised(session, runtime.settings.lagbot_admins)
        edits = []
        for closed in await phone_close.close_finished(session, now):
            await call_messages.campaign_closed(session, closed.campaign, now)
            holders = await membership.members_by_ids(session, [caller_id for caller_id, _target in closed.released])
            for caller_id, target in closed.released:  # the number goes at once: the round it was for has begun
                caller = holders.get(caller_id)
                if caller is not None and caller.telegram_id and target.card_message_id:
                    _ = translator(caller.language)
                    closing = call_messages.CLOSED_CANCELLED if closed.cancelled else call_messages.CLOSED_BEGUN
                    edits.append((caller.telegram_id, target.card_message_id, _(closing).format(title=closed.title)))
        for caller_id, target in revoked:  # the role was taken away: the number goes at once, no reminder
            caller = await membership.member_or_none(session, caller_id)
            if caller is not None and caller.telegram_id and target.card_message_id:
                _ = translator(caller.language)
                edits.append((caller.telegram_id, target.card_message_id, _("Back in the queue.")))
        # The callers and the people they held, read at once; their notices queued in one statement.
        people = await membership.members_by_ids(
            session, [member_id for caller_id, target in expired for member_id in (caller_id, target.member_id)])
        told = []
        for caller_id, target in expired:
            caller, person = people.get(caller_id), people.get(target.member_id)
            if caller is None or person is None:
                continue
            told.append((caller, target))
            if caller.telegram_id and target.card_message_id:
                _ = translator(caller.language)
                edits.append((caller.telegram_id, target.card_message_id, _("Back in the queue.")))
        await call_messages.holds_expired(session, told, now)
    for chat_id, message_id, text in edits:
        try:
            await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
        except TelegramError:
            continue
