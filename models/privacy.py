"""A member's right to see and erase what lagbot stores about them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.member import STATUS_ERASED, Member


def export_member(member: Member) -> dict[str, Any]:
    """Everything stored about the member, as plain JSON-ready data."""
    def stamp(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "member": {
            "name": member.name,
            "phone": member.phone,
            "email": member.email,
            "member_number": member.member_number,
            "telegram_id": member.telegram_id,
            "district": member.district,
            "joined_on": stamp(member.joined_on),
            "language": member.language,
            "status": member.status,
            "verified": member.verified,
            "consent_at": stamp(member.consent_at),
            "linked_at": stamp(member.linked_at),
            "onboarded_at": stamp(member.onboarded_at),
            "created_at": stamp(member.created_at),
        },
        "roles": sorted(member.role_names),
        "interests": sorted(member.interest_names),
        "messages": {
            "reminders": member.wants_reminders,
            "nudges": member.wants_nudges,
            "broadcasts": member.wants_broadcasts,
        },
    }


async def erase_member(session: AsyncSession, member: Member) -> None:
    """Forget who they are; keep a row without identity so counts stay right."""
    member.name = None
    member.phone = None
    member.email = None
    member.telegram_id = None
    member.member_number = None
    member.invite_token = None
    # The month they joined is kept for statistics; the exact day could single them out.
    if member.joined_on is not None:
        member.joined_on = date(member.joined_on.year, member.joined_on.month, 1)
    member.roles.clear()
    member.interests.clear()
    member.wants_reminders = member.wants_nudges = member.wants_broadcasts = False
    member.status = STATUS_ERASED
    member.erased_at = utcnow()
    await session.flush()
