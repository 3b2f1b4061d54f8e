"""Events and the year's calendar (årshjul): RSVP with capacity and waiting list, recurring series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.rrule import rrulestr
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models import activity as act
from models.activity import CANCELLED, CONFIRMED, PLANNED, WAITING  # noqa: F401 - importable from here as before
from models.base import Base, UTCDateTime, utcnow
from models.constants import COURSES_PER_YEAR_GOAL, EVENT_KINDS, OPEN_MEETINGS_PER_YEAR_GOAL, OSLO
from models.errors import NotFound
from models.member import STATUS_ERASED, Member

KINDS: tuple[str, ...] = EVENT_KINDS
ANSWERS: tuple[str, ...] = ("yes", "maybe", "no")
NONE = "none"


class EventError(act.ActivityError):
    """An event cannot be created, changed or answered as asked."""


class InPast(EventError, act.InPast):
    """The start is in the past."""


class EndBeforeStart(EventError, act.EndBeforeStart):
    """The end is not after the start."""


class EventClosed(EventError, act.Closed):
    """The event is cancelled or has started."""


class BadCapacity(EventError, act.BadCapacity):
    """Capacity must be between 1 and MAX_CAPACITY."""


class CapacityTooSmall(EventError, act.CapacityTooSmall):
    """More people already have places than the new capacity."""


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("series_id", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[int | None] = mapped_column(Integer)
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default=PLANNED)
    version: Mapped[int] = mapped_column(Integer, default=1)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("event_series.id", ondelete="SET NULL"), index=True)
    occurrence: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Series(Base):
    """A recurring event entered once: an RFC 5545 rule in Oslo time, materialised a year ahead."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(300))
    rule: Mapped[str] = mapped_column(String(200))
    first_local: Mapped[str] = mapped_column(String(16))  # "2027-05-01T08:00", Oslo wall-clock time
    minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer)
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rsvp(Base):
    __tablename__ = "event_rsvps"
    __table_args__ = (UniqueConstraint("event_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(8))
    seat: Mapped[str] = mapped_column(String(12), default=NONE)  # confirmed / waiting / none
    attended: Mapped[bool | None] = mapped_column(Boolean)
    # Place in the event's queue, drawn under the event's lock: the waiting list's order.
    queue: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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


SEATS = act.Seats(
    activity=Event, holder=Rsvp, activity_column="event_id", state_column="seat",
    errors={act.InPast: InPast, act.EndBeforeStart: EndBeforeStart, act.BadCapacity: BadCapacity,
            act.Closed: EventClosed, act.CapacityTooSmall: CapacityTooSmall},
)


def validate(kind: str, starts_at: datetime, ends_at: datetime, capacity: int | None, now: datetime) -> None:
    if kind not in KINDS:
        raise EventError(kind)
    act.check_times(SEATS, starts_at, ends_at, now)
    act.check_capacity(SEATS, capacity)


async def create_event(session: AsyncSession, *, kind: str, title: str, starts_at: datetime, ends_at: datetime, place: str,
                       now: datetime, description: str = "", capacity: int | None = None, partners: list[str] | None = None,
                       contact_id: int | None = None, latitude: float | None = None, longitude: float | None = None,
                       created_by: int | None = None) -> Event:
    validate(kind, starts_at, ends_at, capacity, now)
    event = Event(kind=kind, title=title.strip()[:200], description=description.strip()[:3000], starts_at=starts_at,
                  ends_at=ends_at, place=place.strip()[:300], capacity=capacity, partners=[p.strip() for p in partners or [] if p.strip()],
                  contact_id=contact_id, latitude=latitude, longitude=longitude, created_by=created_by)
    session.add(event)
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


async def answer(session: AsyncSession, event_id: int, member_id: int, reply: str, now: datetime) -> RsvpResult:
    """Yes takes a seat if one is free (else the waiting list, in the order answers commit); maybe
    and no take none. Giving up a seat hands it to the first on the waiting list."""
    if reply not in ANSWERS:
        raise EventError(reply)
    event = await get_event(session, event_id, lock=True)
    if not act.open_for_sign_up(event, now):
        raise EventClosed(event_id)
    rsvp = await rsvp_of(session, event_id, member_id)
    had_seat = rsvp is not None and rsvp.seat == CONFIRMED
    if rsvp is None:
        rsvp = Rsvp(event_id=event_id, member_id=member_id, answer=reply, seat=NONE, created_at=now, changed_at=now)
        session.add(rsvp)
    elif rsvp.answer == reply:
        position = await waiting_position(session, rsvp) if rsvp.seat == WAITING else 0
        return RsvpResult(rsvp, event, position)
    rsvp.answer, rsvp.changed_at = reply, now
    position = 0
    if reply == "yes":
        position = await act.take_seat(session, SEATS, event, rsvp, now)
    else:
        rsvp.seat = NONE
        await session.flush()
    promoted = await _promote(session, event, now) if had_seat and rsvp.seat != CONFIRMED else None
    return RsvpResult(rsvp, event, position, promoted)


async def waiting_position(session: AsyncSession, rsvp: Rsvp) -> int:
    return await act.waiting_position(session, SEATS, rsvp)


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
    event: Event = await act.move(session, SEATS, event_id, starts_at=starts_at, ends_at=ends_at, now=now)
    return event


async def cancel(session: AsyncSession, event_id: int) -> Event:
    event: Event = await act.cancel(session, SEATS, event_id)
    return event


async def edit(session: AsyncSession, event_id: int, *, now: datetime, title: str | None = None, place: str | None = None,
               description: str | None = None, capacity: int | None = None) -> tuple[Event, list[Member]]:
    """Change a planned event (a new version, so each change is announced once); more places go to
    the waiting list first. Returns (event, promoted)."""
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


async def occurrence_count(session: AsyncSession, series_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Event).where(Event.series_id == series_id)) or 0)


