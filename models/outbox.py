"""The outbox: every message lagbot sends on its own initiative is one row here.

A row is scheduled once per dedupe key, claimed by one dispatcher under a lease, sent, and
marked with the outcome. Nothing here talks to Telegram: the dispatcher in `bot/delivery.py` does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

KINDS: tuple[str, ...] = ("reminder", "nudge", "welcome", "broadcast", "notice", "task")
# Which member preference (from /innstillinger) governs each kind; None = always sent.
PREFERENCE_OF_KIND: dict[str, str | None] = {
    "reminder": "reminders",
    "nudge": "nudges",
    "welcome": "nudges",
    "broadcast": "broadcasts",
    "notice": None,
    "task": None,
}
# The reason written on a row the dispatcher holds until quiet hours end (no attempt spent).
HELD_FOR_QUIET_HOURS = "held for quiet hours"
# Kinds held during quiet hours and counted against the weekly cap, unless urgent.
DISCRETIONARY: frozenset[str] = frozenset({"nudge", "broadcast", "welcome"})
CAPPED: frozenset[str] = frozenset({"nudge", "broadcast"})
# Messages to volunteers that can wait for the morning: an offer to take a welcome call, the chair's notice
# that one is undone by day 10, a leader candidate or their answer, the board's "nothing planned", a leader's
# nudge to file a report, an invitation to become a caller, an ask's summary, a moved link. Not held: a
# reminder of one's own sign-ups, a call-back the caller set for that time, a person waiting to be linked.
HELD_TOPICS: frozenset[str] = frozenset({
    "welcome.offer", "welcome.late", "round.leader_candidate", "round.leader_accepted", "board.nothing_planned",
    "round.report", "call.invitation", "ask.summary", "board.link_moved"})


def held_in_quiet_hours(row: OutboxMessage) -> bool:
    """Whether quiet hours hold this row (not urgent, and discretionary by kind or by topic)."""
    return not row.urgent and (row.kind in DISCRETIONARY or row.topic in HELD_TOPICS)

PENDING, CLAIMED, SENT, FAILED, SKIPPED = "pending", "claimed", "sent", "failed", "skipped"


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        # Rows whose lease ran out are claimed again (models/outbox.py `_claimable`).
        Index("ix_outbox_status_lease", "status", "lease_until"),
        # The nudge rules' cooldowns look up each member's nudges (models/nudges.py `_not_nudged`).
        Index("ix_outbox_nudges_of_member", "member_id", "sent_at", sqlite_where=text("kind = 'nudge'"),
              postgresql_where=text("kind = 'nudge'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the message is about, rendered when it is sent (bot/render.py): a topic such as
    # "round.reminder_24h", the activity it concerns, a member it names, and small parameters.
    # Rows without a topic (broadcasts the board wrote, older rows) carry their `text` as written.
    topic: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    about_member_id: Mapped[int | None] = mapped_column(BigInteger)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[list[dict[str, str]]] | None] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Button:
    """One inline button: callback data, or a URL."""

    label: str
    data: str | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, **({"data": self.data} if self.data else {}), **({"url": self.url} if self.url else {})}


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


def row(
    *,
    dedupe_key: str,
    kind: str,
    due_at: datetime,
    text: str = "",
    member_id: int | None = None,
    chat_id: int | None = None,
    buttons: list[list[Button]] | None = None,
    urgent: bool = False,
    broadcast_id: int | None = None,
    topic: str | None = None,
    subject_id: int | None = None,
    about_member_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of one outbox row, for `schedule` or `schedule_many`.

    Either `text` (as written, e.g. a broadcast) or a `topic` rendered when sent (bot/render.py)."""
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    if not text and topic is None:
        raise ValueError("an outbox row needs a text or a topic")
    return {
        "dedupe_key": dedupe_key,
        "member_id": member_id,
        "chat_id": chat_id,
        "kind": kind,
        "urgent": urgent,
        "text": text,
        "topic": topic,
        "subject_id": subject_id,
        "about_member_id": about_member_id,
        "params": params,
        "buttons": [[b.as_dict() for b in line] for line in buttons] if buttons else None,
        "due_at": due_at,
        "status": PENDING,
        "attempts": 0,
        "broadcast_id": broadcast_id,
        "created_at": utcnow(),
    }


