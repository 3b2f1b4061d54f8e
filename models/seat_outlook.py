"""A look at an activity's seats before its lock is taken: a guess that lets a sign-up do its seat's
other writes (a round's reminders) before the lock, so that the lock is held for a seat as briefly as
for a place on the waiting list. The sign-up under the lock (`activity.claim_seat`) decides; a wrong
guess is undone there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import activity as act
from models.errors import NotFound


@dataclass(frozen=True)
class Outlook:
    activity: Any  # as read now, unlocked
    seat_free: bool  # open, a seat free, and the member holds neither a seat nor a place yet


async def outlook(session: AsyncSession, spec: act.Seats, activity_id: int, member_id: int, now: datetime) -> Outlook | None:
    """The activity and whether a seat looks free for `member_id`; None when it is gone or closed."""
    try:
        activity = await act.get(session, spec, activity_id)
    except NotFound:
        return None
    if not act.open_for_sign_up(activity, now):
        return None

    def build() -> Any:
        held = spec.state.in_((act.CONFIRMED, act.WAITING))
        return (select(func.count().filter(spec.state == act.CONFIRMED),
                       func.count(case((held & (spec.holder.member_id == bindparam("member_id")), 1))))
                .where(spec.of(bindparam("activity_id"))))

    seated, mine = (await session.execute(act.prebuilt(spec, "outlook", build),
                                          {"activity_id": activity_id, "member_id": member_id})).one()
    free = activity.capacity is None or int(seated) < activity.capacity
    return Outlook(activity, free and not mine)
