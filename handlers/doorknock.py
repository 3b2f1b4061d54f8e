"""/dorbank: members join door-knocking rounds in one tap; leaders run their team; the board sees progress."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import round_messages as msgs
from bot.i18n import N_, fmt_date, translator
from bot.runtime import runtime_of
from handlers.common import (
    DISTRICT_LABELS,
    add_menu,
    features,
    Context,
    MenuItem,
    cancel_conversation,
    clip,
    current_member,
    inline,
    known_member,
    onboarded,
    reply,
    requires_role,
)
from models import membership
from models import rounds as rd
from models.errors import NotFound
from models.member import Member
from models.phone import display_phone

INPUT_TEXT = 0
INPUT_KEY = "door_input"


def round_card(view: rd.RoundView, lang: str) -> str:
    _ = translator(lang)
    round_ = view.round
    lines = [f"🚪 {round_.title}", f"🗓 {msgs.when(round_, lang)}", f"🏘 {_(DISTRICT_LABELS[round_.district])}",
             f"📍 {round_.meeting_point}"]
    leaders = ", ".join(m.name or "?" for m in view.leaders)
    lines.append("👤 " + (_("Leader: {names}").format(names=leaders) if leaders else _("Leader: not decided yet")))
    if round_.partner:
        lines.append("🤝 " + _("Together with {partner}").format(partner=round_.partner))
    if view.seats_left:
        lines.append("🪑 " + _("{count} seats left").format(count=view.seats_left))
    else:
        lines.append("🪑 " + _("Full — {count} on the waiting list").format(count=view.waiting))
    return "\n".join(lines)


def join_label(view: rd.RoundView, lang: str) -> str:
    _ = translator(lang)
    day = fmt_date(view.round.starts_at, lang)
    return (_("Join {day}") if view.seats_left else _("Waiting list {day}")).format(day=day)


@onboarded
async def list_rounds(update: Update, context: Context) -> None:
    """Upcoming rounds, the member's own district first, each with a join button."""
    member = await known_member(update, context)
    argument = (context.args or [""])[0].lower() if context.args else ""
    if argument in ("ledere", "leaders"):
        await leader_candidates(update, context)
        return
    if argument in ("rapport", "report"):
        from handlers.doorknock_board import year_report

        await year_report(update, context)
        return
    if argument in ("eksport", "export"):
        from handlers.doorknock_board import export_input

        await export_input(update, context)
        return
    if argument in ("lag", "team"):
        await my_teams(update, context)
        return
    runtime = runtime_of(context)
    _ = translator(member.language)
    if update.callback_query is not None:
        await update.callback_query.answer()
    async with runtime.db.session() as session:
        views = await rd.upcoming(session, runtime.now(), limit=20)
        mine = {m.round.id for m in await rd.my_rounds(session, member.id, runtime.now())}
    views.sort(key=lambda v: (v.round.district != member.district, v.round.starts_at))
    views = views[:8]
    admin = membership.has_role(member, "leader", runtime.settings.lagbot_admins)
    if not views:
        text = _("No door-knocking rounds are planned right now. We'll let you know when there is one!")
        await reply(update, text, reply_markup=inline([[(_("➕ New round"), "rd:new")]]) if admin else None)
        return
    cards = "\n\n".join(round_card(v, member.language) for v in views)
    rows = []
    for v in views:
        if v.round.id in mine:
            rows.append([(_("✅ Signed up — leave {day}").format(day=fmt_date(v.round.starts_at, member.language)), f"rd:leave:{v.round.id}")])
        else:
            rows.append([("➕ " + join_label(v, member.language), f"rd:join:{v.round.id}")])
    if admin:
        rows.append([(_("➕ New round"), "rd:new"), (_("⚙️ Manage rounds"), "rd:manage")])
    await reply(update, _("Door-knocking rounds coming up:") + "\n\n" + cards, reply_markup=inline(rows))


