"""Rendering nudges and the board's weekly digest into the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox_buttons as buttons
from bot.i18n import N_, OSLO, fmt_datetime, ngettext_for, translator
from bot.render import Gone, Message, renderer
from bot.render import now as render_now
from models import events as ev
from models import membership
from models import nudge_rules as rules
from models import nudges as ng
from models import outbox as box
from models import phonebank as pb
from models import rounds as rd
from models.errors import NotFound
from models.member import Member

RULE_LABELS: dict[str, str] = {
    "doorknock": N_("Door-knocking rounds with free seats"),
    "social": N_("Social activities"),
    "caller": N_("Phone rounds that need callers"),
    "newcomer": N_("Easy ways in for new members"),
}


def key(candidate: rules.Candidate, now: datetime) -> str:
    cooldown = ng.COOLDOWN_DAYS[candidate.rule]
    period = "once" if cooldown is None else str(int(now.timestamp() // (cooldown * 86400)))
    return f"nudge:{candidate.rule}:member:{candidate.member.id}:{period}"


async def render(session: AsyncSession, candidate: rules.Candidate) -> tuple[str, list[list[box.Button]]]:
    member = candidate.member
    lang = member.language
    _ = translator(lang)
    controls = [box.Button(_("Not now"), data=buttons.nudge_control("snooze", candidate.rule)),
                box.Button(_("Don't ask me about this"), data=buttons.nudge_control("off", candidate.rule))]
    if candidate.rule == "doorknock":
        round_ = await rd.get_round(session, candidate.target_id or 0)
        if round_.status != rd.PLANNED or not (await rd.view(session, round_)).seats_left:
            raise NotFound(round_.id)  # never suggest a full round
        from bot.round_messages import when

        return (_("A door-knocking round with free seats is coming up: “{title}”, {when}, meeting at {place}. Join with one tap?").format(
                    title=round_.title, when=when(round_, lang), place=round_.meeting_point),
                [[box.Button(_("Join"), data=buttons.join_round_at(round_.id, round_.starts_at))], controls])
    if candidate.rule == "social":
        event = await ev.get_event(session, candidate.target_id or 0)
        if event.status != ev.PLANNED or (await ev.view(session, event)).seats_left == 0:
            raise NotFound(event.id)  # never suggest a full event
        return (_("Something social is coming up: “{title}”, {when}, at {place}. Will you come?").format(
                    title=event.title, when=fmt_datetime(event.starts_at, lang), place=event.place),
                [[box.Button(_("✅ Yes"), data=buttons.rsvp(event.id, "yes")), box.Button(_("🤔 Maybe"), data=buttons.rsvp(event.id, "maybe"))], controls])
    if candidate.rule == "caller":
        campaign = await pb.get_campaign(session, candidate.target_id or 0)
        ngettext = ngettext_for(lang)
        return (ngettext("{count} member is waiting to be called in “{name}”. Do you have a quarter of an hour?",
                         "{count} members are waiting to be called in “{name}”. Do you have a quarter of an hour?",
                         candidate.count).format(
                    count=candidate.count, name=campaign.name),
                [[box.Button(_("📞 Next call"), data=buttons.next_call(campaign.id))], controls])
    return (_("Finding your way in can take a little time. Three easy ways to start: a social evening, door-knocking in pairs, "
              "or a course. Have a look:"),
            [[box.Button(_("📅 Social"), data=buttons.events_of_kind("social")), box.Button(_("🚪 Rounds"), data=buttons.rounds_coming_up()),
              box.Button(_("🎓 Courses"), data=buttons.events_of_kind("course"))], controls])


async def run(session: AsyncSession, now: datetime, admin_ids: Iterable[int] = ()) -> list[rules.Candidate]:
    """Queue a nudge for every candidate; the outbox applies preferences, quiet hours and the weekly cap.
    `admin_ids` (LAGBOT_ADMINS) are not newcomers (see `rules.candidates`)."""
    found = await rules.candidates(session, now, admin_ids)
    await box.schedule_many(session, [  # one statement per 500: a new round can make a thousand candidates at once
        {"dedupe_key": key(candidate, now), "kind": "nudge", "member_id": candidate.member.id, "due_at": now, "text": "",
         "topic": "nudge", "subject_id": candidate.target_id,
         "params": {"rule": candidate.rule, "reason": candidate.reason, "count": candidate.count}}
        for candidate in found])
    return found


@renderer("nudge")
async def _nudge(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    """The nudge as `render` words it (the preview's words), from what is offered now."""
    params = box.params_of(row)
    candidate = rules.Candidate(member=to, rule=str(params.get("rule")), reason=str(params.get("reason", "")),
                             target_id=row.subject_id, count=int(params.get("count", 0)))
    moment = render_now()
    if moment is not None and to.onboarded_at is not None and moment - to.onboarded_at < ng.FIRST_DAY:
        raise Gone("a suggestion on the member's first day")  # the welcome is enough that day
    try:
        text, buttons = await render(session, candidate)
    except NotFound:
        raise Gone("what the nudge offered is gone or full") from None
    return Message(text, buttons)


def digest_due(now: datetime, weekday: int, at: time) -> bool:
    local = now.astimezone(OSLO)
    return local.weekday() == weekday and local.time() >= at


async def send_digest(session: AsyncSession, now: datetime, admins: list[int], plan_ahead_days: int) -> int:
    board = await membership.members_with_role(session, "board", admins)
    year, week, _day = now.astimezone(OSLO).isocalendar()
    keys = {person.id: f"digest:{year}-W{week:02d}:member:{person.id}" for person in board}
    # The job runs every few seconds all Monday: the figures are only gathered for someone still without this week's.
    queued = await box.existing_keys(session, list(keys.values()))
    waiting = [person for person in board if keys[person.id] not in queued]
    if not waiting:
        return len(board)
    figures = await ng.digest(session, now, plan_ahead_days, admins)
    missing = await ng.missing_leaders(figures.week_ahead_rounds)
    await box.schedule_many(session, [  # one statement for the whole board
        box.row(dedupe_key=keys[person.id], kind="task", member_id=person.id, due_at=now,
                text=render_digest(figures, person.language, missing)[:4000])
        for person in waiting])
    return len(board)


def render_digest(figures: ng.Digest, lang: str, missing: list[str]) -> str:
    _ = translator(lang)
    ngettext = ngettext_for(lang)
    lines = [_("📋 The week for the board"), "", _("The week ahead:")]
    for view in figures.week_ahead_rounds:
        lines.append("🚪 " + ngettext("{title}, {when}: {seats} seat left", "{title}, {when}: {seats} seats left",
                                      view.seats_left).format(
            title=view.round.title, when=fmt_datetime(view.round.starts_at, lang), seats=view.seats_left))
    for view in figures.week_ahead_events:
        seats = "" if view.seats_left is None else " " + ngettext(
            "({count} place left)", "({count} places left)", view.seats_left).format(count=view.seats_left)
        lines.append("📅 " + _("{title}, {when}: {yes} coming").format(
            title=view.event.title, when=fmt_datetime(view.event.starts_at, lang), yes=view.yes) + seats)
    if not figures.week_ahead_rounds and not figures.week_ahead_events:
        lines.append("–")
    for title in missing:
        lines.append("⚠️ " + _("No leader yet: {title}").format(title=title))
    lines += ["", _("Last week:"),
              _("Sign-ups: {count}").format(count=figures.signups),
              # At the doors (the held rounds' reports) and on the phone (phone rounds), each said plainly.
              _("Rounds held: {count} · doors: {doors} · conversations at the doors: {conversations}").format(
                  count=figures.rounds_held, doors=figures.doors, conversations=figures.conversations),
              _("Phone calls that reached someone: {count}").format(count=figures.calls_reached),
              # Join dates in the register: not /velkomst rapport's count of welcome calls (verified supporters too).
              _("New members in the register: {count}").format(count=figures.new_members),
              _("Welcome calls past the 14-day deadline: {count}").format(count=figures.welcome_late)]
    waiting = []
    for title in figures.reports_missing:
        waiting.append("• " + _("Report missing: {title}").format(title=title))
    if figures.welcome_untaken:
        waiting.append("• " + _("Welcome calls nobody has taken by day 10: {count} (/velkomst)").format(
            count=figures.welcome_untaken))
    if figures.unverified:
        waiting.append("• " + _("Supporters to verify: {count} (/supportere)").format(count=figures.unverified))
    if figures.nothing_planned:
        waiting.append("• " + _("Nothing planned that members can join in the coming weeks."))
    if waiting:
        lines += ["", _("Waiting for you:")] + waiting
    return "\n".join(lines)


__all__ = ["RULE_LABELS", "Member", "digest_due", "key", "render", "run", "send_digest"]
