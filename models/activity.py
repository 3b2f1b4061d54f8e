"""One activity with seats: what door-knocking rounds and events share.

An activity is a row with a time, a place, a capacity (None = no limit), a status and a version;
its seats are rows of another table that say which member holds a seat or waits for one. Rounds
(`models/rounds.py`) and events (`models/events.py`) keep their own tables and describe them to
this module with a `Seats` spec; the rules live here once:

- sign-up takes a seat if one is free, else a place at the end of the waiting list;
- the waiting list is in the order sign-ups were *committed*: each one draws a queue number under
  the activity's lock (PostgreSQL: the activity row FOR UPDATE; SQLite: BEGIN IMMEDIATE, one
  writer at a time), so positions are distinct and promotion follows them;
- a freed seat, or more seats, go to the first on the waiting list;
- moving, editing and cancelling bump `version`, so each change is announced once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, case, func, literal, literal_column, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload

from models.constants import MAX_CAPACITY
from models.errors import DomainError, NotFound
from models.member import Member

PLANNED, CANCELLED = "planned", "cancelled"
CONFIRMED, WAITING = "confirmed", "waiting"


class ActivityError(DomainError):
    """An activity cannot be created, changed or joined as asked."""


class InPast(ActivityError):
    """The start is in the past."""


class EndBeforeStart(ActivityError):
    """The end is not after the start."""


class BadCapacity(ActivityError):
    """Capacity must be between 1 and MAX_CAPACITY."""


class Closed(ActivityError):
    """The activity is cancelled or has already started."""


class Started(Closed):
    """The activity has begun (or is over): it stays as it was held, neither moved nor cancelled."""


class NowSeated(ActivityError):
    """A waiting-list button pressed after the member was given a seat: the seat is not given up by it."""


class Moved(ActivityError):
    """A button sent about the activity at another start than it has now (it moved since): it acts on nothing."""


class AlreadySignedUp(ActivityError):
    """The member already has a seat or a place on the waiting list."""


class NotSignedUp(ActivityError):
    """The member is not signed up."""


class CapacityTooSmall(ActivityError):
    """More people already have seats than the new capacity."""


@dataclass(frozen=True)
class Seats:
    """How one kind of activity keeps its seats: its tables, and the errors its callers catch.

    `activity`: the ORM class (id, status, starts_at, ends_at, capacity, version).
    `holder`: the ORM class of a seat (member_id, queue, attended, changed_at, and `state_column`).
    `errors`: the caller's subclass of each shared error, so `except RoundClosed` keeps working.
    """

    activity: Any
    holder: Any
    activity_column: str
    state_column: str = "status"
    errors: Mapping[type[ActivityError], type[ActivityError]] = field(default_factory=dict)
    # Collections read with the activity in the same statement (a round's teams): one query, not
    # the relationship's own second one.
    joined: tuple[Any, ...] = ()
    # More columns a sign-up sets, as SQL over the state it is given (`claim_seat`): a round's team.
    on_claim: Callable[[Any], dict[str, Any]] | None = None

    def fail(self, error: type[ActivityError], *args: Any) -> ActivityError:
        return self.errors.get(error, error)(*args)

    def of(self, activity_id: Any) -> Any:
        """The condition "seat rows of this activity" (or of these, given a list)."""
        column = getattr(self.holder, self.activity_column)
        return column.in_(activity_id) if isinstance(activity_id, list) else column == activity_id

    @property
    def state(self) -> Any:
        return getattr(self.holder, self.state_column)


def check_times(spec: Seats, starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise spec.fail(InPast, starts_at)
    if ends_at <= starts_at:
        raise spec.fail(EndBeforeStart, ends_at)


def check_capacity(spec: Seats, capacity: int | None) -> None:
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise spec.fail(BadCapacity, capacity)


_PREBUILT: dict[tuple[int, str], Any] = {}


def prebuilt(spec: Seats, name: str, build: Callable[[], Any]) -> Any:
    """A statement of a sign-up's critical path, built once per kind of activity with bound
    parameters: building it, and working out its cache key, cost more than running it."""
    key = (id(spec), name)
    if key not in _PREBUILT:
        _PREBUILT[key] = build()
    return _PREBUILT[key]


async def get(session: AsyncSession, spec: Seats, activity_id: int, *, lock: bool = False) -> Any:
    """The activity; with `lock`, held FOR UPDATE on PostgreSQL until the transaction ends."""
    lock = lock and session.bind.dialect.name == "postgresql"

    def build() -> Any:
        query = (select(spec.activity).where(spec.activity.id == bindparam("activity_id"))
                 .options(*(joinedload(c) for c in spec.joined)))
        if lock:
            # OF the activity's table: PostgreSQL locks no row on the outer-joined side.
            query = query.with_for_update(of=spec.activity).execution_options(populate_existing=True)
        return query

    query = prebuilt(spec, "get, locked" if lock else "get", build)
    activity = (await session.execute(query, {"activity_id": activity_id})).unique().scalar_one_or_none()
    if activity is None:
        raise NotFound(activity_id)
    return activity


def minute(moment: datetime) -> int:
    """A start as a button sent about it carries it: whole minutes since 1970 (UTC)."""
    return int(moment.timestamp()) // 60


def check_unmoved(spec: Seats, activity: Any, sent_for: int | None) -> None:
    """A button that carries the start it was sent about (`minute`) acts only while the activity still
    starts then; one sent before a move raises Moved (None: a button that carries no start)."""
    if sent_for is not None and minute(activity.starts_at) != sent_for:
        raise spec.fail(Moved, activity.id)


def open_for_sign_up(activity: Any, now: datetime) -> bool:
    return bool(activity.status == PLANNED and activity.starts_at > now)


async def seat_counts(session: AsyncSession, spec: Seats, activity_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per activity: (seats taken, waiting)."""
    result = {activity_id: [0, 0] for activity_id in activity_ids}
    if not activity_ids:
        return {}
    key = getattr(spec.holder, spec.activity_column)
    rows = await session.execute(
        select(key, spec.state, func.count()).where(spec.of(activity_ids), spec.state.in_((CONFIRMED, WAITING)))
        .group_by(key, spec.state)
    )
    for activity_id, state, count in rows.all():
        result[activity_id][0 if state == CONFIRMED else 1] = count
    return {activity_id: (taken, waiting) for activity_id, (taken, waiting) in result.items()}


