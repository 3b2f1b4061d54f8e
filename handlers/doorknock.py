"""/dorbank for members: the rounds coming up, joining and leaving in one tap, /mine, and what they heard at
the doors afterwards. Leaders' and the board's parts live in doorknock_team, doorknock_create and activity_manage."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import activity_messages as am
from bot import round_messages as msgs
from bot import round_signup
from bot.activity_buttons import (
    CantCome,
    CantComeAt,
    Coming,
    ComingAt,
    JoinRound,
    LeaveRound,
    LeaveWaitingList,
    ManageRounds,
    NewRound,
    NothingToAdd,
    RoundList,
    RoundPage,
    RoundTeam,
    accepts,
    read,
)
from bot.i18n import N_, fmt_date, fmt_datetime, translator
from bot.round_buttons import JoinRoundAt
from handlers import door_input
from handlers import doorknock_export as export
from handlers import doorknock_report as report
from handlers import doorknock_team as team
from handlers.cards import join_label, round_card
from handlers.common import Context, MenuItem, add_menu, features, inline, onboarded, page_buttons, page_of, reply
from handlers.presses import Press, refuse
from models import events as ev
from models import membership
from models import rounds as rd
from models.activity import minute
from models.errors import NotFound
from models.member import Member

JOIN_REFUSED: dict[type[Exception], str] = {
    NotFound: N_("That round does not exist (any more)."),
    rd.RoundClosed: N_("That round is over or cancelled."),
    rd.AlreadySignedUp: N_("You are already signed up for that round."),
    rd.LeadsRound: N_("You lead this round — your team is under /dorbank lag."),
}
ROUNDS_PER_PAGE = 8
# "/dorbank lag" and the like: the leaders' and the board's views behind the same command.
SUBCOMMANDS = {"ledere": team.leader_candidates, "leaders": team.leader_candidates,
               "rapport": report.year_report, "report": report.year_report,
               "eksport": export.export_input, "export": export.export_input, "lag": team.my_teams, "team": team.my_teams}


@onboarded
async def list_rounds(update: Update, context: Context) -> None:
    """Upcoming rounds, the member's own district first, each with a join button."""
    argument = context.args[0].lower() if context.args else ""
    if argument in SUBCOMMANDS:
        await SUBCOMMANDS[argument](update, context)
        return
    member, runtime, _ = context.known, context.runtime, context._
    if update.callback_query is not None:
        await update.callback_query.answer()
    page = 0
    if update.callback_query is not None and RoundPage.matches(update.callback_query.data):
        page = RoundPage.parse(update.callback_query.data).page
    async with runtime.db.session() as session:
        views = await rd.upcoming(session, runtime.now(), limit=500)  # a season's rounds, then paged
        mine = {m.round.id: m.position for m in await rd.my_rounds(session, member.id, runtime.now())}
    views.sort(key=lambda v: (v.round.district != member.district, v.round.starts_at))
    views, page, pages = page_of(views, page, ROUNDS_PER_PAGE)
    admin = membership.has_role(member, "leader", runtime.settings.lagbot_admins)
    if not views:
        text = _("No door-knocking rounds are planned right now. Have a look again in a while.")
        await reply(update, text, reply_markup=inline([[(_("➕ New round"), NewRound().pack())]]) if admin else None)
        return
    cards = "\n\n".join(round_card(v, member.language) for v in views)
    rows = []
    for v in views:
        if rd.leads(v.round, member.id):  # a round one leads: the team, not a seat in it
            rows.append([(_("👥 Team: {title}").format(title=v.round.title[:30]), RoundTeam(round_id=v.round.id).pack())])
        elif v.round.id in mine:
            rows.append([leave_button(v.round, mine[v.round.id], member.language)])
        else:
            rows.append([("➕ " + join_label(v, member.language), JoinRound(round_id=v.round.id).pack())])
    if more := page_buttons(_, page, pages, lambda n: RoundPage(page=n).pack()):
        rows.append(more)
    if admin:
        rows.append([(_("➕ New round"), NewRound().pack()), (_("⚙️ Manage rounds"), ManageRounds().pack())])
    await reply(update, _("Door-knocking rounds coming up:") + "\n\n" + cards, reply_markup=inline(rows))


