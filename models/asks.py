"""Asks for input ("innspill"): a council matter, a programme chapter or a general question that
members (and partner organisations) answer in free text until a deadline (plan D2, D3.1, D4).

An ask goes out through the outbox like a broadcast. Who got it is kept per member (answered,
"not for me"), so the reminder two days before the deadline reaches only the others. An anonymous
answer is stored without the member: only its district and interests (for the summary) stay."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models import outbox as box
from models.base import Base, UTCDateTime, utcnow
from models.broadcast import Audience, Reach, reach
from models.constants import OSLO
from models.errors import DomainError, NotFound, UnknownChoice
from models.member import Member
from models.membership import has_role
from models.partners import Partner, all_partners
from models.secrets import telegram_hash

KINDS: tuple[str, ...] = ("council", "programme", "general")
OPEN, CLOSED = "open", "closed"
MAX_TITLE, MAX_BODY, MAX_LINK, MAX_ANSWER = 120, 1500, 500, 3000
REMIND_BEFORE = timedelta(days=2)


class AskClosed(DomainError):
    """The ask is closed or its deadline has passed."""


class NotARecipient(DomainError):
    """The ask was not sent to this member (or partner)."""


class Ask(Base):
    __tablename__ = "asks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(MAX_LINK))
    # A document sent once by its author: Telegram's file_id, which the messages refer to.
    file_id: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str | None] = mapped_column(String(200))
    meeting_on: Mapped[date | None] = mapped_column(Date)  # a council matter: the council's meeting
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    to_partners: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AskPartner(Base):
    __tablename__ = "ask_partners"

    ask_id: Mapped[int] = mapped_column(ForeignKey("asks.id", ondelete="CASCADE"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True, index=True)


class AskRecipient(Base):
    """A member the ask was sent to, and what they did with it."""

    __tablename__ = "ask_recipients"

    ask_id: Mapped[int] = mapped_column(ForeignKey("asks.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AskAnswer(Base):
    __tablename__ = "ask_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("asks.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    # A partner's respondent: a keyed hash of their Telegram id, so they can see and erase their answers.
    respondent_key: Mapped[str | None] = mapped_column(String(64), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    district: Mapped[str | None] = mapped_column(String(20))
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass
class Draft:
    kind: str
    title: str
    body: str
    deadline_at: datetime
    audience: Audience = field(default_factory=Audience)
    link: str | None = None
    file_id: str | None = None
    file_name: str | None = None
    meeting_on: date | None = None
    event_id: int | None = None
    to_partners: bool = False
    urgent: bool = False


def may_see(member: Member | None, ask: Ask | str, admins: list[int]) -> bool:
    """The board sees every ask and its answers; the programme role the programme asks."""
    kind = ask if isinstance(ask, str) else ask.kind
    return has_role(member, "board", admins) or (kind == "programme" and has_role(member, "programme", admins))


def validate(draft: Draft, now: datetime) -> None:
    if draft.kind not in KINDS:
        raise UnknownChoice(draft.kind)
    if not draft.title.strip() or len(draft.title.strip()) > MAX_TITLE:
        raise UnknownChoice("title")
    if not draft.body.strip() or len(draft.body.strip()) > MAX_BODY:
        raise UnknownChoice("text")
    if draft.link and (len(draft.link) > MAX_LINK or not draft.link.startswith(("https://", "http://"))):
        raise UnknownChoice("link")
    if draft.deadline_at <= now:
        raise UnknownChoice("deadline")
    draft.audience.validate()


async def count(session: AsyncSession, draft: Draft, *, now: datetime, weekly_cap: int) -> tuple[Reach, int]:
    """Who it would reach now: members (as a broadcast) and partner organisations."""
    counted = await reach(session, draft.audience, now=now, urgent=draft.urgent, weekly_cap=weekly_cap)
    return counted, len(await all_partners(session)) if draft.to_partners else 0


async def create_and_send(session: AsyncSession, draft: Draft, *, author_id: int | None, now: datetime,
                          weekly_cap: int) -> tuple[Ask, int, int]:
    """Store the ask and queue it for every recipient; returns it, the members and the partners."""
    validate(draft, now)
    ask = Ask(kind=draft.kind, title=draft.title.strip(), body=draft.body.strip(), link=draft.link, file_id=draft.file_id,
              file_name=draft.file_name, meeting_on=draft.meeting_on, event_id=draft.event_id,
              audience=draft.audience.to_json(), urgent=draft.urgent, to_partners=draft.to_partners,
              deadline_at=draft.deadline_at, status=OPEN, created_by=author_id, created_at=now)
    session.add(ask)
    await session.flush()
    counted, _partners = await count(session, draft, now=now, weekly_cap=weekly_cap)
    partners = await all_partners(session) if draft.to_partners else []
    for partner in partners:
        session.add(AskPartner(ask_id=ask.id, partner_id=partner.id))
    for member in counted.recipients:
        session.add(AskRecipient(ask_id=ask.id, member_id=member.id))
    await session.flush()
    await box.schedule_many(session, [
        {"dedupe_key": f"ask:{ask.id}:open:{member.id}", "member_id": member.id, "kind": "broadcast", "urgent": draft.urgent,
         "topic": "ask.open", "subject_id": ask.id, "text": "", "due_at": now} for member in counted.recipients])
    return ask, len(counted.recipients), len(partners)


async def get(session: AsyncSession, ask_id: int, *, lock: bool = False) -> Ask:
    ask = await session.get(Ask, ask_id, with_for_update=lock or None, populate_existing=lock)
    if ask is None:
        raise NotFound(ask_id)
    return ask


async def find(session: AsyncSession, ask_id: int) -> Ask | None:
    return await session.get(Ask, ask_id)


def is_open(ask: Ask, now: datetime) -> bool:
    return ask.status == OPEN and now < ask.deadline_at


async def recipient(session: AsyncSession, ask_id: int, member_id: int) -> AskRecipient | None:
    return await session.get(AskRecipient, (ask_id, member_id))


async def open_for_member(session: AsyncSession, ask_id: int, member_id: int, now: datetime) -> Ask:
    """The ask, if this member may answer it now; else AskClosed or NotARecipient."""
    ask = await get(session, ask_id)
    if await recipient(session, ask_id, member_id) is None:
        raise NotARecipient(ask_id)
    if not is_open(ask, now):
        raise AskClosed(ask_id)
    return ask


async def answer(session: AsyncSession, ask_id: int, member: Member, text: str, *, anonymous: bool, now: datetime) -> AskAnswer:
    await open_for_member(session, ask_id, member.id, now)
    text = text.strip()[:MAX_ANSWER]
    if not text:
        raise UnknownChoice("text")
    stored = AskAnswer(ask_id=ask_id, member_id=None if anonymous else member.id, anonymous=anonymous, district=member.district,
                       interests=sorted(member.interest_names), text=text, created_at=now)
    session.add(stored)
    await session.execute(update(AskRecipient).where(AskRecipient.ask_id == ask_id, AskRecipient.member_id == member.id)
                          .values(answered_at=now))
    await session.flush()
    return stored


async def decline(session: AsyncSession, ask_id: int, member_id: int, now: datetime) -> None:
    """"Not for me": no reminder about this ask."""
    row = await recipient(session, ask_id, member_id)
    if row is None:
        raise NotARecipient(ask_id)
    row.declined_at = row.declined_at or now
    await session.flush()


async def open_for_partner(session: AsyncSession, partner_id: int, now: datetime) -> list[Ask]:
    """Open asks sent to this partner, the soonest deadline first."""
    return list(await session.scalars(
        select(Ask).join(AskPartner, AskPartner.ask_id == Ask.id)
        .where(AskPartner.partner_id == partner_id, Ask.status == OPEN, Ask.deadline_at > now)
        .order_by(Ask.deadline_at, Ask.id)))


async def partner_answer(session: AsyncSession, ask_id: int, partner: Partner, text: str, *, respondent_key: str,
                         now: datetime) -> AskAnswer:
    ask = await get(session, ask_id)
    if await session.get(AskPartner, (ask_id, partner.id)) is None:
        raise NotARecipient(ask_id)
    if not is_open(ask, now):
        raise AskClosed(ask_id)
    text = text.strip()[:MAX_ANSWER]
    if not text:
        raise UnknownChoice("text")
    stored = AskAnswer(ask_id=ask_id, partner_id=partner.id, respondent_key=respondent_key, text=text, created_at=now)
    session.add(stored)
    await session.flush()
    return stored


async def close(session: AsyncSession, ask_id: int, now: datetime) -> Ask:
    ask = await get(session, ask_id, lock=True)
    if ask.status != OPEN:
        raise AskClosed(ask_id)
    ask.status, ask.closed_at = CLOSED, now
    ask.deadline_at = min(ask.deadline_at, now)
    await session.flush()
    return ask


async def extend(session: AsyncSession, ask_id: int, days: int, now: datetime) -> Ask:
    """Move the deadline `days` later (from now if it has passed); a closed ask opens again."""
    if not 1 <= days <= 365:
        raise UnknownChoice(str(days))
    ask = await get(session, ask_id, lock=True)
    ask.deadline_at = max(ask.deadline_at, now) + timedelta(days=days)
    ask.status, ask.closed_at = OPEN, None
    await session.flush()
    return ask


async def queue_reminders(session: AsyncSession, now: datetime) -> int:
    """Two days before the deadline: a reminder to each recipient who neither answered nor said
    "not for me". The key names the deadline, so an extended ask reminds again before its new one."""
    asks = list(await session.scalars(select(Ask).where(
        Ask.status == OPEN, Ask.deadline_at > now, Ask.deadline_at <= now + REMIND_BEFORE)))
    queued = 0
    for ask in asks:
        members = await session.scalars(select(AskRecipient.member_id).where(
            AskRecipient.ask_id == ask.id, AskRecipient.answered_at.is_(None), AskRecipient.declined_at.is_(None)))
        stamp = int(ask.deadline_at.timestamp())
        queued += await box.schedule_many(session, [
            {"dedupe_key": f"ask:{ask.id}:remind:{stamp}:{member_id}", "member_id": member_id, "kind": "broadcast",
             "urgent": ask.urgent, "topic": "ask.reminder", "subject_id": ask.id, "text": "", "due_at": now}
            for member_id in members])
    return queued


async def close_due(session: AsyncSession, now: datetime) -> list[Ask]:
    """Open asks whose deadline has come: closed now (the board gets the summary)."""
    asks = list(await session.scalars(select(Ask).where(Ask.status == OPEN, Ask.deadline_at <= now).order_by(Ask.id)))
    for ask in asks:
        ask.status, ask.closed_at = CLOSED, now
    await session.flush()
    return asks


@dataclass
class Summary:
    answers: int = 0
    people: int = 0  # members who answered (anonymously or not)
    recipients: int = 0
    declined: int = 0
    partners: int = 0  # partner organisations that answered
    by_district: Counter[str] = field(default_factory=Counter)
    by_interest: Counter[str] = field(default_factory=Counter)


async def summary(session: AsyncSession, ask_id: int) -> Summary:
    result = Summary()
    for row in await session.scalars(select(AskAnswer).where(AskAnswer.ask_id == ask_id)):
        result.answers += 1
        if row.partner_id is None:
            result.by_district[row.district or "none"] += 1
            result.by_interest.update(row.interests or [])
    result.partners = int(await session.scalar(select(func.count(func.distinct(AskAnswer.partner_id))).where(
        AskAnswer.ask_id == ask_id, AskAnswer.partner_id.is_not(None))) or 0)
    rows = (await session.execute(select(func.count(), func.count(AskRecipient.answered_at), func.count(AskRecipient.declined_at))
                                  .where(AskRecipient.ask_id == ask_id))).one()
    result.recipients, result.people, result.declined = int(rows[0]), int(rows[1]), int(rows[2])
    return result


async def answers(session: AsyncSession, ask_id: int) -> list[tuple[AskAnswer, str | None, str | None]]:
    """Every answer with the member's name (None: anonymous or erased) and the partner's name."""
    rows = await session.execute(
        select(AskAnswer, Member.name, Partner.name).outerjoin(Member, Member.id == AskAnswer.member_id)
        .outerjoin(Partner, Partner.id == AskAnswer.partner_id).where(AskAnswer.ask_id == ask_id).order_by(AskAnswer.id))
    return [(a, name, partner) for a, name, partner in rows.all()]


async def recent(session: AsyncSession, *, kinds: tuple[str, ...] = KINDS, limit: int = 50) -> list[Ask]:
    return list(await session.scalars(select(Ask).where(Ask.kind.in_(kinds)).order_by(Ask.id.desc()).limit(limit)))


async def answer_counts(session: AsyncSession, ask_ids: list[int]) -> dict[int, int]:
    rows = await session.execute(select(AskAnswer.ask_id, func.count()).where(AskAnswer.ask_id.in_(ask_ids)).group_by(AskAnswer.ask_id))
    return {ask_id: int(n) for ask_id, n in rows.all()}


# Privacy: what a member or a partner's respondent sees in /mine_data, and what erasure removes.

async def member_data(session: AsyncSession, member: Member) -> dict[str, Any]:
    member_id = member.id
    named = (await session.execute(select(AskAnswer, Ask.title).join(Ask, Ask.id == AskAnswer.ask_id)
                                   .where(AskAnswer.member_id == member_id).order_by(AskAnswer.id))).all()
    got = (await session.execute(select(AskRecipient, Ask.title).join(Ask, Ask.id == AskRecipient.ask_id)
                                 .where(AskRecipient.member_id == member_id).order_by(AskRecipient.ask_id))).all()
    return {
        "answers_to_asks": [{"ask": title, "text": a.text, "at": a.created_at.astimezone(OSLO).isoformat()} for a, title in named],
        "asks_you_got": [{"ask": title, "answered_at": r.answered_at.astimezone(OSLO).isoformat() if r.answered_at else None,
                          "not_for_me": r.declined_at is not None} for r, title in got],
        "answers_for_partner_organisations": await respondent_data(session, await telegram_hash(session, member.telegram_id))
        if member.telegram_id else [],
    }


async def respondent_data(session: AsyncSession, respondent_key: str) -> list[dict[str, Any]]:
    rows = (await session.execute(select(AskAnswer, Ask.title, Partner.name).join(Ask, Ask.id == AskAnswer.ask_id)
                                  .join(Partner, Partner.id == AskAnswer.partner_id)
                                  .where(AskAnswer.respondent_key == respondent_key).order_by(AskAnswer.id))).all()
    return [{"ask": title, "organisation": name, "text": a.text, "at": a.created_at.astimezone(OSLO).isoformat()} for a, title, name in rows]


async def erase_member_answers(session: AsyncSession, member: Member) -> None:
    """Answers with their name go (also those given for a partner organisation); anonymous ones stay
    (they were never linked)."""
    member_id = member.id
    if member.telegram_id:
        await erase_respondent(session, await telegram_hash(session, member.telegram_id))
    await session.execute(delete(AskAnswer).where(AskAnswer.member_id == member_id))
    await session.execute(delete(AskRecipient).where(AskRecipient.member_id == member_id))


async def erase_respondent(session: AsyncSession, respondent_key: str) -> int:
    result = await session.execute(delete(AskAnswer).where(AskAnswer.respondent_key == respondent_key))
    return int(result.rowcount or 0)
