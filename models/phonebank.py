"""Phone rounds (ringerunder): campaigns, a queue of people to call, one target per caller at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, joinedload, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.broadcast import Audience, audience_query
from models.errors import DomainError, NotFound
from models.member import STATUS_ERASED, Member

ACTIVE, PAUSED, CLOSED = "active", "paused", "closed"
QUEUED, HELD, DONE = "queued", "held", "done"
MODES = ("callers", "volunteers")
OUTCOMES = ("signed_up", "not_now", "will_call", "no_answer", "left_message", "call_back", "wrong_number", "do_not_call")
FINAL = {"signed_up", "not_now", "will_call", "wrong_number", "do_not_call"}
REACHED = ("signed_up", "not_now", "will_call", "do_not_call")  # someone answered (the progress and the digest agree)
RETRY = {"no_answer", "left_message"}
MAX_ATTEMPTS = 3
OSLO_DAY = (time(9, 0), time(21, 0))


class CampaignError(DomainError):
    """The campaign or target cannot do what was asked."""


class NoteTooLong(CampaignError):
    """A call note over MAX_NOTE characters (the argument is its length)."""


MAX_NOTE = 1000


class NotHolding(CampaignError):
    """The caller does not hold this target (any more)."""


class Campaign(Base):
    __tablename__ = "call_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    scripts: Mapped[dict[str, str]] = mapped_column(JSON)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    # Or an event (a member meeting, a course, 1 May): "coming" answers yes to it for the person.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    mode: Mapped[str] = mapped_column(String(12), default="callers")
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A survey the callers fill in during the call (models/surveys.py), if the board attached one.
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))


class CallTarget(Base):
    __tablename__ = "call_targets"
    __table_args__ = (UniqueConstraint("campaign_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("call_campaigns.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(8), default=QUEUED, index=True)
    held_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reserved_for: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # The caller's message showing the number, so it can be edited away when the hold ends.
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallAttempt(Base):
    __tablename__ = "call_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("call_targets.id", ondelete="CASCADE"), index=True)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass
class Claim:
    target: CallTarget | None
    member: Member | None = None
    reason: str | None = None  # when there is nothing: all_done, cooling_down, paused, closed
    already_held: bool = False  # the caller holds this one already (a second tap on "next call")


async def create_campaign(session: AsyncSession, *, name: str, purpose: str, scripts: dict[str, str], audience: Audience,
                          now: datetime, round_id: int | None = None, mode: str = "callers", exclude_days: int = 30,
                          created_by: int | None = None, event_id: int | None = None) -> tuple[Campaign, int]:
    """Create a campaign and queue everyone in its audience who may be called; returns (campaign, targets)."""
    if mode not in MODES:
        raise CampaignError(mode)
    if not name.strip() or not any(v.strip() for v in scripts.values()):
        raise CampaignError("name and script are required")
    campaign = Campaign(name=name.strip()[:200], purpose=purpose.strip(), scripts={k: v for k, v in scripts.items() if v.strip()},
                        audience=audience.validate().to_json(), round_id=round_id, event_id=event_id, mode=mode,
                        created_by=created_by)
    session.add(campaign)
    await session.flush()
    members = await session.scalars(targets_query(audience, now, exclude_days=exclude_days, round_id=round_id, event_id=event_id))
    rows = [{"campaign_id": campaign.id, "member_id": m.id, "status": QUEUED, "attempts": 0, "updated_at": now} for m in members]
    for start in range(0, len(rows), 500):
        await session.execute(CallTarget.__table__.insert(), rows[start : start + 500])
    return campaign, len(rows)


def targets_query(audience: Audience, now: datetime, *, exclude_days: int, round_id: int | None = None,
                  event_id: int | None = None) -> Any:
    """Who a phone round calls: the audience with a number, minus those who asked not to be called,
    those reached by a phone round lately, and — for a linked round or event — those already in it
    and the people running it (the round's leaders, the event's contact person)."""
    from models.event_tables import Event, Rsvp
    from models.round_tables import Signup, Team

    recently = select(CallTarget.member_id).join(CallAttempt, CallAttempt.target_id == CallTarget.id).where(
        CallAttempt.at >= now - timedelta(days=exclude_days), CallAttempt.outcome.in_(FINAL))
    query = audience_query(audience, now).where(Member.phone.is_not(None), Member.do_not_call.is_(False), Member.id.not_in(recently))
    if round_id is not None:
        query = query.where(Member.id.not_in(select(Signup.member_id).where(Signup.round_id == round_id)),
                            Member.id.not_in(select(Team.leader_id).where(Team.round_id == round_id, Team.leader_id.is_not(None))))
    if event_id is not None:
        query = query.where(Member.id.not_in(select(Rsvp.member_id).where(Rsvp.event_id == event_id, Rsvp.answer == "yes")),
                            Member.id.not_in(select(Event.contact_id).where(Event.id == event_id, Event.contact_id.is_not(None))))
    return query


async def count_targets(session: AsyncSession, audience: Audience, now: datetime, *, exclude_days: int,
                        round_id: int | None = None, event_id: int | None = None) -> int:
    """How many people a phone round would call (for the summary before it starts)."""
    query = targets_query(audience, now, exclude_days=exclude_days, round_id=round_id, event_id=event_id)
    return int(await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(campaign_id)
    return campaign


async def open_campaigns(session: AsyncSession) -> list[Campaign]:
    return list(await session.scalars(select(Campaign).where(Campaign.status.in_((ACTIVE, PAUSED))).order_by(Campaign.id)))


async def set_status(session: AsyncSession, campaign_id: int, status: str) -> Campaign:
    campaign = await get_campaign(session, campaign_id)
    if campaign.status == CLOSED or status not in (ACTIVE, PAUSED, CLOSED):
        raise CampaignError(status)
    campaign.status = status
    if status == CLOSED:
        await session.execute(update(CallTarget).where(CallTarget.campaign_id == campaign_id, CallTarget.status == HELD)
                              .values(status=QUEUED, held_by=None, held_until=None))
    await session.flush()
    return campaign


def _available(campaign_id: int, caller_id: int, now: datetime) -> Any:
    return and_(
        CallTarget.campaign_id == campaign_id,
        CallTarget.status == QUEUED,
        CallTarget.member_id != caller_id,
        or_(CallTarget.next_attempt_at.is_(None), CallTarget.next_attempt_at <= now),
        or_(CallTarget.reserved_for.is_(None), CallTarget.reserved_for == caller_id),
    )


async def claim_next(session: AsyncSession, campaign_id: int, caller_id: int, now: datetime, hold: timedelta) -> Claim:
    """One target for this caller, locked to them. Never the same target to two callers:
    PostgreSQL skips rows another transaction has locked; SQLite runs one writer at a time."""
    campaign = await get_campaign(session, campaign_id)
    if campaign.status != ACTIVE:
        return Claim(None, reason=campaign.status)
    current = await session.scalar(select(CallTarget).where(CallTarget.campaign_id == campaign_id, CallTarget.status == HELD,
                                                           CallTarget.held_by == caller_id))
    if current is not None:
        return Claim(current, await _person(session, current.member_id), already_held=True)
    order = (CallTarget.reserved_for.is_(None), CallTarget.next_attempt_at.is_not(None), CallTarget.next_attempt_at, CallTarget.id)
    pick = select(CallTarget.id).where(_available(campaign_id, caller_id, now)).order_by(*order).limit(1)
    if session.bind.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    # One statement: pick, lock and hold, returning the row as held.
    target = await session.scalar(
        update(CallTarget).where(CallTarget.id.in_(pick.scalar_subquery()), CallTarget.status == QUEUED)
        .values(status=HELD, held_by=caller_id, held_until=now + hold, updated_at=now)
        .returning(CallTarget).execution_options(synchronize_session=False, populate_existing=True)
    )
    if target is None:
        return Claim(None, reason=await _why_empty(session, campaign_id))
    return Claim(target, await _person(session, target.member_id))


async def _person(session: AsyncSession, member_id: int) -> Member | None:
    """The person to call, with roles and interests in the same statement."""
    return await session.get(Member, member_id, options=[joinedload(Member.roles), joinedload(Member.interests)])


async def _why_empty(session: AsyncSession, campaign_id: int) -> str:
    waiting = await session.scalar(select(func.count()).select_from(CallTarget).where(
        CallTarget.campaign_id == campaign_id, CallTarget.status.in_((QUEUED, HELD))))
    return "cooling_down" if waiting else "all_done"


def next_try(now: datetime, cooldown: timedelta, tz: Any) -> datetime:
    """After no answer: the cooldown, moved into daytime, so the next try is at another time of day."""
    candidate = (now + cooldown).astimezone(tz)
    start, end = OSLO_DAY
    if candidate.time() >= end:
        candidate = datetime.combine(candidate.date() + timedelta(days=1), time(11, 0), tzinfo=tz)
    elif candidate.time() < start:
        candidate = datetime.combine(candidate.date(), time(11, 0), tzinfo=tz)
    return candidate.astimezone(now.tzinfo)


@dataclass
class Recorded:
    target: CallTarget
    member: Member
    campaign: Campaign
    final: bool


async def record(session: AsyncSession, target_id: int, caller_id: int, outcome: str, now: datetime, *,
                 cooldown: timedelta, tz: Any, callback_at: datetime | None = None) -> Recorded:
    """Record what happened on the call; only the caller holding the target may."""
    if outcome not in OUTCOMES:
        raise CampaignError(outcome)
    target = await session.get(CallTarget, target_id)
    if target is None or target.status != HELD or target.held_by != caller_id:
        raise NotHolding(target_id)
    campaign = await get_campaign(session, target.campaign_id)
    member = await _person(session, target.member_id)
    assert member is not None
    session.add(CallAttempt(target_id=target.id, caller_id=caller_id, outcome=outcome, at=now))
    target.attempts += 1
    target.held_by, target.held_until, target.updated_at = None, None, now
    final = outcome in FINAL
    if outcome in RETRY:
        if target.attempts >= MAX_ATTEMPTS:
            final, target.outcome, target.status = True, "not_reached", DONE
        else:
            target.outcome, target.status, target.next_attempt_at = outcome, QUEUED, next_try(now, cooldown, tz)
            target.reserved_for = None
    elif outcome == "call_back":
        if callback_at is None or callback_at <= now:
            raise CampaignError("call back needs a time in the future")
        target.outcome, target.status, target.next_attempt_at, target.reserved_for = outcome, QUEUED, callback_at, caller_id
    else:
        target.outcome, target.status = outcome, DONE
        if outcome == "do_not_call":
            member.do_not_call = True
    await session.flush()
    return Recorded(target, member, campaign, final)


async def may_note(session: AsyncSession, target_id: int, caller_id: int) -> CallTarget | None:
    """The target, if this caller may write its note: they hold the call, or made its latest attempt
    and nobody has taken it since."""
    target = await session.get(CallTarget, target_id)
    last = await session.scalar(select(CallAttempt.caller_id).where(CallAttempt.target_id == target_id)
                                .order_by(CallAttempt.id.desc()).limit(1))
    if target is None or (target.held_by != caller_id and (last != caller_id or target.status == HELD)):
        return None
    return target


async def add_note(session: AsyncSession, target_id: int, caller_id: int, note: str) -> None:
    """The note on a call, only from its caller (see `may_note`; NotHolding otherwise)."""
    target = await may_note(session, target_id, caller_id)
    if target is None:
        raise NotHolding(target_id)
    if len(note.strip()) > MAX_NOTE:
        raise NoteTooLong(len(note.strip()))  # refused with the limit, never cut
    target.note = note.strip()
    await session.flush()


async def release(session: AsyncSession, caller_id: int, campaign_id: int | None = None) -> list[CallTarget]:
    """The caller stops: what they hold goes back to the queue."""
    query = select(CallTarget).where(CallTarget.status == HELD, CallTarget.held_by == caller_id)
    if campaign_id is not None:
        query = query.where(CallTarget.campaign_id == campaign_id)
    targets = list(await session.scalars(query))
    for target in targets:
        target.status, target.held_by, target.held_until = QUEUED, None, None
    await session.flush()
    return targets


async def set_card(session: AsyncSession, target_id: int, message_id: int) -> None:
    target = await session.get(CallTarget, target_id)
    if target is not None:
        target.card_message_id = message_id
        await session.flush()


async def expire_holds(session: AsyncSession, now: datetime) -> list[tuple[int, CallTarget]]:
    """Targets held past their time go back to the queue; returns (caller, target) to tell."""
    # Locked, and skipped when another process (a second instance, or a caller's tap) holds them:
    # without the lock, a stale read here could put back a call someone has just taken again.
    rows = list(await session.scalars(select(CallTarget).where(CallTarget.status == HELD, CallTarget.held_until < now)
                                      .with_for_update(skip_locked=True)))
    expired = []
    for target in rows:
        expired.append((target.held_by or 0, target))
        target.status, target.held_by, target.held_until = QUEUED, None, None
    await session.flush()
    return expired


def may_call(member: Member, campaign: Campaign, admins: list[int]) -> bool:
    """Who may take calls in a phone round: anyone in a volunteers' round, else callers and the board."""
    from models.membership import has_role

    return campaign.mode == "volunteers" or has_role(member, "caller", admins) or has_role(member, "board", admins)


