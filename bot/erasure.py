"""What follows an erasure (by the member, or by the board for a member who left): whoever moves up
from a waiting list into a freed place is told, through the outbox, and the board hears of every
team in a round still to come that has lost its leader."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import TelegramError

from bot import activity_messages as am
from bot import event_messages, round_messages
from bot.i18n import N_, translator
from models import membership
from models.call_erasure import CardToClear
from models.privacy import Released

CALL_GONE = N_("This call is closed: the person is no longer in the phone round.")
OWN_CALL_BACK = N_("Back in the queue.")
LEADERLESS = N_("Team {number} on “{title}”, {when}, has no leader any more: its leader is no longer in lagbot (their "
                "data was erased). Choose a new one under /dorbank → “⚙️ Manage rounds” → “👥 Team leaders”.")


async def announce_released(session: AsyncSession, released: Released, now: datetime, admins: Iterable[int] = ()) -> None:
    for round_, promoted in released.rounds:
        await round_messages.promoted(session, round_, promoted, [], now)
    for event, promoted in released.events:
        await event_messages.promoted(session, event, promoted, now)
    if not released.leaderless:
        return
    for person in await membership.members_with_role(session, "board", admins):
        for change in released.leaderless:
            _ = translator(person.language)
            text = _(LEADERLESS).format(number=change.team_number, title=change.round.title,
                                        when=round_messages.when(change.round, person.language))
            await round_messages.notify(
                session, person, f"notice:round:{change.round.id}:team:{change.team.id}:leaderless:{person.id}:{am.stamp(now)}",
                text, now)


async def clear_call_cards(bot: Bot, cards: Iterable[CardToClear]) -> None:
    """After an erasure (committed): the phone-round cards it named lose the number — the erased caller's
    own cards, and the cards of callers who held a call to the erased member."""
    for card in cards:
        _ = translator(card.language)
        try:
            await bot.edit_message_text(_(OWN_CALL_BACK if card.own else CALL_GONE), chat_id=card.chat_id,
                                        message_id=card.message_id)
        except TelegramError:  # the message is gone or too old to edit: nothing more to do
            continue
