"""A supporter who proves membership is folded into the member (membership.fold_supporter): what they
joined as a supporter moves with them."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.event_tables import Rsvp
from models.outbox import PENDING, OutboxMessage
from models.round_tables import DoorInput, Signup


async def move_activity(session: AsyncSession, from_id: int, to_id: int) -> None:
    """What a supporter joined before proving membership goes with them to the member: seats and
    waiting-list places on rounds, answers to events (where the member has none of their own), what
    they heard at the doors, and the reminders still to come for them (re-keyed to the member, so
    leaving later cancels them). Whatever is left stays with the supporter row and goes with it."""
    for table, on in ((Signup, Signup.round_id), (Rsvp, Rsvp.event_id)):
        own = select(on).where(table.member_id == to_id)
        await session.execute(update(table).where(table.member_id == from_id, on.not_in(own))
                              .values(member_id=to_id).execution_options(synchronize_session=False))
    await session.execute(update(DoorInput).where(DoorInput.member_id == from_id).values(member_id=to_id)
                          .execution_options(synchronize_session=False))
    old, new = f":member:{from_id}:", f":member:{to_id}:"
    pending = dict((await session.execute(select(OutboxMessage.id, OutboxMessage.dedupe_key).where(
        OutboxMessage.member_id == from_id, OutboxMessage.status == PENDING))).all())
    keys = {row_id: (key + ":").replace(old, new)[:-1] for row_id, key in pending.items()}
    taken = set(await session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys.values()))))
    for row_id, key in keys.items():
        if key == pending[row_id] or key not in taken:  # a key without the id moves as it is
            taken.add(key)
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                                  .values(member_id=to_id, dedupe_key=key).execution_options(synchronize_session=False))