async def show_round(update: Update, context: Context, member: Member, value: str) -> None:
    """A deep link or QR code for one round: its card and the join button."""
    _ = translator(member.language)
    runtime = runtime_of(context)
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
    if mine is not None and mine.status in (rd.CONFIRMED, rd.WAITING):
        button = (_("Leave"), f"rd:leave:{round_id}")
    else:
        button = ("➕ " + join_label(view, member.language), f"rd:join:{round_id}")
    await reply(update, round_card(view, member.language), reply_markup=inline([[button]]))


@onboarded
async def join(update: Update, context: Context) -> None:
    """One tap: a seat, or a place on the waiting list."""
    query = update.callback_query
    assert query is not None and query.data is not None
    member = await known_member(update, context)
    _ = translator(member.language)
    runtime = runtime_of(context)
    round_id = int(query.data.rsplit(":", 1)[1])
    now = runtime.now()
    async with runtime.db.session() as session:
        try:
            result = await rd.sign_up(session, round_id, member.id, now)
        except NotFound:
            await query.answer(_("That round does not exist (any more)."), show_alert=True)
            return
        except rd.RoundClosed:
            await query.answer(_("That round is over or cancelled."), show_alert=True)
            return
        except rd.AlreadySignedUp:
            await query.answer(_("You are already signed up for that round."), show_alert=True)
            return
        view = await rd.view(session, result.round)
        if result.position == 0:
            await msgs.schedule_for_member(session, result.round, member, view.leaders, now)
    await query.answer()
    if result.position == 0:
        text = _("You're signed up for “{title}”, {when}! Meeting point: {place}. We'll remind you the day before.").format(
            title=result.round.title, when=msgs.when(result.round, member.language), place=result.round.meeting_point)
    else:
        text = _("The round is full, so you are number {position} on the waiting list. You'll hear from us at once if a seat becomes free.").format(
            position=result.position)
    await reply(update, text, reply_markup=inline([[(_("Leave"), f"rd:leave:{round_id}")]]))


@onboarded
async def leave(update: Update, context: Context) -> None:
    """Give up the seat; the first on the waiting list gets it and is told at once."""
    query = update.callback_query
    assert query is not None and query.data is not None
    member = await known_member(update, context)
    _ = translator(member.language)
    runtime = runtime_of(context)
    round_id = int(query.data.rsplit(":", 1)[1])
    now = runtime.now()
    async with runtime.db.session() as session:
        try:
            result = await rd.leave(session, round_id, member.id, now)
        except (NotFound, rd.NotSignedUp):
            await query.answer(_("You are not signed up for that round."), show_alert=True)
            return
        await msgs.cancel_for_member(session, result.round, member.id)
        if result.promoted is not None:
            view = await rd.view(session, result.round)
            await msgs.promoted(session, result.round, result.promoted, view.leaders, now)
    await query.answer()
    text = _("You have left “{title}”. Thanks for letting us know!").format(title=result.round.title)
    if query.data.startswith("rd:cant:"):
        await query.edit_message_reply_markup(None)
    await reply(update, text)


