"""A recurring series changed as a whole: every planned occurrence from one on moves by the same
wall-clock shift (19:00 → 19:30 stays 19:30 across summer time), or is cancelled with the series, so
the upkeep neither recreates what was cancelled nor makes a second copy of what moved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import activity as act
from models.constants import EVENT_TAGS as TAGS
from models.constants import OSLO
from models.errors import NotFound
from models.event_tables import SEATS, Event, EventError, Series


class NotInSeries(EventError):
    """The event is not part of a recurring series."""


class FixedDays(EventError):
    """The series repeats on set days (BYDAY and the like): it can move to another time of day, not another day."""


FIXED_DAY_PARTS = ("BYDAY", "BYMONTHDAY", "BYSETPOS", "BYWEEKNO", "BYYEARDAY", "BYMONTH")


async def from_here(session: AsyncSession, event_id: int, now: datetime, *, unstarted: bool = False) -> tuple[Series, list[Event]]:
    """The event's series (locked) and its planned occurrences from this one on, in order; with
    `unstarted` (moving, cancelling), this occurrence must not have begun (EventStarted)."""
    event = await session.get(Event, event_id)
    if event is None:
        raise NotFound(event_id)
    if unstarted and event.status == act.PLANNED and event.starts_at <= now:
        raise SEATS.fail(act.Started, event_id)
    if event.series_id is None:
        raise NotInSeries(event_id)
    series = await session.get(Series, event.series_id, with_for_update=True, populate_existing=True)
    if series is None:
        raise NotInSeries(event_id)
    events = list(await session.scalars(
        select(Event).where(Event.series_id == series.id, Event.status == act.PLANNED, Event.starts_at >= event.starts_at,
                            Event.ends_at > now).order_by(Event.starts_at).with_for_update()))
    if not events:
        raise SEATS.fail(act.Closed, event_id)
    return series, events


def local(moment: datetime) -> datetime:
    """Oslo wall-clock time, without a zone, for shifting by days and hours as a calendar does."""
    return moment.astimezone(OSLO).replace(tzinfo=None)


async def move(session: AsyncSession, event_id: int, starts_at: datetime, now: datetime) -> tuple[Series, list[Event]]:
    """Move this occurrence to `starts_at` and every later one by the same shift in Oslo wall-clock time."""
    series, events = await from_here(session, event_id, now, unstarted=True)
    shift = local(starts_at) - local(events[0].starts_at)
    if local(starts_at).date() != local(events[0].starts_at).date() and any(part in series.rule.upper() for part in FIXED_DAY_PARTS):
        raise FixedDays(series.rule)
    # Later ones first when moving later (earlier ones first when moving earlier), so no two
    # occurrences of the series ever share a day on the way.
    for event in sorted(events, key=lambda e: e.starts_at, reverse=shift.total_seconds() > 0):
        length = event.ends_at - event.starts_at
        start = (local(event.starts_at) + shift).replace(tzinfo=OSLO).astimezone(starts_at.tzinfo)
        await act.move(session, SEATS, event.id, starts_at=start, ends_at=start + length, now=now)
        event.occurrence = start.astimezone(OSLO).date()
        await session.flush()
    first = datetime.fromisoformat(series.first_local) + shift
    series.first_local = first.isoformat(timespec="minutes")
    await session.flush()
    return series, events


async def cancel(session: AsyncSession, event_id: int, now: datetime) -> tuple[Series, list[Event]]:
    """Cancel this occurrence and every later one, and stop the series making new ones."""
    series, events = await from_here(session, event_id, now, unstarted=True)
    for event in events:
        await act.cancel(session, SEATS, event.id, now)
    series.active = False
    await session.flush()
    return series, events


async def set_tags(session: AsyncSession, event_id: int, tags: list[str], now: datetime) -> tuple[Series, list[Event]]:
    """The plan's tags on this occurrence and every later planned one, and on the series, so the occurrences
    it makes later carry them too (as moving a series: earlier and past occurrences keep theirs)."""
    if any(tag not in TAGS for tag in tags):
        raise EventError(f"tags: {tags}")
    series, events = await from_here(session, event_id, now)
    chosen = [t for t in TAGS if t in tags]
    for event in events:
        event.tags = list(chosen)
    series.tags = list(chosen)
    await session.flush()
    return series, events
