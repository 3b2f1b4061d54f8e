"""What follows an erasure (by the member, or by the board for a member who left): whoever moves up
from a waiting list into a freed place is told, through the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import event_messages, round_messages
from models.privacy import Released


async def announce_released(session: AsyncSession, released: Released, now: datetime) -> None:
    for round_, promoted in released.rounds:
        await round_messages.promoted(session, round_, promoted, [], now)
    for event, promoted in released.events:
        await event_messages.promoted(session, event, promoted, now)
