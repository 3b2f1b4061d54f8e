"""Partner organisations (unions, environmental and women's movements): records the board keeps,
each with a personal link token, named by rounds and events (plan D1.4 and D2).

A typed partner name that matches a record (case and spaces aside) links it; an unknown name
creates a record of kind "other" that the board can complete in /partnere."""

from __future__ import annotations

import secrets as random
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.activity import CANCELLED, PLANNED
from models.base import Base, UTCDateTime, utcnow
from models.constants import OSLO
from models.errors import DomainError, UnknownChoice
from models.event_tables import Event
from models.round_tables import Round

PARTNER_KINDS: tuple[str, ...] = ("union", "environmental", "women", "other")
MAX_NAME = 200


class PartnerExists(DomainError):
    """A partner with that name is already recorded."""


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="other")
    contact_person: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    # The personal link t.me/<bot>?start=ask_<token>: lets whoever has it answer this partner's asks.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventPartner(Base):
    """An event held together with a partner organisation."""

    __tablename__ = "event_partners"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True, index=True)


def new_token() -> str:
    return random.token_urlsafe(12)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


async def add(session: AsyncSession, *, name: str, kind: str = "other", contact_person: str | None = None,
              email: str | None = None, phone: str | None = None) -> Partner:
    name = " ".join(name.split())[:MAX_NAME]
    if not name:
        raise UnknownChoice("name")
    if kind not in PARTNER_KINDS:
        raise UnknownChoice(kind)
    if await find(session, name) is not None:
        raise PartnerExists(name)
    partner = Partner(name=name, kind=kind, contact_person=(contact_person or "").strip()[:200] or None,
                      email=(email or "").strip()[:200] or None, phone=(phone or "").strip()[:40] or None, token=new_token())
    session.add(partner)
    await session.flush()
    return partner


async def find(session: AsyncSession, name: str) -> Partner | None:
    key = _key(name)
    return next((p for p in await all_partners(session) if _key(p.name) == key), None)


async def all_partners(session: AsyncSession) -> list[Partner]:
    return list(await session.scalars(select(Partner).order_by(func.lower(Partner.name), Partner.id)))


async def by_id(session: AsyncSession, partner_id: int) -> Partner | None:
    return await session.get(Partner, partner_id)


async def new_link(session: AsyncSession, partner_id: int) -> Partner | None:
    """A fresh token: the old link stops working (it went astray, or the contact changed)."""
    partner = await by_id(session, partner_id)
    if partner is not None:
        partner.token = new_token()
        await session.flush()
    return partner


async def by_token(session: AsyncSession, token: str) -> Partner | None:
    if not token or len(token) > 32:
        return None
    return await session.scalar(select(Partner).where(Partner.token == token))


async def resolve(session: AsyncSession, name: str) -> Partner:
    """The record a typed name stands for; an unknown name becomes a new record (kind "other")."""
    return await find(session, name) or await add(session, name=name)


async def link_round(session: AsyncSession, round_: Round) -> None:
    """Name the round's partner from the records (its spelling), creating the record if new."""
    if round_.partner and round_.partner.strip():
        partner = await resolve(session, round_.partner)
        round_.partner, round_.partner_id = partner.name, partner.id
    else:
        round_.partner, round_.partner_id = None, None
    await session.flush()


async def canonical_names(session: AsyncSession, names: list[str] | None) -> list[Partner]:
    found: list[Partner] = []
    for name in names or []:
        if name.strip() and (partner := await resolve(session, name)) not in found:
            found.append(partner)
    return found


async def link_event(session: AsyncSession, event: Event) -> None:
    """Link an event to the records its partner names stand for (and spell them as the records do)."""
    partners = await canonical_names(session, list(event.partners or []))
    event.partners = [p.name for p in partners]
    await session.flush()
    linked = set(await session.scalars(select(EventPartner.partner_id).where(EventPartner.event_id == event.id)))
    for partner in partners:
        if partner.id not in linked:
            session.add(EventPartner(event_id=event.id, partner_id=partner.id))
    await session.flush()


async def linked_events(session: AsyncSession, event_ids: list[int]) -> set[int]:
    """Of these events, the ones held together with a partner on record."""
    if not event_ids:
        return set()
    return set(await session.scalars(select(EventPartner.event_id).where(EventPartner.event_id.in_(event_ids))))


def _year(year: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 1, 1), time(0), tzinfo=OSLO)
    end = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=OSLO)
    return start, end


async def rounds_with_partners(session: AsyncSession, year: int) -> int:
    """Rounds in `year` (Oslo) held (or planned) together with a partner on record, cancelled ones and ones
    that never took place aside (D1.4)."""
    start, end = _year(year)
    return int(await session.scalar(select(func.count()).select_from(Round).where(
        Round.partner_id.is_not(None), Round.status == PLANNED, Round.starts_at >= start, Round.starts_at < end)) or 0)


async def open_meetings_with_partners(session: AsyncSession, year: int) -> int:
    """Open meetings in `year` (Oslo) with at least one partner on record, cancelled ones aside (D2)."""
    start, end = _year(year)
    linked = select(EventPartner.event_id)
    return int(await session.scalar(select(func.count()).select_from(Event).where(
        Event.kind == "open_meeting", Event.id.in_(linked), Event.status != CANCELLED,
        Event.starts_at >= start, Event.starts_at < end)) or 0)


def as_row(partner: Partner, link: str) -> dict[str, Any]:
    return {"name": partner.name, "kind": partner.kind, "contact_person": partner.contact_person or "",
            "email": partner.email or "", "phone": partner.phone or "", "link": link}
