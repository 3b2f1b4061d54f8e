"""Linking a Telegram account to a member of the register without trusting the invite link alone.

An invite link can be forwarded, so opening one proves nothing. An account is linked to a member
when it proves the member's number (a contact shared with Telegram's button, whose `user_id` is
the sender's own) or when the board confirms a request. A proven number wins over a link made
any other way: the membership moves to the account that proved it, and the account that had it
stays in lagbot as an unverified supporter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models import membership
from models.base import Base, UTCDateTime, utcnow
from models.errors import InviteAlreadyUsed, LinkNotPossible, NotAllowed, PhoneLinkedElsewhere
from models.member import STATUS_ERASED, STATUS_MEMBER, STATUS_SUPPORTER, Member
from models.phone import normalise_phone

# How an account came to be linked (Member.linked_by); None: before this was recorded, or unproven.
PROVEN, BOARD = "phone", "board"
PENDING, CONFIRMED, REFUSED, SETTLED = "pending", "confirmed", "refused", "settled"


class LinkRequest(Base):
    """Someone opened a member's invite link without proving the number: the board decides."""

    __tablename__ = "link_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # The requester's own (supporter) row; gone once it is folded into the member on confirmation.
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    telegram_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(BigInteger)


@dataclass
class Linked:
    """The member an account proved to be, and the account that lost the membership to it."""

    member: Member
    displaced: Member | None = None
    displaced_name: str | None = None


@dataclass
class Decision:
    request: LinkRequest
    member: Member
    # Everyone to tell the outcome: (their row, whether they were linked).
    told: list[tuple[Member, bool]] = field(default_factory=list)
    # Confirmed too late: one side was linked meanwhile, so the request was refused instead.
    stale: bool = False


async def link_proven(
    session: AsyncSession, raw_phone: str, telegram_id: int, name: str, language: str, now: datetime
) -> Linked:
    """Link by a number proven to be the sender's. A member linked to another account without proof
    (an invite link, the board's confirmation) moves to this one; a proven link elsewhere is refused."""
    phone = normalise_phone(raw_phone)
    holder = await session.scalar(
        select(Member).where(Member.phone == phone, Member.status != STATUS_ERASED)
        .order_by(Member.status != STATUS_MEMBER, Member.id).limit(1))
    displaced, displaced_name = None, None
    if holder is not None and holder.telegram_id not in (None, telegram_id):
        if holder.linked_by == PROVEN:
            raise PhoneLinkedElsewhere(phone)
        displaced_name = await _last_known_name(session, holder)
        displaced = await _displace(session, holder, displaced_name, now)
    await _settle_requests_of(session, telegram_id, now)
    member = await membership.link_by_phone(session, raw_phone, telegram_id, name, language, now)
    member.linked_by = PROVEN
    await session.flush()
    return Linked(member, displaced, displaced_name)


async def _last_known_name(session: AsyncSession, member: Member) -> str | None:
    """The Telegram name the board confirmed for this member's account, if that is how it was linked."""
    return await session.scalar(
        select(LinkRequest.telegram_name).where(LinkRequest.member_id == member.id, LinkRequest.status == CONFIRMED)
        .order_by(LinkRequest.id.desc()).limit(1))


async def _displace(session: AsyncSession, member: Member, name: str | None, now: datetime) -> Member:
    """Take the member away from the account it was linked to; that account stays as a supporter."""
    telegram_id = member.telegram_id
    assert telegram_id is not None
    member.telegram_id = None
    member.linked_at = None
    member.linked_by = None
    await session.flush()
    other = Member(status=STATUS_SUPPORTER, verified=False, name=name, telegram_id=telegram_id,
                   language=member.language, consent_at=member.consent_at or now, linked_at=now,
                   onboarded_at=member.onboarded_at and now, invite_token=membership.new_invite_token(), created_at=now)
    session.add(other)
    await session.flush()
    return other


async def _settle_requests_of(session: AsyncSession, telegram_id: int, now: datetime) -> None:
    """The account proved a number: its requests waiting for the board are settled without it."""
    mine = await membership.member_by_telegram(session, telegram_id)
    if mine is None:
        return
    for request in await session.scalars(select(LinkRequest).where(LinkRequest.requester_id == mine.id,
                                                                   LinkRequest.status == PENDING)):
        request.status, request.decided_at = SETTLED, now


async def request_link(session: AsyncSession, token: str, requester: Member, telegram_name: str, now: datetime) -> LinkRequest:
    """Ask the board to link `requester` (their own supporter row) to the invite's member."""
    member = await membership.member_by_invite(session, token)
    if member.telegram_id is not None:
        raise InviteAlreadyUsed(token)
    existing = await session.scalar(select(LinkRequest).where(
        LinkRequest.member_id == member.id, LinkRequest.requester_id == requester.id, LinkRequest.status == PENDING))
    if existing is not None:
        return existing
    request = LinkRequest(member_id=member.id, requester_id=requester.id, telegram_name=telegram_name[:200],
                          status=PENDING, created_at=now)
    session.add(request)
    await session.flush()
    return request


