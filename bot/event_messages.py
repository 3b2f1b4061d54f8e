"""Outbox messages for events: reminders to those who said yes or maybe, notices of change."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, fmt_datetime, fmt_time, translator
from bot.round_messages import same_time_day_before
from models import outbox as box
from models.events import Event
from models.member import Member

KIND_LABELS: dict[str, str] = {
    "social": N_("Social"),
    "member_meeting": N_("Member meeting"),
    "course": N_("Course"),
    "open_meeting": N_("Open meeting"),
    "council_group": N_("Council group meeting"),
    "movement_day": N_("Movement day"),
    "programme": N_("Programme writing"),
}


def when(event: Event, lang: str) -> str:
    return f"{fmt_datetime(event.starts_at, lang)}–{fmt_time(event.ends_at, lang)}"


def prefix(event: Event) -> str:
    return f"event:{event.id}:"


def member_prefix(event: Event, member_id: int) -> str:
    return f"event:{event.id}:v{event.version}:member:{member_id}:"


async def schedule_for_member(session: AsyncSession, event: Event, member: Member, now: datetime) -> None:
    _ = translator(member.language)
    key = member_prefix(event, member.id)
    day_before = same_time_day_before(event.starts_at)
    if day_before > now:
        await box.schedule(session, dedupe_key=key + "24h", kind="reminder", member_id=member.id, due_at=day_before,
                           text=_("Reminder: “{title}” is tomorrow, {when}, at {place}.").format(
                               title=event.title, when=when(event, member.language), place=event.place))
    two_hours = event.starts_at - timedelta(hours=2)
    if two_hours > now:
        await box.schedule(session, dedupe_key=key + "2h", kind="reminder", member_id=member.id, due_at=two_hours,
                           text=_("“{title}” starts in two hours, at {time}: {place}. Welcome!").format(
                               title=event.title, time=fmt_time(event.starts_at, member.language), place=event.place))


async def cancel_for_member(session: AsyncSession, event: Event, member_id: int) -> None:
    await box.cancel(session, member_prefix(event, member_id))


async def notice(session: AsyncSession, member: Member, key: str, text: str, now: datetime) -> None:
    await box.schedule(session, dedupe_key=key, kind="notice", member_id=member.id, due_at=now, text=text)


async def promoted(session: AsyncSession, event: Event, member: Member, now: datetime) -> None:
    _ = translator(member.language)
    await notice(session, member, f"notice:event:{event.id}:member:{member.id}:seat:{int(now.timestamp())}",
                 _("Good news: a place became free at “{title}”, {when}, and it is yours!").format(
                     title=event.title, when=when(event, member.language)), now)
    await schedule_for_member(session, event, member, now)


async def moved(session: AsyncSession, event: Event, member: Member, now: datetime) -> None:
    _ = translator(member.language)
    await notice(session, member, f"notice:event:{event.id}:v{event.version}:member:{member.id}:moved",
                 _("Change: “{title}” has moved to {when}, {place}.").format(
                     title=event.title, when=when(event, member.language), place=event.place), now)


async def cancelled(session: AsyncSession, event: Event, member: Member, now: datetime) -> None:
    _ = translator(member.language)
    await notice(session, member, f"notice:event:{event.id}:member:{member.id}:cancelled",
                 _("Cancelled: “{title}” on {when} will not take place.").format(title=event.title, when=when(event, member.language)), now)


async def nothing_planned(session: AsyncSession, board: list[Member], days: int, now: datetime, every_days: int) -> None:
    period = int(now.timestamp() // (86400 * every_days))
    for person in board:
        _ = translator(person.language)
        await box.schedule(session, dedupe_key=f"board:nothing-planned:{period}:member:{person.id}", kind="task",
                           member_id=person.id, due_at=now,
                           text=_("Nothing is planned that members can join in the next {days} days. Plan an activity "
                                  "with /nyttarrangement or a round with /nyrunde, so there is always something to invite people to.").format(days=days))