async def schedule(session: AsyncSession, **values: Any) -> bool:
    """Queue one message (see `row`); False when that dedupe key was already queued (a no-op)."""
    return await schedule_many(session, [row(**values)]) == 1


async def skip(session: AsyncSession, *, dedupe_key: str, kind: str, member_id: int | None, reason: str, now: datetime) -> bool:
    """Record that a message was considered and not sent (it no longer fitted); the key stays used."""
    statement = _insert(session)(OutboxMessage).values(
        dedupe_key=dedupe_key, member_id=member_id, kind=kind, urgent=False, text="", due_at=now, status=SKIPPED,
        attempts=0, last_error=reason, created_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return bool((await session.execute(statement)).rowcount)


async def exists(session: AsyncSession, dedupe_key: str) -> bool:
    return await session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None


async def existing_keys(session: AsyncSession, keys: list[str]) -> set[str]:
    """Which of these dedupe keys are queued already (in any state)."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found |= set(await session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(chunk))))
    return found


_SCHEDULE = {
    name: insert(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxMessage.__table__.c.id)
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


async def schedule_many(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Queue many messages in one statement per thousand (a broadcast, one member's reminders); a dedupe key
    already queued is skipped. Returns how many were new."""
    if not rows:
        return 0
    now = utcnow()
    prepared = [
        {"urgent": False, "buttons": None, "chat_id": None, "broadcast_id": None, "topic": None, "subject_id": None,
         "about_member_id": None, "params": None, **row,
         "status": PENDING, "attempts": 0, "created_at": now}
        for row in rows
    ]
    # One statement, compiled once whatever the number of rows: SQLAlchemy sends the rows as
    # multi-row INSERTs of up to a thousand ("insertmanyvalues"). A VALUES clause built here for
    # each call was compiled anew for each number of rows (16 bound columns a row), which cost
    # an upkeep pass more than its queries did. RETURNING counts the new rows.
    result = await session.execute(_SCHEDULE[session.bind.dialect.name], prepared)
    return len(result.all())


async def cancel(session: AsyncSession, key_prefix: str) -> int:
    """Remove pending rows whose dedupe key starts with `key_prefix` (a member leaves a round)."""
    result = await session.execute(
        delete(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True),
                                    OutboxMessage.status == PENDING)
    )
    return int(result.rowcount or 0)


async def supersede(session: AsyncSession, key_prefix: str, *, keep: str) -> int:
    """Pending rows with this key prefix (but `keep`) will not be sent: a newer notice replaces them."""
    result = await session.execute(
        update(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True),
                                    OutboxMessage.dedupe_key != keep, OutboxMessage.status == PENDING)
        .values(status=SKIPPED, last_error="superseded by a newer change")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def reschedule(session: AsyncSession, key_prefix: str, delta: timedelta) -> int:
    """Move pending rows by `delta` (a round moves); sent ones stay as they were."""
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True),
                                    OutboxMessage.status == PENDING)
    )
    moved = 0
    for row in rows:
        row.due_at = row.due_at + delta
        moved += 1
    await session.flush()
    return moved


def _claimable(now: datetime) -> Any:
    return or_(
        and_(OutboxMessage.status == PENDING, OutboxMessage.due_at <= now),
        and_(OutboxMessage.status == CLAIMED, OutboxMessage.lease_until < now),
    )


# The earliest pending row's due time and the earliest lease among claimed rows: each the first entry
# of its index (ix_outbox_status_due, ix_outbox_status_lease), so this costs the same however many
# rows wait for later, on either database and whatever the planner estimates. Built once.
_NEXT_DUE = select(
    select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == PENDING).scalar_subquery(),
    select(func.min(OutboxMessage.lease_until)).where(OutboxMessage.status == CLAIMED).scalar_subquery(),
)


async def any_due(session: AsyncSession, now: datetime) -> bool:
    """Whether `claim_due` would find a row now (the same conditions as `_claimable`), read without
    writing: an idle dispatcher tick asks this and takes no write lock."""
    due, lease = (await session.execute(_NEXT_DUE)).one()
    return (due is not None and due <= now) or (lease is not None and lease < now)


