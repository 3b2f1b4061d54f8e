"""Phone rounds' hot statements (claim a call, record an outcome), built once per database kind and
run on the session's connection: one statement per press with its checks inside it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String, and_, bindparam, case, exists, false, func, insert, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.base import UTCDateTime
from models.member import STATUS_ERASED, Member, MemberInterest, MemberRole
from models.phone_close import over_clause
from models.phone_tables import (
    ACTIVE,
    DONE,
    HELD,
    MAX_ATTEMPTS,
    PROVEN,
    QUEUE_ORDER,
    QUEUED,
    CallAttempt,
    CallTarget,
    Campaign,
    CampaignView,
    Card,
)

# Statements built once per database kind (and variant) and executed with parameters: building and
# compiling a statement costs more than running it on a busy phone round.
STATEMENTS: dict[tuple[Any, ...], Any] = {}
CALLER_ROLES = ("admin", "caller", "board")


def caller_may(campaign_id: Any, admins: tuple[int, ...]) -> Any:
    """SQL for `may_call`: the campaign takes volunteers, or the caller (:p_caller_id, not erased) is
    an admin (by role or by Telegram id in `admins`, the settings), a caller or on the board. Read in
    the statement that changes the call, so a role revoked a moment ago stops the change.
    (No expanding IN lists: those are rendered again on every execution.)"""
    role = exists().where(MemberRole.member_id == Member.id, or_(*(MemberRole.role == r for r in CALLER_ROLES)))
    admin = or_(*(Member.telegram_id == a for a in admins)) if admins else false()
    caller = exists().where(Member.id == bindparam("p_caller_id"), Member.status != STATUS_ERASED,
                            or_(Campaign.mode == "volunteers", admin, role))
    return exists().where(Campaign.id == campaign_id, caller)


HELD_COLUMNS = (CallTarget.id, CallTarget.member_id, CallTarget.campaign_id, CallTarget.attempts, CallTarget.card_message_id,
                CallTarget.outcome, CallTarget.next_attempt_at)


def card_query(held: Any, dialect: str) -> Any:
    """The card's columns for the call(s) in `held` (the table, or the rows an UPDATE returned)."""
    joined = (func.string_agg if dialect == "postgresql" else func.group_concat)(MemberInterest.interest, literal_column("','"))
    interests = (select(joined)
                 .where(MemberInterest.member_id == held.c.member_id).scalar_subquery())
    return (select(held.c.id, held.c.member_id, held.c.attempts, held.c.card_message_id, Member.name, Member.phone, Member.district,
                   interests.label("interests"), Member.last_active_at, Member.linked_by, held.c.outcome, held.c.next_attempt_at, held.c.campaign_id, Campaign.name.label("campaign_name"),
                   Campaign.scripts, Campaign.round_id, Campaign.event_id, Campaign.survey_id)
            .join_from(held, Member, Member.id == held.c.member_id).join(Campaign, Campaign.id == held.c.campaign_id))


def card_of(row: Any) -> Card:
    interests = frozenset(row.interests.split(",")) if row.interests else frozenset()
    return Card(row.id, row.member_id, row.attempts, row.card_message_id, row.name, row.phone, row.district, interests,
                row.last_active_at, CampaignView(row.campaign_id, row.campaign_name, row.scripts or {}, row.round_id,
                                                 row.event_id, row.survey_id),
                confirmed=row.linked_by == PROVEN, callback_at=row.next_attempt_at if row.outcome == "call_back" else None)