async def pending_request(session: AsyncSession, request_id: int) -> LinkRequest | None:
    request = await session.get(LinkRequest, request_id)
    return request if request is not None and request.status == PENDING else None


async def decide(session: AsyncSession, request_id: int, actor_telegram_id: int, confirm: bool,
                 admin_ids: Iterable[int], now: datetime) -> Decision:
    """The board's answer to a request, with the role read in this transaction. On confirmation the
    requester's supporter row is folded into the member; other requests for the member are refused."""
    actor = await membership.member_by_telegram(session, actor_telegram_id)
    if not membership.has_role(actor, "board", admin_ids):
        raise NotAllowed("board")
    assert actor is not None
    request = await session.scalar(select(LinkRequest).where(LinkRequest.id == request_id).with_for_update())
    if request is None or request.status != PENDING:
        raise LinkNotPossible("decided")
    member = await session.get(Member, request.member_id)
    requester = await session.get(Member, request.requester_id) if request.requester_id else None
    assert member is not None
    decision = Decision(request, member)
    if not confirm:
        request.decided_at, request.decided_by = now, actor.id
        request.status = REFUSED
        if requester is not None and requester.telegram_id is not None:
            decision.told.append((requester, False))
        await session.flush()
        return decision
    if (member.status == STATUS_ERASED or member.telegram_id is not None or requester is None
            or requester.telegram_id is None or requester.status != STATUS_SUPPORTER):
        # One side was linked (or erased) meanwhile: nothing is linked, and the requester hears so.
        request.status, request.decided_at, request.decided_by = REFUSED, now, actor.id
        decision.stale = True
        if requester is not None and requester.telegram_id is not None and requester.status == STATUS_SUPPORTER:
            decision.told.append((requester, False))
        await session.flush()
        return decision
    telegram_id, language = requester.telegram_id, requester.language
    request.decided_at, request.decided_by = now, actor.id
    request.status, request.requester_id = CONFIRMED, None
    for other in await session.scalars(select(LinkRequest).where(LinkRequest.member_id == member.id,
                                                                 LinkRequest.status == PENDING)):
        other.status, other.decided_at, other.decided_by = REFUSED, now, actor.id
        person = await session.get(Member, other.requester_id) if other.requester_id else None
        if person is not None and person.telegram_id is not None and person.id != requester.id:
            decision.told.append((person, False))
    await session.flush()
    await membership.fold_supporter(session, telegram_id, keep=member)
    membership.link_account(member, telegram_id, language, now)
    member.linked_by = BOARD
    await session.flush()
    decision.told.insert(0, (member, True))
    return decision


def same_name(one: str | None, other: str | None) -> bool:
    """Names that read the same but for case and spacing."""
    return bool(one and other) and " ".join(one.split()).casefold() == " ".join((other or "").split()).casefold()


async def namesakes(session: AsyncSession, supporters: list[Member]) -> dict[int, Member]:
    """For each supporter (by id), a member of the register with the same name who is not linked to
    Telegram yet — perhaps the same person, who never shared their number — if there is one."""
    named = [s for s in supporters if s.name]
    if not named:
        return {}
    lengths = {len(s.name or "") for s in named}
    candidates = await session.scalars(
        select(Member).where(Member.status == STATUS_MEMBER, Member.telegram_id.is_(None), Member.name.is_not(None),
                             func.length(Member.name).in_(lengths)).order_by(Member.id))
    found: dict[int, Member] = {}
    for member in candidates:
        for supporter in named:
            if supporter.id not in found and same_name(supporter.name, member.name):
                found[supporter.id] = member
    return found


async def link_namesake(session: AsyncSession, supporter_id: int, member_id: int, actor_telegram_id: int,
                        admin_ids: Iterable[int], now: datetime) -> Decision:
    """The board links a supporter to the register's member of the same name: as a confirmed link
    request (the supporter's row is folded into the member, and they are told)."""
    if not membership.has_role(await membership.member_by_telegram(session, actor_telegram_id), "board", admin_ids):
        raise NotAllowed("board")
    supporter, member = await session.get(Member, supporter_id), await session.get(Member, member_id)
    if (supporter is None or member is None or supporter.status != STATUS_SUPPORTER or member.status != STATUS_MEMBER
            or member.telegram_id is not None or not same_name(supporter.name, member.name)):
        raise LinkNotPossible("namesake")
    request = await session.scalar(select(LinkRequest).where(
        LinkRequest.member_id == member.id, LinkRequest.requester_id == supporter.id, LinkRequest.status == PENDING))
    if request is None:
        request = LinkRequest(member_id=member.id, requester_id=supporter.id, telegram_name=(supporter.name or "")[:200],
                              status=PENDING, created_at=now)
        session.add(request)
        await session.flush()
    return await decide(session, request.id, actor_telegram_id, True, admin_ids, now)
