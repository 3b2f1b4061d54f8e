"""Phone rounds (ringerunder): campaigns, a queue of people to call, one target per caller at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, joinedload, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.broadcast import Audience, audience_query
from models.errors import DomainError, NotFound
from models.member import STATUS_ERASED, Member, MemberInterest, MemberRole

ACTIVE, PAUSED, CLOSED = "active", "paused", "closed"
QUEUED, HELD, DONE = "queued", "held", "done"
MODES = ("callers", "volunteers")
OUTCOMES = ("signed_up", "not_now", "will_call", "no_answer", "left_message", "call_back", "wrong_number", "do_not_call")
FINAL = {"signed_up", "not_now", "will_call", "wrong_number", "do_not_call"}
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


# The queue in the order calls are handed out (`claim_next`), queued rows only: the next call is the
# first row not locked by another caller, read straight from the index instead of sorting the queue.
Index("ix_call_targets_queue", CallTarget.campaign_id, CallTarget.reserved_for.is_(None), CallTarget.next_attempt_at.is_not(None),
      CallTarget.next_attempt_at, CallTarget.id, postgresql_where=CallTarget.status == QUEUED, sqlite_where=CallTarget.status == QUEUED)


class CallAttempt(Base):
    __tablename__ = "call_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("call_targets.id", ondelete="CASCADE"), index=True)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class CampaignView:
    """What a caller's card and buttons need of the campaign."""
    id: int
    name: str
    scripts: dict[str, str]
    round_id: int | None
    event_id: int | None
    survey_id: int | None

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignView:
        return cls(campaign.id, campaign.name, campaign.scripts, campaign.round_id, campaign.event_id, campaign.survey_id)


@dataclass(frozen=True)
class Card:
    """One held call as the caller's card shows it: the target, the person to call and the campaign."""
    target_id: int
    member_id: int
    attempts: int
    card_message_id: int | None
    name: str | None
    phone: str | None
    district: str | None
    interests: frozenset[str]
    last_active_at: datetime | None
    campaign: CampaignView

    @classmethod
    def of(cls, target: CallTarget, person: Member, campaign: Campaign) -> Card:
        return cls(target.id, person.id, target.attempts, target.card_message_id, person.name, person.phone, person.district,
                   frozenset(person.interest_names), person.last_active_at, CampaignView.of(campaign))


@dataclass
class Claim:
    card: Card | None
    reason: str | None = None  # when there is nothing: all_done, cooling_down, paused, closed, refused (no caller role)
    already_held: bool = False  # the caller holds this one already (a second tap on "next call")


# Statements built once per database kind (and variant) and executed with parameters: building and
# compiling a statement costs more than running it on a busy phone round.
_statements: dict[tuple[Any, ...], Any] = {}
CALLER_ROLES = ("admin", "caller", "board")


def _caller_may(campaign_id: Any, admins: tuple[int, ...]) -> Any:
    """SQL for `may_call`: the campaign takes volunteers, or the caller (:p_caller_id, not erased) is
    an admin (by role or by Telegram id in `admins`, the settings), a caller or on the board. Read in
    the statement that changes the call, so a role revoked a moment ago stops the change.
    (No expanding IN lists: those are rendered again on every execution.)"""
    role = exists().where(MemberRole.member_id == Member.id, or_(*(MemberRole.role == r for r in CALLER_ROLES)))
    admin = or_(*(Member.telegram_id == a for a in admins)) if admins else false()
    caller = exists().where(Member.id == bindparam("p_caller_id"), Member.status != STATUS_ERASED,
                            or_(Campaign.mode == "volunteers", admin, role))
    return exists().where(Campaign.id == campaign_id, caller)


HELD_COLUMNS = (CallTarget.id, CallTarget.member_id, CallTarget.campaign_id, CallTarget.attempts, CallTarget.card_message_id)


def _card_query(held: Any, dialect: str) -> Any:
    """The card's columns for the call(s) in `held` (the table, or the rows an UPDATE returned)."""
    joined = (func.string_agg if dialect == "postgresql" else func.group_concat)(MemberInterest.interest, literal_column("','"))
    interests = (select(joined)
                 .where(MemberInterest.member_id == held.c.member_id).scalar_subquery())
    return (select(held.c.id, held.c.member_id, held.c.attempts, held.c.card_message_id, Member.name, Member.phone, Member.district,
                   interests.label("interests"), Member.last_active_at, held.c.campaign_id, Campaign.name.label("campaign_name"),
                   Campaign.scripts, Campaign.round_id, Campaign.event_id, Campaign.survey_id)
            .join_from(held, Member, Member.id == held.c.member_id).join(Campaign, Campaign.id == held.c.campaign_id))


