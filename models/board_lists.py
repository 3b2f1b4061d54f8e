"""Lists the board can act on: wrong numbers to fix in the register, people who offered to phone
others, no-shows, members who want to start a district chapter, and the people a broadcast could
not reach because they are not on Telegram (for SMS or e-mail). Each entry names the member and
where the entry comes from; a front end renders it (the chat as a file, the command line as CSV)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.broadcast import Audience, audience_query
from models.broadcast import get as get_broadcast
from models.event_tables import Event, Rsvp
from models.member import STATUS_ERASED, Member, MemberInterest, MemberRole
from models.phonebank import CallTarget, Campaign
from models.round_tables import NOT_HELD, Round, Signup
from models.survey_tables import MAPPING, Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from models.welcome import WelcomeTask

LISTS: tuple[str, ...] = ("wrong_numbers", "will_phone", "no_shows", "district_chapter", "not_on_telegram")
# Where an entry comes from: the front end words it; `detail` names the phone round, round or event.
SOURCES: tuple[str, ...] = ("phone_round", "welcome_call", "interest", "round", "event", "broadcast", "survey")


@dataclass(frozen=True)
class Entry:
    member: Member
    source: str
    detail: str = ""
    at: datetime | None = None


def _present(query: Any) -> Any:
    return query.where(Member.status != STATUS_ERASED)


async def _entries(session: AsyncSession, query: Any, source: str) -> list[Entry]:
    """(member, detail, at) rows as entries of one source."""
    return [Entry(member, source, detail or "", at) for member, detail, at in await session.execute(_present(query))]


async def wrong_numbers(session: AsyncSession) -> list[Entry]:
    """A wrong number from a phone round or a welcome call: fix it in the register."""
    calls = (select(Member, Campaign.name, CallTarget.updated_at).join(CallTarget, CallTarget.member_id == Member.id)
             .join(Campaign, Campaign.id == CallTarget.campaign_id).where(CallTarget.outcome == "wrong_number"))
    welcomes = (select(Member, WelcomeTask.note, WelcomeTask.first_contact_at).join(WelcomeTask, WelcomeTask.member_id == Member.id)
                .where(WelcomeTask.outcome == "wrong_number"))
    return _by_name(await _entries(session, calls, "phone_round") + await _entries(session, welcomes, "welcome_call"))


async def will_phone(session: AsyncSession) -> list[Entry]:
    """People who said on a call that they will phone others, and those with phoning as an interest."""
    calls = (select(Member, Campaign.name, CallTarget.updated_at).join(CallTarget, CallTarget.member_id == Member.id)
             .join(Campaign, Campaign.id == CallTarget.campaign_id).where(CallTarget.outcome == "will_call"))
    entries = await _entries(session, calls, "phone_round")
    already = {entry.member.id for entry in entries}
    by_interest = await _with_interest(session, "phoning")
    return _by_name(entries + [entry for entry in by_interest if entry.member.id not in already])


async def no_shows(session: AsyncSession, since: datetime | None = None) -> list[Entry]:
    """Marked absent at a round's or an event's check-in, newest first (not at a round that never took place)."""
    rounds = (select(Member, Round.title, Round.starts_at).join(Signup, Signup.member_id == Member.id)
              .join(Round, Round.id == Signup.round_id).where(Signup.attended.is_(False), Round.status != NOT_HELD))
    events = (select(Member, Event.title, Event.starts_at).join(Rsvp, Rsvp.member_id == Member.id)
              .join(Event, Event.id == Rsvp.event_id).where(Rsvp.attended.is_(False)))
    if since is not None:
        rounds, events = rounds.where(Round.starts_at >= since), events.where(Event.starts_at >= since)
    entries = await _entries(session, rounds, "round") + await _entries(session, events, "event")
    return sorted(entries, key=lambda entry: (entry.at or datetime.min), reverse=True)


async def district_chapter(session: AsyncSession) -> list[Entry]:
    """Members who want to help start a district chapter: those who answered yes in a district-chapter
    mapping survey (linked), and those with the interest."""
    answered = (select(Member, Survey.title, SurveyResponse.updated_at)
                .join(SurveyResponse, SurveyResponse.member_id == Member.id).join(Survey, Survey.id == SurveyResponse.survey_id)
                .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
                .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
                .where(Survey.kind == MAPPING, SurveyQuestion.key == "interest", SurveyAnswer.option == "yes"))
    entries = await _entries(session, answered, "survey")
    already = {entry.member.id for entry in entries}
    by_interest = await _with_interest(session, "district_chapter")
    return _by_name(entries + [entry for entry in by_interest if entry.member.id not in already])


async def not_on_telegram(session: AsyncSession, broadcast_id: int, now: datetime) -> list[Entry]:
    """Members in a broadcast's audience whom it could not reach in the chat: for SMS or e-mail."""
    broadcast = await get_broadcast(session, broadcast_id)
    query = audience_query(Audience.from_json(broadcast.audience), now).where(
        or_(Member.telegram_id.is_(None), Member.onboarded_at.is_(None)))
    return _by_name([Entry(member, "broadcast", broadcast.text.splitlines()[0][:80] if broadcast.text else "", broadcast.created_at)
                     for member in await session.scalars(query)])


async def _with_interest(session: AsyncSession, interest: str) -> list[Entry]:
    query = (select(Member, MemberInterest.interest, MemberInterest.chosen_at).join(MemberInterest, MemberInterest.member_id == Member.id)
             .where(MemberInterest.interest == interest))
    return [Entry(member, "interest", "", at) for member, _interest, at in await session.execute(_present(query))]


def _by_name(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda entry: ((entry.member.name or "").casefold(), entry.member.id))


async def role_holders(session: AsyncSession, admin_ids: Iterable[int] = ()) -> dict[str, list[Member]]:
    """Who has which role (besides plain membership), by role, by name; the admins configured by Telegram id
    (LAGBOT_ADMINS) are admins here too."""
    rows = await session.execute(_present(select(MemberRole.role, Member).join(Member, Member.id == MemberRole.member_id))
                                 .order_by(MemberRole.role, Member.name, Member.id))
    holders: dict[str, list[Member]] = {}
    for role, member in rows:
        holders.setdefault(role, []).append(member)
    if ids := set(admin_ids):
        configured = await session.scalars(_present(select(Member).where(Member.telegram_id.in_(ids))))
        admins = {m.id: m for m in [*holders.get("admin", []), *configured]}
        holders["admin"] = sorted(admins.values(), key=lambda m: ((m.name or "").casefold(), m.id))
    return dict(sorted(holders.items()))