async def show_round(update: Update, context: Context, member: Member, value: str) -> None:
    """A deep link or QR code for one round: its card and the join button."""
    _, runtime = context._, context.runtime
    try:
        round_id = int(value)
        async with runtime.db.session() as session:
            round_ = await rd.get_round(session, round_id)
            view = await rd.view(session, round_)
            mine = await rd.signup_of(session, round_id, member.id)
    except (ValueError, NotFound):
        await reply(update, _("That round does not exist (any more). See /dorbank for the rounds coming up."))
        return
    if round_.status != rd.PLANNED or round_.starts_at <= runtime.now():
        await reply(update, _("That round is over or cancelled. See /dorbank for the rounds coming up."))
        return
    if rd.leads(round_, member.id):  # a round one leads: the team, not a seat in it
        button = (_("👥 Team: {title}").format(title=round_.title[:30]), RoundTeam(round_id=round_id).pack())
    elif mine is not None and mine.status in (rd.CONFIRMED, rd.WAITING):
        button = (_("Leave"), (LeaveRound if mine.status == rd.CONFIRMED else LeaveWaitingList)(round_id=round_id).pack())
    else:
        button = ("➕ " + join_label(view, member.language), JoinRound(round_id=round_id).pack())
    await reply(update, round_card(view, member.language), reply_markup=inline([[button]]))


def leave_button(round_: rd.Round, position: int, lang: str) -> tuple[str, str]:
    """Leave a seat (`position` 0) or the waiting list (1..): the button says which, and acts only on that."""
    _ = translator(lang)
    day = fmt_date(round_.starts_at, lang)
    if position == 0:
        return _("✅ Signed up — leave {day}").format(day=day), LeaveRound(round_id=round_.id).pack()
    return (_("⏳ Waiting list no. {position} — leave {day}").format(day=day, position=position),
            LeaveWaitingList(round_id=round_.id).pack())


@onboarded
async def join(update: Update, context: Context) -> None:
    """One tap: a seat, or a place on the waiting list."""
    query = update.callback_query
    assert query is not None
    member, runtime, _ = context.known, context.runtime, context._
    pressed = JoinRoundAt.parse(query.data) if JoinRoundAt.matches(query.data) else read(JoinRound, query.data)
    round_id = pressed.round_id
    now = runtime.now()
    async with runtime.db.session() as session:
        clashing = await ev.clashes_with_round(session, member.id, round_id)  # before the round's lock
        try:
            result = await round_signup.join(session, round_id, member, now)  # a seat's reminders too
        except tuple(JOIN_REFUSED) as error:
            await refuse(update, context, error, JOIN_REFUSED)
            return
    await query.answer()
    if result.position == 0:
        lines = [_("You're signed up for “{title}”, {when}! Meeting point: {place}.").format(
            title=result.round.title, when=msgs.when(result.round, member.language), place=result.round.meeting_point)]
        if promise := am.reminder_promise(result.round, member, now):
            lines.append(_(promise))
    else:
        lines = [_("The round is full, so you are number {position} on the waiting list. You'll hear from us at once if a seat becomes free.").format(
            position=result.position)]
    text = " ".join(lines)
    if isinstance(pressed, JoinRoundAt) and minute(result.round.starts_at) != pressed.at:  # offered at the old time
        text += "\n\n" + _("Note: the round has moved from {old} to {new}.").format(
            old=fmt_datetime(datetime.fromtimestamp(pressed.at * 60, UTC), member.language), new=msgs.when(result.round, member.language))
    if note := am.clash_note(clashing, member.language):
        text += "\n\n" + note
    leave_family = LeaveRound if result.position == 0 else LeaveWaitingList
    await reply(update, text, reply_markup=inline([[(_("Leave"), leave_family(round_id=round_id).pack())]]))


