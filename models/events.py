"""Events and the year's calendar (årshjul): RSVP with capacity and waiting list, recurring series.

Seats, the waiting list and versioned changes follow the rules shared with rounds
(models/activity.py); the tables are in models/event_tables.py, series, the calendar and .ics
files in models/event_calendar.py. Everything stays importable from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import activity as act
from models import partners as partner_records
from models.activity import CANCELLED, CONFIRMED, PLANNED, WAITING  # noqa: F401 - importable from here as before
from models.errors import NotFound
from models.event_calendar import (  # noqa: F401 - importable from here as before
    YearFigures,
    calendar,
    clashes,
    clashes_with_round,
    create_series,
    first_of_series,
    is_contact_for_upcoming,
    joinable_within,
    materialise,
    occurrence_count,
    occurrences,
    parse_rows,
    to_ics,
    year_figures,
)
from models.event_tables import (  # noqa: F401 - importable from here as before
    ANSWERS,
    KINDS,
    NONE,
    SEATS,
    TAGS,
    BadCapacity,
    CapacityTooSmall,
    CheckInClosed,
    CheckInNotOpen,
    EndBeforeStart,
    Event,
    EventClosed,
    EventError,
    EventFull,
    EventMoved,
    EventStarted,
    InPast,
    NotBegun,
    PlaceGiven,
    Rsvp,
    Series,
)
from models.member import STATUS_ERASED, Member


@dataclass
class EventView:
    event: Event
    yes: int
    maybe: int
    waiting: int

    @property
    def seats_left(self) -> int | None:
        return None if self.event.capacity is None else max(0, self.event.capacity - self.yes)


@dataclass
class RsvpResult:
    rsvp: Rsvp
    event: Event
    position: int  # 0 unless on the waiting list
    promoted: Member | None = None


def validate(kind: str, starts_at: datetime, ends_at: datetime, capacity: int | None, now: datetime) -> None:
    if kind not in KINDS:
        raise EventError(kind)
    act.check_times(SEATS, starts_at, ends_at, now)
    act.check_capacity(SEATS, capacity)


async def create_event(session: AsyncSession, *, kind: str, title: str, starts_at: datetime, ends_at: datetime, place: str,
                       now: datetime, description: str = "", capacity: int | None = None, partners: list[str] | None = None,
                       contact_id: int | None = None, latitude: float | None = None, longitude: float | None = None,
                       created_by: int | None = None, tags: list[str] | None = None) -> Event:
    validate(kind, starts_at, ends_at, capacity, now)
    if any(tag not in TAGS for tag in tags or []):
        raise EventError(f"tags: {tags}")
    event = Event(kind=kind, title=title.strip()[:200], description=description.strip()[:3000], starts_at=starts_at,
                  ends_at=ends_at, place=place.strip()[:300], capacity=capacity, partners=[p.strip() for p in partners or [] if p.strip()],
                  contact_id=contact_id, latitude=latitude, longitude=longitude, created_by=created_by,
                  tags=[t for t in TAGS if t in (tags or [])], created_at=now)
    session.add(event)
    await session.flush()
    await partner_records.link_event(session, event)
    return event


async def set_tags(session: AsyncSession, event_id: int, tags: list[str]) -> Event:
    """The board's tags on an event (the plan's goals count them); unknown tags are refused."""
    if any(tag not in TAGS for tag in tags):
        raise EventError(f"tags: {tags}")
    event = await get_event(session, event_id, lock=True)
    event.tags = [t for t in TAGS if t in tags]
    await session.flush()
    return event


async def get_event(session: AsyncSession, event_id: int, *, lock: bool = False) -> Event:
    event: Event = await act.get(session, SEATS, event_id, lock=lock)
    return event


async def counts(session: AsyncSession, event_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Per event: (yes with a seat, maybe, waiting)."""
    if not event_ids:
        return {}
    seats = await act.seat_counts(session, SEATS, event_ids)
    rows = await session.execute(select(Rsvp.event_id, func.count()).where(Rsvp.event_id.in_(event_ids), Rsvp.answer == "maybe")
                                 .group_by(Rsvp.event_id))
    maybe = {event_id: count for event_id, count in rows.all()}
    return {eid: (seats[eid][0], maybe.get(eid, 0), seats[eid][1]) for eid in event_ids}


async def view(session: AsyncSession, event: Event) -> EventView:
    yes, maybe, waiting = (await counts(session, [event.id]))[event.id]
    return EventView(event, yes, maybe, waiting)


