"""Door-knocking for leaders: their team with check-in, the round's QR code, the gathering after the
round, and who could be offered leader training."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application

from bot import leader_training_messages as training_msgs
from bot import round_messages as msgs
from bot.activity_buttons import (
    AcceptLeaderTraining,
    ActivityAction,
    ChooseDebrief,
    FileReport,
    LinkDebrief,
    MakeLeader,
    RoundQr,
    RoundTeam,
    TeamCheckIn,
)
from bot.i18n import N_, translator
from handlers.cards import attendance_row, button_names
from handlers.common import Context, acting, answer_alert, clip, inline, onboarded, reply, requires_role, short
from handlers.presses import Press
from handlers.round_leaders import RoundLeaders
from models import events as ev
from models import leader_training as training
from models import membership
from models import rounds as rd
from models.errors import NotFound
from models.member import Member
from models.phone import display_phone

NOT_ROUND_LEADER = N_("Only the board or the round's leader can do that.")
NOT_TEAM_LEADER = N_("Only the board or the leader of a team on this round can do that.")
NO_SHOW_LATER = N_("Who didn't come can be marked once the round has begun.")
CANCELLED = N_("“{title}” was cancelled: there is nothing to check in or report.")
# Why the leader's check-in buttons no longer act (models/round_reports.check_in_closed).
CHECK_IN_CLOSED = {
    "cancelled": CANCELLED,
    "not_held": N_("Check-in for “{title}” is closed: the round is recorded as not taking place."),
    "reported": N_("Check-in for “{title}” is closed: the report is filed."),
    "over": N_("Check-in for “{title}” is closed: the round ended more than two days ago."),
}


def round_link(context: Context, round_id: int) -> str:
    username = context.bot.username or context.runtime.settings.telegram_bot_username or "lagbot"
    return f"https://t.me/{username}?start=round_{round_id}"


def admin_keyboard(round_id: int, lang: str, settled: bool = False) -> InlineKeyboardMarkup:
    """The round's management buttons; a round that has begun or has a report (`settled`) is not
    offered moving or cancelling."""
    _ = translator(lang)
    change = [] if settled else [[(_("Move"), ActivityAction(kind="rd", action="move", activity_id=round_id).pack()),
                                  (_("Cancel round"), ActivityAction(kind="rd", action="cancel", activity_id=round_id).pack())]]
    return inline([
        [(_("QR code"), RoundQr(round_id=round_id).pack()), (_("Team"), RoundTeam(round_id=round_id).pack())],
        *change,
        [(_("✏️ Edit"), ActivityAction(kind="rd", action="edit", activity_id=round_id).pack()),
         (_("🍻 Link a gathering afterwards"), ChooseDebrief(round_id=round_id).pack())],
        [(_("👥 Team leaders"), RoundLeaders(round_id=round_id).pack())],
    ])


def may_manage_round(context: Context, member: Member, round_: rd.Round) -> bool:
    """Change, move or cancel the round, link its gathering: the board and the round's own leader."""
    return membership.has_role(member, "board", context.runtime.settings.lagbot_admins) or rd.runs(round_, member.id)


def may_lead_team(context: Context, member: Member, round_: rd.Round) -> bool:
    """A team's list, its check-in and the round's report: the board and each team's leader."""
    return membership.has_role(member, "board", context.runtime.settings.lagbot_admins) or rd.leads(round_, member.id)


async def managed_round(update: Update, context: Context, round_id: int, session: AsyncSession | None = None, *,
                        planned: bool = False, team: bool = False) -> rd.Round | None:
    """The round, if the member (read again, in `session` when a change follows there) may manage it
    (with `team`, lead a team in it; with `planned`, it is not cancelled or over); otherwise None after
    saying so (as a message when the update is not a press)."""
    if session is None:
        async with context.runtime.db.session() as own:
            return await managed_round(update, context, round_id, own, planned=planned, team=team)
    member = await membership.member_by_telegram(session, context.known.telegram_id)
    try:
        round_: rd.Round | None = await rd.get_round(session, round_id)
    except NotFound:
        round_ = None
    allowed = may_lead_team if team else may_manage_round
    if round_ is None or member is None or not member.is_onboarded or not allowed(context, member, round_):
        await answer_alert(update, context._(NOT_TEAM_LEADER if team else NOT_ROUND_LEADER))
        return None
    if planned and (round_.status != rd.PLANNED or round_.ends_at <= context.runtime.now()):
        assert update.callback_query is not None
        await update.callback_query.answer(context._("That round is over or cancelled."), show_alert=True)
        return None
    return round_


