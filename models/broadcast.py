"""The board's broadcasts: who is in an audience, what it would reach, and how it went."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String, Text, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.districts import read_district
from models.errors import DomainError, NotFound, UnknownChoice
from models.member import DISTRICTS, INTERESTS, ROLES, STATUS_ERASED, Member, MemberInterest, MemberRole
from models.membership import to_verify
from models.outbox import CLAIMED, FAILED, HELD_FOR_QUIET_HOURS, PENDING, SENT, SKIPPED, OutboxMessage, capped_counts_since
from models.survey_tables import SurveyAnswer, SurveyQuestion, SurveyResponse

MAX_REPLY = 4096
DRAFT, SCHEDULED, SENDING, DONE, CANCELLED = "draft", "scheduled", "sending", "done", "cancelled"
MAX_TEXT = 3500  # leaves room for the footer within Telegram's 4096


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # One optional button: {"kind": "round"|"event"|"calls", "data": callback data}.
    button: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    status_message_id: Mapped[int | None] = mapped_column(BigInteger)
    status_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BroadcastReply(Base):
    __tablename__ = "broadcast_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass
class Audience:
    """Who a broadcast goes to: AND across kinds of filter, OR within one. No filter = everyone."""

    districts: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    new_within_days: int | None = None
    inactive_days: int | None = None
    # Members who gave one of these answers in a linked survey: {"survey": id, "question": key,
    # "options": [keys], and for the description "text" and "labels" as written, "translated"}.
    answers: dict[str, Any] | None = None

    def validate(self) -> Audience:
        for values, allowed in ((self.districts, DISTRICTS), (self.interests, INTERESTS), (self.roles, ROLES)):
            if unknown := set(values) - set(allowed):
                raise UnknownChoice(", ".join(sorted(unknown)))
        for days in (self.new_within_days, self.inactive_days):
            if days is not None and not 1 <= days <= 3650:
                raise UnknownChoice(str(days))
        if self.answers is not None:
            wanted = self.answers
            if (not isinstance(wanted.get("survey"), int) or wanted["survey"] < 1 or not isinstance(wanted.get("question"), str)
                    or not wanted.get("options") or not all(isinstance(o, str) for o in wanted["options"])):
                raise UnknownChoice("answers")
        return self

    @property
    def everyone(self) -> bool:
        return not (self.districts or self.interests or self.roles or self.new_within_days or self.inactive_days
                    or self.answers)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Audience:
        data = data or {}
        return cls(
            districts=list(data.get("districts") or []),
            interests=list(data.get("interests") or []),
            roles=list(data.get("roles") or []),
            new_within_days=data.get("new_within_days"),
            inactive_days=data.get("inactive_days"),
            answers=data.get("answers"),
        ).validate()

    @classmethod
    def parse(cls, spec: str) -> Audience:
        """From the command line: 'district=midtbyen,interest=doorknock,new=30' ('all' = everyone)."""
        audience = cls()
        for part in filter(None, (p.strip() for p in spec.split(","))):
            if part in ("all", "everyone", "alle"):
                continue
            key, _sep, value = part.partition("=")
            match key:
                case "district":
                    audience.districts.append(read_district(value))
                case "interest":
                    audience.interests.append(value)
                case "role":
                    audience.roles.append(value)
                case "new":
                    audience.new_within_days = int(value)
                case "inactive":
                    audience.inactive_days = int(value)
                case "answer":  # answer=SURVEY.QUESTION.OPTION[+OPTION…], e.g. answer=3.interest.yes
                    survey, _dot, rest = value.partition(".")
                    question, _dot, options = rest.partition(".")
                    if not survey.isdigit() or not question or not options:
                        raise UnknownChoice(part)
                    audience.answers = {"survey": int(survey), "question": question, "options": options.split("+")}
                case _:
                    raise UnknownChoice(part)
        return audience.validate()


@dataclass
class Reach:
    """An audience counted: who matches, who is taken out and why, who gets it."""

    matching: int = 0
    not_on_telegram: int = 0
    opted_out: int = 0
    unreachable: int = 0
    over_cap: int = 0
    unverified: int = 0  # unverified supporters who match and are on lagbot: the board checks them first
    recipients: list[Member] = field(default_factory=list)


def audience_query(audience: Audience, now: datetime, *, unverified: bool = False, admin_ids: Iterable[int] = ()) -> Any:
    """The members the audience matches; with `unverified`, instead the unverified supporters it would
    match, who are left out (they could be anyone: the board's messages wait until they are checked).
    Those are the supporters /supportere lists: an account in LAGBOT_ADMINS (`admin_ids`) is vouched for."""
    not_checked = and_(*to_verify(admin_ids))
    query = select(Member).where(Member.status != STATUS_ERASED, not_checked if unverified else ~not_checked)
    if audience.districts:
        query = query.where(Member.district.in_(audience.districts))
    if audience.interests:
        query = query.where(Member.id.in_(select(MemberInterest.member_id).where(MemberInterest.interest.in_(audience.interests))))
    if audience.roles:
        wanted = [r for r in audience.roles if r != "member"]
        if wanted and len(wanted) == len(audience.roles):
            query = query.where(Member.id.in_(select(MemberRole.member_id).where(MemberRole.role.in_(wanted))))
    if audience.new_within_days:
        since = now - timedelta(days=audience.new_within_days)
        query = query.where(or_(Member.joined_on >= since.date(), (Member.joined_on.is_(None)) & (Member.created_at >= since)))
    if audience.inactive_days:
        since = now - timedelta(days=audience.inactive_days)
        query = query.where(or_(Member.last_active_at.is_(None), Member.last_active_at < since))
    if audience.answers:
        wanted = audience.answers
        query = query.where(Member.id.in_(
            select(SurveyResponse.member_id)
            .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
            .where(SurveyResponse.survey_id == wanted["survey"], SurveyResponse.member_id.is_not(None),
                   SurveyQuestion.key == wanted["question"], SurveyAnswer.option.in_(wanted["options"]))))
    return query.order_by(Member.id)


async def reach(session: AsyncSession, audience: Audience, *, now: datetime, urgent: bool, weekly_cap: int,
                admin_ids: Iterable[int] = ()) -> Reach:
    members = list(await session.scalars(audience_query(audience, now, admin_ids=admin_ids)))
    left_out = audience_query(audience, now, unverified=True, admin_ids=admin_ids).where(Member.telegram_id.is_not(None), Member.onboarded_at.is_not(None))
    counts = Reach(matching=len(members), unverified=int(await session.scalar(select(func.count()).select_from(left_out.subquery())) or 0))
    capped = {} if urgent else await capped_counts_since(session, now - timedelta(days=7))
    for member in members:
        if member.telegram_id is None or member.onboarded_at is None:
            counts.not_on_telegram += 1
        elif not member.wants_broadcasts:
            counts.opted_out += 1
        elif member.unreachable_at is not None:
            counts.unreachable += 1
        elif capped.get(member.id, 0) >= weekly_cap:
            counts.over_cap += 1
        else:
            counts.recipients.append(member)
    return counts


async def create(session: AsyncSession, *, author_id: int | None, text: str, audience: Audience, urgent: bool,
                 send_at: datetime | None, now: datetime, button: dict[str, Any] | None = None) -> Broadcast:
    """Store a broadcast written `now` (the bot's clock: the date the board's lists show it by)."""
    if not text.strip():
        raise UnknownChoice("empty text")
    broadcast = Broadcast(author_id=author_id, text=text.strip()[:MAX_TEXT], audience=audience.validate().to_json(),
                          urgent=urgent, send_at=send_at, status=SCHEDULED, button=button, created_at=now)
    session.add(broadcast)
    await session.flush()
    return broadcast


async def get(session: AsyncSession, broadcast_id: int, *, lock: bool = False) -> Broadcast:
    """The broadcast; `lock` holds its row (PostgreSQL) so a launch and a change cannot cross."""
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=lock or None, populate_existing=lock)
    if broadcast is None:
        raise NotFound(broadcast_id)
    return broadcast


class NotScheduled(DomainError):
    """The broadcast is no longer waiting for its time: it went out, or was cancelled."""


async def scheduled(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts waiting for their time, soonest first."""
    return list(await session.scalars(select(Broadcast).where(Broadcast.status == SCHEDULED, Broadcast.send_at.is_not(None))
                                      .order_by(Broadcast.send_at, Broadcast.id)))


async def change_scheduled(session: AsyncSession, broadcast_id: int, *, now: datetime, text: str | None = None,
                           send_at: datetime | None = None, cancel: bool = False) -> Broadcast:
    """Change the text or the time of a scheduled broadcast, or cancel it, while it still waits."""
    broadcast = await get(session, broadcast_id, lock=True)
    if broadcast.status != SCHEDULED or broadcast.send_at is None or broadcast.send_at <= now:
        raise NotScheduled(broadcast_id)
    if text is not None:
        if not text.strip() or len(text.strip()) > MAX_TEXT:
            raise UnknownChoice("text")
        broadcast.text = text.strip()
    if send_at is not None:
        if send_at <= now:
            raise UnknownChoice("time")
        broadcast.send_at = send_at
    if cancel:
        broadcast.status = CANCELLED
        broadcast.finished_at = now
    await session.flush()
    return broadcast


async def due_scheduled(session: AsyncSession, now: datetime) -> list[Broadcast]:
    rows = await session.scalars(
        select(Broadcast).where(Broadcast.status == SCHEDULED, or_(Broadcast.send_at.is_(None), Broadcast.send_at <= now))
    )
    return list(rows)


async def active(session: AsyncSession) -> list[Broadcast]:
    return list(await session.scalars(select(Broadcast).where(Broadcast.status == SENDING).order_by(Broadcast.id)))


@dataclass
class Progress:
    sent: int = 0
    waiting: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    held: int = 0  # of the waiting: held until quiet hours end (not urgent)
    held_until: datetime | None = None

    @property
    def done(self) -> bool:
        return self.waiting == 0


async def progress(session: AsyncSession, broadcast_id: int) -> Progress:
    rows = await session.execute(
        select(OutboxMessage.status, OutboxMessage.last_error, func.count())
        .where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.status, OutboxMessage.last_error)
    )
    result = Progress()
    for status, error, count in rows.all():
        if status == SENT:
            result.sent += count
        elif status in (PENDING, CLAIMED):
            result.waiting += count
        elif status == FAILED and (error or "").startswith("unreachable"):
            result.unreachable += count
        elif status == FAILED:
            result.failed += count
        elif status == SKIPPED and (error or "").startswith("unreachable"):
            result.unreachable += count
        elif status == SKIPPED:
            result.skipped += count
    held = (await session.execute(select(func.count(), func.min(OutboxMessage.due_at)).where(
        OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == PENDING,
        OutboxMessage.last_error == HELD_FOR_QUIET_HOURS))).one()
    result.held, result.held_until = int(held[0] or 0), held[1]
    return result


