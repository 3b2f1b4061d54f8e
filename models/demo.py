"""Realistic demo data for a newcomer to look around in (never for production)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.errors import DomainError
from models.member import DISTRICTS, INTERESTS, STATUS_MEMBER, STATUS_SUPPORTER, Member, MemberInterest, MemberRole
from models.membership import new_invite_token

FIRST = ["Ingrid", "Ola", "Kari", "Sindre", "Marte", "Jonas", "Sofie", "Eirik", "Nora", "Henrik", "Aisha",
         "Mohammed", "Silje", "Tobias", "Ida", "Magnus", "Hanne", "Amir", "Thea", "Vegard", "Linnea", "Oddvar"]
LAST = ["Hansen", "Johansen", "Olsen", "Larsen", "Berg", "Haugen", "Moe", "Lie", "Dahl", "Aune", "Strand",
        "Solberg", "Nilsen", "Ali", "Rønning", "Fossum", "Grøtte", "Skjetne", "Kvam", "Hoel"]


class DatabaseNotEmpty(DomainError):
    """Demo data goes only into an empty database."""


async def fill_demo(session: AsyncSession, members: int = 60, seed: int = 2027) -> dict[str, Any]:
    if await session.scalar(select(func.count()).select_from(Member)):
        raise DatabaseNotEmpty("the database already has members; demo data goes only into an empty one")
    rng = random.Random(seed)
    today = utcnow().date()
    created: list[Member] = []
    for number in range(members):
        supporter = number % 12 == 11
        member = Member(
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            phone=f"+479{rng.randrange(1000000, 9999999):07d}",
            email=None if supporter else f"demo{number}@example.org",
            member_number=None if supporter else f"{100000 + number}",
            district=rng.choice(DISTRICTS[:4]) if rng.random() > 0.1 else "outside",
            joined_on=None if supporter else today - timedelta(days=rng.randrange(1, 3000)),
            status=STATUS_SUPPORTER if supporter else STATUS_MEMBER,
            verified=not supporter,
            invite_token=new_invite_token(),
        )
        for interest in rng.sample(INTERESTS, rng.randrange(0, 4)):
            member.interests.append(MemberInterest(interest=interest))
        session.add(member)
        created.append(member)
    # A few new members who joined in the last fortnight, and the roles a chapter has.
    for member in created[:5]:
        member.joined_on = today - timedelta(days=rng.randrange(0, 14))
    for member, role in zip(created[5:], ["board", "board", "board", "leader", "leader", "caller", "caller", "caller"], strict=False):
        member.roles.append(MemberRole(role=role))
    await session.flush()
    return {
        "members": sum(1 for m in created if m.status == STATUS_MEMBER),
        "supporters": sum(1 for m in created if m.status == STATUS_SUPPORTER),
        "new_members_last_14_days": 5,
        "board": 3,
        "leaders": 2,
        "callers": 3,
        "joined_on_range": f"{min(m.joined_on for m in created if m.joined_on)}..{date.today()}",
    }