def _card(row: Any) -> Card:
    interests = frozenset(row.interests.split(",")) if row.interests else frozenset()
    return Card(row.id, row.member_id, row.attempts, row.card_message_id, row.name, row.phone, row.district, interests,
                row.last_active_at, CampaignView(row.campaign_id, row.campaign_name, row.scripts or {}, row.round_id,
                                                 row.event_id, row.survey_id))


def _claim_statement(dialect: str, admins: tuple[int, ...] | None) -> Any:
    """Pick, lock and hold the next call in one statement, with the campaign's state, the caller's
    role (unless `admins` is None) and "holds none yet" read in it; returns the card's columns."""
    key = ("claim", dialect, admins)
    if key not in _statements:
        caller, campaign_id = bindparam("p_caller_id"), bindparam("p_campaign_id")
        holding = aliased(CallTarget)
        conditions = [_available(campaign_id, caller, bindparam("p_now")),
                      exists().where(Campaign.id == campaign_id, Campaign.status == ACTIVE),
                      ~exists().where(holding.campaign_id == campaign_id, holding.status == HELD, holding.held_by == caller)]
        if admins is not None:
            conditions.append(_caller_may(campaign_id, admins))
        order = (CallTarget.reserved_for.is_(None), CallTarget.next_attempt_at.is_not(None), CallTarget.next_attempt_at, CallTarget.id)
        pick = select(CallTarget.id).where(*conditions).order_by(*order).limit(1).correlate(None)
        if dialect == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        _statements[key] = (update(CallTarget).where(CallTarget.id == pick.scalar_subquery(), CallTarget.status == QUEUED)
                            .values(status=HELD, held_by=caller, held_until=bindparam("p_until"), updated_at=bindparam("p_now")))
        if dialect == "postgresql":  # the card read with the claim: one statement
            _statements[key] = _card_query(_statements[key].returning(*HELD_COLUMNS).cte("held"), dialect)
        else:  # SQLite's RETURNING cannot join; the card is read after it (the writer lock is held)
            _statements[key] = _statements[key].returning(CallTarget.id)
    return _statements[key]


async def _run(session: AsyncSession, statement: Any, params: dict[str, Any] | None = None) -> Any:
    """A Core statement on the session's connection, in its transaction: rows, not ORM objects, and
    none of the ORM's per-statement work. Only for statements that touch no member, role or interest
    (the member cache learns of those through the ORM, bot/member_cache.py). Pending ORM changes are
    flushed first, as the session's own execute would."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    return await (await session.connection()).execute(statement, params)


async def _held_card(session: AsyncSession, statement: Any, params: dict[str, Any]) -> Card | None:
    """Run a claim statement; the card of the call it took, if any."""
    result = await _run(session, statement, params)
    if session.bind.dialect.name == "postgresql":
        row = result.one_or_none()
    else:
        target_id = result.scalar()
        if target_id is None:
            return None
        key = ("card", "sqlite")
        if key not in _statements:
            table = CallTarget.__table__
            _statements[key] = _card_query(table, "sqlite").where(table.c.id == bindparam("p_target_id"))
        row = (await _run(session, _statements[key], {"p_target_id": target_id})).one()
    return None if row is None else _card(row)


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


def _available(campaign_id: Any, caller_id: Any, now: Any) -> Any:
    return and_(
        CallTarget.campaign_id == campaign_id,
        # In the SQL as it is, not a parameter: PostgreSQL then uses the queue's partial index in a prepared plan too.
        CallTarget.status == literal_column(f"'{QUEUED}'"),
        CallTarget.member_id != caller_id,
        or_(CallTarget.next_attempt_at.is_(None), CallTarget.next_attempt_at <= now),
        or_(CallTarget.reserved_for.is_(None), CallTarget.reserved_for == caller_id),
    )


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
    card = await _held_card(session, _claim_statement(dialect, admin_ids), params)
    if card is not None:
        return Claim(card)
    campaign = await get_campaign(session, campaign_id)
    if admins is not None:
        caller = await session.get(Member, caller_id, populate_existing=True)
        if caller is None or caller.status == STATUS_ERASED or not may_call(caller, campaign, admins):
            return Claim(None, reason="refused")
    if campaign.status != ACTIVE:
        return Claim(None, reason=campaign.status)
    current = await session.scalar(select(CallTarget).where(CallTarget.campaign_id == campaign_id, CallTarget.status == HELD,
                                                           CallTarget.held_by == caller_id))
    if current is not None:
        person = await _person(session, current.member_id)
        assert person is not None
        return Claim(Card.of(current, person, campaign), already_held=True)
    # Another caller's commit freed one in between (PostgreSQL reads each statement afresh): try again,
    # the role read in the claiming statement once more (this may run outside a transaction, `Database.single`).
    card = await _held_card(session, _claim_statement(dialect, admin_ids), params)
    if card is not None:
        return Claim(card)
    return Claim(None, reason=await _why_empty(session, campaign_id))


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


class NotAllowed(CampaignError):
    """The caller may not take calls in this campaign (any more): no caller role, and not a volunteers' round."""