def claim_statement(dialect: str, admins: tuple[int, ...] | None) -> Any:
    """Pick, lock and hold the next call in one statement, with the campaign's state, the caller's
    role (unless `admins` is None) and "holds none yet" read in it; returns the card's columns."""
    key = ("claim", dialect, admins)
    if key not in STATEMENTS:
        caller, campaign_id = bindparam("p_caller_id"), bindparam("p_campaign_id")
        holding = aliased(CallTarget)
        conditions = [available(campaign_id, caller, bindparam("p_now")),
                      # Open, and its round or event (if any) not begun: models/phone_close.py
                      exists().where(Campaign.id == campaign_id, Campaign.status == ACTIVE, ~over_clause(bindparam("p_now"))),
                      ~exists().where(holding.campaign_id == campaign_id, holding.status == HELD, holding.held_by == caller)]
        if admins is not None:
            conditions.append(caller_may(campaign_id, admins))
        pick = select(CallTarget.id).where(*conditions).order_by(*QUEUE_ORDER).limit(1).correlate(None)
        if dialect == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        STATEMENTS[key] = (update(CallTarget).where(CallTarget.id == pick.scalar_subquery(), CallTarget.status == QUEUED)
                            .values(status=HELD, held_by=caller, held_until=bindparam("p_until"), updated_at=bindparam("p_now")))
        if dialect == "postgresql":  # the card read with the claim: one statement
            STATEMENTS[key] = card_query(STATEMENTS[key].returning(*HELD_COLUMNS).cte("held"), dialect)
        else:  # SQLite's RETURNING cannot join; the card is read after it (the writer lock is held)
            STATEMENTS[key] = STATEMENTS[key].returning(CallTarget.id)
    return STATEMENTS[key]


async def run(session: AsyncSession, statement: Any, params: dict[str, Any] | None = None) -> Any:
    """A Core statement on the session's connection, in its transaction: rows, not ORM objects, and
    none of the ORM's per-statement work. Only for statements that touch no member, role or interest
    (the member cache learns of those through the ORM, bot/member_cache.py). Pending ORM changes are
    flushed first, as the session's own execute would."""
    return await session.run_sync(_run, statement, params)  # one pass through SQLAlchemy's greenlet


def _run(session: Any, statement: Any, params: dict[str, Any] | None) -> Any:
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, params)  # rows are fetched: the result is read outside


async def held_card(session: AsyncSession, statement: Any, params: dict[str, Any]) -> Card | None:
    """Run a claim statement; the card of the call it took, if any."""
    result = await run(session, statement, params)
    if session.bind.dialect.name == "postgresql":
        row = result.one_or_none()
    else:
        target_id = result.scalar()
        if target_id is None:
            return None
        key = ("card", "sqlite")
        if key not in STATEMENTS:
            table = CallTarget.__table__
            STATEMENTS[key] = card_query(table, "sqlite").where(table.c.id == bindparam("p_target_id"))
        row = (await run(session, STATEMENTS[key], {"p_target_id": target_id})).one()
    return None if row is None else card_of(row)


def available(campaign_id: Any, caller_id: Any, now: Any) -> Any:
    return and_(
        CallTarget.campaign_id == campaign_id,
        # In the SQL as it is, not a parameter: PostgreSQL then uses the queue's partial index in a prepared plan too.
        CallTarget.status == literal_column(f"'{QUEUED}'"),
        CallTarget.member_id != caller_id,
        or_(CallTarget.next_attempt_at.is_(None), CallTarget.next_attempt_at <= now),
        or_(CallTarget.reserved_for.is_(None), CallTarget.reserved_for == caller_id),
    )


def outcome_statement(dialect: str, kind: str, admins: tuple[int, ...] | None) -> Any:
    """Record an outcome in one statement (SQLite: the attempt is a second): the call is updated only
    if this caller holds it (and, unless `admins` is None, may still call), and its attempt stored."""
    key = ("outcome", dialect, kind, admins)
    if key not in STATEMENTS:
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
            conditions.append(caller_may(CallTarget.campaign_id, admins))
        changed = update(CallTarget).where(*conditions).values(**values).returning(
            CallTarget.id, CallTarget.member_id, CallTarget.campaign_id, CallTarget.card_message_id, CallTarget.status)
        if dialect == "postgresql":
            held = changed.cte("recorded")
            attempt = insert(CallAttempt).from_select(
                ["target_id", "caller_id", "outcome", "at"],
                select(held.c.id, bindparam("p_caller_id", type_=BigInteger()), outcome, bindparam("p_now", type_=UTCDateTime())))
            STATEMENTS[key] = (select(held.c.id, held.c.member_id, held.c.campaign_id, held.c.card_message_id, held.c.status,
                                       Member.name, Campaign.round_id, Campaign.event_id)
                                .join_from(held, Member, Member.id == held.c.member_id).join(Campaign, Campaign.id == held.c.campaign_id)
                                .add_cte(attempt.cte("attempt")))
        else:
            STATEMENTS[key] = changed
    return STATEMENTS[key]


