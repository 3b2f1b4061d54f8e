"""The year's figures for the annual report (årsmelding), each beside the work plan's goal: activities
held by kind, participants, first-timers, doors, conversations, calls reached, new members and welcome
calls in time. One function, read by /rapport aar and `python -m bot report --year` alike (bot/reports/annual.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import activity as act
from models import event_tables as evt
from models import held
from models import leader_training as training
from models import plan as pl
from models import round_tables as rdt
from models import welcome as wl
from models.activity import PLANNED
from models.constants import OSLO
from models.event_tables import Event, Rsvp
from models.phonebank import CallAttempt, CallTarget
from models.round_tables import Round, RoundReport, Signup

REACHED = ("signed_up", "not_now", "will_call", "do_not_call")  # a call that reached the person (as models/phonebank.progress)


@dataclass
class Annual:
    year: int
    complete: bool  # the year is over (otherwise: figures so far)
    goals: list[pl.Goal]  # rounds, partner rounds, voter-contact course, open meeting with the movements (held = done)
    presence: dict[str, bool]  # 8 March, 1 May breakfast, Pride: held in the year
    events_by_kind: dict[str, int] = field(default_factory=dict)  # events held, by kind
    participants: int = 0  # different people who took part in a round or an event
    first_timers: int = 0  # of them, people who had never taken part in one before the year
    doors: int = 0
    conversations: int = 0
    calls_reached: int = 0  # people reached in phone rounds
    new_members: int = 0
    welcome_in_time: int = 0  # of them, contacted within 14 days
    leaders: tuple[int, int] = (0, 0)  # leader training: offered, accepted

    @property
    def rounds_held(self) -> int:
        return len(self.goals[0].held)


def _took_part_in_round(now: datetime) -> Any:
    return act.attended_condition(rdt.SEATS, Round.ends_at, now)


def _took_part_in_event(now: datetime) -> Any:
    return act.attended_condition(evt.SEATS, Event.ends_at, now)


async def _people(session: AsyncSession, start: datetime, end: datetime, now: datetime) -> set[int]:
    """Members who took part in a round or an event that started in [start, end) and is over."""
    rounds = await session.scalars(select(Signup.member_id).join(Round, Round.id == Signup.round_id).where(
        Round.status == PLANNED, Round.starts_at >= start, Round.starts_at < end, Round.ends_at <= now, _took_part_in_round(now)))
    events = await session.scalars(select(Rsvp.member_id).join(Event, Event.id == Rsvp.event_id).where(
        Event.status == PLANNED, Event.starts_at >= start, Event.starts_at < end, Event.ends_at <= now, _took_part_in_event(now)))
    return set(rounds) | set(events)


async def annual(session: AsyncSession, year: int, now: datetime) -> Annual:
    start, end = datetime(year, 1, 1, tzinfo=OSLO), datetime(year + 1, 1, 1, tzinfo=OSLO)
    until = min(end, now)
    plan = await pl.plan(session, now, year)
    goals = [pl.Goal(g.key, g.goal, held=list(g.held)) for g in plan.goals[year]]
    events = (await session.execute(select(Event.kind, Event.tags).where(
        Event.starts_at >= start, Event.starts_at < end, held.event_held(now)))).all()
    result = Annual(year, now >= end, goals, {tag: any(tag in (tags or []) for _k, tags in events) for tag in plan.presence})
    for kind, _tags in events:
        result.events_by_kind[kind] = result.events_by_kind.get(kind, 0) + 1
    people = await _people(session, start, end, now)
    before = await _people(session, datetime(1970, 1, 1, tzinfo=OSLO), start, now)
    result.participants, result.first_timers = len(people), len(people - before)
    doors, conversations = (await session.execute(select(func.coalesce(func.sum(RoundReport.doors), 0),
                                                         func.coalesce(func.sum(RoundReport.conversations), 0))
                                                  .join(Round, Round.id == RoundReport.round_id).where(
        Round.starts_at >= start, Round.starts_at < end, held.round_held(now)))).one()
    result.doors, result.conversations = int(doors), int(conversations)
    result.calls_reached = int(await session.scalar(
        select(func.count(func.distinct(CallAttempt.target_id))).join(CallTarget, CallTarget.id == CallAttempt.target_id)
        .where(CallAttempt.outcome.in_(REACHED), CallAttempt.at >= start, CallAttempt.at < until)) or 0)
    welcome = await wl.report(session, start, until, now)
    result.new_members, result.welcome_in_time = welcome.new_members, welcome.contacted_in_time
    result.leaders = await training.counts(session, start, end)
    return result
