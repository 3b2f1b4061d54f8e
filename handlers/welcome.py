"""/velkomst: welcomers take new members' welcome calls, record how it went; the board sees the share in time."""

from __future__ import annotations

import io
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import welcome_messages
from bot.i18n import N_, OSLO, fmt_number, translator
from bot.runtime import Runtime, runtime_of
from handlers.common import (
    DISTRICT_LABELS,
    INTEREST_LABELS,
    add_menu,
    Context,
    MenuItem,
    cancel_conversation,
    current_member,
    inline,
    reply,
    requires_role,
)
from models import membership
from models import welcome as wl
from models.errors import NotFound
from models.member import INTERESTS
from models.phone import display_phone
from models.register import invite_link

NOTE = 60
OUTCOME_LABELS = {"phone": N_("📞 Reached by phone"), "sms": N_("💬 Sent SMS"), "email": N_("✉️ Sent e-mail"),
                  "no_answer": N_("🔕 No answer"), "wrong_number": N_("❌ Wrong number")}
SMS = N_("Hi {first_name}! Welcome to Trondheim SV — great to have you with us. I'm {welcomer} from the chapter. "
         "Follow what we do and sign up for activities here: {link}")
CODES = {"ph": "phone", "sms": "sms", "em": "email", "na": "no_answer", "wn": "wrong_number"}


def days_left(task: wl.WelcomeTask, now, lang: str) -> str:  # noqa: ANN001
    _ = translator(lang)
    due, today = task.due_at.astimezone(OSLO).date(), now.astimezone(OSLO).date()
    if now >= task.due_at:
        return _("{days} days late").format(days=(today - due).days + 1)
    return _("{days} days left").format(days=(due - today).days)


@requires_role("welcomer")
async def list_tasks(update: Update, context: Context) -> None:
    """Open welcome tasks, most urgent first."""
    member = await current_member(update, context)
    assert member is not None
    _ = translator(member.language)
    runtime = runtime_of(context)
    if context.args and context.args[0].lower() in ("rapport", "report"):
        await welcome_report(update, context)
        return
    async with runtime.db.session() as session:
        await wl.ensure_tasks(session, runtime.now())
        tasks = await wl.open_tasks(session)
        takers = {m.id: m.name for m in await membership.members_with_role(session, "welcomer", [])}
        takers |= {m.id: m.name for m in await membership.members_with_role(session, "board", [])}
    if not tasks:
        await reply(update, _("No new members are waiting for a welcome call. 🎉"))
        return
    lines = [_("New members to welcome (most urgent first):")]
    rows = []
    for task, person in tasks[:15]:
        taken = _("taken by {name}").format(name=takers.get(task.taken_by, "?"))
        taker = f" — {taken}" if task.taken_by else ""
        lines.append(f"• {person.name or '?'}: {days_left(task, runtime.now(), member.language)}{taker}")
        if task.taken_by in (None, member.id):
            label = _("Open: {name}") if task.taken_by == member.id else _("Take: {name}")
            rows.append([(label.format(name=(person.name or "?")[:30]), f"wl:take:{task.id}")])
    await reply(update, "\n".join(lines), reply_markup=inline(rows) if rows else None)


def outcome_keyboard(task_id: int, lang: str) -> InlineKeyboardMarkup:
    _ = translator(lang)
    buttons = [(_(OUTCOME_LABELS[outcome]), f"wl:o:{task_id}:{code}") for code, outcome in CODES.items()]
    return inline([buttons[0:2], buttons[2:4], buttons[4:]])