@requires_role("board")
async def leader_candidates(update: Update, context: Context) -> None:
    runtime, _ = context.runtime, context._
    async with runtime.db.session() as session:
        found = await rd.leader_candidates(session, runtime.now(), runtime.settings.leader_threshold)
        offers = await training.of_members(session, [person.id for person, _count in found])
    if not found:
        threshold = runtime.settings.leader_threshold
        await reply(update, context.ngettext("Nobody has taken part in {count} round yet without being a leader.",
                                             "Nobody has taken part in {count} rounds yet without being a leader.",
                                             threshold).format(count=threshold))
        return
    lines, rows = [_("Could be offered leader training (rounds taken part in):")], []
    for person, count in found:
        offer = offers.get(person.id)
        state = "" if offer is None else " (" + (_("said yes to leader training") if offer.accepted_at else _("offered")) + ")"
        lines.append(f"• {person.name} — {count}{state}")
        if offer is not None and offer.accepted_at is not None:  # a yes: the board can give the role from here
            rows.append([(_("🎖 Make {name} a leader").format(name=short(person.name or "?", 40)), MakeLeader(member_id=person.id).pack())])
    await reply(update, "\n".join(lines), reply_markup=inline(rows) if rows else None)


@requires_role("board")
async def make_leader(update: Update, context: Context) -> None:
    """Give the leader role to a candidate who said yes to leader training; they are told."""
    query, runtime, _ = update.callback_query, context.runtime, context._
    assert query is not None
    async with runtime.db.session() as session:
        if await acting(update, context, session, "board") is None:  # the role read again where the change is made
            return
        try:
            person, granted = await training.make_leader(session, MakeLeader.parse(query.data).member_id)
        except (training.NotAccepted, NotFound):
            await query.answer(_("Only someone who said yes to leader training can be made a leader here."), show_alert=True)
            return
        if granted:
            await training_msgs.made_leader(session, person, runtime.now())
        name = person.name or "?"
    await query.answer()
    await reply(update, (_("{name} is a door-knocking leader now, and is told so.") if granted
                         else _("{name} already has the leader role.")).format(name=name))


@onboarded
async def my_teams(update: Update, context: Context) -> None:
    """A leader's rounds: the team, with check-in buttons."""
    member, runtime = context.known, context.runtime
    async with runtime.db.session() as session:
        upcoming = await rd.upcoming(session, runtime.now() - timedelta(days=2), limit=50)
    led = [v for v in upcoming if rd.leads(v.round, member.id)]
    if not led:
        await reply(update, context._("You are not leading any round right now."))
        return
    for view in led[:5]:
        await send_team(update, context, view.round.id)


