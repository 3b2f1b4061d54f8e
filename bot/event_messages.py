"""Outbox messages for events: reminders to those who said yes or maybe, notices of change.

Rows are queued with a topic and rendered when sent (bot/render.py), so an edit of the place or
title reaches reminders already queued, and every change is announced once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import activity_messages as am
from bot import outbox_buttons as data
from bot.i18n import N_, fmt_date, fmt_time, ngettext_for, translator
from bot.render import Gone, Message, renderer
from models import events as ev
from models import outbox as box
from models.events import Event, Series
from models.member import STATUS_ERASED, Member

KIND_LABELS: dict[str, str] = {
    "social": N_("Social"),
    "member_meeting": N_("Member meeting"),
    "course": N_("Course"),
    "open_meeting": N_("Open meeting"),
    "council_group": N_("Council group meeting"),
    "movement_day": N_("Movement day"),
    "programme": N_("Programme writing"),
}
# The plan's tags on events (models/constants.EVENT_TAGS), as the board sees them.
TAG_LABELS: dict[str, str] = {
    "voter_course": N_("Course in direct voter contact"),
    "may_day_breakfast": N_("1 May breakfast"),
    "march_8": N_("8 March"),
    "pride": N_("Pride"),
    "movements_meeting": N_("Open meeting with the movements"),
}


def tag_keyboard_rows(chosen: list[str], lang: str, press: Callable[[str], str]) -> list[list[tuple[str, str]]]:
    """One toggle button per tag, ticked when chosen; `press(tag)` gives the button's data."""
    _ = translator(lang)
    return [[(("✅ " if tag in chosen else "▫️ ") + _(label), press(tag))] for tag, label in TAG_LABELS.items()]


when = am.when


def prefix(event: Event) -> str:
    return f"event:{event.id}:"


def member_prefix(event: Event, member_id: int) -> str:
    """Every reminder of this event for this member, whatever version it was queued for."""
    return f"event:{event.id}:member:{member_id}:"


async def schedule_for_member(session: AsyncSession, event: Event, member: Member, now: datetime) -> None:
    await box.schedule_many(session, [  # one multi-row INSERT
        am.about(event, member, key=f"{member_prefix(event, member.id)}v{event.version}:{name}",
                 topic=f"event.reminder_{name}", kind="reminder", due_at=due)
        for name, due in am.reminder_times(event, now).items()])


async def cancel_for_member(session: AsyncSession, event: Event, member_id: int) -> None:
    await box.cancel(session, member_prefix(event, member_id))


async def notice(session: AsyncSession, member: Member, key: str, text: str, now: datetime) -> None:
    """A notice written now that goes out at once, as written."""
    await box.schedule(session, dedupe_key=key, kind="notice", member_id=member.id, due_at=now, text=text)


async def promoted(session: AsyncSession, event: Event, member: Member, now: datetime) -> None:
    await box.schedule(session, dedupe_key=f"notice:event:{event.id}:member:{member.id}:seat:{am.stamp(now)}", kind="notice",
                       member_id=member.id, due_at=now, topic="event.promoted", subject_id=event.id)
    await schedule_for_member(session, event, member, now)


async def moved(session: AsyncSession, event: Event, member: Member, now: datetime) -> None:
    """The event's time or place changed (each change is a new version, announced once)."""
    await am.change_notice(session, event, member, family="event", topic="event.moved", now=now,
                           starts_at=am.stamp(event.starts_at), ends_at=am.stamp(event.ends_at), place=event.place)


async def cancelled(session: AsyncSession, event: Event, member: Member, now: datetime) -> None:
    await box.schedule(session, dedupe_key=f"notice:event:{event.id}:member:{member.id}:cancelled", kind="notice",
                       member_id=member.id, due_at=now, topic="event.cancelled", subject_id=event.id)


async def series_changed(session: AsyncSession, series: Series, events: list[Event], topic: str, now: datetime, *,
                         by: int | None = None) -> int:
    """One notice per person for a series moved or cancelled as a whole (not one per occurrence), not to
    `by`, who did it; reminders of the moved occurrences are queued anew. Returns how many people are told."""
    told: dict[int, Member] = {}
    for event in events:
        await box.cancel(session, prefix(event))
        for answer, person in await ev.attendees(session, event.id, ("yes", "maybe")):
            told.setdefault(person.id, person)
            if topic == "event.series_moved" and (answer.answer == "maybe" or answer.seat == ev.CONFIRMED):
                await schedule_for_member(session, event, person, now)
    contact = await session.get(Member, series.contact_id) if series.contact_id else None
    if contact is not None and contact.status != STATUS_ERASED:
        told.setdefault(contact.id, contact)
    told.pop(by or 0, None)
    for person in told.values():
        await box.schedule(session, dedupe_key=f"notice:series:{series.id}:member:{person.id}:{topic}:{am.stamp(now)}",
                           kind="notice", member_id=person.id, due_at=now, topic=topic, subject_id=events[0].id,
                           params={"series": series.id, "count": len(events), "starts_at": am.stamp(events[0].starts_at)})
    return len(told)


async def contact_assigned(session: AsyncSession, event: Event, count: int, now: datetime) -> None:
    """The board made someone the contact person of an event (or of a series: `count` times)."""
    await box.schedule(session, dedupe_key=f"notice:event:{event.id}:contact:{event.contact_id}:{am.stamp(now)}", kind="notice",
                       member_id=event.contact_id, due_at=now, topic="event.contact_assigned", subject_id=event.id,
                       params={"count": count})


