"""What the outbox carries for a door-knocking round: reminders, briefing, follow-up, notices."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, OSLO, fmt_datetime, fmt_time, translator
from models import outbox as box
from models.member import Member
from models.rounds import THEMES, Round

THEME_LABELS: dict[str, str] = {
    "housing": N_("Housing"),
    "health": N_("Health"),
    "schools": N_("Schools"),
    "climate": N_("Climate"),
    "transport": N_("Transport"),
    "culture": N_("Culture"),
    "economy": N_("Economy"),
    "other": N_("Other"),
}


def member_prefix(round_: Round, member_id: int) -> str:
    return f"round:{round_.id}:v{round_.version}:member:{member_id}:"


def round_prefix(round_: Round) -> str:
    return f"round:{round_.id}:"


def when(round_: Round, lang: str) -> str:
    return f"{fmt_datetime(round_.starts_at, lang)}–{fmt_time(round_.ends_at, lang)}"


def theme_buttons(round_id: int, lang: str) -> list[list[box.Button]]:
    _ = translator(lang)
    buttons = [box.Button(_(THEME_LABELS[t]), data=f"rd:theme:{round_id}:{t}") for t in THEMES]
    rows = [buttons[n : n + 4] for n in range(0, len(buttons), 4)]
    return [*rows, [box.Button(_("Nothing to add"), data=f"rd:nothing:{round_id}")]]


def same_time_day_before(moment: datetime) -> datetime:
    """The same Oslo wall-clock time a day earlier (not 24 hours: the clocks may change overnight)."""
    return (moment.astimezone(OSLO) - timedelta(days=1)).astimezone(moment.tzinfo)


def morning_of(round_: Round) -> datetime:
    local = round_.starts_at.astimezone(OSLO)
    return datetime.combine(local.date(), time(8, 0), tzinfo=OSLO).astimezone(round_.starts_at.tzinfo)


async def schedule_for_member(session: AsyncSession, round_: Round, member: Member, leaders: list[Member], now: datetime) -> None:
    """Queue the day-before and two-hour reminders, the briefing and the follow-up for one participant."""
    _ = translator(member.language)
    prefix = member_prefix(round_, member.id)
    leader_names = ", ".join(m.name or "?" for m in leaders) or _("not decided yet")
    place = round_.meeting_point
    day_before = same_time_day_before(round_.starts_at)
    if day_before > now:
        await box.schedule(session, dedupe_key=prefix + "24h", kind="reminder", member_id=member.id, due_at=day_before,
                           text=_("Reminder: door-knocking tomorrow, {when}.\nMeeting point: {place}\nLeader: {leaders}\n"
                                  "Bring good shoes, clothes for the weather and a charged phone. Flyers are handed out there.").format(
                               when=when(round_, member.language), place=place, leaders=leader_names))
    two_hours = round_.starts_at - timedelta(hours=2)
    if two_hours > now:
        await box.schedule(session, dedupe_key=prefix + "2h", kind="reminder", member_id=member.id, due_at=two_hours,
                           text=_("Door-knocking in two hours, at {time}: {place}. Are you coming?").format(
                               time=fmt_time(round_.starts_at, member.language), place=place),
                           buttons=[[box.Button(_("I'm coming"), data=f"rd:coming:{round_.id}"),
                                     box.Button(_("I can't after all"), data=f"rd:cant:{round_.id}")]])
    if round_.briefing:
        briefing_at = max(now, min(morning_of(round_), round_.starts_at - timedelta(hours=1)))
        await box.schedule(session, dedupe_key=prefix + "briefing", kind="reminder", member_id=member.id, due_at=briefing_at,
                           text=_("Briefing for today's door-knocking ({title}):\n\n{briefing}").format(
                               title=round_.title, briefing=round_.briefing))
    if round_.debrief_event_id:
        await invite_to_debrief(session, round_, member)
    await box.schedule(session, dedupe_key=prefix + "followup", kind="reminder", member_id=member.id,
                       due_at=round_.ends_at + timedelta(minutes=30),
                       text=_("Thank you for knocking on doors today! How did it go — what did people talk about? "
                              "Pick a theme. Please don't write names or addresses of the people you met."),
                       buttons=theme_buttons(round_.id, member.language))


async def invite_to_debrief(session: AsyncSession, round_: Round, member: Member) -> None:
    """The gathering after the round, offered to a participant as the round ends."""
    from models import events as ev

    try:
        event = await ev.get_event(session, round_.debrief_event_id or 0)
    except Exception:  # noqa: BLE001 - the gathering was deleted: nothing to invite to
        return
    if event.status != ev.PLANNED:
        return
    _ = translator(member.language)
    await box.schedule(session, dedupe_key=member_prefix(round_, member.id) + f"debrief:{event.id}", kind="reminder",
                       member_id=member.id, due_at=max(round_.ends_at - timedelta(minutes=30), round_.starts_at),
                       text=_("After the round we meet at “{title}”, {when}, {place}. Will you join us?").format(
                           title=event.title, when=fmt_datetime(event.starts_at, member.language), place=event.place),
                       buttons=[[box.Button(_("✅ Yes"), data=f"ev:rsvp:{event.id}:yes"),
                                 box.Button(_("🤔 Maybe"), data=f"ev:rsvp:{event.id}:maybe")]])


async def cancel_for_member(session: AsyncSession, round_: Round, member_id: int) -> None:
    await box.cancel(session, member_prefix(round_, member_id))


async def notify(session: AsyncSession, member: Member, key: str, text: str, now: datetime,
                 buttons: list[list[box.Button]] | None = None) -> None:
    """A notice that goes out at once (a change, a cancellation, a seat that became free)."""
    await box.schedule(session, dedupe_key=key, kind="notice", member_id=member.id, due_at=now, text=text, buttons=buttons)


async def promoted(session: AsyncSession, round_: Round, member: Member, leaders: list[Member], now: datetime) -> None:
    _ = translator(member.language)
    await notify(session, member, f"notice:round:{round_.id}:member:{member.id}:seat:{int(now.timestamp())}",
                 _("Good news: a seat became free on “{title}”, {when}, and it is yours! Meeting point: {place}.").format(
                     title=round_.title, when=when(round_, member.language), place=round_.meeting_point), now)
    await schedule_for_member(session, round_, member, leaders, now)


async def moved(session: AsyncSession, round_: Round, member: Member, now: datetime) -> None:
    _ = translator(member.language)
    await notify(session, member, f"notice:round:{round_.id}:v{round_.version}:member:{member.id}:moved",
                 _("Change: “{title}” has moved to {when}. Meeting point: {place}. "
                   "If you can't come now, leave it under /mine.").format(
                     title=round_.title, when=when(round_, member.language), place=round_.meeting_point), now)


async def place_changed(session: AsyncSession, round_: Round, member: Member, now: datetime) -> None:
    _ = translator(member.language)
    await notify(session, member, f"notice:round:{round_.id}:member:{member.id}:place:{int(now.timestamp())}",
                 _("Change: the meeting point for “{title}”, {when}, is now {place}.").format(
                     title=round_.title, when=when(round_, member.language), place=round_.meeting_point), now)


async def cancelled(session: AsyncSession, round_: Round, member: Member, now: datetime) -> None:
    _ = translator(member.language)
    await notify(session, member, f"notice:round:{round_.id}:member:{member.id}:cancelled",
                 _("Cancelled: “{title}” on {when} will not take place. Thank you for signing up — "
                   "see /dorbank for other rounds.").format(title=round_.title, when=when(round_, member.language)), now)


async def schedule_report_nudge(session: AsyncSession, round_: Round, leader: Member) -> None:
    _ = translator(leader.language)
    await box.schedule(session, dedupe_key=f"round:{round_.id}:v{round_.version}:leader:{leader.id}:report", kind="task",
                       member_id=leader.id, due_at=round_.ends_at + timedelta(days=1),
                       text=_("The report for “{title}” is missing. It takes a minute: doors, conversations and what "
                              "people talked about.").format(title=round_.title),
                       buttons=[[box.Button(_("File the report"), data=f"rd:report:{round_.id}")]])


async def cancel_report_nudges(session: AsyncSession, round_: Round) -> None:
    for version in range(1, round_.version + 1):
        await box.cancel(session, f"round:{round_.id}:v{version}:leader:")


async def leader_candidate(session: AsyncSession, candidate: Member, board: list[Member], rounds: int, now: datetime) -> None:
    for person in board:
        _ = translator(person.language)
        await box.schedule(session, dedupe_key=f"leader-candidate:member:{candidate.id}:board:{person.id}", kind="task",
                           member_id=person.id, due_at=now,
                           text=_("{name} has now taken part in {count} door-knocking rounds and could be offered "
                                  "leader training. See /dorbank ledere.").format(name=candidate.name or "?", count=rounds))