async def send_team(update: Update, context: Context, round_id: int, *, edit: bool = False) -> None:
    leader, runtime, _ = context.known, context.runtime, context._
    now = runtime.now()
    async with runtime.db.session() as session:
        round_ = await rd.get_round(session, round_id)
        # A team's leader sees their own team; the board (here as leader of none) sees everyone.
        team = (await rd.team_of_leader(session, round_, leader.id) if rd.leads(round_, leader.id)
                else await rd.participants(session, round_.id))
        # Check-in closes team by team, with the team's own report: each seat's buttons as a press on them finds it.
        shut = await rd.check_in_closed_by_team(session, round_, now, [signup.team_id for signup, _person in team])
        own = [t.id for t in round_.teams if t.leader_id == leader.id]
        closed = ((None if None in shut.values() else next(iter(shut.values()))) if team else
                  await rd.check_in_closed(session, round_, now, own[0] if len(own) == 1 and len(round_.teams) > 1 else None))
    show_phones = rd.phones_visible(round_, now)
    heading = _("Your team for “{title}”, {when}:") if rd.leads(round_, leader.id) else _("Everyone on “{title}”, {when}:")
    lines = [heading.format(title=round_.title, when=msgs.when(round_, leader.language))]
    rows = []
    begun = round_.starts_at <= now
    asked = now >= round_.starts_at - timedelta(hours=2)  # the reminder with "I'm coming" has gone out
    names = button_names([person.name for _signup, person in team])
    for (signup, person), name in zip(team, names, strict=True):
        mark = {True: "✅", False: "❌", None: "▫️"}[signup.attended]
        phone = f" — {display_phone(person.phone)}" if show_phones and person.phone else ""
        # Once the round has begun, the answers to the reminder are noise: only the check-in marks.
        answer = "" if begun or person.id == leader.id or not (asked or signup.coming_at) else (
            " · " + (_("👍 coming") if signup.coming_at else _("no answer yet")))
        if person.telegram_id is None and not begun:  # signed up by a caller: no reminder reaches them, the leader phones
            answer = " · " + _("📵 not on Telegram: no reminders reach them")
        lines.append(f"{mark} {person.name or '?'}{phone}{answer}")
        if shut[signup.team_id] is None and asked:  # check-in opens two hours before (a press earlier only said so)
            rows.append(attendance_row(name, TeamCheckIn(signup_id=signup.id, present=True).pack(),
                                       TeamCheckIn(signup_id=signup.id, present=False).pack() if begun else None, leader.language))
    if not team:
        lines.append(_("Nobody has signed up yet."))
    elif closed is not None:
        lines.append(_(CHECK_IN_CLOSED[closed]).format(title=round_.title))
    elif asked and not begun:
        coming = sum(1 for signup, _person in team if signup.coming_at)
        lines.append(context.ngettext("{count} of {total} has said “I'm coming” to the reminder.",
                                      "{count} of {total} have said “I'm coming” to the reminder.", len(team)).format(
            count=coming, total=len(team)))
    elif not begun:
        lines.append(_("Two hours before the round everyone gets a reminder with “I'm coming”; here you see who has answered."))
        lines.append(_("Check-in opens two hours before the round starts."))
    if closed is None:  # some teams have reported, others not yet
        lines += [_("Check-in for team {number} is closed: its report is filed.").format(number=rd.team_number(round_, team_id))
                  for team_id, reason in shut.items() if reason is not None and rd.team_number(round_, team_id) is not None]
    if team and not begun and closed is None:
        lines.append(_(NO_SHOW_LATER))
    if not show_phones:
        lines.append("")
        lines.append(_("Phone numbers are shown from the day before until the day after the round."))
    if begun:  # the report is written once the round has started
        rows.append([(_("File the report"), FileReport(round_id=round_id).pack())])
    query = update.callback_query
    if edit and query is not None:
        await query.edit_message_text(clip("\n".join(lines)), reply_markup=inline(rows) if rows else None)
    else:
        await reply(update, "\n".join(lines), reply_markup=inline(rows) if rows else None)


@onboarded
async def check_in(update: Update, context: Context) -> None:
    """The leader marks one person present or absent; the third round suggests leader training."""
    query = update.callback_query
    assert query is not None
    runtime, _ = context.runtime, context._
    pressed = TeamCheckIn.parse(query.data)
    async with runtime.db.session() as session:
        leader = await membership.member_by_telegram(session, context.known.telegram_id)  # the right, read with the change
        try:
            signup, round_ = await rd.signup_with_round(session, pressed.signup_id)
        except NotFound:
            signup = round_ = None
        if round_ is None or leader is None or not leader.is_onboarded or not (
                membership.has_role(leader, "board", runtime.settings.lagbot_admins) or rd.checks_in(round_, signup, leader.id)):
            await query.answer(_("Only the leader of this team can check people in."), show_alert=True)
            return
        assert signup is not None
        # An old list (cancelled, not held, the report is in, or long over): it changes nothing.
        closed, gone = await rd.check_in_closed(session, round_, runtime.now(), signup.team_id), False
        if closed is None and runtime.now() < round_.starts_at - timedelta(hours=2):
            await query.answer(_("Check-in opens two hours before the round starts."), show_alert=True)
            return
        if closed is None and not pressed.present and runtime.now() < round_.starts_at:  # nobody is missing before the start
            await query.answer(_(NO_SHOW_LATER), show_alert=True)
            return
        try:
            if closed is None:
                await rd.set_attendance(session, signup.id, pressed.present, runtime.now())
        except NotFound:  # they left (or moved to the waiting list) after this list was shown
            gone = True
        except rd.CheckInClosed as error:  # the report came in as this was pressed
            closed = error.reason
        if closed is None and not gone and pressed.present:
            count = await rd.rounds_attended(session, signup.member_id, runtime.now())
            if count == runtime.settings.leader_threshold:
                person = await membership.member_or_none(session, signup.member_id)
                board = await membership.members_with_role(session, "board", runtime.settings.lagbot_admins)
                if person is not None and "leader" not in person.role_names:
                    await training_msgs.leader_candidate(session, person, board, count, runtime.now())
                    await training_msgs.leader_offer(session, person, count, runtime.now())
    if closed is not None:  # said, and the list shown again without its check-in buttons
        await query.answer(_(CHECK_IN_CLOSED[closed]).format(title=round_.title), show_alert=True)
    elif gone:
        await query.answer(_("That person is no longer on the team. Here is the team as it is now."), show_alert=True)
    else:
        await query.answer()
    await send_team(update, context, round_.id, edit=True)