async def release_unauthorised(session: AsyncSession, admins: list[int]) -> list[tuple[int, CallTarget]]:
    """Calls held by someone who may no longer call (a role revoked) go back to the queue at once;
    returns (caller, target) so their card can lose the number."""
    rows = (await session.execute(
        select(CallTarget, Campaign, Member).join(Campaign, Campaign.id == CallTarget.campaign_id)
        .join(Member, Member.id == CallTarget.held_by).where(CallTarget.status == HELD)
        .with_for_update(of=CallTarget, skip_locked=True)
    )).all()
    released = []
    for target, campaign, caller in rows:
        if caller.status == STATUS_ERASED or not may_call(caller, campaign, admins):
            released.append((caller.id, target))
            target.status, target.held_by, target.held_until = QUEUED, None, None
    await session.flush()
    return released


async def held_by(session: AsyncSession, target_id: int) -> CallTarget | None:
    return await session.get(CallTarget, target_id)


@dataclass
class Progress:
    total: int = 0
    reached: int = 0
    signed_up: int = 0
    not_reached: int = 0
    wrong_number: int = 0
    do_not_call: int = 0
    will_call: int = 0
    open: int = 0
    per_caller: dict[str, int] = field(default_factory=dict)


async def progress(session: AsyncSession, campaign_id: int) -> Progress:
    result = Progress()
    rows = await session.execute(select(CallTarget.status, CallTarget.outcome, func.count())
                                 .where(CallTarget.campaign_id == campaign_id).group_by(CallTarget.status, CallTarget.outcome))
    for status, outcome, count in rows.all():
        result.total += count
        if status != DONE:
            result.open += count
        elif outcome in ("signed_up", "not_now", "will_call"):
            result.reached += count
            result.signed_up += count if outcome == "signed_up" else 0
            result.will_call += count if outcome == "will_call" else 0
        elif outcome == "not_reached":
            result.not_reached += count
        elif outcome == "wrong_number":
            result.wrong_number += count
        elif outcome == "do_not_call":
            result.do_not_call += count
            result.reached += count
    callers = await session.execute(
        select(Member.name, func.count(CallAttempt.id)).join(CallAttempt, CallAttempt.caller_id == Member.id)
        .join(CallTarget, CallTarget.id == CallAttempt.target_id).where(CallTarget.campaign_id == campaign_id)
        .group_by(Member.id, Member.name).order_by(func.count(CallAttempt.id).desc())
    )
    result.per_caller = {name or "?": count for name, count in callers.all()}
    return result


async def last_call_by(session: AsyncSession, caller_id: int) -> datetime | None:
    return await session.scalar(select(func.max(CallAttempt.at)).where(CallAttempt.caller_id == caller_id))