@onboarded
async def leave(update: Update, context: Context) -> None:
    """Give up the seat; the first on the waiting list gets it and is told at once."""
    query = update.callback_query
    assert query is not None
    member, runtime, _ = context.known, context.runtime, context._
    sent_for = CantComeAt.parse(query.data).at if CantComeAt.matches(query.data) else None  # the start it was sent about
    from_reminder = sent_for is not None or accepts(CantCome)(query.data)
    waiting_only = LeaveWaitingList.matches(query.data)
    family = CantComeAt if sent_for is not None else CantCome if from_reminder else LeaveWaitingList if waiting_only else LeaveRound
    round_id = read(family, query.data).round_id
    now = runtime.now()
    async with runtime.db.session() as session:
        try:
            result = await rd.leave(session, round_id, member.id, now, waiting_only=waiting_only, sent_for=sent_for)
        except rd.RoundMoved:  # a reminder about the old time: nothing is given up by it
            result = None
        except rd.SeatGiven:  # an old waiting-list button: the seat they were given since is not given up by it
            round_ = await rd.get_round(session, round_id)
            await query.answer()
            await reply(update, _("You have a seat on “{title}”, {when}, now — you moved up from the waiting list. "
                                  "Nothing was changed. If you can't come after all, give up the seat here:").format(
                title=round_.title, when=msgs.when(round_, member.language)),
                reply_markup=inline([[leave_button(round_, 0, member.language)]]))
            return
        except (NotFound, rd.NotSignedUp):
            await query.answer(_("You are not signed up for that round."), show_alert=True)
            return
        except rd.RoundClosed:
            await query.answer(_("That round is over or cancelled."), show_alert=True)
            return
        if result is None:
            await query.answer()
            await moved_since(update, context, await rd.get_round(session, round_id), session)
            return
        await msgs.cancel_for_member(session, result.round, member.id)
        if result.promoted is not None:
            view = await rd.view(session, result.round)
            await msgs.promoted(session, result.round, result.promoted, view.leaders, now)
        await msgs.tell_leaders_of_dropout(session, result.round, member, result.promoted, now)
    await query.answer()
    if from_reminder:
        await show_answer(update, "❌ " + _("You can't come after all."))
    await reply(update, _("You have left “{title}”. Thanks for letting us know!").format(title=result.round.title))


@onboarded
async def coming(update: Update, context: Context) -> None:
    """"I'm coming" under a reminder, kept for the team leader's list; an old reminder of a round they
    left, or one cancelled or moved since, says so."""
    query = update.callback_query
    assert query is not None
    pressed = ComingAt.parse(query.data) if ComingAt.matches(query.data) else read(Coming, query.data)
    try:
        async with context.runtime.db.session() as session:
            await rd.confirm_coming(session, pressed.round_id, context.known.id, context.runtime.now(),
                                    sent_for=pressed.at if isinstance(pressed, ComingAt) else None)
    except (rd.RoundClosed, NotFound):
        await query.answer(context._("That round is over or cancelled."), show_alert=True)
        return
    except rd.NotSignedUp:
        await query.answer(context._("You are not signed up for that round."), show_alert=True)
        return
    except rd.RoundMoved:  # a reminder about the old time
        await query.answer()
        async with context.runtime.db.read() as session:
            await moved_since(update, context, await rd.get_round(session, pressed.round_id), session)
        return
    await query.answer(context._("Great — see you there!"))
    await show_answer(update, "✅ " + context._("You're coming."))


