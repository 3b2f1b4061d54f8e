"""The year's calendar (årshjul): recurring series, what is planned, the year's figures, .ics files."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dateutil.rrule import rrulestr
from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import activity as act
from models import held as held_rule
from models import partners as partner_records
from models.activity import CONFIRMED, PLANNED
from models.base import utcnow
from models.constants import COURSES_PER_YEAR_GOAL, OPEN_MEETINGS_PER_YEAR_GOAL, OSLO
from models.event_tables import KINDS, TAGS, Event, EventError, Rsvp, Series
from models.event_tables import SEATS as EVENT_SEATS


async def is_contact_for_upcoming(session: AsyncSession, member_id: int, now: datetime) -> bool:
    """Whether the member is the contact person of a planned event not yet over."""
    return bool(await session.scalar(select(Event.id).where(Event.contact_id == member_id, Event.status == PLANNED,
                                                            Event.ends_at > now).limit(1)))


async def first_of_series(session: AsyncSession, series_id: int) -> Event | None:
    return await session.scalar(select(Event).where(Event.series_id == series_id).order_by(Event.starts_at).limit(1))


async def occurrence_count(session: AsyncSession, series_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Event).where(Event.series_id == series_id)) or 0)


async def joinable_within(session: AsyncSession, now: datetime, days: int) -> int:
    """Events and door-knocking rounds members can join in the coming `days`."""
    from models.rounds import PLANNED as ROUND_PLANNED
    from models.rounds import Round

    events = await session.scalar(select(func.count()).select_from(Event).where(
        Event.status == PLANNED, Event.starts_at > now, Event.starts_at <= now + timedelta(days=days)))
    rounds = await session.scalar(select(func.count()).select_from(Round).where(
        Round.status == ROUND_PLANNED, Round.starts_at > now, Round.starts_at <= now + timedelta(days=days)))
    return int(events or 0) + int(rounds or 0)


async def clashes(session: AsyncSession, member_id: int, activity: Any) -> list[Any]:
    """Rounds and events the member has a seat or waiting place in that overlap `activity` (a
    round or an event they have just joined), so the confirmation can say so."""
    from models.round_tables import SEATS as ROUND_SEATS
    from models.round_tables import Round

    joined = (ROUND_SEATS, activity.id) if isinstance(activity, Round) else (EVENT_SEATS, activity.id)
    return await act.overlapping(session, (ROUND_SEATS, EVENT_SEATS), member_id, activity.starts_at, activity.ends_at, besides=joined)


async def clashes_with_round(session: AsyncSession, member_id: int, round_id: int) -> list[Any]:
    """`clashes` for a round about to be joined, its times read within the same statement: asked in
    the join's transaction before the round is locked, not in a transaction of its own after."""
    from models.round_tables import SEATS as ROUND_SEATS

    return await act.load_overlaps(session, (ROUND_SEATS, EVENT_SEATS), _round_clash_probe(),
                                   {"member_id": member_id, "round_id": round_id})


@functools.cache
def _round_clash_probe() -> Any:
    """Built once with bound parameters: asked at every join, and building the union and working
    out its cache key cost more than running it."""
    from models.round_tables import SEATS as ROUND_SEATS
    from models.round_tables import Round

    round_id = bindparam("round_id", type_=Round.id.type)
    # Uncorrelated: the probe's own FROM has `rounds` too, and these are the joined round's times.
    starts, ends = (select(column).where(Round.id == round_id).correlate(None).scalar_subquery()
                    for column in (Round.starts_at, Round.ends_at))
    return act.overlap_probe((ROUND_SEATS, EVENT_SEATS), bindparam("member_id", type_=ROUND_SEATS.holder.member_id.type), starts, ends,
                             besides=(ROUND_SEATS, round_id))