async def recent(session: AsyncSession, limit: int = 10, *, drafts: bool = True) -> list[Broadcast]:
    query = select(Broadcast) if drafts else select(Broadcast).where(Broadcast.status != DRAFT)
    return list(await session.scalars(query.order_by(Broadcast.id.desc()).limit(limit)))


async def record_reply(session: AsyncSession, member_id: int, text: str, *, now: datetime,
                       reply_to_message_id: int | None = None, broadcast_id: int | None = None) -> Broadcast | None:
    """Keep a member's reply to a broadcast they got: a Telegram reply to its message, or text written
    after its Reply button. Anything else is not for the board (None)."""
    query = select(OutboxMessage.broadcast_id).where(
        OutboxMessage.member_id == member_id, OutboxMessage.kind == "broadcast", OutboxMessage.status == SENT,
        OutboxMessage.broadcast_id.is_not(None))
    if reply_to_message_id is not None:
        query = query.where(OutboxMessage.telegram_message_id == reply_to_message_id)
    elif broadcast_id is not None:
        query = query.where(OutboxMessage.broadcast_id == broadcast_id)
    else:
        return None
    answered = await session.scalar(query.limit(1))
    if answered is None:
        return None
    session.add(BroadcastReply(broadcast_id=answered, member_id=member_id, text=text[:MAX_REPLY], received_at=now))
    await session.flush()
    return await session.get(Broadcast, answered)


async def replies(session: AsyncSession, broadcast_id: int | None = None, limit: int = 30) -> list[tuple[BroadcastReply, Member | None]]:
    query = select(BroadcastReply, Member).join(Member, Member.id == BroadcastReply.member_id, isouter=True)
    if broadcast_id is not None:
        query = query.where(BroadcastReply.broadcast_id == broadcast_id)
    rows = await session.execute(query.order_by(BroadcastReply.id.desc()).limit(limit))
    return [(reply, member) for reply, member in rows.all()]


async def replies_count(session: AsyncSession, broadcast_id: int) -> int:
    return int(await session.scalar(
        select(func.count()).select_from(BroadcastReply).where(BroadcastReply.broadcast_id == broadcast_id)
    ) or 0)
