"""Nudges: who should be asked, by which rule and why — and the board's weekly figures. No Telegram here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models import events as ev
from models import held as held_rule
from models import membership
from models import phonebank as pb
from models import rounds as rd
from models.base import Base, UTCDateTime
from models.constants import OSLO
from models.errors import DomainError
from models.member import STATUS_ERASED, Member

RULES: tuple[str, ...] = ("doorknock", "social", "caller", "newcomer")
COOLDOWN_DAYS: dict[str, int | None] = {"doorknock": 14, "social": 30, "caller": 7, "newcomer": None}  # None: only ever once
SNOOZE_DAYS = 30


class UnknownRule(DomainError):
    """No nudge rule has that name."""


class NudgeState(Base):
    """Per member and rule: snoozed ("not now") or turned off ("don't ask me about this")."""

    __tablename__ = "nudge_states"
    __table_args__ = (UniqueConstraint("member_id", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(20))
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    off: Mapped[bool] = mapped_column(Boolean, default=False)


class RuleSwitch(Base):
    """The board's on/off switch per rule (`python -m bot nudges on|off RULE`)."""

    __tablename__ = "nudge_rules"

    rule: Mapped[str] = mapped_column(String(20), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


def _check(rule: str) -> None:
    if rule not in RULES:
        raise UnknownRule(rule)


async def enabled_rules(session: AsyncSession) -> list[str]:
    switches = {s.rule: s.enabled for s in await session.scalars(select(RuleSwitch))}
    return [rule for rule in RULES if switches.get(rule, True)]


async def switch(session: AsyncSession, rule: str, enabled: bool) -> None:
    _check(rule)
    row = await session.get(RuleSwitch, rule)
    if row is None:
        session.add(RuleSwitch(rule=rule, enabled=enabled))
    else:
        row.enabled = enabled
    await session.flush()


async def _state(session: AsyncSession, member_id: int, rule: str) -> NudgeState:
    state = await session.scalar(select(NudgeState).where(NudgeState.member_id == member_id, NudgeState.rule == rule))
    if state is None:
        state = NudgeState(member_id=member_id, rule=rule)
        session.add(state)
    return state


async def snooze(session: AsyncSession, member_id: int, rule: str, now: datetime) -> None:
    _check(rule)
    (await _state(session, member_id, rule)).snoozed_until = now + timedelta(days=SNOOZE_DAYS)
    await session.flush()


async def set_off(session: AsyncSession, member_id: int, rule: str, off: bool) -> None:
    _check(rule)
    (await _state(session, member_id, rule)).off = off
    await session.flush()


async def states_of(session: AsyncSession, member_id: int) -> dict[str, NudgeState]:
    return {s.rule: s for s in await session.scalars(select(NudgeState).where(NudgeState.member_id == member_id))}


async def rules_off(session: AsyncSession, member_id: int) -> set[str]:
    """The rules a member has turned off (the settings page shows them after every choice)."""
    return set(await session.scalars(_RULES_OFF, {"member_id": member_id}))


_RULES_OFF = select(NudgeState.__table__.c.rule).where(NudgeState.__table__.c.member_id == bindparam("member_id"),
                                                       NudgeState.__table__.c.off.is_(True))
FIRST_DAY = timedelta(hours=24)  # DECISIONS: the first 24 hours after onboarding
# At most one suggestion a member a day: a pass passes over anyone with a nudge queued or sent in the
# last 24 hours, and within a pass the first rule in RULES order that has one for them wins (an offer
# of something concrete before the general newcomer word).
ONE_A_DAY = timedelta(hours=24)




@dataclass
class Digest:
    week_ahead_rounds: list[rd.RoundView] = field(default_factory=list)
    week_ahead_events: list[ev.EventView] = field(default_factory=list)
    signups: int = 0
    rounds_held: int = 0
    doors: int = 0
    conversations: int = 0  # at the doors, from the held rounds' reports
    calls_reached: int = 0  # phone calls that reached someone
    new_members: int = 0  # join dates in the register last week (not the welcome tasks: see /velkomst rapport)
    welcome_late: int = 0  # welcome calls not done by their 14-day deadline
    welcome_untaken: int = 0  # welcome calls nobody has taken by day 10 (the chair was told)
    reports_missing: list[str] = field(default_factory=list)
    unverified: int = 0
    nothing_planned: bool = False


async def digest(session: AsyncSession, now: datetime, plan_ahead_days: int = 21, admin_ids: Iterable[int] = ()) -> Digest:
    """The board's Monday figures: the week ahead, last week, and what waits for them (supporters to
    verify as /supportere lists them: `admin_ids`, the accounts in LAGBOT_ADMINS, are not among them)."""
    from models.welcome import OPEN, WelcomeTask

    week_ago, week_ahead = now - timedelta(days=7), now + timedelta(days=7)
    result = Digest()
    result.week_ahead_rounds = [v for v in await rd.upcoming(session, now, limit=50) if v.round.starts_at < week_ahead]
    result.week_ahead_events = await ev.upcoming(session, now, until=week_ahead, limit=50)
    # Today's date in Oslo: join dates are days, the seven days before today, so each join day
    # falls in exactly one digest.
    today = now.astimezone(OSLO).date()

    def count(entity: Any, *conditions: Any) -> Any:
        return select(func.count()).select_from(entity).where(*conditions).scalar_subquery()

    welcome_listed = WelcomeTask.member_id.in_(select(Member.id).where(Member.status != STATUS_ERASED))
    # Every count in one statement (one compile, one round trip).
    counts = (await session.execute(select(
        count(rd.Signup, rd.Signup.created_at >= week_ago),
        count(ev.Rsvp, ev.Rsvp.changed_at >= week_ago, ev.Rsvp.answer == "yes"),
        count(pb.CallAttempt, pb.CallAttempt.at >= week_ago, pb.CallAttempt.outcome.in_(pb.REACHED)),
        count(Member, Member.joined_on >= today - timedelta(days=7), Member.joined_on < today, Member.status != STATUS_ERASED),
        count(WelcomeTask, WelcomeTask.status != "done", WelcomeTask.due_at < now, welcome_listed),  # as /velkomst
        count(WelcomeTask, WelcomeTask.status == OPEN, WelcomeTask.joined_at <= now - timedelta(days=10), welcome_listed),
        count(Member, *membership.to_verify(admin_ids)),
    ))).one()
    (signups, rsvps, result.calls_reached, result.new_members, result.welcome_late, result.welcome_untaken,
     result.unverified) = (int(n or 0) for n in counts)
    result.signups = signups + rsvps
    # The rounds begun in the last 30 days and their reports, each read once.
    recent = [r for r in await rd.all_rounds(session, since=now - timedelta(days=30), until=now) if r.status == rd.PLANNED]
    reports: dict[int, list[rd.RoundReport]] = {}
    for report in (await session.scalars(
            select(rd.RoundReport).where(rd.RoundReport.round_id.in_([r.id for r in recent])))) if recent else []:
        reports.setdefault(report.round_id, []).append(report)  # a round's teams' reports, summed
    took_place = set(await session.scalars(select(rd.Round.id).where(rd.Round.id.in_([r.id for r in recent]),
                                                                    held_rule.round_held(now)))) if recent else set()
    held = [r for r in recent if r.starts_at >= week_ago and r.id in took_place]
    result.rounds_held = len(held)
    result.doors = sum(rd.totals(reports.get(r.id, [])).doors for r in held)
    result.conversations = sum(rd.totals(reports.get(r.id, [])).conversations for r in held)
    result.reports_missing = [r.title for r in recent if r.ends_at <= now - timedelta(days=1) and r.id not in reports]
    result.nothing_planned = await ev.joinable_within(session, now, plan_ahead_days) == 0
    return result


async def missing_leaders(views: list[rd.RoundView]) -> list[str]:
    return [v.round.title for v in views if not any(t.leader_id for t in v.round.teams)]