@dataclass(frozen=True)
class Recorded:
    target_id: int
    member_id: int  # the person called
    name: str | None
    campaign_id: int
    round_id: int | None
    event_id: int | None
    card_message_id: int | None
    final: bool


def _outcome_statement(dialect: str, kind: str, admins: tuple[int, ...] | None) -> Any:
    """Record an outcome in one statement (SQLite: the attempt is a second): the call is updated only
    if this caller holds it (and, unless `admins` is None, may still call), and its attempt stored."""
    key = ("outcome", dialect, kind, admins)
    if key not in _statements:
        caller, outcome, later = bindparam("p_caller_id"), bindparam("p_outcome", type_=String()), bindparam("p_next", type_=UTCDateTime())
        values: dict[str, Any] = {"attempts": CallTarget.attempts + 1, "held_by": None, "held_until": None,
                                  "updated_at": bindparam("p_now")}
        if kind == "final":
            values |= {"outcome": outcome, "status": DONE}
        elif kind == "retry":  # the last try is final: not reached
            spent = CallTarget.attempts + 1 >= MAX_ATTEMPTS
            values |= {"status": case((spent, DONE), else_=QUEUED), "outcome": case((spent, "not_reached"), else_=outcome),
                       "next_attempt_at": case((spent, CallTarget.next_attempt_at), else_=later),
                       "reserved_for": case((spent, CallTarget.reserved_for), else_=None)}
        else:  # call back: kept for this caller until then
            values |= {"outcome": outcome, "status": QUEUED, "next_attempt_at": later, "reserved_for": caller}
        conditions = [CallTarget.id == bindparam("p_target_id"), CallTarget.status == HELD, CallTarget.held_by == caller]
        if admins is not None:
            conditions.append(_caller_may(CallTarget.campaign_id, admins))
        changed = update(CallTarget).where(*conditions).values(**values).returning(
            CallTarget.id, CallTarget.member_id, CallTarget.campaign_id, CallTarget.card_message_id, CallTarget.status)
        if dialect == "postgresql":
            held = changed.cte("recorded")
            attempt = insert(CallAttempt).from_select(
                ["target_id", "caller_id", "outcome", "at"],
                select(held.c.id, bindparam("p_caller_id", type_=BigInteger()), outcome, bindparam("p_now", type_=UTCDateTime())))
            _statements[key] = (select(held.c.id, held.c.member_id, held.c.campaign_id, held.c.card_message_id, held.c.status,
                                       Member.name, Campaign.round_id, Campaign.event_id)
                                .join_from(held, Member, Member.id == held.c.member_id).join(Campaign, Campaign.id == held.c.campaign_id)
                                .add_cte(attempt.cte("attempt")))
        else:
            _statements[key] = changed
    return _statements[key]


async def record(session: AsyncSession, target_id: int, caller_id: int, outcome: str, now: datetime, *,
                 cooldown: timedelta, tz: Any, callback_at: datetime | None = None, admins: Sequence[int] | None = None) -> Recorded:
    """Record what happened on the call; only the caller holding the target may (NotHolding), and
    with `admins`, only while they may call in its campaign (NotAllowed; the role read in the same
    statement). One statement on PostgreSQL in the usual case."""
    if outcome not in OUTCOMES:
        raise CampaignError(outcome)
    kind = "final" if outcome in FINAL else "retry" if outcome in RETRY else "call_back"
    if kind == "call_back" and (callback_at is None or callback_at <= now):
        await _why_not_recorded(session, target_id, caller_id, admins)
        raise CampaignError("call back needs a time in the future")
    dialect = session.bind.dialect.name
    params = {"p_target_id": target_id, "p_caller_id": caller_id, "p_outcome": outcome, "p_now": now,
              "p_next": callback_at if kind == "call_back" else next_try(now, cooldown, tz) if kind == "retry" else None}
    result = await _run(session, _outcome_statement(dialect, kind, None if admins is None else tuple(admins)), params)
    if dialect == "postgresql":
        row = result.one_or_none()
    elif (held := result.one_or_none()) is not None:
        await _run(session, insert(CallAttempt).values(target_id=target_id, caller_id=caller_id, outcome=outcome, at=now))
        name, round_id, event_id = (await _run(session, 
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
                    kind == "final" or row.status == DONE)


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
    await _run(session, update(CallTarget).where(CallTarget.id == target_id).values(card_message_id=message_id))


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
