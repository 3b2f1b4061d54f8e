"""Welcoming new members: one contact task each, due 14 days after joining, with escalation and a report."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.constants import OSLO
from models.errors import DomainError, NotFound
from models.linking import PROVEN
from models.member import STATUS_ERASED, STATUS_MEMBER, Member

OPEN, TAKEN, DONE = "open", "taken", "done"
OUTCOMES = ("phone", "sms", "email", "no_answer", "wrong_number")
CONTACTED = {"phone", "sms", "email"}
DAYS_TO_CONTACT = 14


class WelcomeError(DomainError):
    """The task cannot be taken or closed as asked."""


class TakenByOther(WelcomeError):
    """Someone else has taken this task."""


class WelcomeTask(Base):
    __tablename__ = "welcome_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), unique=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(8), default=OPEN, index=True)
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    offered_to_all: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def reachable() -> Any:
    """A welcome call needs a phone number or an e-mail address: someone with neither gets no task (the bot's
    own welcome messages reach them on Telegram), so /velkomst, its report and the digest never count one."""
    return or_(Member.phone.is_not(None) & (Member.phone != ""), Member.email.is_not(None) & (Member.email != ""))


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=OSLO)


async def ensure_tasks(session: AsyncSession, now: datetime, window_days: int = 30) -> list[WelcomeTask]:
    """A task for every member who joined in the last `window_days` and has none yet."""
    since = (now.astimezone(OSLO) - timedelta(days=window_days)).date()
    members = await session.scalars(
        select(Member).where(Member.status == STATUS_MEMBER, Member.joined_on.is_not(None), Member.joined_on >= since,
                             Member.id.not_in(select(WelcomeTask.member_id)), reachable())
    )
    created = []
    for member in members:
        assert member.joined_on is not None
        joined = start_of(member.joined_on).astimezone(now.tzinfo)
        task = WelcomeTask(member_id=member.id, joined_at=joined, due_at=joined + timedelta(days=DAYS_TO_CONTACT), created_at=now)
        session.add(task)
        created.append(task)
    await session.flush()
    return created


async def task_for_verified(session: AsyncSession, member: Member, now: datetime) -> WelcomeTask | None:
    """A supporter the board verifies is new too: their task runs from today."""
    existing = await session.scalar(select(WelcomeTask).where(WelcomeTask.member_id == member.id))
    if existing is not None or not (member.phone or member.email):  # nothing a welcomer could call or write to
        return None
    task = WelcomeTask(member_id=member.id, joined_at=now, due_at=now + timedelta(days=DAYS_TO_CONTACT), created_at=now)
    session.add(task)
    await session.flush()
    return task


async def open_tasks(session: AsyncSession, *conditions: Any) -> list[tuple[WelcomeTask, Member]]:
    rows = await session.execute(select(WelcomeTask, Member).join(Member, Member.id == WelcomeTask.member_id)
                                 .where(WelcomeTask.status != DONE, Member.status != STATUS_ERASED, *conditions)
                                 .order_by(WelcomeTask.due_at, WelcomeTask.id))
    return [(t, m) for t, m in rows.all()]


async def get_task(session: AsyncSession, task_id: int) -> tuple[WelcomeTask, Member]:
    task = await session.get(WelcomeTask, task_id)
    if task is None:
        raise NotFound(task_id)
    member = await session.get(Member, task.member_id)
    if member is None or member.status == STATUS_ERASED:
        raise NotFound(task_id)
    return task, member


async def take(session: AsyncSession, task_id: int, welcomer_id: int, now: datetime, *,
               may_take_over: bool = False) -> tuple[WelcomeTask, Member]:
    """Assign the task to this welcomer only. `may_take_over` (the board): a task someone else took and
    has not done by day 10 (escalated) can be taken over, so a welcomer gone quiet does not hold it to the end."""
    task, member = await get_task(session, task_id)
    if task.status == DONE:
        raise WelcomeError("done")
    if task.taken_by not in (None, welcomer_id) and not (may_take_over and task.escalated):
        raise TakenByOther(task_id)
    if task.taken_by not in (None, welcomer_id):
        task.taken_at = None  # taken over: from now on it is this welcomer's
    task.status, task.taken_by, task.taken_at = TAKEN, welcomer_id, task.taken_at or now
    await session.flush()
    return task, member


async def record(session: AsyncSession, task_id: int, welcomer_id: int, outcome: str, now: datetime) -> tuple[WelcomeTask, Member]:
    if outcome not in OUTCOMES:
        raise WelcomeError(outcome)
    task, member = await get_task(session, task_id)
    if task.taken_by != welcomer_id:
        raise TakenByOther(task_id)
    if outcome == "wrong_number" and member.linked_by == PROVEN:
        outcome = "no_answer"  # they proved this number in Telegram: a misdial, not the register's error
    task.outcome = outcome
    if outcome in CONTACTED:
        task.status = DONE
        task.first_contact_at = task.first_contact_at or now
    elif outcome == "wrong_number":
        task.status = DONE
    await session.flush()
    return task, member


async def set_note(session: AsyncSession, task_id: int, welcomer_id: int, note: str) -> None:
    task, _member = await get_task(session, task_id)
    if task.taken_by != welcomer_id:
        raise TakenByOther(task_id)
    task.note = note.strip()[:1000]
    await session.flush()


@dataclass
class Escalations:
    offer_to_all: list[tuple[WelcomeTask, Member]] = field(default_factory=list)
    to_leader: list[tuple[WelcomeTask, Member]] = field(default_factory=list)
    now_late: list[tuple[WelcomeTask, Member]] = field(default_factory=list)


async def escalate(session: AsyncSession, now: datetime) -> Escalations:
    """Day 3 untaken → offered to every welcomer; day 10 still open → the board leader; day 14 → late."""
    result = Escalations()
    # Only the tasks that cross a line now, chosen in SQL: open tasks pile up over a season.
    crossing = or_(
        (WelcomeTask.status == OPEN) & WelcomeTask.offered_to_all.is_(False) & (WelcomeTask.joined_at <= now - timedelta(days=3)),
        WelcomeTask.escalated.is_(False) & (WelcomeTask.joined_at <= now - timedelta(days=10)),
        WelcomeTask.late.is_(False) & (WelcomeTask.due_at <= now),
    )
    for task, member in await open_tasks(session, crossing):
        age = now - task.joined_at
        if task.status == OPEN and not task.offered_to_all and age >= timedelta(days=3):
            task.offered_to_all = True
            result.offer_to_all.append((task, member))
        if not task.escalated and age >= timedelta(days=10):
            task.escalated = True
            result.to_leader.append((task, member))
        if not task.late and now >= task.due_at:
            task.late = True
            result.now_late.append((task, member))
    await session.flush()
    return result


@dataclass
class Report:
    new_members: int
    contacted_in_time: int
    median_days: float | None
    late: list[tuple[str, int]]  # name, days since joining

    @property
    def share_in_time(self) -> float:
        return self.contacted_in_time / self.new_members if self.new_members else 0.0


async def report(session: AsyncSession, since: datetime, until: datetime, now: datetime) -> Report:
    rows = await session.execute(select(WelcomeTask, Member).join(Member, Member.id == WelcomeTask.member_id)
                                 .where(WelcomeTask.joined_at >= since, WelcomeTask.joined_at < until))
    tasks = [(t, m) for t, m in rows.all()]
    in_time = [t for t, _m in tasks if t.first_contact_at is not None and t.first_contact_at <= t.due_at]
    days = [(t.first_contact_at - t.joined_at).total_seconds() / 86400 for t, _m in tasks if t.first_contact_at is not None]
    late = sorted(((m.name or "?", int((now - t.joined_at).total_seconds() // 86400)) for t, m in tasks
                   if t.first_contact_at is None and now > t.due_at or (t.first_contact_at and t.first_contact_at > t.due_at)),
                  key=lambda item: (-item[1], item[0]))  # the longest waiting first
    return Report(len(tasks), len(in_time), round(statistics.median(days), 1) if days else None, late)


async def new_members_for_sequence(session: AsyncSession, now: datetime, days: int = 30) -> list[Member]:
    """Members who have a welcome task and came into the bot recently: their welcome sequence runs."""
    rows = await session.scalars(
        select(Member).join(WelcomeTask, WelcomeTask.member_id == Member.id)
        .where(Member.onboarded_at.is_not(None), Member.onboarded_at >= now - timedelta(days=days), Member.status != STATUS_ERASED,
               Member.telegram_id.is_not(None))
    )
    return list(rows)
