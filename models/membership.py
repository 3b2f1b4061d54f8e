"""Linking a Telegram account to the member register, preferences and roles."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from models.base import utcnow
from models.constants import LANGUAGES
from models.errors import InviteAlreadyUsed, MemberNotFound, PhoneLinkedElsewhere, UnknownChoice, UnknownInvite
from models.member import (
    DISTRICTS,
    INTERESTS,
    MEMBERS_CURRENT,
    MEMBERS_TOUCHED,
    MESSAGE_KINDS,
    ROLES,
    STATUS_ERASED,
    STATUS_MEMBER,
    STATUS_SUPPORTER,
    ConsentRefusal,
    Member,
    MemberInterest,
    MemberRole,
)
from models.phone import normalise_phone
from models.secrets import telegram_hash
from models.supporter_activity import move_activity


def new_invite_token() -> str:
    """22 characters of A-Za-z0-9_-: fits a Telegram start payload with room to spare."""
    return secrets.token_urlsafe(16)


async def member_by_telegram(session: AsyncSession, telegram_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.telegram_id == telegram_id))


async def member_by_id(session: AsyncSession, member_id: int) -> Member:
    member = await session.get(Member, member_id)
    if member is None or member.status == STATUS_ERASED:
        raise MemberNotFound(member_id)
    return member


async def member_by_invite(session: AsyncSession, token: str) -> Member:
    member = await session.scalar(select(Member).where(Member.invite_token == token))
    if member is None or member.status == STATUS_ERASED:
        raise UnknownInvite(token)
    return member


async def find_member(
    session: AsyncSession,
    *,
    telegram_id: int | None = None,
    phone: str | None = None,
    member_number: str | None = None,
) -> Member:
    """Find one live member by exactly one key; raise MemberNotFound."""
    query = select(Member).where(Member.status != STATUS_ERASED)
    if telegram_id is not None:
        query = query.where(Member.telegram_id == telegram_id)
    elif phone is not None:
        query = query.where(Member.phone == normalise_phone(phone))
    elif member_number is not None:
        query = query.where(Member.member_number == member_number.strip())
    else:
        raise MemberNotFound("no key given")
    member = await session.scalar(query.order_by(Member.id).limit(1))
    if member is None:
        raise MemberNotFound(telegram_id or phone or member_number)
    return member


async def search_members(session: AsyncSession, text: str, limit: int = 8) -> list[Member]:
    """Live members whose member number is `text`, or whose name contains it (any case)."""
    text = text.strip()
    if not text:
        return []
    by_number = await session.scalar(select(Member).where(Member.member_number == text, Member.status != STATUS_ERASED))
    if by_number is not None:
        return [by_number]
    needle = text.casefold()
    rows = await session.execute(select(Member.id, Member.name).where(Member.status != STATUS_ERASED, Member.name.is_not(None)))
    ids = sorted((name, id_) for id_, name in rows.all() if needle in str(name).casefold())[:limit]
    found = await members_by_ids(session, (id_ for _name, id_ in ids))
    return [found[id_] for _name, id_ in ids]


async def record_refusal(session: AsyncSession, telegram_id: int) -> None:
    session.add(ConsentRefusal(telegram_hash=await telegram_hash(session, telegram_id), hash_kind="hmac"))
    await session.flush()


async def link_by_phone(
    session: AsyncSession, raw_phone: str, telegram_id: int, name: str, language: str, now: datetime | None = None
) -> Member:
    """Link by a number proven to be the sender's; unknown numbers become unverified supporters."""
    phone = normalise_phone(raw_phone)
    member = await session.scalar(
        select(Member)
        .where(Member.phone == phone, Member.status != STATUS_ERASED)
        .order_by(Member.status != STATUS_MEMBER, Member.id)
        .limit(1)
    )
    if member is not None and member.telegram_id not in (None, telegram_id):
        raise PhoneLinkedElsewhere(phone)
    if member is None:
        member = await member_by_telegram(session, telegram_id)
        if member is None:
            member = Member(status=STATUS_SUPPORTER, verified=False, name=name)
            session.add(member)
        member.phone = phone
    else:
        await fold_supporter(session, telegram_id, keep=member)
    if not member.name:
        member.name = name
    link_account(member, telegram_id, language, now)
    await session.flush()
    return member


async def create_supporter(
    session: AsyncSession, telegram_id: int, name: str, language: str, now: datetime | None = None, *, vouched: bool = False
) -> Member:
    """A person who consented but would not share a number: an unverified supporter; `vouched` (an account
    named in LAGBOT_ADMINS, whom whoever runs the bot vouches for) a verified one, with nothing to check."""
    member = await member_by_telegram(session, telegram_id)
    if member is None:
        member = Member(status=STATUS_SUPPORTER, verified=vouched, name=name, created_at=now or utcnow())
        session.add(member)
    elif vouched and member.status == STATUS_SUPPORTER:
        member.verified = True
    link_account(member, telegram_id, language, now)
    await session.flush()
    return member


