"""Who should be asked now, by which nudge rule, and about what: each rule one statement over the
register, on the tables' columns (no ORM entities: a pass reads a few columns of a few rows, and
the ORM's per-statement work was half of a pass). No Telegram here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import activity as act
from models import events as ev
from models import phonebank as pb
from models import rounds as rd
from models.member import STATUS_ERASED, STATUS_SUPPORTER, Member, MemberInterest, MemberRole
from models.nudges import COOLDOWN_DAYS, FIRST_DAY, ONE_A_DAY, NudgeState, enabled_rules
from models.outbox import CLAIMED, PENDING, SENT, OutboxMessage
from models.phone_close import over_clause

_members, _outbox, _states = Member.__table__.c, OutboxMessage.__table__.c, NudgeState.__table__.c
_interests, _roles = MemberInterest.__table__.c, MemberRole.__table__.c
_rounds, _signups, _teams = rd.Round.__table__.c, rd.Signup.__table__.c, rd.Team.__table__.c
_rsvps, _events = ev.Rsvp.__table__.c, ev.Event.__table__.c
_campaigns, _attempts, _targets = pb.Campaign.__table__.c, pb.CallAttempt.__table__.c, pb.CallTarget.__table__.c
# An offer's subqueries look two levels out, to the member and to the round or event offered.
_OUTER = (Member.__table__, rd.Round.__table__, ev.Event.__table__)


class Recipient(Protocol):
    """What a candidate's member is to a nudge: named, addressed and keyed (a `Member`, or the
    columns of one the pass reads without loading the entity, its roles or its interests)."""

    id: int
    name: str
    language: str
    district: str | None
    joined_on: date | None
    onboarded_at: datetime | None


_RECIPIENT = (_members.id, _members.name, _members.language, _members.district, _members.joined_on, _members.onboarded_at)


@dataclass
class Candidate:
    member: Recipient
    rule: str
    reason: str
    target_id: int | None = None  # the round, event or campaign to offer
    count: int = 0  # people waiting, for the caller rule


def _not_nudged(rule: str, now: datetime) -> Any:
    """No "off" or running snooze for this rule; no nudge by it within its cooldown (or ever, for a
    once-only rule); and no nudge at all queued or sent within ONE_A_DAY (one skipped or failed reached
    nobody). The two outbox conditions are one probe of the member's nudge rows, not two."""
    blocked = select(_states.id).where(_states.member_id == _members.id, _states.rule == rule,
                                       _states.off.is_(True) | (_states.snoozed_until > now)).exists()
    today = _outbox.status.in_((PENDING, CLAIMED, SENT)) & (_outbox.due_at > now - ONE_A_DAY)
    by_rule = _outbox.dedupe_key.startswith(f"nudge:{rule}:")
    cooldown = COOLDOWN_DAYS[rule]
    if cooldown is not None:
        by_rule = by_rule & (_outbox.status == SENT) & (_outbox.sent_at > now - timedelta(days=cooldown))
    # Nudge rows only: "kind = 'nudge'" written out, so that the partial index on them applies.
    nudged = select(_outbox.id).where(_outbox.member_id == _members.id, text("outbox.kind = 'nudge'"), today | by_rule).exists()
    return ~nudged & ~blocked


async def candidates(session: AsyncSession, now: datetime, admin_ids: Iterable[int] = ()) -> list[Candidate]:
    """Every member who should get a nudge now, by rule, with the reason in words for the preview.
    `admin_ids`, the accounts in LAGBOT_ADMINS, have their part without a role row: never newcomers."""
    admins = [int(telegram_id) for telegram_id in admin_ids]
    reachable = (
        _members.status != STATUS_ERASED, _members.telegram_id.is_not(None), _members.onboarded_at.is_not(None),
        _members.onboarded_at <= now - FIRST_DAY,  # the first day has the welcome; suggestions wait
        _members.wants_nudges.is_(True), _members.unreachable_at.is_(None),
        ~((_members.status == STATUS_SUPPORTER) & _members.verified.is_(False)))
    # Each rule's conditions narrow the members in SQL, so a large register stays cheap.
    narrow = {
        "doorknock": _members.id.in_(select(_interests.member_id).where(_interests.interest == "doorknock")),
        "social": _members.id.in_(select(_interests.member_id).where(_interests.interest == "social")),
        "caller": _members.id.in_(select(_roles.member_id).where(_roles.role == "caller")),
        "newcomer": and_(_members.onboarded_at >= now - timedelta(days=60), _members.onboarded_at <= now - timedelta(days=22),
                         *([_members.telegram_id.not_in(admins)] if admins else [])),
    }
    found: list[Candidate] = []
    for rule in await enabled_rules(session):
        # The nudges already given first: in a season's steady state they turn most away, and SQLite
        # tests the conditions in the order written (a third of the statement's time).
        eligible = select(*_RECIPIENT).where(narrow[rule], _not_nudged(rule, now), *reachable).order_by(_members.id)
        found += await RULE_FUNCTIONS[rule](session, eligible, now)
    first: dict[int, Candidate] = {}
    for candidate in found:  # one a member: the first rule's (ONE_A_DAY)
        first.setdefault(candidate.member.id, candidate)
    return list(first.values())


