"""What the outbox carries for a round's team leaders as leaders: named by the board before they were on
lagbot (by phone number), they are told, once they link their membership, which rounds they lead and
what a leader does in the bot; and before their round they are reminded of it, at the members' times
(the day before and two hours before), with what a leader needs: time, place, the team's numbers and
a button to the team list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import activity_messages as am
from bot import outbox_buttons as data
from bot.i18n import fmt_time, translator
from bot.render import Gone, Message, renderer
from bot.render import now as render_now
from models import outbox as box
from models import rounds as rd
from models.member import Member
from models.round_tables import Round


async def tell_if_leading(session: AsyncSession, member: Member, now: datetime) -> bool:
    """Schedule the notice when the member leads a team of a round to come (once for their account);
    whether they do."""
    if not await rd.rounds_led(session, member.id, now):
        return False
    await box.schedule(session, dedupe_key=f"notice:leading:member:{member.id}:telegram:{member.telegram_id}", kind="notice",
                       member_id=member.id, due_at=now, topic="round.leading_on_link")
    return True


def leader_commands(lang: str, *, creates: bool) -> list[str]:
    """What a team leader does in lagbot (and, with `creates`, a holder of the leader role)."""
    _ = translator(lang)
    english = lang == "en"
    lines = [_("{command} — your team on the day: the list, and check-in from two hours before").format(
        command="/doorknock team" if english else "/dorbank lag")]
    if creates:
        lines.append(_("{command} — create a door-knocking round that you lead").format(
            command="/newround" if english else "/nyrunde"))
    lines.append(_("After the round you get a button to file the round's report (doors, conversations, themes)."))
    return lines


@renderer("round.leading_on_link")
async def _leading(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    led = await rd.rounds_led(session, to.id, render_now() or row.due_at)
    if not led:
        raise Gone("leads no round to come any more")
    _ = translator(to.language)
    lines = [_("Welcome! The board has made you a team leader:")]
    lines += ["• " + _("team {number} on “{title}”, {when}. Meeting point: {place}").format(
        number=number, title=round_.title, when=am.when(round_, to.language), place=round_.meeting_point) for round_, number in led]
    lines += ["", _("As a team leader:"), *leader_commands(to.language, creates=False)]
    return Message("\n".join(lines))


def leader_key(round_: Round, leader_id: int, name: str) -> str:
    """A leader's rows for this version of the round (cancelled together when they stop leading it)."""
    return f"round:{round_.id}:v{round_.version}:leader:{leader_id}:{name}"


async def schedule_reminders(session: AsyncSession, round_: Round, leader: Member, now: datetime) -> None:
    """The leader's reminders of the round they lead, at the times members get theirs (those still ahead)."""
    await box.schedule_many(session, [
        am.about(round_, leader, key=leader_key(round_, leader.id, f"reminder_{name}"), topic=f"round.leader_reminder_{name}",
                 kind="reminder", due_at=due) for name, due in am.reminder_times(round_, now).items()])


def not_a_leader(round_: Round, to: Member) -> None:
    """A leader signed up on their own round gets the leader's reminder instead of the participants'."""
    if rd.leads(round_, to.id):
        raise Gone("leads a team of the round: the leader's reminder says more")


@renderer("round.leader_reminder_24h", "round.leader_reminder_2h")
async def _leader_reminder(session: AsyncSession, row: box.OutboxMessage, to: Member) -> Message:
    round_ = await am.subject(session, rd.SEATS, row)
    day_before = row.topic == "round.leader_reminder_24h"
    am.still_timely(round_, row, before_start=True, day_before=day_before)
    teams = sorted(round_.teams, key=lambda t: t.id)
    number = next((k for k, team in enumerate(teams, start=1) if team.leader_id == to.id), None)
    if number is None:
        raise Gone("no longer leads a team of the round")
    taken, waiting = (await rd.counts(session, [round_.id]))[round_.id]
    _ = translator(to.language)
    if day_before:
        lines = [_("Reminder: tomorrow you lead “{title}”, {when}.").format(title=round_.title, when=am.when(round_, to.language))]
    else:
        head = (_("“{title}”, which you lead, starts soon, at {time}.") if am.held_up(round_)
                else _("“{title}”, which you lead, starts in two hours, at {time}."))
        lines = [head.format(title=round_.title, time=fmt_time(round_.starts_at, to.language))]
    lines.append(_("Meeting point: {place}").format(place=round_.meeting_point))
    lines.append(_("Signed up: {taken} of {seats} seats · waiting list: {waiting}").format(
        taken=taken, seats=round_.capacity, waiting=waiting))
    if len(teams) > 1:
        mine = await rd.team_of_leader(session, round_, to.id)
        lines.append(_("Your team (team {number}): {count} of {seats} seats").format(
            number=number, count=len(mine), seats=teams[number - 1].capacity))
    if not day_before:
        lines.append(_("Everyone signed up gets a reminder now with “I'm coming”; the team list shows who has answered. "
                       "Check-in is open from now."))
    return Message("\n".join(lines), [[box.Button(_("👥 See the team"), data=data.round_team(round_.id))]])