def link_account(member: Member, telegram_id: int, language: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    member.telegram_id = telegram_id
    member.language = language if language in LANGUAGES else "nb"
    member.consent_at = member.consent_at or now
    member.linked_at = member.linked_at or now
    if member.invite_token is None:
        member.invite_token = new_invite_token()


async def fold_supporter(session: AsyncSession, telegram_id: int, keep: Member) -> None:
    """A supporter who later proves membership: fold the supporter row into the member."""
    other = await member_by_telegram(session, telegram_id)
    if other is None or other.id == keep.id:
        return
    if other.status == STATUS_SUPPORTER:
        keep.district = keep.district or other.district
        for item in other.interests:  # what the supporter chose, as and when they chose it
            if item.interest not in keep.interest_names:
                keep.interests.append(MemberInterest(interest=item.interest, chosen_at=item.chosen_at))
        keep.onboarded_at = keep.onboarded_at or other.onboarded_at
        await session.flush()
        await move_activity(session, other.id, keep.id)
        await session.delete(other)
        await session.flush()
    else:
        raise InviteAlreadyUsed(keep.invite_token or "")


async def set_language(session: AsyncSession, member: Member, language: str) -> None:
    if language not in LANGUAGES:
        raise UnknownChoice(language)
    await set_columns(session, member, {"language": language})


async def set_district(session: AsyncSession, member: Member, district: str) -> None:
    if district not in DISTRICTS:
        raise UnknownChoice(district)
    await set_columns(session, member, {"district": district})


async def toggle_interest(session: AsyncSession, member: Member, interest: str, now: datetime | None = None) -> bool:
    """Flip one interest (chosen at `now`); return whether it is now on."""
    if interest not in INTERESTS:
        raise UnknownChoice(interest)
    existing = next((i for i in member.interests if i.interest == interest), None)
    if existing is not None:
        member.interests.remove(existing)
        await session.flush()
        return False
    member.interests.append(MemberInterest(interest=interest, chosen_at=now or utcnow()))
    await session.flush()
    return True


async def set_interests(session: AsyncSession, member: Member, interests: Iterable[str]) -> None:
    wanted = set(interests)
    if unknown := wanted - set(INTERESTS):
        raise UnknownChoice(", ".join(sorted(unknown)))
    for item in list(member.interests):
        if item.interest not in wanted:
            member.interests.remove(item)
    for interest in sorted(wanted - member.interest_names):
        member.interests.append(MemberInterest(interest=interest))
    await session.flush()


async def toggle_message_kind(session: AsyncSession, member: Member, kind: str) -> bool:
    if kind not in MESSAGE_KINDS:
        raise UnknownChoice(kind)
    value = not member.wants(kind)
    await set_columns(session, member, {f"wants_{kind}": value})
    return value


async def set_columns(session: AsyncSession, member: Member, values: dict[str, Any]) -> None:
    """Change some of a member's columns with one prebuilt UPDATE, and the member (read earlier in
    the update) with it, as committed: no unit-of-work flush for a setting toggled on a button."""
    values = {**values, "updated_at": utcnow()}
    await session.execute(_set_columns(tuple(sorted(values))), {"member_id": member.id, **values},
                          execution_options={MEMBERS_TOUCHED: {member.id}, MEMBERS_CURRENT: [member]})
    for key, value in values.items():
        set_committed_value(member, key, value)


@functools.cache
def _set_columns(keys: tuple[str, ...]) -> Any:
    table = Member.__table__
    return update(table).where(table.c.id == bindparam("member_id")).values({key: bindparam(key) for key in keys})


async def complete_onboarding(session: AsyncSession, member: Member, now: datetime | None = None) -> None:
    member.onboarded_at = member.onboarded_at or now or utcnow()
    await session.flush()


async def grant_role(session: AsyncSession, member: Member, role: str) -> bool:
    """Give a role; return False when they already had it."""
    if role not in ROLES:
        raise UnknownChoice(role)
    if role == "member" or role in member.role_names:
        return False
    member.roles.append(MemberRole(role=role))
    await session.flush()
    return True


async def revoke_role(session: AsyncSession, member: Member, role: str) -> bool:
    if role not in ROLES:
        raise UnknownChoice(role)
    existing = next((r for r in member.roles if r.role == role), None)
    if existing is None:
        return False
    member.roles.remove(existing)
    await session.flush()
    return True


def has_role(member: Member | None, role: str, admin_ids: Iterable[int] = ()) -> bool:
    """Admins (configured or granted) may act in every role; the board also as leader and welcomer."""
    if member is None or member.status == STATUS_ERASED:
        return False
    roles = member.role_names
    if member.telegram_id is not None and member.telegram_id in set(admin_ids):
        roles = roles | {"admin"}
    if "admin" in roles:
        return True
    if role in ("leader", "welcomer") and "board" in roles:
        return True
    return role in roles


def to_verify(admin_ids: Iterable[int] = ()) -> list[Any]:
    """Conditions on Member for a supporter the board is to check (its /supportere list, and every count of
    it); never an account named in LAGBOT_ADMINS (`admin_ids`), which the operator vouches for (one that
    went on without a number before that was made verified then)."""
    admins = [int(telegram_id) for telegram_id in admin_ids]
    return [Member.status == STATUS_SUPPORTER, Member.verified.is_(False),
            *([Member.telegram_id.is_(None) | Member.telegram_id.not_in(admins)] if admins else [])]


async def unverified_supporters(session: AsyncSession, admin_ids: Iterable[int] = ()) -> list[Member]:
    """Supporters for the board to check (to_verify), oldest first."""
    rows = await session.scalars(select(Member).where(*to_verify(admin_ids)).order_by(Member.created_at, Member.id))
    return list(rows)


async def vouch_for(session: AsyncSession, member: Member) -> None:
    """An account named in LAGBOT_ADMINS is vouched for by whoever runs the bot: as a supporter (no number,
    or one not in the register) it is verified at once, never on the board's list to check."""
    if member.status == STATUS_SUPPORTER and not member.verified:
        member.verified = True
        await session.flush()


async def verify_supporter(session: AsyncSession, member_id: int) -> Member:
    member = await member_by_id(session, member_id)
    if member.status != STATUS_SUPPORTER or member.verified:
        raise MemberNotFound(member_id)
    member.verified = True
    await session.flush()
    return member


async def count_members(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Member.status, func.count()).group_by(Member.status))
    return {status: count for status, count in rows.all()}