async def create_series(session: AsyncSession, *, kind: str, title: str, rule: str, first_local: datetime, minutes: int,
                        place: str, now: datetime, description: str = "", capacity: int | None = None,
                        partners: list[str] | None = None, contact_id: int | None = None,
                        tags: list[str] | None = None) -> Series:
    if kind not in KINDS or minutes <= 0 or any(tag not in TAGS for tag in tags or []):
        raise EventError(kind)
    try:
        rrulestr(rule, dtstart=first_local.replace(tzinfo=None))
    except (ValueError, TypeError) as exc:
        raise EventError(f"rule: {rule}") from exc
    series = Series(kind=kind, title=title.strip()[:200], description=description, place=place, rule=rule,
                    first_local=first_local.replace(tzinfo=None).isoformat(timespec="minutes"), minutes=minutes,
                    capacity=capacity, partners=[p.name for p in await partner_records.canonical_names(session, partners)],
                    contact_id=contact_id, tags=[t for t in TAGS if t in (tags or [])], created_at=now)
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
    new: list[Event] = []
    for series in list(await session.scalars(query)):
        existing = set(await session.scalars(select(Event.occurrence).where(Event.series_id == series.id)))
        for moment in occurrences(series, now):
            day = moment.astimezone(OSLO).date()
            if day in existing or moment <= now:
                continue
            new.append(Event(kind=series.kind, title=series.title, description=series.description, starts_at=moment,
                             ends_at=moment + timedelta(minutes=series.minutes), place=series.place, capacity=series.capacity,
                             partners=list(series.partners or []), contact_id=series.contact_id, series_id=series.id,
                             tags=list(series.tags or []),
                             occurrence=day, created_at=now))
            session.add(new[-1])
            created += 1
    await session.flush()
    for event in new:
        if event.partners:
            await partner_records.link_event(session, event)
    return created


@dataclass(frozen=True)
class CalendarItem:
    """One line of the årshjul: an event (its kind) or a door-knocking round (kind "round")."""

    kind: str
    title: str
    starts_at: datetime


async def calendar(session: AsyncSession, now: datetime, months: int = 12) -> list[CalendarItem]:
    """What is planned in the coming `months`, events and door-knocking rounds together, by start."""
    from models.rounds import PLANNED as ROUND_PLANNED
    from models.rounds import Round

    until = now + timedelta(days=31 * months)
    events = await session.execute(select(Event.kind, Event.title, Event.starts_at).where(
        Event.status == PLANNED, Event.starts_at > now, Event.starts_at < until))
    rounds = await session.execute(select(Round.title, Round.starts_at).where(
        Round.status == ROUND_PLANNED, Round.starts_at > now, Round.starts_at < until))
    items = [CalendarItem(kind, title, starts_at) for kind, title, starts_at in events]
    items += [CalendarItem("round", title, starts_at) for title, starts_at in rounds]
    return sorted(items, key=lambda item: item.starts_at)


@dataclass
class YearFigures:
    courses: int
    courses_goal: int
    open_with_partners: int
    open_goal: int
    attendance: dict[str, int]


async def year_figures(session: AsyncSession, year_start: datetime, year_end: datetime, now: datetime) -> YearFigures:
    held = list(await session.scalars(select(Event).where(Event.starts_at >= year_start, Event.starts_at < year_end,
                                                          held_rule.event_held(now))))
    attendance: dict[str, int] = {}
    for event in held:
        present = await session.scalar(select(func.count()).select_from(Rsvp).where(
            Rsvp.event_id == event.id, (Rsvp.attended.is_(True)) | ((Rsvp.attended.is_(None)) & (Rsvp.seat == CONFIRMED))))
        attendance[event.kind] = attendance.get(event.kind, 0) + int(present or 0)
    # With partners on record (models/partners.py), not merely named in free text.
    with_partners = await partner_records.linked_events(session, [e.id for e in held if e.kind == "open_meeting"])
    return YearFigures(
        courses=sum(1 for e in held if "voter_course" in (e.tags or [])), courses_goal=COURSES_PER_YEAR_GOAL,
        open_with_partners=len(with_partners), open_goal=OPEN_MEETINGS_PER_YEAR_GOAL,
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