async def set_attendance(session: AsyncSession, rsvp_id: int, attended: bool) -> Rsvp:
    rsvp: Rsvp = await act.set_attendance(session, SEATS, rsvp_id, attended)
    return rsvp


async def joinable_within(session: AsyncSession, now: datetime, days: int) -> int:
    """Events and door-knocking rounds members can join in the coming `days`."""
    from models.rounds import PLANNED as ROUND_PLANNED
    from models.rounds import Round

    events = await session.scalar(select(func.count()).select_from(Event).where(
        Event.status == PLANNED, Event.starts_at > now, Event.starts_at <= now + timedelta(days=days)))
    rounds = await session.scalar(select(func.count()).select_from(Round).where(
        Round.status == ROUND_PLANNED, Round.starts_at > now, Round.starts_at <= now + timedelta(days=days)))
    return int(events or 0) + int(rounds or 0)


async def create_series(session: AsyncSession, *, kind: str, title: str, rule: str, first_local: datetime, minutes: int,
                        place: str, now: datetime, description: str = "", capacity: int | None = None,
                        partners: list[str] | None = None, contact_id: int | None = None) -> Series:
    if kind not in KINDS or minutes <= 0:
        raise EventError(kind)
    try:
        rrulestr(rule, dtstart=first_local.replace(tzinfo=None))
    except (ValueError, TypeError) as exc:
        raise EventError(f"rule: {rule}") from exc
    series = Series(kind=kind, title=title.strip()[:200], description=description, place=place, rule=rule,
                    first_local=first_local.replace(tzinfo=None).isoformat(timespec="minutes"), minutes=minutes,
                    capacity=capacity, partners=partners or [], contact_id=contact_id)
    session.add(series)
    await session.flush()
    await materialise(session, now, series_id=series.id)
    return series


def occurrences(series: Series, now: datetime, months: int = 12) -> list[datetime]:
    """The series' start times (UTC) from now until `months` ahead, computed in Oslo wall-clock time."""
    start = datetime.fromisoformat(series.first_local)
    local_now = now.astimezone(OSLO).replace(tzinfo=None)
    until = local_now + timedelta(days=31 * months)
    rule = rrulestr(series.rule, dtstart=start)
    return [moment.replace(tzinfo=OSLO).astimezone(now.tzinfo) for moment in rule.between(local_now, until, inc=True)]