async def _doorknock(session: AsyncSession, eligible: Any, now: datetime) -> list[Candidate]:
    seated = select(func.count()).where(_signups.round_id == _rounds.id, _signups.status == act.CONFIRMED).scalar_subquery()
    open_ids = list(await session.scalars(select(_rounds.id).where(
        _rounds.status == act.PLANNED, _rounds.starts_at > now, _rounds.starts_at <= now + timedelta(days=14), seated < _rounds.capacity)))
    if not open_ids:
        return []
    # The offer, chosen in the statement: a round with free seats the member has no place on and does
    # not lead a team of, the soonest in their own district, else the soonest. (Two subqueries, not an
    # ORDER BY on the district: SQLite does not see the member's columns in a subquery's ORDER BY.)
    def soonest(*where: Any) -> Any:
        return select(_rounds.id).where(
            _rounds.id.in_(open_ids), *where,
            ~select(_signups.id).where(_signups.round_id == _rounds.id, _signups.member_id == _members.id).correlate(*_OUTER).exists(),
            ~select(_teams.id).where(_teams.round_id == _rounds.id, _teams.leader_id == _members.id).correlate(*_OUTER).exists(),
        ).order_by(_rounds.starts_at, _rounds.id).limit(1).scalar_subquery()

    # Read as a column, not tested in WHERE: so it is worked out only for the members every other
    # condition let through (PostgreSQL would otherwise work it out for each interested member first).
    offer = func.coalesce(soonest(_rounds.district == _members.district), soonest())
    recent = select(_signups.id).where(_signups.member_id == _members.id, _signups.created_at >= now - timedelta(days=30)).exists()
    # Leading a team counts as taking part: one who led a round in the last 30 days (or leads one ahead) is not asked.
    led_rounds = rd.Round.__table__.alias("led_rounds")
    led = select(_teams.id).join(led_rounds, led_rounds.c.id == _teams.round_id).where(
        _teams.leader_id == _members.id, led_rounds.c.status != act.CANCELLED, led_rounds.c.starts_at >= now - timedelta(days=30)).exists()
    return [Candidate(row, "doorknock", "interested in door-knocking, no round for 30 days, a round with free seats within 14 days", row.target)
            for row in await session.execute(eligible.add_columns(offer.label("target")).where(~recent, ~led)) if row.target is not None]


async def _social(session: AsyncSession, eligible: Any, now: datetime) -> list[Candidate]:
    seated = select(func.count()).where(_rsvps.event_id == _events.id, _rsvps.seat == act.CONFIRMED).scalar_subquery()
    open_ids = list(await session.scalars(select(_events.id).where(
        _events.status == act.PLANNED, _events.kind == "social", _events.starts_at > now,
        _events.capacity.is_(None) | (seated < _events.capacity)).order_by(_events.starts_at, _events.id).limit(5)))
    if not open_ids:
        return []
    # The offer: the soonest of them (a full one is not offered) the member has not answered and is not the contact person of.
    offer = select(_events.id).where(
        _events.id.in_(open_ids), _events.contact_id.is_distinct_from(_members.id),  # not one's own event
        ~select(_rsvps.id).where(_rsvps.event_id == _events.id, _rsvps.member_id == _members.id).correlate(*_OUTER).exists(),
    ).order_by(_events.starts_at, _events.id).limit(1).scalar_subquery()
    recent_events = ev.Event.__table__.alias("recent_events")
    recent = select(_rsvps.id).join(recent_events, recent_events.c.id == _rsvps.event_id).where(
        _rsvps.member_id == _members.id, _rsvps.answer == "yes", recent_events.c.kind == "social",
        recent_events.c.starts_at >= now - timedelta(days=60)).exists()
    return [Candidate(row, "social", "interested in social activities, none for 60 days", row.target)
            for row in await session.execute(eligible.add_columns(offer.label("target")).where(~recent)) if row.target is not None]


async def _caller(session: AsyncSession, eligible: Any, now: datetime) -> list[Candidate]:
    # The active phone round with the most people waiting to be called (its round or event not begun).
    waiting = select(func.count()).where(
        _targets.campaign_id == _campaigns.id, _targets.status == pb.QUEUED,
        _targets.next_attempt_at.is_(None) | (_targets.next_attempt_at <= now), _targets.reserved_for.is_(None)).scalar_subquery()
    busiest = (await session.execute(select(_campaigns.id, waiting.label("waiting")).where(
        _campaigns.status == pb.ACTIVE, ~over_clause(now), waiting > 0).order_by(waiting.desc(), _campaigns.id).limit(1))).first()
    if busiest is None:
        return []
    campaign_id, count = busiest.id, int(busiest.waiting)
    called = select(_attempts.id).where(_attempts.caller_id == _members.id, _attempts.at > now - timedelta(days=14)).exists()
    return [Candidate(member, "caller", f"caller, {count} people waiting, no call for 14 days", campaign_id, count)
            for member in await session.execute(eligible.where(~called))]


async def _newcomer(session: AsyncSession, eligible: Any, now: datetime) -> list[Candidate]:
    # Three NOT EXISTS (not NOT of an OR): PostgreSQL plans each as an anti-join instead of a filter
    # run per member (which also priced the statement near the JIT threshold).
    did_nothing = (~select(_signups.id).where(_signups.member_id == _members.id).exists(),
                   ~select(_rsvps.id).where(_rsvps.member_id == _members.id, _rsvps.answer.in_(("yes", "maybe"))).exists(),
                   ~select(_attempts.id).where(_attempts.caller_id == _members.id).exists())
    # Nor is one with a part already a newcomer to be encouraged: a role granted (the board, a leader, a
    # caller, a welcomer …), a team to lead, an event to be the contact person for.
    no_part = (~select(_roles.id).where(_roles.member_id == _members.id).exists(),
                 ~select(_teams.id).where(_teams.leader_id == _members.id).exists(),
                 ~select(_events.id).where(_events.contact_id == _members.id).exists())
    result = []
    for member in await session.execute(eligible.where(*did_nothing, *no_part)):
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
