"""What the outbox carries for a door-knocking round: reminders, briefing, follow-up, notices.

Rows are queued with a topic and rendered when sent (bot/render.py): an edit reaches reminders
already queued, and a leader who erased their data is no longer named."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import activity_messages as am
from bot import leading_messages as leading
from bot import outbox_buttons as data
from bot.i18n import N_, OSLO, fmt_date, fmt_datetime, fmt_time, ngettext_for, translator
from bot.render import Gone, Message, renderer
from bot.render import now as render_now
from models import outbox as box
from models import rounds as rd
from models.member import Member
from models.round_leaders import LeaderChange
from models.rounds import THEMES, Round
from models.timeparse import same_time_day_before  # noqa: F401 - importable from here as before

# "How did it go?" is still asked when the bot was down as it fell due, up to this long after the round.
FOLLOWUP_WINDOW = timedelta(days=2)

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
    """Every reminder of this round for this member, whatever version it was queued for."""
    return f"round:{round_.id}:member:{member_id}:"


def round_prefix(round_: Round) -> str:
    return f"round:{round_.id}:"


def _key(round_: Round, member_id: int, name: str) -> str:
    return f"{member_prefix(round_, member_id)}v{round_.version}:{name}"


when = am.when


def theme_buttons(round_id: int, lang: str) -> list[list[box.Button]]:
    _ = translator(lang)
    buttons = [box.Button(_(THEME_LABELS[t]), data=data.theme(round_id, t)) for t in THEMES]
    rows = [buttons[n : n + 4] for n in range(0, len(buttons), 4)]
    return [*rows, [box.Button(_("Nothing to add"), data=data.nothing_to_add(round_id))]]


def morning_of(round_: Round) -> datetime:
    local = round_.starts_at.astimezone(OSLO)
    return datetime.combine(local.date(), time(8, 0), tzinfo=OSLO).astimezone(round_.starts_at.tzinfo)


async def schedule_for_member(session: AsyncSession, round_: Round, member: Member, leaders: list[Member], now: datetime) -> None:
    """Queue the day-before and two-hour reminders, the briefing and the follow-up for one participant.

    `leaders` is no longer read: the reminder names the leaders as they are when it is sent."""
    rows = [am.about(round_, member, key=_key(round_, member.id, name), topic=f"round.reminder_{name}", kind="reminder",
                     due_at=due) for name, due in am.reminder_times(round_, now).items()]
    rows += _briefing_row(round_, member, now) + _debrief_row(round_, member)
    rows.append(am.about(round_, member, key=_key(round_, member.id, "followup"), topic="round.followup", kind="reminder",
                         due_at=round_.ends_at + timedelta(minutes=30)))
    await box.schedule_many(session, rows)  # one multi-row INSERT


def _briefing_row(round_: Round, member: Member, now: datetime) -> list[dict[str, Any]]:
    if not round_.briefing:
        return []
    briefing_at = max(now, min(morning_of(round_), round_.starts_at - timedelta(hours=1)))
    return [am.about(round_, member, key=_key(round_, member.id, "briefing"), topic="round.briefing", kind="reminder",
                     due_at=briefing_at)]


def _debrief_row(round_: Round, member: Member) -> list[dict[str, Any]]:
    if not round_.debrief_event_id:
        return []
    return [am.about(round_, member, key=_key(round_, member.id, f"debrief:{round_.debrief_event_id}"),
                     topic="round.debrief", kind="reminder",
                     due_at=max(round_.ends_at - timedelta(minutes=30), round_.starts_at), event_id=round_.debrief_event_id)]


async def schedule_briefing(session: AsyncSession, round_: Round, member: Member, now: datetime) -> None:
    """The briefing on the morning of the round (at once if that has passed); rendered when sent, so an
    edited briefing goes out as it reads then. Queued once per round version."""
    await box.schedule_many(session, _briefing_row(round_, member, now))


async def invite_to_debrief(session: AsyncSession, round_: Round, member: Member) -> None:
    """The gathering after the round, offered to a participant as the round ends."""
    await box.schedule_many(session, _debrief_row(round_, member))


async def cancel_for_member(session: AsyncSession, round_: Round, member_id: int) -> None:
    await box.cancel(session, member_prefix(round_, member_id))


async def tell_leaders_of_dropout(session: AsyncSession, round_: Round, left: Member, promoted: Member | None,
                                  now: datetime) -> None:
    """Within a day of the round, its leaders hear at once who dropped out and who took the seat
    (earlier, the team list is enough)."""
    if now < round_.starts_at - timedelta(hours=24):
        return
    for leader in await rd.current_leaders(session, round_):
        if leader.id == left.id:
            continue
        _ = translator(leader.language)
        if promoted is None:
            text = _("{name} can't come to “{title}”, {when}, after all. Your team is under /dorbank lag.").format(
                name=left.name or "?", title=round_.title, when=when(round_, leader.language))
        else:
            text = _("{name} can't come to “{title}”, {when}, after all; {other} from the waiting list takes the seat. "
                     "Your team is under /dorbank lag.").format(name=left.name or "?", other=promoted.name or "?",
                                                               title=round_.title, when=when(round_, leader.language))
        await notify(session, leader, f"notice:round:{round_.id}:leader:{leader.id}:left:{left.id}:{am.stamp(now)}", text, now)


async def notify(session: AsyncSession, member: Member, key: str, text: str, now: datetime,
                 buttons: list[list[box.Button]] | None = None) -> None:
    """A notice written now that goes out at once, as written."""
    await box.schedule(session, dedupe_key=key, kind="notice", member_id=member.id, due_at=now, text=text, buttons=buttons)


async def promoted(session: AsyncSession, round_: Round, member: Member, leaders: list[Member], now: datetime) -> None:
    await box.schedule(session, dedupe_key=f"notice:round:{round_.id}:member:{member.id}:seat:{am.stamp(now)}", kind="notice",
                       member_id=member.id, due_at=now, topic="round.promoted", subject_id=round_.id)
    await schedule_for_member(session, round_, member, leaders, now)


async def moved(session: AsyncSession, round_: Round, member: Member, now: datetime) -> None:
    await am.change_notice(session, round_, member, family="round", topic="round.moved", now=now,
                           starts_at=am.stamp(round_.starts_at), ends_at=am.stamp(round_.ends_at))


async def place_changed(session: AsyncSession, round_: Round, member: Member, now: datetime) -> None:
    await am.change_notice(session, round_, member, family="round", topic="round.place", now=now, place=round_.meeting_point)


async def cancelled(session: AsyncSession, round_: Round, member: Member, now: datetime) -> None:
    await box.schedule(session, dedupe_key=f"notice:round:{round_.id}:member:{member.id}:cancelled", kind="notice",
                       member_id=member.id, due_at=now, topic="round.cancelled", subject_id=round_.id)


async def schedule_report_nudge(session: AsyncSession, round_: Round, leader: Member, now: datetime | None = None) -> None:
    """A team leader's rows for this version of the round: the briefing on its morning (as the team gets
    it) and the nudge for the report the day after."""
    await box.schedule(session, dedupe_key=f"round:{round_.id}:v{round_.version}:leader:{leader.id}:report", kind="task",
                       member_id=leader.id, due_at=round_.ends_at + timedelta(days=1), topic="round.report",
                       subject_id=round_.id)
    now = now if now is not None else (round_.created_at or morning_of(round_))
    await schedule_leader_briefing(session, round_, leader, now)
    await leading.schedule_reminders(session, round_, leader, now)


async def schedule_leader_briefing(session: AsyncSession, round_: Round, leader: Member, now: datetime) -> None:
    if round_.briefing:
        await box.schedule(session, dedupe_key=f"round:{round_.id}:v{round_.version}:leader:{leader.id}:briefing",
                           kind="reminder", member_id=leader.id, topic="round.leader_briefing", subject_id=round_.id,
                           due_at=max(now, min(morning_of(round_), round_.starts_at - timedelta(hours=1))))


async def leader_changed(session: AsyncSession, change: LeaderChange, now: datetime) -> None:
    """Tell a new team leader they lead it (and ask for the report afterwards); tell the one replaced."""
    round_, new, old = change.round, change.leader, change.previous
    if new is not None and (old is None or old.id != new.id):
        await box.schedule(session, dedupe_key=f"notice:round:{round_.id}:team:{change.team.id}:leader:{new.id}:{am.stamp(now)}",
                           kind="notice", member_id=new.id, due_at=now, topic="round.leader_assigned", subject_id=round_.id,
                           params={"team": change.team.id, "number": change.team_number})
        await schedule_report_nudge(session, round_, new, now)
    if old is not None and (new is None or old.id != new.id):
        await box.cancel(session, f"round:{round_.id}:v{round_.version}:leader:{old.id}:")
        await box.schedule(session, dedupe_key=f"notice:round:{round_.id}:team:{change.team.id}:unled:{old.id}:{am.stamp(now)}",
                           kind="notice", member_id=old.id, due_at=now, topic="round.leader_removed", subject_id=round_.id,
                           params={"team": change.team.id, "number": change.team_number})


async def leaders_named(session: AsyncSession, round_: Round, now: datetime, *, creator_id: int | None = None) -> None:
    """A new round's team leaders: each is asked for the report afterwards, and each but the one who
    created it is told they lead their team (as when the board assigns a leader later)."""
    for number, team in enumerate(sorted(round_.teams, key=lambda t: t.id), start=1):
        leader = await session.get(Member, team.leader_id) if team.leader_id is not None else None
        if leader is None:
            continue
        if leader.id == creator_id:
            await schedule_report_nudge(session, round_, leader, now)
        else:
            await leader_changed(session, LeaderChange(round_, team, number, None, leader), now)


async def cancel_report_nudges(session: AsyncSession, round_: Round, team_id: int | None = None) -> None:
    """The report is in: the nudges to its leaders go (of this team, when the round has several)."""
    for leader_id in rd.team_leaders_to_ask(round_, team_id):
        for version in range(1, round_.version + 1):
            await box.cancel(session, f"round:{round_.id}:v{version}:leader:" + (f"{leader_id}:" if leader_id else ""))


async def own_leaders(session: AsyncSession, round_: Round, to: Member) -> list[Member]:
    """The leader of the recipient's own team when it has one; else the round's leaders."""
    leaders = await rd.current_leaders(session, round_)
    signup = await rd.signup_of(session, round_.id, to.id)
    team = next((t for t in round_.teams if signup is not None and t.id == signup.team_id), None)
    own = [m for m in leaders if team is not None and m.id == team.leader_id]
    return own or leaders


def leader_line(names: list[str], lang: str) -> str:
    """'Leader: Kari' or 'Leaders: Kari, Ola' (Dørbankgeneral / Dørbankgeneraler), or that none is decided yet."""
    _, ngettext = translator(lang), ngettext_for(lang)
    if not names:
        return _("Leader: not decided yet")
    return ngettext("Leader: {names}", "Leaders: {names}", len(names)).format(names=", ".join(names))


# Renderers: each reads the round as it is now, in the recipient's language of now.

@renderer("round.reminder_24h")
async def _day_before(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.reminder_subject(session, rd.SEATS, row, to, before_start=True, day_before=True)
    leading.not_a_leader(round_, to)
    _ = translator(to.language)
    leaders = leader_line([m.name or "?" for m in await own_leaders(session, round_, to)], to.language)
    return Message(_("Reminder: door-knocking tomorrow, {when}.\nMeeting point: {place}\n{leaders}\n"
                     "Bring good shoes, clothes for the weather and a charged phone. Flyers are handed out there.").format(
        when=when(round_, to.language), place=round_.meeting_point, leaders=leaders),
        [[box.Button(_("I can't after all"), data=data.cannot_come(round_.id, round_.starts_at))]])


@renderer("round.reminder_2h")
async def _two_hours(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.reminder_subject(session, rd.SEATS, row, to, before_start=True)
    leading.not_a_leader(round_, to)
    _ = translator(to.language)
    text = (_("Door-knocking soon, at {time}: {place}. Are you coming?") if am.held_up(round_)
            else _("Door-knocking in two hours, at {time}: {place}. Are you coming?"))
    return Message(text.format(
        time=fmt_time(round_.starts_at, to.language), place=round_.meeting_point),
        [[box.Button(_("I'm coming"), data=data.coming(round_.id, round_.starts_at)),
          box.Button(_("I can't after all"), data=data.cannot_come(round_.id, round_.starts_at))]])


@renderer("round.briefing")
async def _briefing(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.reminder_subject(session, rd.SEATS, row, to, before_start=True)
    if not round_.briefing:
        raise Gone("the briefing was removed")
    return _briefing_text(round_, to)


def _briefing_text(round_: Round, to: Member) -> Message:
    _ = translator(to.language)
    return Message(_("Briefing for today's door-knocking ({title}):\n\n{briefing}").format(
        title=round_.title, briefing=round_.briefing))


@renderer("round.leader_briefing")
async def _leader_briefing(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.subject(session, rd.SEATS, row)
    moment = render_now()
    if moment is not None and moment >= round_.starts_at:
        raise Gone("the round has begun")
    if not round_.briefing or not leads(round_, to):
        raise Gone("no briefing, or no longer a leader of the round")
    signup = await rd.signup_of(session, round_.id, to.id)
    if signup is not None and signup.status == rd.CONFIRMED:
        raise Gone("signed up as well: gets the participants' briefing")
    return _briefing_text(round_, to)


@renderer("round.followup")
async def _followup(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.reminder_subject(session, rd.SEATS, row, to, came=True)
    moment = render_now()
    _ = translator(to.language)
    if moment is not None and moment > round_.ends_at + FOLLOWUP_WINDOW:
        raise Gone("held up (the bot was down) for more than two days after the round: too late to ask")
    if moment is not None and moment.astimezone(OSLO).date() != round_.ends_at.astimezone(OSLO).date():
        # Held up past the round's day (the bot was down): still asked, naming the day, not "today".
        return Message(_("Thank you for knocking on doors on {day}! How did it go — what did people talk about? "
                         "Pick a theme. Please don't write names or addresses of the people you met.").format(
                             day=fmt_date(round_.starts_at, to.language)), theme_buttons(round_.id, to.language))
    return Message(_("Thank you for knocking on doors today! How did it go — what did people talk about? "
                     "Pick a theme. Please don't write names or addresses of the people you met."),
                   theme_buttons(round_.id, to.language))


@renderer("round.debrief")
async def _debrief(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    from models import events as ev

    round_ = await am.reminder_subject(session, rd.SEATS, row, to)
    row_event = box.params_of(row).get("event_id")
    if row_event != round_.debrief_event_id:
        raise Gone("the round now links another gathering (or none)")
    event = await session.get(ev.Event, int(row_event or 0))
    if event is None or event.status != ev.PLANNED:
        raise Gone("the gathering is cancelled or gone")
    _ = translator(to.language)
    return Message(_("After the round we meet at “{title}”, {when}, {place}. Will you join us?").format(
        title=event.title, when=fmt_datetime(event.starts_at, to.language), place=event.place),
        [[box.Button(_("✅ Yes"), data=data.rsvp(event.id, "yes")),
          box.Button(_("🤔 Maybe"), data=data.rsvp(event.id, "maybe"))]])


@renderer("round.promoted")
async def _promoted(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.reminder_subject(session, rd.SEATS, row, to)
    _ = translator(to.language)
    return Message(_("Good news: a seat became free on “{title}”, {when}, and it is yours! Meeting point: {place}.").format(
        title=round_.title, when=when(round_, to.language), place=round_.meeting_point),
        [[box.Button(_("I can't after all"), data=data.cannot_come(round_.id, round_.starts_at))]])


@renderer("round.leader_assigned")
async def _leader_assigned(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.subject(session, rd.SEATS, row)
    params = box.params_of(row)
    if not any(team.id == params["team"] and team.leader_id == to.id for team in round_.teams):
        raise Gone("no longer the team's leader")
    _ = translator(to.language)
    return Message(_("You now lead team {number} on “{title}”, {when}. Meeting point: {place}. "
                     "Thank you! Your team and its check-in are under /dorbank lag.").format(
        number=params["number"], title=round_.title, when=when(round_, to.language), place=round_.meeting_point))


@renderer("round.leader_removed")
async def _leader_removed(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.subject(session, rd.SEATS, row)
    params = box.params_of(row)
    if any(team.id == params["team"] and team.leader_id == to.id for team in round_.teams):
        raise Gone("leads the team again")
    _ = translator(to.language)
    return Message(_("The board has changed the leaders of “{title}”, {when}: you no longer lead team {number}. "
                     "Thank you for stepping in!").format(number=params["number"], title=round_.title, when=when(round_, to.language)))


def leads(round_: Round, person: Member) -> bool:
    """The person leads a team of this round (a leader is told in a leader's words, not a participant's)."""
    return any(team.leader_id == person.id for team in round_.teams)


@renderer("round.moved")
async def _moved(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.subject(session, rd.SEATS, row)
    _ = translator(to.language)
    if leads(round_, to):
        return Message(_("Change: “{title}”, which you lead, has moved to {when}. Meeting point: {place}. "
                         "Everyone signed up is told; your team is under /dorbank lag.").format(
            title=round_.title, when=am.when_of(box.params_of(row), to.language), place=round_.meeting_point))
    return Message(_("Change: “{title}” has moved to {when}. Meeting point: {place}. "
                     "If you can't come now, leave it under /mine.").format(
        title=round_.title, when=am.when_of(box.params_of(row), to.language), place=round_.meeting_point),
        [[box.Button(_("I can't after all"),  # about the time this notice announces
                     data=data.cannot_come(round_.id, datetime.fromtimestamp(box.params_of(row)["starts_at"], UTC)))]])


@renderer("round.place")
async def _place(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.subject(session, rd.SEATS, row)
    _ = translator(to.language)
    return Message(_("Change: the meeting point for “{title}”, {when}, is now {place}.").format(
        title=round_.title, when=when(round_, to.language), place=box.params_of(row).get("place", round_.meeting_point)))


@renderer("round.cancelled")
async def _cancelled(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.subject(session, rd.SEATS, row, planned=False)
    _ = translator(to.language)
    if leads(round_, to):
        return Message(_("Cancelled: “{title}” on {when}, which you were to lead, will not take place. "
                         "Everyone signed up is told. Thank you for taking it on!").format(
            title=round_.title, when=when(round_, to.language)))
    return Message(_("Cancelled: “{title}” on {when} will not take place. Thank you for signing up — "
                     "see /dorbank for other rounds.").format(title=round_.title, when=when(round_, to.language)))


@renderer("round.report")
async def _report(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.subject(session, rd.SEATS, row)
    if await rd.reported_by(session, round_, to.id):  # each team leader is asked for their own team's report
        raise Gone("the report is filed")
    _ = translator(to.language)
    return Message(_("The report for “{title}” is missing. It takes a minute: doors, conversations and what "
                     "people talked about.").format(title=round_.title),
                   [[box.Button(_("File the report"), data=data.file_report(round_.id))]])