async def upcoming(session: AsyncSession, now: datetime, *, kind: str | None = None, until: datetime | None = None,
                   limit: int = 20) -> list[EventView]:
    query = select(Event).where(Event.status == PLANNED, Event.starts_at > now).order_by(Event.starts_at, Event.id)
    if kind:
        query = query.where(Event.kind == kind)
    if until:
        query = query.where(Event.starts_at < until)
    events = list(await session.scalars(query.limit(limit)))
    numbers = await counts(session, [e.id for e in events])
    return [EventView(e, *numbers[e.id]) for e in events]


async def rsvp_of(session: AsyncSession, event_id: int, member_id: int) -> Rsvp | None:
    return await session.scalar(select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.member_id == member_id))


async def place_of(session: AsyncSession, event_id: int, member_id: int) -> tuple[str | None, int]:
    """The member's answer (None before they gave one) and their number on the waiting list (0 when not on it)."""
    rsvp = await rsvp_of(session, event_id, member_id)
    if rsvp is None:
        return None, 0
    return rsvp.answer, await waiting_position(session, rsvp) if rsvp.seat == WAITING else 0


async def answer(session: AsyncSession, event_id: int, member_id: int, reply: str, now: datetime, *,
                 from_waiting: bool = False, sent_for: int | None = None) -> RsvpResult:
    """Yes takes a seat if one is free (else the waiting list, in the order answers commit); maybe
    and no take none. Giving up a seat hands it to the first on the waiting list. With
    `from_waiting` (a button shown to someone on the waiting list), a place given to the member
    since is kept (PlaceGiven); with `sent_for` (a reminder's button: the start it was sent about,
    `act.minute`), an event that has moved since is not answered (EventMoved)."""
    if reply not in ANSWERS:
        raise EventError(reply)
    event = await get_event(session, event_id, lock=True)
    if not act.open_for_sign_up(event, now):
        raise EventClosed(event_id)
    act.check_unmoved(SEATS, event, sent_for)
    if reply == "yes":  # a seat or the waiting list in one statement under the lock (see act.claim_seat)
        claimed = await act.claim_seat(session, SEATS, event, member_id, now)
        if claimed is not None:
            return RsvpResult(claimed[0], event, claimed[1])
        rsvp = await rsvp_of(session, event_id, member_id)  # yes already: their place as it is
        assert rsvp is not None
        return RsvpResult(rsvp, event, await waiting_position(session, rsvp) if rsvp.seat == WAITING else 0)
    rsvp = await rsvp_of(session, event_id, member_id)
    had_seat = rsvp is not None and rsvp.seat == CONFIRMED
    if from_waiting and had_seat:
        raise PlaceGiven(event_id)
    if rsvp is None:
        rsvp = Rsvp(event_id=event_id, member_id=member_id, answer=reply, seat=NONE, created_at=now, changed_at=now)
        session.add(rsvp)
    elif rsvp.answer == reply:
        position = await waiting_position(session, rsvp) if rsvp.seat == WAITING else 0
        return RsvpResult(rsvp, event, position)
    rsvp.answer, rsvp.changed_at, rsvp.seat = reply, now, NONE
    await session.flush()
    promoted = await _promote(session, event, now) if had_seat else None
    return RsvpResult(rsvp, event, 0, promoted)


async def waiting_position(session: AsyncSession, rsvp: Rsvp) -> int:
    return await act.waiting_position(session, SEATS, rsvp)


async def waiting_positions(session: AsyncSession, rsvps: list[Rsvp]) -> dict[int, int]:
    """The number on its event's waiting list of each of these answers that waits (by answer id), in one query."""
    return await act.waiting_positions(session, SEATS, rsvps)


async def _promote(session: AsyncSession, event: Event, now: datetime) -> Member | None:
    return await act.member_of(session, await act.promote(session, SEATS, event, now))


async def attendees(session: AsyncSession, event_id: int, answers: tuple[str, ...] = ("yes", "maybe")) -> list[tuple[Rsvp, Member]]:
    rows = await session.execute(select(Rsvp, Member).join(Member, Member.id == Rsvp.member_id)
                                 .where(Rsvp.event_id == event_id, Rsvp.answer.in_(answers), Member.status != STATUS_ERASED)
                                 .order_by(Rsvp.queue, Rsvp.id))
    return [(r, m) for r, m in rows.all()]


