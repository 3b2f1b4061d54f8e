"""Realistic demo data for a newcomer to look around in (never for production)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.constants import OSLO
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
    activity = await _activity(session, created, created[8:10], rng)
    return {**activity,
        "members": sum(1 for m in created if m.status == STATUS_MEMBER),
        "supporters": sum(1 for m in created if m.status == STATUS_SUPPORTER),
        "new_members_last_14_days": 5,
        "board": 3,
        "leaders": 2,
        "callers": 3,
        "joined_on_range": f"{min(m.joined_on for m in created if m.joined_on)}..{date.today()}",
    }


async def _activity(session: AsyncSession, members: list[Member], leaders: list[Member], rng: random.Random) -> dict[str, Any]:
    """Rounds, events, a phone round and some sign-ups, so every menu has something in it."""
    from datetime import datetime
    
    from models import broadcast as bc
    from models import events as ev
    from models import phonebank as pb
    from models import rounds as rd

    oslo = OSLO
    now = utcnow()
    today = now.astimezone(oslo).date()

    def at(days: int, hour: int) -> datetime:
        return datetime.combine(today + timedelta(days=days), datetime.min.time(), tzinfo=oslo).replace(hour=hour)

    rounds = []
    for days, district, title, place in ((5, "lerkendal", "Dørbank på Moholt", "Moholt torg"),
                                         (12, "ostbyen", "Dørbank på Lade", "Lade kirke"),
                                         (19, "heimdal", "Dørbank på Heimdal", "Heimdal stasjon")):
        leader = leaders[len(rounds) % len(leaders)] if leaders else None
        rounds.append(await rd.create_round(session, title=title, district=district, starts_at=at(days, 12), ends_at=at(days, 15),
                                            meeting_point=place, capacity=10, now=now, teams=[(leader.id if leader else None, 10)],
                                            briefing="Snakk om barnehagepris og kollektivtrafikk."))
    events = [
        await ev.create_event(session, kind="social", title="Pubkveld på Tapperiet", starts_at=at(3, 19), ends_at=at(3, 22),
                              place="Tapperiet", now=now),
        await ev.create_event(session, kind="member_meeting", title="Medlemsmøte: boligpolitikk", starts_at=at(9, 18),
                              ends_at=at(9, 20), place="Folkets hus", now=now),
        await ev.create_event(session, kind="course", title="Kurs i direkte velgerkontakt", starts_at=at(16, 11), ends_at=at(16, 15),
                              place="Folkets hus", now=now, capacity=20),
    ]
    for member in members[:25]:
        if rng.random() < 0.4 and not rd.leads(chosen := rng.choice(rounds), member.id):  # a leader has their team
            await rd.sign_up(session, chosen.id, member.id, now)
        if rng.random() < 0.5:
            await ev.answer(session, rng.choice(events).id, member.id, rng.choice(("yes", "yes", "maybe")), now)
    _campaign, targets = await pb.create_campaign(session, name="Ring for dørbank", purpose="Få folk med på rundene",
                                                  scripts={"nb": "Hei! Jeg ringer fra Trondheim SV. Vi banker dører snart — vil du bli med?"},
                                                  audience=bc.Audience(interests=["doorknock"]), now=now, round_id=rounds[0].id)
    return {"rounds": len(rounds), "events": len(events), "people_to_call": targets}
