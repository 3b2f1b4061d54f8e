"""A member's "Join" on a round: the seat or the waiting list (`models.rounds.sign_up`) and, for a
seat, its reminders in the same transaction.

The reminders are written before the round's lock when a seat looks free (`models.seat_outlook`),
so a seat holds the lock for the locked read, the seat's one statement and the commit, as a place on
the waiting list does: each statement under the lock is one that every other sign-up to the round
waits for, and in a rush the first hundred presses are seats. The sign-up under the lock decides; a
guess it overrules is put right before the commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import round_messages as msgs
from models import rounds as rd
from models.errors import DomainError
from models.member import Member
from models.seat_outlook import outlook


async def join(session: AsyncSession, round_id: int, member: Member, now: datetime) -> rd.SignupResult:
    """Sign `member` up; a seat gets its reminders. Domain errors as `rd.sign_up` raises them, with
    nothing of this press written."""
    guess = await outlook(session, rd.SEATS, round_id, member.id, now)
    early_for = guess.activity.version if guess is not None and guess.seat_free else None  # the version reminded of
    early = early_for is not None
    if early:
        await msgs.schedule_for_member(session, guess.activity, member, [], now)
    try:
        result = await rd.sign_up(session, round_id, member.id, now)
    except DomainError:
        if early:
            await session.rollback()  # the reminders written early go with the refused press
        raise
    if result.position == 0 and result.round.version != early_for:
        await msgs.schedule_for_member(session, result.round, member, [], now)  # no guess, or the round changed since
    elif result.position != 0 and early:
        await msgs.cancel_for_member(session, result.round, member.id)  # the last seat went meanwhile
    return result