@onboarded
async def accept_leader_training(update: Update, context: Context) -> None:
    """The member's own yes to the offer of leader training, recorded as "accepted"; only someone offered it."""
    query = update.callback_query
    assert query is not None
    runtime, _ = context.runtime, context._
    async with runtime.db.session() as session:
        member = await membership.member_by_telegram(session, context.known.telegram_id)
        record = None if member is None else await training.accept(session, member.id, runtime.now())
        if member is not None and record is not None and record.accepted_at == runtime.now():  # a yes just now: tell the board
            board = await membership.members_with_role(session, "board", runtime.settings.lagbot_admins)
            await training_msgs.leader_accepted(session, member, board, runtime.now())
    if record is None:
        await query.answer(_("Leader training has not been offered to you yet. Ask the board if you would like it."),
                           show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, _("Thank you! The board will get in touch about leader training."))


@onboarded
async def send_qr(update: Update, context: Context) -> None:
    """A QR code (PNG) of the round's deep link, for posters and paper forms."""
    round_ = await managed_round(update, context, RoundQr.parse(update.callback_query.data).round_id, planned=True, team=True)  # type: ignore[union-attr]
    if round_ is None:
        return
    import segno

    link = round_link(context, round_.id)
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=10, border=3)
    buffer.seek(0)
    await update.callback_query.answer()  # type: ignore[union-attr]
    await update.effective_chat.send_photo(  # type: ignore[union-attr]
        buffer, caption=context._("Scan to join “{title}”: {link}").format(title=round_.title, link=link))


@onboarded
async def team_view(update: Update, context: Context) -> None:
    round_ = await managed_round(update, context, RoundTeam.parse(update.callback_query.data).round_id, team=True)  # type: ignore[union-attr]
    if round_ is None:
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await send_team(update, context, round_.id)


@onboarded
async def choose_debrief(update: Update, context: Context) -> None:
    """Pick the event after the round (a debrief or social gathering) its participants are invited to."""
    round_ = await managed_round(update, context, ChooseDebrief.parse(update.callback_query.data).round_id, planned=True)  # type: ignore[union-attr]
    if round_ is None:
        return
    _, lang = context._, context.lang
    async with context.runtime.db.session() as session:
        views = await ev.upcoming(session, round_.starts_at, until=round_.ends_at + timedelta(days=2), limit=8)
    await update.callback_query.answer()  # type: ignore[union-attr]
    if not views:
        await reply(update, _("No event is planned right after the round. Create one with /nyttarrangement first."))
        return
    from bot.event_messages import when

    rows = [[(f"{v.event.title[:30]} · {when(v.event, lang)[:24]}", LinkDebrief(round_id=round_.id, event_id=v.event.id).pack())]
            for v in views]
    await reply(update, _("Which gathering comes after “{title}”?").format(title=round_.title), reply_markup=inline(rows))


@onboarded
async def link_debrief(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    pressed = LinkDebrief.parse(query.data)
    _ = context._
    async with context.runtime.db.session() as session:
        round_ = await managed_round(update, context, pressed.round_id, session, planned=True)
        if round_ is None:
            return
        try:
            event = await ev.get_event(session, pressed.event_id)
        except NotFound:
            await query.answer(_("That event does not exist (any more)."), show_alert=True)
            return
        round_ = await rd.link_debrief(session, round_.id, event.id)
        invited = 0
        for _signup, person in await rd.participants(session, round_.id):
            await msgs.invite_to_debrief(session, round_, person)
            invited += 1
    await query.answer()
    await query.edit_message_text(context.ngettext(
        "“{event}” is linked to “{title}”; {count} participant is invited as the round ends.",
        "“{event}” is linked to “{title}”; {count} participants are invited as the round ends.",
        invited).format(event=event.title, title=round_.title, count=invited))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(Press(check_in, pattern=TeamCheckIn.filter()))
    application.add_handler(Press(accept_leader_training, pattern=AcceptLeaderTraining.filter()))
    application.add_handler(Press(make_leader, pattern=MakeLeader.filter()))
    application.add_handler(Press(send_qr, pattern=RoundQr.filter()))
    application.add_handler(Press(team_view, pattern=RoundTeam.filter()))
    application.add_handler(Press(choose_debrief, pattern=ChooseDebrief.filter()))
    application.add_handler(Press(link_debrief, pattern=LinkDebrief.filter()))