async def nothing_planned(session: AsyncSession, board: list[Member], days: int, now: datetime, every_days: int) -> None:
    period = int(now.timestamp() // (86400 * every_days))
    for person in board:
        await box.schedule(session, dedupe_key=f"board:nothing-planned:{period}:member:{person.id}", kind="task",
                           member_id=person.id, due_at=now, topic="board.nothing_planned", params={"days": days})


# Renderers: each reads the event as it is now, in the recipient's language of now.

@renderer("event.reminder_24h")
async def _day_before(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    event = await am.reminder_subject(session, ev.SEATS, row, to, before_start=True, day_before=True)
    _ = translator(to.language)
    return Message(_("Reminder: “{title}” is tomorrow, {when}, at {place}.").format(
        title=event.title, when=when(event, to.language), place=event.place),
        [[box.Button(_("I can't after all"), data=data.cannot_come_to_event(event.id, event.starts_at))]])


@renderer("event.reminder_2h")
async def _two_hours(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    event = await am.reminder_subject(session, ev.SEATS, row, to, before_start=True)
    _ = translator(to.language)
    text = (_("“{title}” starts soon, at {time}: {place}. Welcome!") if am.held_up(event)
            else _("“{title}” starts in two hours, at {time}: {place}. Welcome!"))
    return Message(text.format(
        title=event.title, time=fmt_time(event.starts_at, to.language), place=event.place),
        [[box.Button(_("I can't after all"), data=data.cannot_come_to_event(event.id, event.starts_at))]])


@renderer("event.promoted")
async def _promoted(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    event = await am.reminder_subject(session, ev.SEATS, row, to)
    _ = translator(to.language)
    # As a sign-up's confirmation: the time, the place and the calendar file (a button: the outbox sends text).
    return Message(_("Good news: a place became free at “{title}”, {when}, and it is yours! Where: {place}.").format(
        title=event.title, when=when(event, to.language), place=event.place),
        [[box.Button(_("📅 Calendar file"), data=data.calendar_file(event.id))],
         [box.Button(_("I can't after all"), data=data.cannot_come_to_event(event.id, event.starts_at))]])


@renderer("event.moved")
async def _moved(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    event = await am.subject(session, ev.SEATS, row)
    change = box.params_of(row)
    _ = translator(to.language)
    # The calendar file people added before now has the old time: one tap sends the updated one.
    return Message(_("Change: “{title}” has moved to {when}, {place}.").format(
        title=event.title, when=am.when_of(change, to.language), place=change.get("place", event.place)),
        [[box.Button(_("📅 Updated calendar file"), data=data.calendar_file(event.id))]])


@renderer("event.series_moved")
async def _series_moved(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    event = await am.subject(session, ev.SEATS, row)
    params, ngettext, _ = box.params_of(row), ngettext_for(to.language), translator(to.language)
    return Message(ngettext("Change: “{title}” has moved: {count} time, the first {when}.",
                            "Change: “{title}” has moved: {count} times, the first {when}.",
                            params["count"]).format(title=event.title, count=params["count"], when=when(event, to.language)),
                   [[box.Button(_("📅 Updated calendar file"), data=data.calendar_file(event.id))]])


@renderer("event.series_cancelled")
async def _series_cancelled(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    event = await am.subject(session, ev.SEATS, row, planned=False)
    params, ngettext = box.params_of(row), ngettext_for(to.language)
    start = datetime.fromtimestamp(params["starts_at"], UTC)
    return Message(ngettext("Cancelled: “{title}” will not take place any more ({count} time from {day} on).",
                            "Cancelled: “{title}” will not take place any more ({count} times from {day} on).",
                            params["count"]).format(title=event.title, count=params["count"], day=fmt_date(start, to.language)))


@renderer("event.contact_assigned")
async def _contact_assigned(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    event = await am.subject(session, ev.SEATS, row)
    if event.contact_id != to.id:
        raise Gone("no longer the contact person")
    _ = translator(to.language)
    count = box.params_of(row).get("count", 1)
    if count == 1:
        text = _("You are the contact person for “{title}”, {when}. You can check people in under /arrangementer → "
                 "Manage events, and you hear of every change.")
    else:
        text = _("You are the contact person for “{title}”, {count} times from {when}. You can check people in under "
                 "/arrangementer → Manage events, and you hear of every change.")
    return Message(text.format(title=event.title, when=when(event, to.language), count=count))


@renderer("event.cancelled")
async def _cancelled(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    event = await am.subject(session, ev.SEATS, row, planned=False)
    _ = translator(to.language)
    return Message(_("Cancelled: “{title}” on {when} will not take place.").format(
        title=event.title, when=when(event, to.language)))


@renderer("board.nothing_planned")
async def _nothing_planned(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    ngettext = ngettext_for(to.language)
    days = int(box.params_of(row).get("days", 0))
    return Message(ngettext("Nothing is planned that members can join in the next {days} day. Plan an activity "
                            "with /nyttarrangement or a round with /nyrunde, so there is always something to invite people to.",
                            "Nothing is planned that members can join in the next {days} days. Plan an activity "
                            "with /nyttarrangement or a round with /nyrunde, so there is always something to invite people to.",
                            days).format(days=days))
