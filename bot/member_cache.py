"""The member writing, read once (one statement) and kept in process between their updates.

Every update needs the member, with roles and interests, to route and render. Reading them is one
statement; keeping them here makes most updates read nothing. The copy is kept current by the
writes that change it: any session in this process that flushes a change to a member, a role or
an interest (or runs an UPDATE/DELETE on those tables) forgets that member when it commits. A
write from another process (the command line, a second instance) is seen within `TTL` seconds.

The cache serves reading and rendering (DECISIONS, "Member cache and roles"): a check that guards
a state change reads the role again inside the transaction of the change.
"""

from __future__ import annotations

import functools
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Delete, Insert, Update, bindparam, event, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, contains_eager, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from models.member import MEMBERS_CURRENT, MEMBERS_TOUCHED, Member, MemberInterest, MemberRole

TTL = 60.0  # seconds: how long a change made by another process may go unseen by reads
WATCHED = frozenset({"members", "member_roles", "member_interests"})
_TOUCHED = "lagbot.members_touched"
_ALL = -1  # in a session's touched set: forget every member
_CHANGED = "lagbot.members_changed"

_caches: weakref.WeakSet[MemberCache] = weakref.WeakSet()


async def read_member(session: AsyncSession, telegram_id: int) -> Member | None:
    """The member with their roles and interests, in one statement (no follow-up selects)."""
    query = (select(Member).outerjoin(Member.roles).outerjoin(Member.interests)
             .where(Member.telegram_id == telegram_id)
             .options(contains_eager(Member.roles), contains_eager(Member.interests)))
    return (await session.scalars(query)).unique().one_or_none()


async def load_member(session: AsyncSession, telegram_id: int) -> Member | None:
    """`read_member` for reading only: the same row, roles and interests, read by one prebuilt Core
    statement and put together as the cache puts a member together (detached, as if just loaded).
    An update's member is read this way whenever it is not in the cache; building the ORM query
    and loading its rows through the ORM cost several times the query."""
    rows = (await session.execute(_member_rows(), {"telegram_id": telegram_id})).mappings().all()
    if not rows:
        return None
    roles = {row["r.id"]: _values(MemberRole, row, "r.") for row in rows if row["r.id"] is not None}
    interests = {row["i.id"]: _values(MemberInterest, row, "i.") for row in rows if row["i.id"] is not None}
    return _assemble(_values(Member, rows[0], "m."), list(roles.values()), list(interests.values()))


@functools.cache
def _member_rows() -> Any:
    member, role, interest = (cls.__table__ for cls in (Member, MemberRole, MemberInterest))
    columns = [column.label(prefix + key) for cls, prefix in ((Member, "m."), (MemberRole, "r."), (MemberInterest, "i."))
               for key, column in _column_of(cls).items()]
    return (select(*columns)
            .select_from(member.outerjoin(role, role.c.member_id == member.c.id)
                         .outerjoin(interest, interest.c.member_id == member.c.id))
            .where(member.c.telegram_id == bindparam("telegram_id", type_=member.c.telegram_id.type)))


@functools.cache
def _column_of(cls: type[Any]) -> dict[str, Any]:
    """Attribute name -> table column, for each mapped column."""
    return {prop.key: prop.columns[0] for prop in cls.__mapper__.column_attrs}


def _values(cls: type[Any], row: Any, prefix: str) -> dict[str, Any]:
    return {key: row[prefix + key] for key in _column_of(cls)}


def _assemble(member_values: dict[str, Any], roles_values: Any, interests_values: Any) -> Member:
    member = _detached(Member, member_values)
    roles = [_detached(MemberRole, values) for values in roles_values]
    interests = [_detached(MemberInterest, values) for values in interests_values]
    for child in (*roles, *interests):
        set_committed_value(child, "member", member)
    set_committed_value(member, "roles", roles)
    set_committed_value(member, "interests", interests)
    return member


@dataclass(frozen=True)
class _Snapshot:
    member: dict[str, Any]
    roles: tuple[dict[str, Any], ...]
    interests: tuple[dict[str, Any], ...]
    read_at: float


