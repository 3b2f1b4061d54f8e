"""Phone rounds (ringerunder): campaigns, a queue of people to call, one target per caller at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from models import phone_sql as sql
from models.activity import CANCELLED, WAITING
from models.broadcast import Audience, audience_query
from models.errors import NotFound
from models.event_tables import Rsvp
from models.member import STATUS_ERASED, Member
from models.phone_close import link_is_over
from models.phone_tables import (  # the tables and values live there; callers keep reading them from here
    ACTIVE,
    CLOSED,
    DONE,
    FINAL,
    HELD,
    MAX_ATTEMPTS,  # noqa: F401 - read as pb.MAX_ATTEMPTS
    MAX_NOTE,
    MODES,
    OSLO_DAY,
    OUTCOMES,
    PAUSED,
    PROVEN,
    QUEUED,
    REACHED,  # noqa: F401 - read as pb.REACHED
    RETRY,
    CallAttempt,
    CallTarget,
    Campaign,
    CampaignError,
    CampaignView,  # noqa: F401 - read as pb.CampaignView
    Card,
    Claim,
    NotAllowed,
    NoteTooLong,
    NotHolding,
    Recorded,
)
from models.round_tables import Round, Signup


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
                        created_by=created_by, created_at=now)
    session.add(campaign)
    await session.flush()
    members = await session.scalars(targets_query(audience, now, exclude_days=exclude_days, round_id=round_id, event_id=event_id))
    district = await session.scalar(select(Round.district).where(Round.id == round_id)) if round_id is not None else None
    rows = [{"campaign_id": campaign.id, "member_id": m.id, "status": QUEUED, "attempts": 0, "updated_at": now,
             "priority": int(district is not None and m.district != district)} for m in members]  # the round's district first
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


async def claim_next(session: AsyncSession, campaign_id: int, caller_id: int, now: datetime, hold: timedelta, *,
                     admins: Sequence[int] | None = None) -> Claim:
    """One target for this caller, locked to them. Never the same target to two callers:
    PostgreSQL skips rows another transaction has locked; SQLite runs one writer at a time.
    Every change here is one statement with its checks inside it, so it may run in autocommit.
    With `admins`, the caller's role is read in the same statement (`may_call`): reason "refused".
    The usual case is one statement; the others (nothing to call, a call held already, refused, a
    campaign that does not exist: NotFound) are told apart afterwards in the same transaction."""
    dialect = session.bind.dialect.name
    params = {"p_campaign_id": campaign_id, "p_caller_id": caller_id, "p_now": now, "p_until": now + hold}
    admin_ids = None if admins is None else tuple(admins)
    card = await sql.held_card(session, sql.claim_statement(dialect, admin_ids), params)
    if card is not None:
        return Claim(card)
    campaign = await get_campaign(session, campaign_id)
    if admins is not None:
        caller = await session.get(Member, caller_id, populate_existing=True)
        if caller is None or caller.status == STATUS_ERASED or not may_call(caller, campaign, admins):
            return Claim(None, reason="refused")
    if campaign.status != ACTIVE:
        return Claim(None, reason=campaign.status)
    if (activity := await link_is_over(session, campaign, now)) is not None:  # closed by the upkeep soon
        return Claim(None, reason="cancelled" if activity.status == CANCELLED else "over", about=activity.title)
    current = await session.scalar(select(CallTarget).where(CallTarget.campaign_id == campaign_id, CallTarget.status == HELD,
                                                           CallTarget.held_by == caller_id))
    if current is not None:
        person = await _person(session, current.member_id)
        assert person is not None
        return Claim(Card.of(current, person, campaign), already_held=True)
    # Another caller's commit freed one in between (PostgreSQL reads each statement afresh): try again,
    # the role read in the claiming statement once more (this may run outside a transaction, `Database.single`).
    card = await sql.held_card(session, sql.claim_statement(dialect, admin_ids), params)
    if card is not None:
        return Claim(card)
    return Claim(None, reason=await _why_empty(session, campaign_id, caller_id))


async def _person(session: AsyncSession, member_id: int) -> Member | None:
    """The person to call, with roles and interests in the same statement."""
    return await session.get(Member, member_id, options=[joinedload(Member.roles), joinedload(Member.interests)])


async def _why_empty(session: AsyncSession, campaign_id: int, caller_id: int) -> str:
    """all_done; cooling_down (others wait for a later try); being_called (the last ones are held by other
    callers now); only_you (the one left is the caller, whom they cannot call). One statement."""
    left = (CallTarget.campaign_id == campaign_id)
    queued_others, held, queued_self = (await session.execute(select(
        exists().where(left, CallTarget.status == QUEUED, CallTarget.member_id != caller_id),
        exists().where(left, CallTarget.status == HELD),
        exists().where(left, CallTarget.status == QUEUED, CallTarget.member_id == caller_id)))).one()
    return ("cooling_down" if queued_others else "being_called" if held else "only_you" if queued_self else "all_done")


def next_try(now: datetime, cooldown: timedelta, tz: Any) -> datetime:
    """After no answer: the cooldown, moved into daytime, so the next try is at another time of day."""
    candidate = (now + cooldown).astimezone(tz)
    start, end = OSLO_DAY
    if candidate.time() >= end:
        candidate = datetime.combine(candidate.date() + timedelta(days=1), time(11, 0), tzinfo=tz)
    elif candidate.time() < start:
        candidate = datetime.combine(candidate.date(), time(11, 0), tzinfo=tz)
    return candidate.astimezone(now.tzinfo)


async def record(session: AsyncSession, target_id: int, caller_id: int, outcome: str, now: datetime, *,
                 cooldown: timedelta, tz: Any, callback_at: datetime | None = None, admins: Sequence[int] | None = None) -> Recorded:
    """Record what happened on the call; only the caller holding the target may (NotHolding), and
    with `admins`, only while they may call in its campaign (NotAllowed; the role read in the same
    statement). One statement on PostgreSQL in the usual case."""
    if outcome not in OUTCOMES:
        raise CampaignError(outcome)
    confirmed = outcome == "wrong_number" and await _number_confirmed(session, target_id)
    if confirmed:  # the member proved the number is theirs: most likely misdialled, so not the register's fault
        outcome = "no_answer"
    kind = "final" if outcome in FINAL else "retry" if outcome in RETRY else "call_back"
    if kind == "call_back" and (callback_at is None or callback_at <= now):
        await _why_not_recorded(session, target_id, caller_id, admins)
        raise CampaignError("call back needs a time in the future")
    dialect = session.bind.dialect.name
    params = {"p_target_id": target_id, "p_caller_id": caller_id, "p_outcome": outcome, "p_now": now,
              "p_next": callback_at if kind == "call_back" else next_try(now, cooldown, tz) if kind == "retry" else None}
    result = await sql.run(session, sql.outcome_statement(dialect, kind, None if admins is None else tuple(admins)), params)
    if dialect == "postgresql":
        row = result.one_or_none()
    elif (held := result.one_or_none()) is not None:
        await sql.run(session, insert(CallAttempt).values(target_id=target_id, caller_id=caller_id, outcome=outcome, at=now))
        name, round_id, event_id = (await sql.run(session, 
            select(Member.name, Campaign.round_id, Campaign.event_id).join_from(Member, Campaign, Campaign.id == held.campaign_id)
            .where(Member.id == held.member_id))).one()
        row = _SQLiteRow(held.id, held.member_id, held.campaign_id, held.card_message_id, held.status, name, round_id, event_id)
    else:
        row = None
    if row is None:
        await _why_not_recorded(session, target_id, caller_id, admins)
        raise NotHolding(target_id)
    if outcome == "do_not_call":  # through the ORM, so that the member cache forgets just this person
        person = await session.get(Member, row.member_id)
        assert person is not None
        person.do_not_call = True
        await session.flush()
    return Recorded(row.id, row.member_id, row.name, row.campaign_id, row.round_id, row.event_id, row.card_message_id,
                    kind == "final" or row.status == DONE, confirmed)


async def _number_confirmed(session: AsyncSession, target_id: int) -> bool:
    """The person this call is to proved their number in Telegram (shared their own contact)."""
    linked_by = await session.scalar(select(Member.linked_by).join(CallTarget, CallTarget.member_id == Member.id)
                                     .where(CallTarget.id == target_id))
    return linked_by == PROVEN


@dataclass
class _SQLiteRow:
    id: int
    member_id: int
    campaign_id: int
    card_message_id: int | None
    status: str
    name: str | None
    round_id: int | None
    event_id: int | None


async def _why_not_recorded(session: AsyncSession, target_id: int, caller_id: int, admins: Sequence[int] | None) -> None:
    """Raise why an outcome cannot be recorded: NotAllowed (the role is gone; checked first, as the
    caller's holds are then returned), NotHolding; nothing if it could be."""
    target = await session.get(CallTarget, target_id, populate_existing=True)
    if target is not None and admins is not None:
        campaign = await get_campaign(session, target.campaign_id)
        caller = await session.get(Member, caller_id, populate_existing=True)
        if caller is None or caller.status == STATUS_ERASED or not may_call(caller, campaign, admins):
            raise NotAllowed(target_id)
    if target is None or target.status != HELD or target.held_by != caller_id:
        raise NotHolding(target_id)


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
    await sql.run(session, update(CallTarget).where(CallTarget.id == target_id).values(card_message_id=message_id))


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
    waiting: int = 0  # of those "signed up", the ones on the linked round's or event's waiting list now
    not_reached: int = 0
    wrong_number: int = 0
    do_not_call: int = 0
    will_call: int = 0
    open: int = 0
    erased: int = 0  # people who erased their data before anyone reached them (in no other category)
    per_caller: list[tuple[str | None, int]] = field(default_factory=list)  # (name, calls); None: erased since


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
        else:  # done without an outcome of its own: erased their data (models/privacy.py)
            result.erased += count
    result.waiting = await _waiting(session, campaign_id)
    result.signed_up -= result.waiting
    callers = await session.execute(
        select(Member.name, Member.status, func.count(CallAttempt.id)).join(CallAttempt, CallAttempt.caller_id == Member.id)
        .join(CallTarget, CallTarget.id == CallAttempt.target_id).where(CallTarget.campaign_id == campaign_id)
        .group_by(Member.id, Member.name, Member.status).order_by(func.count(CallAttempt.id).desc(), Member.id)
    )
    result.per_caller = [(None if status == STATUS_ERASED else name, count) for name, status, count in callers.all()]
    return result


async def _waiting(session: AsyncSession, campaign_id: int) -> int:
    """Signed up by a call, and on the waiting list of the linked round or event now (one promoted since
    counts as signed up)."""
    signed = select(CallTarget.member_id).join(Campaign, Campaign.id == CallTarget.campaign_id).where(
        CallTarget.campaign_id == campaign_id, CallTarget.status == DONE, CallTarget.outcome == "signed_up")
    in_round = signed.join(Signup, (Signup.round_id == Campaign.round_id) & (Signup.member_id == CallTarget.member_id)
                           ).where(Signup.status == WAITING)
    at_event = signed.join(Rsvp, (Rsvp.event_id == Campaign.event_id) & (Rsvp.member_id == CallTarget.member_id)
                           ).where(Rsvp.seat == WAITING)
    return int(await session.scalar(select(func.count()).select_from(in_round.union_all(at_event).subquery())) or 0)


async def last_call_by(session: AsyncSession, caller_id: int) -> datetime | None:
    return await session.scalar(select(func.max(CallAttempt.at)).where(CallAttempt.caller_id == caller_id))