async def materialise(session: AsyncSession, now: datetime, *, series_id: int | None = None) -> int:
    """Create the coming year's occurrences; existing ones (also moved or cancelled) are left alone."""
    query = select(Series).where(Series.active.is_(True))
    if series_id is not None:
        query = query.where(Series.id == series_id)
    created = 0
    for series in list(await session.scalars(query)):
        existing = set(await session.scalars(select(Event.occurrence).where(Event.series_id == series.id)))
        for moment in occurrences(series, now):
            day = moment.astimezone(OSLO).date()
            if day in existing or moment <= now:
                continue
            session.add(Event(kind=series.kind, title=series.title, description=series.description, starts_at=moment,
                              ends_at=moment + timedelta(minutes=series.minutes), place=series.place, capacity=series.capacity,
                              partners=list(series.partners or []), contact_id=series.contact_id, series_id=series.id,
                              occurrence=day))
            created += 1
    await session.flush()
    return created


async def calendar(session: AsyncSession, now: datetime, months: int = 12) -> list[Event]:
    return list(await session.scalars(select(Event).where(Event.status == PLANNED, Event.starts_at > now,
                                                          Event.starts_at < now + timedelta(days=31 * months))
                                      .order_by(Event.starts_at)))


@dataclass
class YearFigures:
    courses: int
    courses_goal: int
    open_with_partners: int
    open_goal: int
    attendance: dict[str, int]


async def year_figures(session: AsyncSession, year_start: datetime, year_end: datetime, now: datetime) -> YearFigures:
    held = list(await session.scalars(select(Event).where(Event.status == PLANNED, Event.starts_at >= year_start,
                                                          Event.starts_at < year_end, Event.ends_at <= now)))
    attendance: dict[str, int] = {}
    for event in held:
        present = await session.scalar(select(func.count()).select_from(Rsvp).where(
            Rsvp.event_id == event.id, (Rsvp.attended.is_(True)) | ((Rsvp.attended.is_(None)) & (Rsvp.seat == CONFIRMED))))
        attendance[event.kind] = attendance.get(event.kind, 0) + int(present or 0)
    return YearFigures(
        courses=sum(1 for e in held if e.kind == "course"), courses_goal=COURSES_PER_YEAR_GOAL,
        open_with_partners=sum(1 for e in held if e.kind == "open_meeting" and e.partners), open_goal=OPEN_MEETINGS_PER_YEAR_GOAL,
        attendance=attendance,
    )


def to_ics(event: Event, language: str = "nb") -> bytes:
    """A calendar file for one event, in Europe/Oslo, that any calendar app opens."""
    from icalendar import Calendar
    from icalendar import Event as IcsEvent

    cal = Calendar()
    cal.add("prodid", "-//Trondheim SV//lagbot//NO")
    cal.add("version", "2.0")
    item = IcsEvent()
    item.add("uid", f"event-{event.id}@lagbot.trondheim-sv")
    item.add("summary", event.title)
    item.add("dtstart", event.starts_at.astimezone(OSLO))
    item.add("dtend", event.ends_at.astimezone(OSLO))
    item.add("dtstamp", utcnow())
    item.add("location", event.place)
    if event.description:
        item.add("description", event.description)
    item.add("sequence", event.version - 1)
    cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical()


def parse_rows(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Kinds by Norwegian or English name, for `events import`."""
    names = {"sosialt": "social", "medlemsmøte": "member_meeting", "kurs": "course", "åpent møte": "open_meeting",
             "bystyregruppa": "council_group", "gruppemøte": "council_group", "bevegelsesdag": "movement_day",
             "programmøte": "programme"}
    out = []
    for row in rows:
        kind = (row.get("kind") or row.get("type") or "social").strip().lower()
        out.append({**row, "kind": names.get(kind, kind)})
    return out
