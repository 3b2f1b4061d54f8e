"""Nudges: who should be asked, by which rule and why — and the board's weekly figures. No Telegram here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, raiseload

from models import events as ev
from models import membership
from models import phonebank as pb
from models import rounds as rd
from models.base import Base, UTCDateTime
from models.constants import OSLO
from models.errors import DomainError
from models.member import STATUS_ERASED, STATUS_SUPPORTER, Member, MemberInterest, MemberRole
from models.outbox import CLAIMED, PENDING, SENT, OutboxMessage
from models.phone_close import link_is_over

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


@dataclass
class Candidate:
    member: Member
    rule: str
    reason: str
    target_id: int | None = None  # the round, event or campaign to offer
    count: int = 0  # people waiting, for the caller rule


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


def _not_nudged(rule: str, now: datetime) -> Any:
    """No "off" or running snooze for this rule, and no nudge by it within its cooldown (or ever, for
    a once-only rule): conditions on `Member`, so a large register is narrowed in SQL."""
    blocked = select(NudgeState.id).where(NudgeState.member_id == Member.id, NudgeState.rule == rule,
                                          NudgeState.off.is_(True) | (NudgeState.snoozed_until > now)).exists()
    # Nudge rows only: "kind = 'nudge'" written out, so that the partial index on them applies.
    mine = (OutboxMessage.member_id == Member.id) & text("outbox.kind = 'nudge'") & OutboxMessage.dedupe_key.startswith(f"nudge:{rule}:")
    cooldown = COOLDOWN_DAYS[rule]
    if cooldown is not None:
        mine = mine & (OutboxMessage.status == SENT) & (OutboxMessage.sent_at > now - timedelta(days=cooldown))
    return ~blocked & ~select(OutboxMessage.id).where(mine).exists()


async def candidates(session: AsyncSession, now: datetime) -> list[Candidate]:
    """Every member who should get a nudge now, by rule, with the reason in words for the preview."""
    reachable = select(Member).where(
        Member.status != STATUS_ERASED, Member.telegram_id.is_not(None), Member.onboarded_at.is_not(None),
        Member.onboarded_at <= now - FIRST_DAY,  # the first day has the welcome; suggestions wait
        Member.wants_nudges.is_(True), Member.unreachable_at.is_(None),
        ~((Member.status == STATUS_SUPPORTER) & Member.verified.is_(False)), ~_nudged_today(now)).order_by(Member.id).options(
        # A candidate is named, addressed and keyed; its roles and interests are not read (two
        # statements less per rule), and reading them would fail loudly rather than load silently.
        raiseload(Member.roles), raiseload(Member.interests))
    # Each rule's conditions narrow the members in SQL, so a large register stays cheap.
    narrow = {
        "doorknock": Member.id.in_(select(MemberInterest.member_id).where(MemberInterest.interest == "doorknock")),
        "social": Member.id.in_(select(MemberInterest.member_id).where(MemberInterest.interest == "social")),
        "caller": Member.id.in_(select(MemberRole.member_id).where(MemberRole.role == "caller")),
        "newcomer": (Member.onboarded_at >= now - timedelta(days=60)) & (Member.onboarded_at <= now - timedelta(days=22)),
    }
    found: list[Candidate] = []
    for rule in await enabled_rules(session):
        found += await RULE_FUNCTIONS[rule](session, reachable.where(narrow[rule], _not_nudged(rule, now)), now)
    first: dict[int, Candidate] = {}
    for candidate in found:  # one a member: the first rule's (ONE_A_DAY)
        first.setdefault(candidate.member.id, candidate)
    return list(first.values())


def _nudged_today(now: datetime) -> Any:
    """A nudge to the member queued or sent within ONE_A_DAY (one skipped or failed reached nobody)."""
    return select(OutboxMessage.id).where(
        OutboxMessage.member_id == Member.id, text("outbox.kind = 'nudge'"), OutboxMessage.status.in_((PENDING, CLAIMED, SENT)),
        OutboxMessage.due_at > now - ONE_A_DAY).exists()


async def _doorknock(session: AsyncSession, eligible: Any, now: datetime) -> list[Candidate]:
    views = [v for v in await rd.upcoming(session, now, limit=50) if v.seats_left and v.round.starts_at <= now + timedelta(days=14)]
    if not views:
        return []
    recent = select(rd.Signup.id).where(rd.Signup.member_id == Member.id, rd.Signup.created_at >= now - timedelta(days=30)).exists()
    # Leading a team counts as taking part: one who led a round in the last 30 days (or leads one ahead) is not asked.
    led = select(rd.Team.id).join(rd.Round, rd.Round.id == rd.Team.round_id).where(
        rd.Team.leader_id == Member.id, rd.Round.status != rd.CANCELLED, rd.Round.starts_at >= now - timedelta(days=30)).exists()
    members = list(await session.scalars(eligible.where(~recent, ~led)))
    mine: dict[int, set[int]] = {}
    rows = await session.execute(select(rd.Signup.member_id, rd.Signup.round_id).where(rd.Signup.round_id.in_([v.round.id for v in views])))
    for member_id, round_id in rows.all():
        mine.setdefault(member_id, set()).add(round_id)
    result = []
    for member in members:
        offer = sorted((v for v in views if v.round.id not in mine.get(member.id, set())
                        and all(team.leader_id != member.id for team in v.round.teams)),  # not a round one leads
                       key=lambda v: (v.round.district != member.district, v.round.starts_at))
        if offer:
            result.append(Candidate(member, "doorknock", "interested in door-knocking, no round for 30 days, a round with free seats within 14 days",
                                    offer[0].round.id))
    return result


async def _social(session: AsyncSession, eligible: Any, now: datetime) -> list[Candidate]:
    upcoming = await ev.upcoming(session, now, kind="social", limit=5)
    if not upcoming:
        return []
    recent = select(ev.Rsvp.id).join(ev.Event, ev.Event.id == ev.Rsvp.event_id).where(
        ev.Rsvp.member_id == Member.id, ev.Rsvp.answer == "yes", ev.Event.kind == "social",
        ev.Event.starts_at >= now - timedelta(days=60)).exists()
    members = list(await session.scalars(eligible.where(~recent)))
    answered: dict[int, set[int]] = {}
    rows = await session.execute(select(ev.Rsvp.member_id, ev.Rsvp.event_id).where(ev.Rsvp.event_id.in_([v.event.id for v in upcoming])))
    for member_id, event_id in rows.all():
        answered.setdefault(member_id, set()).add(event_id)
    result = []
    for member in members:
        offer = [v for v in upcoming if v.event.id not in answered.get(member.id, set()) and v.event.contact_id != member.id]
        if offer:
            result.append(Candidate(member, "social", "interested in social activities, none for 60 days", offer[0].event.id))
    return result


async def _caller(session: AsyncSession, eligible: Any, now: datetime) -> list[Candidate]:
    campaigns = [c for c in await pb.open_campaigns(session) if c.status == pb.ACTIVE and await link_is_over(session, c, now) is None]
    waiting: list[tuple[pb.Campaign, int]] = []
    for campaign in campaigns:
        count = await session.scalar(select(func.count()).select_from(pb.CallTarget).where(
            pb.CallTarget.campaign_id == campaign.id, pb.CallTarget.status == pb.QUEUED,
            (pb.CallTarget.next_attempt_at.is_(None)) | (pb.CallTarget.next_attempt_at <= now),
            pb.CallTarget.reserved_for.is_(None)))
        if count:
            waiting.append((campaign, int(count)))
    if not waiting:
        return []
    campaign, count = max(waiting, key=lambda item: item[1])
    called = select(pb.CallAttempt.id).where(pb.CallAttempt.caller_id == Member.id, pb.CallAttempt.at > now - timedelta(days=14)).exists()
    return [Candidate(member, "caller", f"caller, {count} people waiting, no call for 14 days", campaign.id, count)
            for member in await session.scalars(eligible.where(~called))]


async def _newcomer(session: AsyncSession, eligible: Any, now: datetime) -> list[Candidate]:
    # Three NOT EXISTS (not NOT of an OR): PostgreSQL plans each as an anti-join instead of a filter
    # run per member (which also priced the statement near the JIT threshold).
    did_nothing = (~select(rd.Signup.id).where(rd.Signup.member_id == Member.id).exists(),
                   ~select(ev.Rsvp.id).where(ev.Rsvp.member_id == Member.id, ev.Rsvp.answer.in_(("yes", "maybe"))).exists(),
                   ~select(pb.CallAttempt.id).where(pb.CallAttempt.caller_id == Member.id).exists())
    # Nor is one with a part already a newcomer to be encouraged: a role granted (the board, a leader, a
    # caller, a welcomer …), a team to lead, an event to be the contact person for.
    no_part = (~select(MemberRole.id).where(MemberRole.member_id == Member.id).exists(),
                 ~select(rd.Team.id).where(rd.Team.leader_id == Member.id).exists(),
                 ~select(ev.Event.id).where(ev.Event.contact_id == Member.id).exists())
    result = []
    for member in await session.scalars(eligible.where(*did_nothing, *no_part)):
        joined = member.joined_on
        started = member.onboarded_at
        if started is None:
            continue
        if joined is not None and joined < (now - timedelta(days=60)).date():
            continue
        if joined is None and started < now - timedelta(days=60):
            continue
        if now - started < timedelta(days=22):  # after the welcome sequence (its last step is day 21)
            continue
        result.append(Candidate(member, "newcomer", "joined within 60 days, has done nothing since the welcome"))
    return result


RULE_FUNCTIONS = {"doorknock": _doorknock, "social": _social, "caller": _caller, "newcomer": _newcomer}


@dataclass
class Digest:
    week_ahead_rounds: list[rd.RoundView] = field(default_factory=list)
    week_ahead_events: list[ev.EventView] = field(default_factory=list)
    signups: int = 0
    rounds_held: int = 0
    doors: int = 0
    calls_reached: int = 0
    new_members: int = 0
    welcome_late: int = 0
    reports_missing: list[str] = field(default_factory=list)
    unverified: int = 0
    nothing_planned: bool = False


async def digest(session: AsyncSession, now: datetime, plan_ahead_days: int = 21, admin_ids: Iterable[int] = ()) -> Digest:
    """The board's Monday figures: the week ahead, last week, and what waits for them (supporters to
    verify as /supportere lists them: `admin_ids`, the accounts in LAGBOT_ADMINS, are not among them)."""
    from models.welcome import WelcomeTask

    week_ago, week_ahead = now - timedelta(days=7), now + timedelta(days=7)
    result = Digest()
    result.week_ahead_rounds = [v for v in await rd.upcoming(session, now, limit=50) if v.round.starts_at < week_ahead]
    result.week_ahead_events = await ev.upcoming(session, now, until=week_ahead, limit=50)
    # Today's date in Oslo: join dates are days, the seven days before today, so each join day
    # falls in exactly one digest.
    today = now.astimezone(OSLO).date()

    def count(entity: Any, *conditions: Any) -> Any:
        return select(func.count()).select_from(entity).where(*conditions).scalar_subquery()

    # Every count in one statement (one compile, one round trip).
    counts = (await session.execute(select(
        count(rd.Signup, rd.Signup.created_at >= week_ago),
        count(ev.Rsvp, ev.Rsvp.changed_at >= week_ago, ev.Rsvp.answer == "yes"),
        count(pb.CallAttempt, pb.CallAttempt.at >= week_ago, pb.CallAttempt.outcome.in_(pb.REACHED)),
        count(Member, Member.joined_on >= today - timedelta(days=7), Member.joined_on < today, Member.status != STATUS_ERASED),
        count(WelcomeTask, WelcomeTask.status != "done", WelcomeTask.due_at < now,  # calls still to make (as /velkomst)
              WelcomeTask.member_id.in_(select(Member.id).where(Member.status != STATUS_ERASED))),
        count(Member, *membership.to_verify(admin_ids)),
    ))).one()
    signups, rsvps, result.calls_reached, result.new_members, result.welcome_late, result.unverified = (int(n or 0) for n in counts)
    result.signups = signups + rsvps
    # The rounds begun in the last 30 days and their reports, each read once.
    recent = [r for r in await rd.all_rounds(session, since=now - timedelta(days=30), until=now) if r.status == rd.PLANNED]
    reports: dict[int, list[rd.RoundReport]] = {}
    for report in (await session.scalars(
            select(rd.RoundReport).where(rd.RoundReport.round_id.in_([r.id for r in recent])))) if recent else []:
        reports.setdefault(report.round_id, []).append(report)  # a round's teams' reports, summed
    held = [r for r in recent if r.starts_at >= week_ago and r.ends_at <= now]
    result.rounds_held = len(held)
    result.doors = sum(rd.totals(reports.get(r.id, [])).doors for r in held)
    result.reports_missing = [r.title for r in recent if r.ends_at <= now - timedelta(days=1) and r.id not in reports]
    result.nothing_planned = await ev.joinable_within(session, now, plan_ahead_days) == 0
    return result


async def missing_leaders(views: list[rd.RoundView]) -> list[str]:
    return [v.round.title for v in views if not any(t.leader_id for t in v.round.teams)]


def describe(candidate: Candidate) -> dict[str, Any]:
    return {"member": candidate.member.name, "rule": candidate.rule, "reason": candidate.reason, "target": candidate.target_id}