@onboarded
async def coming(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    member = await known_member(update, context)
    _ = translator(member.language)
    await query.answer(_("Great — see you there!"))
    await query.edit_message_reply_markup(None)


@onboarded
async def my_signups(update: Update, context: Context) -> None:
    """/mine: everything the member has signed up for, with leave buttons."""
    member = await known_member(update, context)
    _ = translator(member.language)
    runtime = runtime_of(context)
    async with runtime.db.session() as session:
        mine = await rd.my_rounds(session, member.id, runtime.now())
    extra = [await provider(update, context, member) for provider in features(context.application).mine]
    lines: list[str] = []
    rows: list[list[tuple[str, str]]] = []
    for item in mine:
        state = _("waiting list, number {position}").format(position=item.position) if item.position else _("signed up")
        lines.append(f"🚪 {item.round.title} — {msgs.when(item.round, member.language)} ({state})")
        rows.append([(_("Leave: {title}").format(title=item.round.title[:30]), f"rd:leave:{item.round.id}")])
    for more_lines, more_rows in extra:
        lines.extend(more_lines)
        rows.extend(more_rows)
    if not lines:
        await reply(update, _("You haven't signed up for anything yet. Try /dorbank!"))
        return
    await reply(update, _("You have signed up for:") + "\n\n" + "\n".join(lines), reply_markup=inline(rows))


# Other features (events) add their sign-ups to /mine: each returns (lines, button rows).


async def theme_chosen(update: Update, context: Context) -> int | None:
    """A theme from the follow-up: ask what they heard."""
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    member = await current_member(update, context)
    if member is None or not member.is_onboarded:
        await query.answer()
        return ConversationHandler.END
    _ = translator(member.language)
    _prefix, _rd, round_id, theme = query.data.split(":")
    context.user_data[INPUT_KEY] = {"round": int(round_id), "theme": theme}
    await query.answer()
    await reply(update, _("{theme}: what did you hear? Write a few words. Please no names or addresses. "
                          "(/avbryt to stop)").format(theme=_(msgs.THEME_LABELS[theme])))
    return INPUT_TEXT


async def input_text(update: Update, context: Context) -> int:
    """Store what they heard, with round and district only."""
    assert update.message is not None and update.message.text is not None and context.user_data is not None
    member = await current_member(update, context)
    assert member is not None
    _ = translator(member.language)
    pending = context.user_data.pop(INPUT_KEY, None)
    if pending is None:
        return ConversationHandler.END
    text = update.message.text.strip()
    if len(text) > rd.MAX_TEXT:
        context.user_data[INPUT_KEY] = pending
        await reply(update, _("That is {length} characters; the limit is {limit}. Please shorten it and send it again.").format(
            length=len(text), limit=rd.MAX_TEXT))
        return INPUT_TEXT
    async with runtime_of(context).db.session() as session:
        await rd.add_input(session, pending["round"], member.id, pending["theme"], text)
    keyboard = msgs.theme_buttons(pending["round"], member.language)
    await reply(update, _("Thank you — noted for the programme work! Anything else? Pick another theme, or “Nothing to add”."),
                reply_markup=inline([[(b.label, b.data or "") for b in row] for row in keyboard]))
    return ConversationHandler.END


@onboarded
async def nothing_to_add(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    member = await known_member(update, context)
    _ = translator(member.language)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, _("Thank you for knocking on doors! Every conversation counts."))


@requires_role("board")
async def leader_candidates(update: Update, context: Context) -> None:
    member = await known_member(update, context)
    _ = translator(member.language)
    runtime = runtime_of(context)
    async with runtime.db.session() as session:
        found = await rd.leader_candidates(session, runtime.now(), runtime.settings.leader_threshold)
    if not found:
        await reply(update, _("Nobody has taken part in {count} rounds yet without being a leader.").format(
            count=runtime.settings.leader_threshold))
        return
    lines = [_("Could be offered leader training (rounds taken part in):")]
    lines += [f"• {person.name} — {count}" for person, count in found]
    await reply(update, "\n".join(lines))


@onboarded
async def my_teams(update: Update, context: Context) -> None:
    """A leader's rounds: the team, with check-in buttons."""
    member = await known_member(update, context)
    _ = translator(member.language)
    runtime = runtime_of(context)
    async with runtime.db.session() as session:
        led = [v for v in await rd.upcoming(session, runtime.now() - timedelta(days=2), limit=50) if rd.leads(v.round, member.id)]
    if not led:
        await reply(update, _("You are not leading any round right now."))
        return
    for view in led[:5]:
        await send_team(update, context, member, view.round.id)


async def send_team(update: Update, context: Context, leader: Member, round_id: int, *, edit: bool = False) -> None:
    _ = translator(leader.language)
    runtime = runtime_of(context)
    now = runtime.now()
    async with runtime.db.session() as session:
        round_ = await rd.get_round(session, round_id)
        team = await rd.team_of_leader(session, round_, leader.id)
    show_phones = rd.phones_visible(round_, now)
    lines = [_("Your team for “{title}”, {when}:").format(title=round_.title, when=msgs.when(round_, leader.language))]
    rows = []
    for signup, person in team:
        mark = {True: "✅", False: "❌", None: "▫️"}[signup.attended]
        phone = f" — {display_phone(person.phone)}" if show_phones and person.phone else ""
        lines.append(f"{mark} {person.name or '?'}{phone}")
        rows.append([(_("{name}: here").format(name=(person.name or "?")[:20]), f"rd:in:{signup.id}"),
                     (_("didn't come"), f"rd:out:{signup.id}")])
    if not team:
        lines.append(_("Nobody has signed up yet."))
    if not show_phones:
        lines.append("")
        lines.append(_("Phone numbers are shown from the day before until the day after the round."))
    rows.append([(_("File the report"), f"rd:report:{round_id}")])
    query = update.callback_query
    if edit and query is not None:
        await query.edit_message_text(clip("\n".join(lines)), reply_markup=inline(rows))
    else:
        await reply(update, "\n".join(lines), reply_markup=inline(rows))


@onboarded
async def check_in(update: Update, context: Context) -> None:
    """The leader marks one person present or absent; the third round suggests leader training."""
    query = update.callback_query
    assert query is not None and query.data is not None
    leader = await known_member(update, context)
    _ = translator(leader.language)
    runtime = runtime_of(context)
    present = query.data.startswith("rd:in:")
    signup_id = int(query.data.rsplit(":", 1)[1])
    async with runtime.db.session() as session:
        try:
            signup, round_ = await rd.signup_with_round(session, signup_id)
        except NotFound:
            signup = round_ = None
        if round_ is None or not (rd.leads(round_, leader.id) or membership.has_role(leader, "board", runtime.settings.lagbot_admins)):
            await query.answer(_("Only the leader of this team can check people in."), show_alert=True)
            return
        assert signup is not None
        if runtime.now() < round_.starts_at - timedelta(hours=2):
            await query.answer(_("Check-in opens two hours before the round starts."), show_alert=True)
            return
        await rd.set_attendance(session, signup_id, present)
        if present:
            count = await rd.rounds_attended(session, signup.member_id, runtime.now())
            if count == runtime.settings.leader_threshold:
                person = await membership.member_or_none(session, signup.member_id)
                board = await membership.members_with_role(session, "board", runtime.settings.lagbot_admins)
                if person is not None and "leader" not in person.role_names:
                    await msgs.leader_candidate(session, person, board, count, runtime.now())
    await query.answer()
    await send_team(update, context, leader, round_.id, edit=True)


input_cancel = cancel_conversation(N_("OK, nothing was stored."), INPUT_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    from handlers.doorknock_board import register as register_board

    private = filters.ChatType.PRIVATE
    features(application).deep_links["round"] = show_round
    application.add_handler(CommandHandler(["dorbank", "doorknock"], list_rounds, private))
    application.add_handler(MessageHandler(private & filters.Regex(add_menu(application, MenuItem("doorknock", N_("🚪 Door-knocking"), 10))), list_rounds))
    application.add_handler(CommandHandler(["mine"], my_signups, private))
    application.add_handler(MessageHandler(private & filters.Regex(add_menu(application, MenuItem("mine", N_("📋 My sign-ups"), 20))), my_signups))
    application.add_handler(ConversationHandler(
        entry_points=[CallbackQueryHandler(theme_chosen, pattern=rf"^rd:theme:\d+:({'|'.join(rd.THEMES)})$")],
        states={INPUT_TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, input_text)]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], input_cancel)],
        name="door_input", persistent=True, allow_reentry=True,
    ))
    register_board(application)
    application.add_handler(CallbackQueryHandler(list_rounds, pattern=r"^rd:list$"))
    application.add_handler(CallbackQueryHandler(join, pattern=r"^rd:join:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(leave, pattern=r"^rd:(leave|cant):\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(coming, pattern=r"^rd:coming:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(nothing_to_add, pattern=r"^rd:nothing:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(check_in, pattern=r"^rd:(in|out):\d{1,9}$"))