async def my_events(session: AsyncSession, member_id: int, now: datetime) -> list[tuple[Event, Rsvp]]:
    rows = await session.execute(select(Event, Rsvp).join(Rsvp, Rsvp.event_id == Event.id)
                                 .where(Rsvp.member_id == member_id, Rsvp.answer.in_(("yes", "maybe")), Event.status == PLANNED,
                                        Event.ends_at > now).order_by(Event.starts_at))
    return [(e, r) for e, r in rows.all()]


async def move(session: AsyncSession, event_id: int, *, starts_at: datetime, ends_at: datetime, now: datetime) -> Event:
    return await act.move(session, SEATS, event_id, starts_at=starts_at, ends_at=ends_at, now=now)  # type: ignore[no-any-return]


async def cancel(session: AsyncSession, event_id: int, now: datetime | None = None) -> Event:
    """Cancel an event; with `now`, one that has begun is refused (EventStarted)."""
    return await act.cancel(session, SEATS, event_id, now)  # type: ignore[no-any-return]


async def edit(session: AsyncSession, event_id: int, *, now: datetime, title: str | None = None, place: str | None = None,
               description: str | None = None, capacity: int | None = None) -> tuple[Event, list[Member]]:
    """Change a planned event (a new version, so each change is announced once); more places go to
    the waiting list first, and the places of an event that has begun are not changed (EventStarted). Returns (event, promoted)."""
    event: Event = await act.changeable(session, SEATS, event_id, now)
    if title is not None:
        event.title = title.strip()[:200]
    if place is not None:
        event.place = place.strip()[:300]
    if description is not None:
        event.description = description.strip()[:3000]
    promoted: list[Member] = []
    if capacity is not None:
        for rsvp in await act.resize(session, SEATS, event, capacity, now):
            if (member := await act.member_of(session, rsvp)) is not None:
                promoted.append(member)
    act.bump(event)
    await session.flush()
    return event, promoted


async def get_rsvp(session: AsyncSession, rsvp_id: int) -> Rsvp:
    rsvp = await session.get(Rsvp, rsvp_id)
    if rsvp is None:
        raise NotFound(rsvp_id)
    return rsvp


# Check-in at the door (the contact person or the board) is open from two hours before the start, as a
# round's, until a day after the end (time to mark the evening the morning after; days later, no).
CHECK_IN_OPENS = timedelta(hours=2)
CHECK_IN_CLOSES = timedelta(days=1)


def check_in_window(event: Event, now: datetime) -> type[EventError] | None:
    """None while check-in is open; else why not (CheckInNotOpen, CheckInClosed)."""
    if now < event.starts_at - CHECK_IN_OPENS:
        return CheckInNotOpen
    if now > event.ends_at + CHECK_IN_CLOSES:
        return CheckInClosed
    return None


async def check_in(session: AsyncSession, event_id: int, rsvp_id: int, present: bool, now: datetime) -> Rsvp:
    """Mark someone as come (or, once begun, as not come) at the door, within the check-in window.

    Someone with a place is marked either way. Someone who said maybe or waits on the waiting list
    and turns up anyway is given a place and marked as come: at once when the event has no limit,
    else while a place is free — a place nobody holds, or one held by someone marked "didn't come"
    (EventFull otherwise). NotFound for one who answered no (or is gone) since the list was shown."""
    event = await get_event(session, event_id, lock=True)
    if event.status != PLANNED:
        raise EventClosed(event_id)
    if (closed := check_in_window(event, now)) is not None:
        raise closed(event_id)
    if not present and now < event.starts_at:
        raise NotBegun(event_id)
    rsvp = await session.get(Rsvp, rsvp_id)
    if rsvp is None or rsvp.event_id != event_id:
        raise NotFound(rsvp_id)
    if rsvp.seat != CONFIRMED:
        if not present or rsvp.answer not in ("yes", "maybe"):
            raise NotFound(rsvp_id)
        if event.capacity is not None and await _places_held(session, event_id) >= event.capacity:
            raise EventFull(event_id)
        rsvp.answer, rsvp.seat, rsvp.changed_at = "yes", CONFIRMED, now
    rsvp.attended = present
    await session.flush()
    return rsvp


async def _places_held(session: AsyncSession, event_id: int) -> int:
    """Places held by someone not marked as "didn't come"."""
    return int(await session.scalar(select(func.count()).select_from(Rsvp).where(
        Rsvp.event_id == event_id, Rsvp.seat == CONFIRMED, Rsvp.attended.is_not(False))) or 0)