async def taken(session: AsyncSession, spec: Seats, activity_id: int) -> int:
    return (await seat_counts(session, spec, [activity_id]))[activity_id][0]


async def claim_seat(session: AsyncSession, spec: Seats, activity: Any, member_id: int, now: datetime) -> tuple[Any, int] | None:
    """Give `member_id` a seat if one is free, else the end of the waiting list: one statement, run
    under the activity's lock (`get(..., lock=True)`), so the lock is held for as few round trips as
    can be. A new seat row, or the member's old one reused (one who left and comes back), with the
    columns of `spec.on_claim` set again. Returns the row and 0 or the waiting position; None when the member
    holds a seat or a place already (nothing is changed).

    The seats are counted by a new statement after the lock is taken: under PostgreSQL's READ
    COMMITTED each statement sees what committed before it began, so it sees every sign-up that held
    the lock before this one. (Counting in the statement that takes the lock would not.)"""
    dialect = session.bind.dialect.name
    statement = prebuilt(spec, f"claim seat, {dialect}", lambda: _claim_statement(spec, dialect))
    params = {"activity_id": activity.id, "member_id": member_id, "capacity": activity.capacity, "now": now}
    row = (await session.execute(statement, params)).first()
    if row is None:
        return None
    holder, ahead = row
    return holder, 0 if getattr(holder, spec.state_column) == CONFIRMED else int(ahead) + 1