@requires_role("welcomer")
async def take(update: Update, context: Context) -> None:
    """Assign the task to this welcomer and show what they need to make the call."""
    query = update.callback_query
    assert query is not None and query.data is not None
    welcomer = await current_member(update, context)
    assert welcomer is not None
    _ = translator(welcomer.language)
    runtime = runtime_of(context)
    try:
        async with runtime.db.session() as session:
            task, person = await wl.take(session, int(query.data.rsplit(":", 1)[1]), welcomer.id, runtime.now())
    except wl.TakenByOther:
        await query.answer(_("Someone else has already taken this welcome call."), show_alert=True)
        return
    except (NotFound, wl.WelcomeError):
        await query.answer(_("That welcome call is already done."), show_alert=True)
        return
    await query.answer()
    username = context.bot.username or runtime.settings.telegram_bot_username or "lagbot"
    link = invite_link(username, person.invite_token or "") if person.invite_token else "–"
    sms = translator(person.language)(SMS).format(
        first_name=(person.name or "").split(" ")[0], welcomer=(welcomer.name or "").split(" ")[0], link=link)
    district = _(DISTRICT_LABELS[person.district]) if person.district else _("not chosen")
    text = "\n".join([
        f"👋 {person.name or '?'}",
        f"☎️ {display_phone(person.phone) if person.phone else _('no number')}",
        f"✉️ {person.email or '–'}",
        f"🏘 {district}",
        f"⏳ {days_left(task, runtime.now(), welcomer.language)}",
        f"🔗 {link}",
        "",
        _("Suggested SMS (copy it):"),
        sms,
    ])
    await reply(update, text, reply_markup=outcome_keyboard(task.id, welcomer.language))


def interests_keyboard(task_id: int, chosen: set[str], lang: str) -> InlineKeyboardMarkup:
    _ = translator(lang)
    buttons = [(("✅ " if i in chosen else "▫️ ") + _(INTEREST_LABELS[i]), f"wl:int:{task_id}:{i}") for i in INTERESTS]
    rows = [buttons[n : n + 2] for n in range(0, len(buttons), 2)]
    return inline([*rows, [(_("📝 Add a note"), f"wl:note:{task_id}"), (_("Done"), f"wl:done:{task_id}")]])


