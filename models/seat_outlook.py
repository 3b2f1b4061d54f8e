"""A look at an activity's seats before its lock is taken: a guess that lets a sign-up do its seat's
other writes (a round's reminders) before the lock, so that the lock is held for a seat as briefly as
for a place on the waiting list. The sign-up under the lock (`activity.claim_seat`) decides; a wrong
guess is undone there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import activity as act


@dataclass(frozen=True)
class Outlook:
    activity: Any  # the activity's row as read now, unlocked (a Core row: its columns as attributes)
    seat_free: bool  # open, a seat free, and the member holds neither a seat nor a place yet


async def outlook(session: AsyncSession, spec: act.Seats, activity_id: int, member_id: int, now: datetime) -> Outlook | None:
    """The activity and whether a seat looks free for `member_id`, in one prebuilt Core statement (an
    ORM read here would be done again by the locked read); None when it is gone or closed."""
    def build() -> Any:
        holder, activity_key = spec.holder, getattr(spec.holder, spec.activity_column)
        seated = (select(func.count()).where(activity_key == spec.activity.id, spec.state == act.CONFIRMED)
                  .scalar_subquery())
        mine = (select(func.count()).where(activity_key == spec.activity.id, holder.member_id == bindparam("member_id"),
                                           spec.state.in_((act.CONFIRMED, act.WAITING))).scalar_subquery())
        return select(spec.activity.__table__, seated.label("seated"), mine.label("mine")).where(
            spec.activity.id == bindparam("activity_id"))

    row = (await session.execute(act.prebuilt(spec, "outlook", build),
                                 {"activity_id": activity_id, "member_id": member_id})).first()
    if row is None or not act.open_for_sign_up(row, now):
        return None
    free = row.capacity is None or int(row.seated) < row.capacity
    return Outlook(row, free and not row.mine)