async def mark_unreachable(session: AsyncSession, member_id: int, now: datetime) -> None:
    member = await session.get(Member, member_id)
    if member is not None and member.unreachable_at is None:
        member.unreachable_at = now
        await session.flush()


async def mark_active(session: AsyncSession, member_ids: list[int], now: datetime) -> None:
    """They wrote to us today (one statement for several members). The member cache forgets only them."""
    if not member_ids:
        return
    await session.execute(
        update(Member).where(Member.id.in_(member_ids)).values(last_active_at=now)
        .execution_options(synchronize_session=False, **{MEMBERS_TOUCHED: set(member_ids)})
    )


async def mark_reachable(session: AsyncSession, telegram_id: int) -> bool:
    """They wrote to us or unblocked the bot: sending may resume. True if that changed anything."""
    member = await member_by_telegram(session, telegram_id)
    if member is None or member.unreachable_at is None:
        return False
    member.unreachable_at = None
    await session.flush()
    return True


async def unreachable_telegram_ids(session: AsyncSession) -> set[int]:
    rows = await session.scalars(
        select(Member.telegram_id).where(Member.unreachable_at.is_not(None), Member.telegram_id.is_not(None))
    )
    return {int(t) for t in rows if t is not None}


async def touch_active(session: AsyncSession, telegram_id: int, now: datetime) -> bool:
    """Record activity today; False if there is no member (yet) for this account."""
    member = await member_by_telegram(session, telegram_id)
    if member is None:
        return False
    member.last_active_at = now
    await session.flush()
    return True


async def stop_unsolicited(session: AsyncSession, member: Member) -> None:
    """The stop word: no more broadcasts or suggestions (reminders for what they joined stay)."""
    member.wants_broadcasts = False
    member.wants_nudges = False
    await session.flush()


async def members_with_role(session: AsyncSession, role: str, admin_ids: Iterable[int] = ()) -> list[Member]:
    """Live, linked members holding `role` (configured admins count as board too)."""
    ids = set(admin_ids)
    query = select(Member).where(Member.status != STATUS_ERASED, Member.telegram_id.is_not(None)).order_by(Member.id)
    if role != "member":  # everyone holds "member"; other roles are chosen in SQL, not by loading the register
        holds = Member.id.in_(select(MemberRole.member_id).where(MemberRole.role == role))
        query = query.where(holds | Member.telegram_id.in_(ids) if ids else holds)
    return list(await session.scalars(query))


async def member_or_none(session: AsyncSession, member_id: int | None) -> Member | None:
    """A member by id, or None (no id, never existed); erased members are returned as they are."""
    return await session.get(Member, member_id) if member_id is not None else None


async def members_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, Member]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {member.id: member for member in await session.scalars(select(Member).where(Member.id.in_(wanted)))}


def adopt(session: AsyncSession, member: Member) -> Member:
    """Take a member read earlier in this update into `session`, so that changes to it are saved."""
    session.add(member)
    return member
