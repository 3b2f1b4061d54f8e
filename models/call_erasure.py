"""Erasure and the phone rounds' cards: a caller's card shows a number only while they hold that call.

Before a member's data goes, the calls they hold as a caller go back to the queue, and the cards that
show a number because of them — their own cards, and the cards of callers holding a call to them —
are named so the bot can take the number off (models/privacy.release_places gathers them)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.member import Member
from models.phone_tables import HELD, QUEUED, CallTarget


@dataclass(frozen=True)
class CardToClear:
    chat_id: int
    message_id: int
    language: str
    own: bool  # True: the erased member held this call; False: a caller held a call to the erased member


async def release_for_erasure(session: AsyncSession, member: Member) -> list[CardToClear]:
    """The calls `member` holds go back to the queue; returns every card that must lose its number."""
    cards: list[CardToClear] = []
    held = list(await session.scalars(select(CallTarget).where(CallTarget.status == HELD, CallTarget.held_by == member.id)
                                      .with_for_update()))
    for target in held:
        if member.telegram_id and target.card_message_id:
            cards.append(CardToClear(member.telegram_id, target.card_message_id, member.language or "nb", True))
        target.status, target.held_by, target.held_until = QUEUED, None, None
    rows = (await session.execute(
        select(CallTarget.card_message_id, Member.telegram_id, Member.language).join(Member, Member.id == CallTarget.held_by)
        .where(CallTarget.member_id == member.id, CallTarget.status == HELD))).all()
    for message_id, chat_id, language in rows:
        if chat_id and message_id:
            cards.append(CardToClear(chat_id, message_id, language or "nb", False))
    await session.flush()
    return cards
