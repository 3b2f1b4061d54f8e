"""Phone rounds' tables and the plain values their operations return (models/phonebank.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.errors import DomainError
from models.member import Member

ACTIVE, PAUSED, CLOSED = "active", "paused", "closed"
QUEUED, HELD, DONE = "queued", "held", "done"
MODES = ("callers", "volunteers")
OUTCOMES = ("signed_up", "not_now", "will_call", "no_answer", "left_message", "call_back", "wrong_number", "do_not_call")
FINAL = {"signed_up", "not_now", "will_call", "wrong_number", "do_not_call"}
REACHED = ("signed_up", "not_now", "will_call", "do_not_call")  # someone answered (the progress and the digest agree)
RETRY = {"no_answer", "left_message"}
MAX_ATTEMPTS = 3
OSLO_DAY = (time(9, 0), time(21, 0))
PROVEN = "phone"  # Member.linked_by of a member who proved their number in Telegram (models/linking.PROVEN)


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
    # Set as the call is queued: 0 first, 1 after (a phone round for a door-knocking round calls the
    # members of the round's district first). In the queue's index, so a claim still reads it in order.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # The caller's message showing the number, so it can be edited away when the hold ends.
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The queue in the order calls are handed out (`claim_next`), queued rows only: the next call is the
# first row not locked by another caller, read straight from the index instead of sorting the queue.
QUEUE_ORDER = (CallTarget.reserved_for.is_(None), CallTarget.next_attempt_at.is_not(None), CallTarget.priority,
               CallTarget.next_attempt_at, CallTarget.id)
Index("ix_call_targets_queue", CallTarget.campaign_id, *QUEUE_ORDER, postgresql_where=CallTarget.status == QUEUED, sqlite_where=CallTarget.status == QUEUED)


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
    confirmed: bool = False  # the member proved this number in Telegram (shared their own contact: Member.linked_by)
    callback_at: datetime | None = None  # the call-back time agreed on an earlier call, if that is why it is here

    @classmethod
    def of(cls, target: CallTarget, person: Member, campaign: Campaign) -> Card:
        return cls(target.id, person.id, target.attempts, target.card_message_id, person.name, person.phone, person.district,
                   frozenset(person.interest_names), person.last_active_at, CampaignView.of(campaign),
                   confirmed=person.linked_by == PROVEN,
                   callback_at=target.next_attempt_at if target.outcome == "call_back" else None)


@dataclass
class Claim:
    card: Card | None
    reason: str | None = None  # when there is nothing: all_done, only_you, cooling_down, being_called, paused, closed, over (its round or event has begun), cancelled (… was cancelled), refused (no caller role)
    already_held: bool = False  # the caller holds this one already (a second tap on "next call")
    about: str | None = None  # reason "over" or "cancelled": the title of the round or event



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
    # "Wrong number" on a number the member proved in Telegram: recorded as not answered (tried again
    # later), not as a number for the board to fix (models/phonebank.record).
    confirmed_number: bool = False


