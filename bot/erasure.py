"""What follows an erasure (by the member, or by the board for a member who left): whoever moves up
from a waiting list into a freed place is told, through the outbox, and the board hears of every
team in a round still to come that has lost its leader."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import activity_messages as am
from bot import event_messages, round_messages
from bot.i18n import N_, translator
from models import membership
from models.privacy import Released

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
