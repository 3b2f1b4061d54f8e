"""A phone round tied to a door-knocking round or an event exists to sign people up for it. Signing up
ends when that round or event begins (or is cancelled), so the phone round closes then: no call is
handed out for it any more (`link_is_over` is read in the claim), and the upkeep closes it for good
(`close_finished`), putting back the calls still held so the callers' cards lose the number."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activity import CANCELLED, PLANNED
from models.event_tables import Event
from models.phone_tables import ACTIVE, CLOSED, HELD, PAUSED, QUEUED, CallAttempt, CallTarget, Campaign
from models.round_tables import Round


def over_clause(now: Any) -> Any:
    """SQL: the campaign's round or event has begun or is no longer planned (`now` a value or bind parameter)."""
    round_over = exists().where(Round.id == Campaign.round_id, or_(Round.status != PLANNED, Round.starts_at <= now))
    event_over = exists().where(Event.id == Campaign.event_id, or_(Event.status != PLANNED, Event.starts_at <= now))
    return or_(and_(Campaign.round_id.is_not(None), round_over), and_(Campaign.event_id.is_not(None), event_over))


async def linked(session: AsyncSession, campaign: Campaign) -> Round | Event | None:
    """The round or event the phone round signs people up for, if any (and still there)."""
    if campaign.round_id is not None:
        return await session.get(Round, campaign.round_id)
    if campaign.event_id is not None:
        return await session.get(Event, campaign.event_id)
    return None


async def link_is_over(session: AsyncSession, campaign: Campaign, now: datetime) -> Round | Event | None:
    """The linked round or event when it has begun or is cancelled (the phone round is then over); else None."""
    activity = await linked(session, campaign)
    if activity is not None and (activity.status != PLANNED or activity.starts_at <= now):
        return activity
    return None


def was_cancelled(activity: Round | Event | None) -> bool:
    """The phone round's round or event is over because it was cancelled (or is gone), not because it began."""
    return activity is None or activity.status == CANCELLED


async def calls_made(session: AsyncSession, campaign_id: int) -> tuple[int, int]:
    """(calls made, different people called) in the phone round: every outcome recorded is a call made, a
    «Svarte ikke» to be tried again included."""
    calls, people = (await session.execute(
        select(func.count(CallAttempt.id), func.count(func.distinct(CallAttempt.target_id)))
        .join(CallTarget, CallTarget.id == CallAttempt.target_id).where(CallTarget.campaign_id == campaign_id))).one()
    return int(calls or 0), int(people or 0)


@dataclass
class ClosedRound:
    campaign: Campaign
    title: str  # of the round or event it was for
    cancelled: bool = False  # that round or event was cancelled (else it has begun)
    released: list[tuple[int, CallTarget]] = field(default_factory=list)  # (caller, call) put back in the queue


async def close_finished(session: AsyncSession, now: datetime) -> list[ClosedRound]:
    """Close every open phone round whose round or event has begun or is cancelled; the calls still held
    in them go back to the queue (their callers are returned, so the card can lose the number)."""
    campaigns = list(await session.scalars(select(Campaign).where(Campaign.status.in_((ACTIVE, PAUSED)), over_clause(now))
                                           .order_by(Campaign.id).with_for_update(skip_locked=True)))
    closed = []
    for campaign in campaigns:
        activity = await linked(session, campaign)
        done = ClosedRound(campaign, activity.title if activity is not None else "?", was_cancelled(activity))
        for target in await session.scalars(select(CallTarget).where(CallTarget.campaign_id == campaign.id,
                                                                     CallTarget.status == HELD).with_for_update()):
            done.released.append((target.held_by or 0, target))
            target.status, target.held_by, target.held_until = QUEUED, None, None
        campaign.status = CLOSED
        closed.append(done)
    await session.flush()
    return closed