def _claim_statement(spec: Seats, dialect: str) -> Any:
    """INSERT … ON CONFLICT (activity, member) DO UPDATE … WHERE the old row holds nothing, RETURNING the
    row and how many wait ahead of it. Its state and queue number are subqueries over the seats."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    holder, activity_id = spec.holder, bindparam("activity_id")
    activity_key = getattr(holder, spec.activity_column)
    seated = select(func.count()).where(activity_key == activity_id, spec.state == CONFIRMED).scalar_subquery()
    capacity = bindparam("capacity", type_=Integer)
    state = case((capacity.is_(None) | (seated < capacity), CONFIRMED), else_=WAITING)
    queue = select(func.coalesce(func.max(holder.queue), 0) + 1).where(activity_key == activity_id).scalar_subquery()
    renewed = {spec.state_column: state, "queue": queue, "created_at": bindparam("now"), "changed_at": bindparam("now"),
               **(spec.on_claim(state) if spec.on_claim else {})}
    statement = insert(holder).values(**{spec.activity_column: activity_id, "member_id": bindparam("member_id")}, **renewed)
    statement = statement.on_conflict_do_update(
        index_elements=[activity_key, holder.member_id],
        set_={column: getattr(statement.excluded, column) for column in renewed},
        where=spec.state.not_in((CONFIRMED, WAITING)))
    # How many wait ahead: a subquery on the returned row (named as the table: the row being written).
    ahead_of = aliased(holder, name="ahead")
    table = holder.__table__.name
    ahead = (select(func.count()).select_from(ahead_of)
             .where(getattr(ahead_of, spec.activity_column) == literal_column(f"{table}.{spec.activity_column}"),
                    getattr(ahead_of, spec.state_column) == WAITING, ahead_of.queue < literal_column(f"{table}.queue"))
             .scalar_subquery())
    return statement.returning(holder, ahead).execution_options(populate_existing=True)


async def waiting_position(session: AsyncSession, spec: Seats, holder: Any) -> int:
    """1 for the first on the waiting list: the order in which sign-ups were committed."""
    ahead = await session.scalar(
        select(func.count()).select_from(spec.holder).where(
            spec.of(getattr(holder, spec.activity_column)), spec.state == WAITING,
            (spec.holder.queue < holder.queue) | ((spec.holder.queue == holder.queue) & (spec.holder.id < holder.id)),
        )
    )
    return int(ahead or 0) + 1


async def waiting_positions(session: AsyncSession, spec: Seats, holders: Sequence[Any]) -> dict[int, int]:
    """Each waiting holder's number on its activity's waiting list (as `waiting_position`), by holder
    id, for any number of activities in one query."""
    wanted = {holder.id for holder in holders if getattr(holder, spec.state_column) == WAITING}
    if not wanted:
        return {}
    key = getattr(spec.holder, spec.activity_column)
    activity_ids = sorted({getattr(holder, spec.activity_column) for holder in holders if holder.id in wanted})
    number = func.row_number().over(partition_by=key, order_by=(spec.holder.queue.asc().nulls_last(), spec.holder.id))
    ranked = (select(spec.holder.id.label("id"), number.label("number"))
              .where(spec.of(activity_ids), spec.state == WAITING).subquery())
    rows = await session.execute(select(ranked.c.id, ranked.c.number).where(ranked.c.id.in_(sorted(wanted))))
    return {int(holder_id): int(position) for holder_id, position in rows.all()}


async def waiting_list(session: AsyncSession, spec: Seats, activity_id: int) -> list[Any]:
    return list(await session.scalars(
        select(spec.holder).where(spec.of(activity_id), spec.state == WAITING).order_by(spec.holder.queue, spec.holder.id)
    ))


async def promote(session: AsyncSession, spec: Seats, activity: Any, now: datetime) -> Any | None:
    """Hand a free seat to the first on the waiting list; returns their seat row, or None."""
    if activity.capacity is None or await taken(session, spec, activity.id) >= activity.capacity:
        return None
    first = await session.scalar(
        select(spec.holder).where(spec.of(activity.id), spec.state == WAITING)
        .order_by(spec.holder.queue, spec.holder.id).limit(1)
    )
    if first is None:
        return None
    setattr(first, spec.state_column, CONFIRMED)
    first.changed_at = now
    await session.flush()
    return first


async def member_of(session: AsyncSession, holder: Any | None) -> Member | None:
    return None if holder is None else await session.get(Member, holder.member_id)


async def resize(session: AsyncSession, spec: Seats, activity: Any, capacity: int | None, now: datetime) -> list[Any]:
    """A new capacity, for an activity that has not begun (Started: its seats are settled, and nobody
    is given a seat on something under way); never below the seats taken. More seats go to the
    waiting list first."""
    if activity.starts_at <= now:
        raise spec.fail(Started, activity.id)
    check_capacity(spec, capacity)
    seated = await taken(session, spec, activity.id)
    if capacity is not None and capacity < seated:
        raise spec.fail(CapacityTooSmall, seated)
    activity.capacity = capacity
    await session.flush()
    promoted = []
    while (holder := await promote(session, spec, activity, now)) is not None:
        promoted.append(holder)
    return promoted


async def changeable(session: AsyncSession, spec: Seats, activity_id: int, now: datetime | None = None, *,
                     unstarted: bool = False) -> Any:
    """The activity, locked, if it may still be changed (planned, and not over when `now` is given;
    with `unstarted`, not begun either: Started)."""
    activity = await get(session, spec, activity_id, lock=True)
    if activity.status != PLANNED:
        raise spec.fail(Closed, activity_id)
    if now is not None and unstarted and activity.starts_at <= now:
        raise spec.fail(Started, activity_id)
    if now is not None and activity.ends_at <= now:
        raise spec.fail(Closed, activity_id)
    return activity


def bump(activity: Any) -> None:
    """A change members must hear about once: reminders and notices key on the new version."""
    activity.version = (activity.version or 1) + 1


async def move(session: AsyncSession, spec: Seats, activity_id: int, *, starts_at: datetime, ends_at: datetime,
               now: datetime) -> Any:
    """A new time, for an activity that has not begun (one that has stays as it was held: Started)."""
    activity = await changeable(session, spec, activity_id, now, unstarted=True)
    check_times(spec, starts_at, ends_at, now)
    activity.starts_at, activity.ends_at = starts_at, ends_at
    bump(activity)
    await session.flush()
    return activity


async def cancel(session: AsyncSession, spec: Seats, activity_id: int, now: datetime | None = None) -> Any:
    """Cancel a planned activity; with `now`, one that has begun is refused (Started)."""
    activity = await changeable(session, spec, activity_id, now, unstarted=True)
    activity.status = CANCELLED
    bump(activity)
    await session.flush()
    return activity


async def set_attendance(session: AsyncSession, spec: Seats, holder_id: int, attended: bool, *,
                         seated_only: bool = False) -> Any:
    holder = await session.get(spec.holder, holder_id)
    if holder is None or (seated_only and getattr(holder, spec.state_column) != CONFIRMED):
        raise NotFound(holder_id)
    holder.attended = attended
    await session.flush()
    return holder


def attended_condition(spec: Seats, ends_at: Any, now: datetime) -> Any:
    """Took part: checked in, or held a seat at a finished activity where nobody checked in."""
    return (spec.holder.attended.is_(True)) | (
        (spec.holder.attended.is_(None)) & (spec.state == CONFIRMED) & (ends_at <= now)
    )


def overlap_probe(specs: Sequence[Seats], member_id: Any, starts_at: datetime | Any, ends_at: datetime | Any, *,
                  besides: tuple[Seats, Any]) -> Any:
    """The ids (and which of `specs`) of the member's other planned activities, seated or waiting,
    that overlap this time; `besides` is the activity being joined. Values or bound parameters."""
    probes = []
    for number, spec in enumerate(specs):
        activity, holder = spec.activity, spec.holder
        probe = (select(literal(number).label("spec"), activity.id.label("id"))
                 .join(holder, getattr(holder, spec.activity_column) == activity.id)
                 .where(holder.member_id == member_id, spec.state.in_((CONFIRMED, WAITING)), activity.status == PLANNED,
                        activity.starts_at < ends_at, activity.ends_at > starts_at))
        if spec is besides[0]:
            probe = probe.where(activity.id != besides[1])
        probes.append(probe)
    return union_all(*probes)


async def overlapping(session: AsyncSession, specs: Sequence[Seats], member_id: int, starts_at: datetime | Any,
                      ends_at: datetime | Any, *, besides: tuple[Seats, int]) -> list[Any]:
    """The member's other planned activities, seated or waiting, that overlap this time (soonest
    first); `besides` is the activity being joined.

    Asked after every join, and nearly always empty: one plain query finds the ids, and only a
    clash loads its activity."""
    return await load_overlaps(session, specs, overlap_probe(specs, member_id, starts_at, ends_at, besides=besides), {})


async def load_overlaps(session: AsyncSession, specs: Sequence[Seats], probe: Any, params: dict[str, Any]) -> list[Any]:
    """Run an `overlap_probe` and load the activities it found, soonest first."""
    hits = (await session.execute(probe, params)).all()
    found: list[Any] = []
    for number, spec in enumerate(specs):
        if ids := [hit.id for hit in hits if hit.spec == number]:
            found += list(await session.scalars(select(spec.activity).where(spec.activity.id.in_(ids))))
    return sorted(found, key=lambda item: item.starts_at)
