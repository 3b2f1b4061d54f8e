"""/velkomst: welcomers take new members' welcome calls, record how it went; the board sees the share in time."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.callbacks import Id, callback
from bot.i18n import N_, OSLO, ngettext_for, translator
from bot.member_buttons import WelcomeStep
from bot.reports import welcome as welcome_report_of
from handlers.common import (
    DISTRICT_LABELS,
    INTEREST_LABELS,
    Context,
    MenuItem,
    acting,
    add_menu,
    cancel_conversation,
    inline,
    one_of,
    pressed,
    reply,
    requires_role,
)
from handlers.flows import Flow
from handlers.presses import Press
from models import membership
from models import welcome as wl
from models.errors import NotFound
from models.member import INTERESTS
from models.phone import display_phone
from models.register import invite_link

NOTE = 60
NOTE_DRAFT = "welcome_note"
OUTCOME_LABELS = {"phone": N_("📞 Reached by phone"), "sms": N_("💬 Sent SMS"), "email": N_("✉️ Sent e-mail"),
                  "no_answer": N_("🔕 No answer"), "wrong_number": N_("❌ Wrong number")}
SMS = N_("Hi {first_name}! Welcome to Trondheim SV — great to have you with us. I'm {welcomer} from the chapter. "
         "Follow what we do and sign up for activities here: {link}")
# For a member already on lagbot an invite link is no use: the SMS points them to the bot they have.
SMS_ON_LAGBOT = N_("Hi {first_name}! Welcome to Trondheim SV — great to have you with us. I'm {welcomer} from the chapter. "
                   "You already use our bot lagbot on Telegram: that is where you follow what we do and sign up for activities.")
CODES = {"ph": "phone", "sms": "sms", "em": "email", "na": "no_answer", "wn": "wrong_number"}


@callback("wl.o")
class WelcomeOutcome:
    task_id: Id
    code: Literal["ph", "sms", "em", "na", "wn"]


@callback("wl.int")
class WelcomeInterest:
    task_id: Id
    code: str


DUE_TODAY = N_("due today")


def days_left(task: wl.WelcomeTask, now, lang: str) -> str:
    ngettext = ngettext_for(lang)
    due, today = task.due_at.astimezone(OSLO).date(), now.astimezone(OSLO).date()
    if today > due:  # whole days: due 16 November, on 28 November it is 12 days late
        late = (today - due).days
        return ngettext("{days} day late", "{days} days late", late).format(days=late)
    if today == due:
        return translator(lang)(DUE_TODAY)
    left = (due - today).days
    return ngettext("{days} day left", "{days} days left", left).format(days=left)


@requires_role("welcomer")
async def list_tasks(update: Update, context: Context) -> None:
    """Open welcome tasks, most urgent first."""
    member, _, runtime = context.known, context._, context.runtime
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
    board = membership.has_role(member, "board", runtime.settings.lagbot_admins)
    rows = []
    for task, person in tasks[:15]:
        taken = _("taken by {name}").format(name=takers.get(task.taken_by, "?"))
        taker = f" — {taken}" if task.taken_by else ""
        lines.append(f"• {person.name or '?'}: {days_left(task, runtime.now(), member.language)}{taker}")
        if task.taken_by in (None, member.id):
            label = _("Open: {name}") if task.taken_by == member.id else _("Take: {name}")
            rows.append([(label.format(name=(person.name or "?")[:30]), WelcomeStep("take", task.id).pack())])
        elif task.escalated and board:  # not done by day 10: the board can take it over
            rows.append([(_("Take over: {name}").format(name=(person.name or "?")[:30]), WelcomeStep("take", task.id).pack())])
    await reply(update, "\n".join(lines), reply_markup=inline(rows) if rows else None)


def outcome_keyboard(task_id: int, lang: str, *, by_phone: bool = True) -> InlineKeyboardMarkup:
    """Without a number only the e-mail outcome: nobody can call, text or get a wrong number."""
    _ = translator(lang)
    codes = [code for code, outcome in CODES.items() if by_phone or outcome == "email"]
    buttons = [(_(OUTCOME_LABELS[CODES[code]]), WelcomeOutcome(task_id, code).pack()) for code in codes]  # type: ignore[arg-type]
    return inline([buttons[0:2], buttons[2:4], buttons[4:]] if by_phone else [buttons])


@requires_role("welcomer")
async def take(update: Update, context: Context) -> None:
    """Assign the task to this welcomer and show what they need to make the call."""
    query, press = update.callback_query, pressed(update, WelcomeStep)
    assert query is not None
    welcomer, _, runtime = context.known, context._, context.runtime
    try:
        async with runtime.db.session() as session:
            if (actor := await acting(update, context, session, "welcomer")) is None:
                return
            task, person = await wl.take(session, press.task_id, welcomer.id, runtime.now(),
                                         may_take_over=membership.has_role(actor, "board", runtime.settings.lagbot_admins))
    except wl.TakenByOther:
        await query.answer(_("Someone else has already taken this welcome call."), show_alert=True)
        return
    except (NotFound, wl.WelcomeError):
        await query.answer(_("That welcome call is already done."), show_alert=True)
        return
    await query.answer()
    username = context.bot.username or runtime.settings.telegram_bot_username or "lagbot"
    on_lagbot = person.telegram_id is not None  # linked already: no invite link to send
    link = invite_link(username, person.invite_token or "") if person.invite_token and not on_lagbot else "–"
    sms = translator(person.language)(SMS_ON_LAGBOT if on_lagbot else SMS).format(
        first_name=(person.name or "").split(" ")[0], welcomer=(welcomer.name or "").split(" ")[0], link=link)
    district = _(DISTRICT_LABELS[person.district]) if person.district else _("not chosen")
    text = "\n".join([
        f"👋 {person.name or '?'}",
        f"☎️ {display_phone(person.phone) if person.phone else _('no number')}",
        f"✉️ {person.email or '–'}",
        f"🏘 {district}",
        f"⏳ {days_left(task, runtime.now(), welcomer.language)}",
        "🔗 " + (_("already uses lagbot: no invite link needed") if on_lagbot else link),
        "",
        # No number: the text is for an e-mail (a task is only made for someone with a number or an address).
        _("Suggested SMS (copy it):") if person.phone else _("No phone number: write an e-mail instead (copy this):"),
        sms,
    ])
    await reply(update, text, reply_markup=outcome_keyboard(task.id, welcomer.language, by_phone=bool(person.phone)))


def interests_keyboard(task_id: int, chosen: set[str], lang: str) -> InlineKeyboardMarkup:
    _ = translator(lang)
    buttons = [(("✅ " if i in chosen else "▫️ ") + _(INTEREST_LABELS[i]), WelcomeInterest(task_id, i).pack()) for i in INTERESTS]
    rows = [buttons[n : n + 2] for n in range(0, len(buttons), 2)]
    return inline([*rows, [(_("📝 Add a note"), WelcomeStep("note", task_id).pack()),
                           (_("Done"), WelcomeStep("done", task_id).pack())]])


@requires_role("welcomer")
async def outcome(update: Update, context: Context) -> None:
    query, press = update.callback_query, pressed(update, WelcomeOutcome)
    assert query is not None
    welcomer, _, runtime = context.known, context._, context.runtime
    try:
        async with runtime.db.session() as session:
            if await acting(update, context, session, "welcomer") is None:
                return
            task, person = await wl.record(session, press.task_id, welcomer.id, CODES[press.code], runtime.now())
    except (wl.TakenByOther, NotFound):
        await query.answer(_("Take the welcome call first."), show_alert=True)
        return
    await query.answer()
    if task.outcome == "no_answer":  # still theirs: the card keeps the number and its buttons for the next try
        await reply(update, _("{name} confirmed this number in Telegram, so it stays in the register: noted as not answered. "
                              "Check that you dialled it right — the call stays with you.").format(name=person.name or "?")
                    if CODES[press.code] == "wrong_number" else
                    _("Noted. Try again later — the call stays with you: its card above keeps the buttons."))
        return
    # Done: the card loses the number and the e-mail address, which the welcomer no longer needs.
    await query.edit_message_text(f"👋 {person.name or '?'} — {_(OUTCOME_LABELS[task.outcome or 'phone'])}")
    if task.outcome == "wrong_number":
        await reply(update, _("Noted: wrong number. The board will have to find another way to reach {name}.").format(name=person.name or "?"))
        return
    asked = (_("Thank you! What did {name} say they would like to help with?") if task.outcome == "phone" else
             _("Thank you! Do you know what {name} would like to help with? Tick it, or just tap “Done”."))
    await reply(update, asked.format(name=person.name or "?"),
                reply_markup=interests_keyboard(task.id, person.interest_names, welcomer.language))


@requires_role("welcomer")
async def interest(update: Update, context: Context) -> None:
    query, press = update.callback_query, pressed(update, WelcomeInterest)
    assert query is not None
    welcomer = context.known
    async with context.runtime.db.session() as session:
        if await acting(update, context, session, "welcomer") is None:
            return
        try:
            task, person = await wl.get_task(session, press.task_id)
        except NotFound:
            task = None
        if task is None or task.taken_by != welcomer.id:
            await query.answer(context._("Take the welcome call first."), show_alert=True)
            return
        await membership.toggle_interest(session, person, press.code, context.runtime.now())
        chosen = person.interest_names
    await query.answer()
    await query.edit_message_reply_markup(interests_keyboard(press.task_id, chosen, welcomer.language))


@requires_role("welcomer")
async def done(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, context._("Saved. Thank you for welcoming a new member!"))


@requires_role("welcomer")
async def ask_note(update: Update, context: Context) -> int | None:
    query, press = update.callback_query, pressed(update, WelcomeStep)
    assert query is not None and context.user_data is not None
    async with context.runtime.db.session() as session:
        try:
            task, _person = await wl.get_task(session, press.task_id)
        except NotFound:
            task = None
    if task is None or task.taken_by != context.known.id:
        await query.answer(context._("Take the welcome call first."), show_alert=True)
        return Flow.END
    context.user_data[NOTE_DRAFT] = press.task_id
    await query.answer()
    await reply(update, context._("Write the note (at most 1000 characters)."))
    return NOTE


async def got_note(update: Update, context: Context) -> int:
    assert update.message is not None and context.user_data is not None
    welcomer, _ = context.known, context._
    task_id = context.user_data.pop(NOTE_DRAFT, None)
    if task_id is None:
        return Flow.END
    try:
        async with context.runtime.db.session() as session:
            if await acting(update, context, session, "welcomer") is None:
                return Flow.END
            await wl.set_note(session, task_id, welcomer.id, update.message.text or "")
    except (wl.TakenByOther, NotFound):
        await reply(update, _("Take the welcome call first."))
        return Flow.END
    await reply(update, _("Note saved."))
    return Flow.END


@requires_role("board")
async def welcome_report(update: Update, context: Context) -> None:
    """/velkomst rapport [days]: the board's report and chart for the last 90 days (or as asked)."""
    runtime = context.runtime
    days = 90
    if context.args and len(context.args) > 1 and context.args[1].isdigit():
        days = max(1, min(3650, int(context.args[1])))
    now = runtime.now()
    async with runtime.db.session() as session:
        figures = await wl.report(session, now - timedelta(days=days), now + timedelta(seconds=1), now)
    await reply(update, welcome_report_of.text(figures, days, context.lang))
    await update.effective_chat.send_photo(welcome_report_of.chart(figures, context.lang))  # type: ignore[union-attr]


cancel_note = cancel_conversation(N_("OK, nothing was stored."), NOTE_DRAFT)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(["velkomst", "welcome"], list_tasks, private))
    application.add_handler(MessageHandler(private & filters.Regex(add_menu(application, MenuItem("welcome", N_("👋 Welcome calls"), 40, role="welcomer"))), list_tasks))
    application.add_handler(Flow(
        application, "welcome_note", title=N_("a note on a welcome call"), role="welcomer", drafts=(NOTE_DRAFT,),
        entry_points=[Press(ask_note, pattern=one_of(WelcomeStep, step=["note"]))],
        states={NOTE: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_note)]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel_note)],
    ))
    application.add_handler(Press(take, pattern=one_of(WelcomeStep, step=["take"])))
    application.add_handler(Press(outcome, pattern=WelcomeOutcome.filter()))
    application.add_handler(Press(interest, pattern=one_of(WelcomeInterest, code=INTERESTS)))
    application.add_handler(Press(done, pattern=one_of(WelcomeStep, step=["done"])))