async def moved_since(update: Update, context: Context, round_: rd.Round, session: AsyncSession) -> None:
    """A reminder's button pressed after the round moved: it acts on nothing. The old reminder loses its
    buttons; the member is told the new time, with the ordinary leave button if they can't come then."""
    member = context.known
    assert update.callback_query is not None
    await update.callback_query.edit_message_reply_markup(None)
    mine = await rd.my_rounds(session, member.id, context.runtime.now())
    position = next((item.position for item in mine if item.round.id == round_.id), 0)
    await reply(update, context._("“{title}” has moved to {when} since this message was sent, so nothing was changed. "
                                  "If you can't come at the new time, leave it here:").format(
        title=round_.title, when=msgs.when(round_, member.language)),
        reply_markup=inline([[leave_button(round_, position, member.language)]]))


async def show_answer(update: Update, answer: str) -> None:
    """The reminder keeps its text, shows the answer given, and loses its buttons."""
    query = update.callback_query
    assert query is not None
    message = query.message
    text = getattr(message, "text", None)
    if text:
        await query.edit_message_text(f"{text}\n\n{answer}")
    else:
        await query.edit_message_reply_markup(None)


@onboarded
async def my_signups(update: Update, context: Context) -> None:
    """/mine: everything the member has signed up for, with leave buttons (other features add theirs)."""
    member, runtime, _ = context.known, context.runtime, context._
    async with runtime.db.session() as session:
        mine = await rd.my_rounds(session, member.id, runtime.now())
        led = [v.round for v in await rd.upcoming(session, runtime.now(), limit=50) if rd.leads(v.round, member.id)]
    extra = [await provider(update, context, member) for provider in features(context.application).mine]
    lines: list[str] = []
    rows: list[list[tuple[str, str]]] = []
    leading = _("you lead it")
    for round_ in led:  # rounds one leads come first, with the team a tap away
        lines.append(f"🚪 {round_.title} — {msgs.when(round_, member.language)} ({leading})")
        rows.append([(_("👥 Team: {title}").format(title=round_.title[:30]), RoundTeam(round_id=round_.id).pack())])
    for item in mine:
        state = _("waiting list, number {position}").format(position=item.position) if item.position else _("signed up")
        lines.append(f"🚪 {item.round.title} — {msgs.when(item.round, member.language)} ({state})")
        family = LeaveWaitingList if item.position else LeaveRound
        rows.append([(_("Leave: {title}").format(title=item.round.title[:30]), family(round_id=item.round.id).pack())])
    for more_lines, more_rows in extra:
        lines.extend(more_lines)
        rows.extend(more_rows)
    if not lines:
        await reply(update, _("You haven't signed up for anything yet. Try /dorbank!"))
        return
    await reply(update, _("You have signed up for:") + "\n\n" + "\n".join(lines), reply_markup=inline(rows))


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    features(application).deep_links["round"] = show_round
    application.add_handler(CommandHandler(["dorbank", "doorknock"], list_rounds, private))
    application.add_handler(MessageHandler(private & filters.Regex(add_menu(application, MenuItem("doorknock", N_("🚪 Door-knocking"), 10))), list_rounds))
    application.add_handler(CommandHandler(["mine"], my_signups, private))
    application.add_handler(MessageHandler(private & filters.Regex(add_menu(application, MenuItem("mine", N_("📋 My sign-ups"), 20))), my_signups))
    door_input.register_flow(application)
    application.add_handler(Press(list_rounds, pattern=accepts(RoundList)))
    application.add_handler(Press(list_rounds, pattern=RoundPage.filter()))
    application.add_handler(Press(join, pattern=lambda d: accepts(JoinRound)(d) or JoinRoundAt.matches(d)))
    application.add_handler(Press(leave, pattern=lambda d: LeaveRound.matches(d) or LeaveWaitingList.matches(d)
                                  or accepts(CantCome)(d) or CantComeAt.matches(d)))
    application.add_handler(Press(coming, pattern=lambda d: accepts(Coming)(d) or ComingAt.matches(d)))
    application.add_handler(Press(door_input.nothing_to_add, pattern=accepts(NothingToAdd)))