async def claim_due(session: AsyncSession, *, now: datetime, limit: int, lease: timedelta, worker: str) -> list[OutboxMessage]:
    """Claim up to `limit` due rows for this worker; no two workers ever hold the same row.

    PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so concurrent dispatchers take disjoint rows.
    SQLite: one UPDATE … RETURNING, which SQLite runs under its single writer lock.
    """
    # A row tried before goes ahead of rows not yet tried (among the urgent, then the others): a
    # message that failed once in a long broadcast is retried within seconds, not after the rest.
    order = (OutboxMessage.urgent.desc(), (OutboxMessage.attempts > 0).desc(), OutboxMessage.due_at, OutboxMessage.id)
    due = select(OutboxMessage.id).where(_claimable(now)).order_by(*order).limit(limit)
    if session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(status=CLAIMED, lease_until=now + lease, claimed_by=worker)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    claimed = [row[0] for row in result.all()]
    if not claimed:
        return []
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(*order)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def _finish(session: AsyncSession, row_id: int, worker: str, **values: Any) -> bool:
    """Record an outcome, only if this worker still holds the row."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == CLAIMED, OutboxMessage.claimed_by == worker)
        .values(lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


async def mark_sent(session: AsyncSession, row_id: int, worker: str, *, message_id: int | None, now: datetime,
                    text: str | None = None) -> bool:
    """Sent; `text` records what a rendered row said (for the member's data export; erasure clears it)."""
    extra = {"text": text} if text is not None else {}
    return await _finish(session, row_id, worker, status=SENT, sent_at=now, telegram_message_id=message_id,
                         attempts=OutboxMessage.attempts + 1, **extra)


async def mark_retry(session: AsyncSession, row_id: int, worker: str, *, due_at: datetime, error: str,
                     count_attempt: bool = True) -> bool:
    attempts = OutboxMessage.attempts + (1 if count_attempt else 0)
    return await _finish(session, row_id, worker, status=PENDING, due_at=due_at, last_error=error[:500],
                         attempts=attempts, claimed_by=None)


async def mark_failed(session: AsyncSession, row_id: int, worker: str, *, error: str) -> bool:
    return await _finish(session, row_id, worker, status=FAILED, last_error=error[:500], attempts=OutboxMessage.attempts + 1)


async def mark_skipped(session: AsyncSession, row_id: int, worker: str, *, reason: str) -> bool:
    return await _finish(session, row_id, worker, status=SKIPPED, last_error=reason)


async def delete_finished(session: AsyncSession, *, due_before: datetime, limit: int) -> int:
    """Delete up to `limit` sent, failed or skipped rows due before `due_before` (not a broadcast's:
    its report counts them); returns how many went."""
    old = select(OutboxMessage.id).where(OutboxMessage.status.in_((SENT, FAILED, SKIPPED)), OutboxMessage.due_at < due_before,
                                         OutboxMessage.broadcast_id.is_(None)).limit(limit)
    result = await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(old.scalar_subquery()))
                                   .execution_options(synchronize_session=False))
    return max(result.rowcount or 0, 0)


async def capped_sent_since(session: AsyncSession, member_id: int, since: datetime) -> int:
    """Nudges and non-urgent broadcasts sent to a member since `since` (for the weekly cap)."""
    return int(await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.member_id == member_id,
            OutboxMessage.status == SENT,
            OutboxMessage.kind.in_(CAPPED),
            OutboxMessage.urgent.is_(False),
            OutboxMessage.sent_at >= since,
        )
    ) or 0)


async def capped_counts_since(session: AsyncSession, since: datetime) -> dict[int, int]:
    rows = await session.execute(
        select(OutboxMessage.member_id, func.count()).where(
            OutboxMessage.status == SENT, OutboxMessage.kind.in_(CAPPED), OutboxMessage.urgent.is_(False),
            OutboxMessage.sent_at >= since, OutboxMessage.member_id.is_not(None),
        ).group_by(OutboxMessage.member_id)
    )
    return {member_id: count for member_id, count in rows.all()}


async def rows_with_prefix(session: AsyncSession, key_prefix: str) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True)).order_by(OutboxMessage.id)
    )
    return list(rows)


def buttons_of(row: OutboxMessage) -> list[list[dict[str, str]]]:
    value = row.buttons
    if isinstance(value, str):
        value = json.loads(value)
    return value or []


def params_of(row: OutboxMessage) -> dict[str, Any]:
    value = row.params
    if isinstance(value, str):
        value = json.loads(value)
    return value or {}