def _columns(obj: Any) -> dict[str, Any]:
    """The object's column values, from its dict where loaded (a snapshot is taken after every change)."""
    loaded = obj.__dict__
    return {key: loaded[key] if key in loaded else getattr(obj, key) for key in _column_of(type(obj))}


def _detached(cls: type[Any], values: dict[str, Any]) -> Any:
    """An instance as a query would load it: the values put in its dict, not set one by one through
    the constructor's instrumented attributes (a member has some thirty columns, read every update)."""
    obj = cls.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)  # as if just loaded: no pending changes
    return obj


class MemberCache:
    """Members by Telegram id. Each update gets its own detached copy, so that two updates never
    share (or attach to two sessions) one object."""

    def __init__(self, ttl: float = TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self._by_telegram: dict[int, _Snapshot] = {}
        self._telegram_of: dict[int, int] = {}
        self.generation = 0  # bumped by every forget: a read that began before it is not kept
        self.hits = self.misses = 0
        _caches.add(self)

    def get(self, telegram_id: int) -> Member | None:
        snapshot = self._by_telegram.get(telegram_id)
        if snapshot is None or self.clock() - snapshot.read_at > self.ttl:
            self.misses += 1
            return None
        self.hits += 1
        return _assemble(snapshot.member, snapshot.roles, snapshot.interests)

    def put(self, member: Member, generation: int) -> None:
        """Keep what a read that began at `generation` found (unless a change came in between)."""
        if generation != self.generation or member.telegram_id is None:
            return
        self._keep(member)

    def _keep(self, member: Member) -> None:
        assert member.telegram_id is not None
        self._by_telegram[member.telegram_id] = _Snapshot(
            _columns(member), tuple(_columns(r) for r in member.roles), tuple(_columns(i) for i in member.interests),
            self.clock())
        self._telegram_of[member.id] = member.telegram_id

    def forget(self, member_ids: set[int]) -> None:
        self.generation += 1
        if _ALL in member_ids:
            self._by_telegram.clear()
            self._telegram_of.clear()
            return
        for member_id in member_ids:
            telegram_id = self._telegram_of.pop(member_id, None)
            if telegram_id is not None:
                self._by_telegram.pop(telegram_id, None)


def _touched(session: Session) -> set[int]:
    touched: set[int] = session.info.setdefault(_TOUCHED, set())
    return touched


def _complete(member: Member) -> bool:
    """Every column, the roles and the interests in memory: a snapshot needs no database."""
    state = inspect(member)
    return not state.unloaded and not state.expired and not state.deleted and member.telegram_id is not None


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Member):
            _touched(session).add(obj.id if obj.id is not None else _ALL)
            if obj not in session.deleted:
                session.info.setdefault(_CHANGED, []).append(obj)
        elif isinstance(obj, (MemberRole, MemberInterest)):
            _touched(session).add(obj.member_id if obj.member_id is not None else _ALL)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    statement = state.statement
    if isinstance(statement, (Insert, Update, Delete)):
        if getattr(statement.table, "name", None) in WATCHED:
            # A statement that names the members it changes (`MEMBERS_TOUCHED`) forgets only them.
            named = state.execution_options.get(MEMBERS_TOUCHED)
            _touched(state.session).update(named if named is not None else (_ALL,))
            state.session.info.setdefault(_CHANGED, []).extend(state.execution_options.get(MEMBERS_CURRENT, ()))
    else:  # text or anything else that is not a select: assume the worst
        _touched(state.session).add(_ALL)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, None)
    changed: list[Member] = session.info.pop(_CHANGED, [])
    if not touched:
        return
    # A member changed through the ORM, whole in memory, is kept as just committed ("kept current
    # by the writes"); anything else is forgotten and read again when next needed.
    current = [] if _ALL in touched else [m for m in changed if _complete(m)]
    for cache in list(_caches):
        cache.forget(touched)
        for member in current:
            cache._keep(member)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_TOUCHED, None)
    session.info.pop(_CHANGED, None)