@requires_role("welcomer")
async def outcome(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    welcomer = await current_member(update, context)
    assert welcomer is not None
    _ = translator(welcomer.language)
    runtime = runtime_of(context)
    _prefix, _o, task_id, code = query.data.split(":")
    try:
        async with runtime.db.session() as session:
            task, person = await wl.record(session, int(task_id), welcomer.id, CODES[code], runtime.now())
    except (wl.TakenByOther, NotFound):
        await query.answer(_("Take the welcome call first."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    if task.outcome == "no_answer":
        await reply(update, _("Noted. Try again later — the call stays with you."), reply_markup=outcome_keyboard(task.id, welcomer.language))
        return
    if task.outcome == "wrong_number":
        await reply(update, _("Noted: wrong number. The board will have to find another way to reach {name}.").format(name=person.name or "?"))
        return
    await reply(update, _("Thank you! What did {name} say they would like to help with?").format(name=person.name or "?"),
                reply_markup=interests_keyboard(task.id, person.interest_names, welcomer.language))


@requires_role("welcomer")
async def interest(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    welcomer = await current_member(update, context)
    assert welcomer is not None
    _prefix, _i, task_id, choice = query.data.split(":")
    async with runtime_of(context).db.session() as session:
        task, person = await wl.get_task(session, int(task_id))
        if task.taken_by != welcomer.id:
            await query.answer(translator(welcomer.language)("Take the welcome call first."), show_alert=True)
            return
        await membership.toggle_interest(session, person, choice)
        chosen = person.interest_names
    await query.answer()
    await query.edit_message_reply_markup(interests_keyboard(int(task_id), chosen, welcomer.language))


@requires_role("welcomer")
async def done(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    welcomer = await current_member(update, context)
    assert welcomer is not None
    _ = translator(welcomer.language)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, _("Saved. Thank you for welcoming a new member!"))


@requires_role("welcomer")
async def ask_note(update: Update, context: Context) -> int | None:
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    welcomer = await current_member(update, context)
    assert welcomer is not None
    context.user_data["welcome_note"] = int(query.data.rsplit(":", 1)[1])
    await query.answer()
    await reply(update, translator(welcomer.language)("Write the note (at most 1000 characters)."))
    return NOTE


async def got_note(update: Update, context: Context) -> int:
    assert update.message is not None and context.user_data is not None
    welcomer = await current_member(update, context)
    assert welcomer is not None
    _ = translator(welcomer.language)
    task_id = context.user_data.pop("welcome_note", None)
    if task_id is None:
        return ConversationHandler.END
    try:
        async with runtime_of(context).db.session() as session:
            await wl.set_note(session, task_id, welcomer.id, update.message.text or "")
    except (wl.TakenByOther, NotFound):
        await reply(update, _("Take the welcome call first."))
        return ConversationHandler.END
    await reply(update, _("Note saved."))
    return ConversationHandler.END


@requires_role("board")
async def welcome_report(update: Update, context: Context) -> None:
    """New members in a period, share contacted within 14 days, median days, late ones by name."""
    member = await current_member(update, context)
    assert member is not None
    _ = translator(member.language)
    runtime = runtime_of(context)
    days = 90
    if context.args and len(context.args) > 1 and context.args[1].isdigit():
        days = max(1, min(3650, int(context.args[1])))
    now = runtime.now()
    async with runtime.db.session() as session:
        figures = await wl.report(session, now - timedelta(days=days), now + timedelta(seconds=1), now)
    share = round(100 * figures.share_in_time)
    lines = [_("Welcome calls, the last {days} days").format(days=days),
             _("New members: {count}").format(count=figures.new_members),
             _("Contacted within 14 days: {count} ({share} %; the goal is all of them)").format(count=figures.contacted_in_time, share=share),
             _("Median days to first contact: {days}").format(
                 days=fmt_number(figures.median_days, member.language) if figures.median_days is not None else "–")]
    if figures.late:
        since = _("{days} days since joining")
        lines += ["", _("Late:")] + [f"• {name} ({since.format(days=age)})" for name, age in figures.late]
    await reply(update, "\n".join(lines))
    await update.effective_chat.send_photo(chart(figures, member.language))  # type: ignore[union-attr]


def chart(figures: wl.Report, lang: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _ = translator(lang)
    late = len(figures.late)
    values = [figures.contacted_in_time, late, max(0, figures.new_members - figures.contacted_in_time - late)]
    labels = [_("In time"), _("Late"), _("Not due yet")]
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    ax.bar(labels, values, color=["#2e7d32", "#c8102e", "#9e9e9e"])
    ax.set_title(_("Welcome calls: contacted within 14 days"))
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


async def upkeep(runtime: Runtime) -> None:
    """Dispatcher hook, at most once a minute: tasks for new members, escalation, welcome sequences."""
    now = runtime.now()
    if runtime.welcome_checked_at is not None and now - runtime.welcome_checked_at < timedelta(minutes=1):
        return
    runtime.welcome_checked_at = now
    async with runtime.db.session() as session:
        await wl.ensure_tasks(session, now)
        await welcome_messages.escalate(session, now, runtime.settings.lagbot_admins)
        for member in await wl.new_members_for_sequence(session, now):
            await welcome_messages.run_sequence(session, member, now)


cancel_note = cancel_conversation(N_("OK, nothing was stored."), "welcome_note")


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(["velkomst", "welcome"], list_tasks, private))
    application.add_handler(MessageHandler(private & filters.Regex(add_menu(application, MenuItem("welcome", N_("👋 Welcome calls"), 40, role="welcomer"))), list_tasks))
    application.add_handler(ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_note, pattern=r"^wl:note:\d{1,9}$")],
        states={NOTE: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_note)]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel_note)],
        name="welcome_note", persistent=True, allow_reentry=True,
    ))
    application.add_handler(CallbackQueryHandler(take, pattern=r"^wl:take:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(outcome, pattern=rf"^wl:o:\d{{1,9}}:({'|'.join(CODES)})$"))
    application.add_handler(CallbackQueryHandler(interest, pattern=rf"^wl:int:\d{{1,9}}:({'|'.join(INTERESTS)})$"))
    application.add_handler(CallbackQueryHandler(done, pattern=r"^wl:done:\d{1,9}$"))
