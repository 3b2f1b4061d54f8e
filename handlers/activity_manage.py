"""One manage/edit/move/cancel flow for rounds and events: the steps are the same, and what differs
(domain calls, notices, words) comes from handlers/activity_kinds.py. The event check-in list, the
fourth thing a contact person does with an event, is in handlers/event_checkin.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.activity_buttons import (
    ActivityAction,
    ConfirmCancel,
    EditField,
    KeepActivity,
    ManageEvents,
    ManagePage,
    ManageRounds,
    StopFlow,
)
from bot.callbacks import with_prefixes
from bot.i18n import N_, translator
from handlers.activity_kinds import EVENTS, KINDS, ROUNDS, SETTLED_ERRORS, ActivityKind, settled_reason
from handlers.common import (
    Context,
    answer_alert,
    buttons_expected,
    cancel_conversation,
    inline,
    onboarded,
    page_buttons,
    page_of,
    reply,
    requires_role,
)
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import end_step, start_step
from models import events as ev
from models import rounds as rd
from models.constants import MAX_CAPACITY
from models.districts import read_district
from models.errors import NotFound, UnknownChoice
from models.membership import member_by_telegram

MOVE_START, MOVE_END, EDIT_FIELD, EDIT_VALUE = range(60, 64)
DRAFT = "activity_draft"


def draft(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, {})


MANAGED_PER_PAGE = 6
CAPACITY_REFUSED = N_("Write a number from 1 to {limit}.")
# The seats of what has begun are settled: nobody is moved up from the waiting list into something under way.
SEATS_SETTLED = N_("“{title}” has begun or is over, so its number of seats can no longer be changed.")


async def list_managed(update: Update, context: Context, kind: ActivityKind, empty: str, page: int = 0) -> None:
    """The activities this member may manage, each with its buttons, a page at a time."""
    member, runtime = context.known, context.runtime
    if update.callback_query is not None:
        await update.callback_query.answer()
    async with runtime.db.session() as session:
        views = await kind.manageable(session, runtime.now())
    views = [v for v in views if kind.may_manage(context, member, kind.of_view(v))]
    if not views:
        await reply(update, context._(empty))
        return
    views, page, pages = page_of(views, page, MANAGED_PER_PAGE)
    for view in views:
        text, keyboard = kind.managed_card(view, member.language, runtime.now())
        await reply(update, text, reply_markup=keyboard)
    if more := page_buttons(context._, page, pages, lambda n: ManagePage(kind=kind.kind, page=n).pack()):
        await reply(update, context._("Page {page} of {pages}.").format(page=page + 1, pages=pages), reply_markup=inline([more]))


@onboarded
async def manage_page(update: Update, context: Context) -> None:
    """A further page of the manage list; each card still checks that this member may manage it."""
    press = ManagePage.parse(update.callback_query.data)  # type: ignore[union-attr]
    kind = ROUNDS if press.kind == "rd" else EVENTS
    empty = N_("There are no upcoming rounds you can manage.") if press.kind == "rd" else N_(
        "There are no upcoming events you can manage.")
    await list_managed(update, context, kind, empty, press.page)


@requires_role("leader")
async def manage_rounds(update: Update, context: Context) -> None:
    await list_managed(update, context, ROUNDS, N_("There are no upcoming rounds you can manage."))


@onboarded
async def manage_events(update: Update, context: Context) -> None:
    await list_managed(update, context, EVENTS, N_("There are no upcoming events you can manage."))


async def managed(update: Update, context: Context, kind: ActivityKind, activity_id: int,
                  session: AsyncSession | None = None) -> Any | None:
    """The activity, if the member may manage it; else None after saying why. Both are read in
    `session`, so a change made in the same session is guarded by what holds at that moment."""
    if session is None:
        async with context.runtime.db.session() as own:
            return await managed(update, context, kind, activity_id, own)
    member = await member_by_telegram(session, context.known.telegram_id)
    try:
        activity = await kind.load(session, activity_id)
    except NotFound:
        activity = None
    if activity is None or member is None or not kind.may_manage(context, member, activity):
        await answer_alert(update, context._(kind.not_allowed))
        return None
    if activity.status != "planned":  # a button from before the cancellation: say so at once
        await answer_alert(update, context._(kind.closed))
        return None
    return activity


async def pressed_action(update: Update, context: Context, *, draft: bool = False) -> tuple[ActivityKind, Any] | tuple[None, None]:
    """The kind and activity a management button is about, if this member may manage it; with `draft`,
    a flow starts: its draft names the activity."""
    assert update.callback_query is not None
    query = update.callback_query
    action = ActivityAction.parse(query.data)
    kind = KINDS[action.kind]
    async with context.runtime.db.session() as session:
        activity = await managed(update, context, kind, action.activity_id, session)
        if activity is None:
            return None, None
        reason = await kind.settled(session, activity, context.runtime.now()) if action.action in ("move", "cancel") else None
    if reason is not None:  # a card from before the round began or was reported: say so, and take the buttons away
        await query.answer(context._(reason).format(title=activity.title), show_alert=True)
        await query.edit_message_reply_markup(kind.keyboard(activity, context.lang, True))
        return None, None
    await query.answer()
    if draft and context.user_data is not None:
        context.user_data[DRAFT] = {"kind": kind.kind, "id": activity.id}
    return kind, activity


@onboarded
async def ask_move(update: Update, context: Context) -> int | None:
    kind, activity = await pressed_action(update, context, draft=True)
    if kind is None:
        return None
    await reply(update, context._("New start? Write date and time, for example 17.04 12:00. (/avbryt to stop)"))
    return MOVE_START


async def move_start(update: Update, context: Context) -> int:
    return await start_step(update, context, draft(context), MOVE_START, MOVE_END)


async def move_end(update: Update, context: Context) -> int:
    data = draft(context)
    end = await end_step(update, context, data)
    if end is None:
        return MOVE_END
    start = datetime.fromisoformat(data["start"])
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    kind = KINDS[data["kind"]]
    _, runtime = context._, context.runtime
    try:
        async with runtime.db.session() as session:
            activity = await managed(update, context, kind, data["id"], session)
            if activity is None:
                return Flow.END
            title = activity.title
            activity, told = await kind.move(session, activity, start, end, runtime.now(), by=context.known.id)
    except SETTLED_ERRORS as error:
        await reply(update, _(settled_reason(error)).format(title=title))
        return Flow.END
    except kind.closed_errors:
        await reply(update, _(kind.closed))
        return Flow.END
    await reply(update, context.ngettext("“{title}” now starts {when}; {count} person is being told.",
                                         "“{title}” now starts {when}; {count} people are being told.", told).format(
        title=activity.title, when=kind.when(activity, context.lang), count=told))
    return Flow.END


def field_keyboard(kind: ActivityKind, activity_id: int, lang: str, begun: bool = False) -> InlineKeyboardMarkup:
    """The fields to change; once the activity has begun, not its seats (SEATS_SETTLED)."""
    _ = translator(lang)
    buttons = [(_(label), EditField(kind=kind.kind, activity_id=activity_id, field=name).pack())  # type: ignore[arg-type]
               for name, label, _question in kind.fields if not (begun and name == "capacity")]
    return inline([*(buttons[n : n + 2] for n in range(0, len(buttons), 2)), [(_("Cancel"), StopFlow().pack())]])


@onboarded
async def ask_edit(update: Update, context: Context) -> int | None:
    """What to change: the fields this kind of activity has."""
    kind, activity = await pressed_action(update, context, draft=True)
    if kind is None:
        return None
    await reply(update, context._("What do you want to change in “{title}”?").format(title=activity.title),
                reply_markup=field_keyboard(kind, activity.id, context.lang, activity.starts_at <= context.runtime.now()))
    return EDIT_FIELD


async def edit_field(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    pressed = EditField.parse(query.data)
    kind = KINDS[pressed.kind]
    if pressed.field not in kind.field_names():
        await query.answer(context._("Please use the buttons above, or /avbryt to cancel."), show_alert=True)
        return EDIT_FIELD
    if pressed.field == "capacity":  # a field list shown before the activity began: its seats are settled now
        async with context.runtime.db.read() as session:
            activity = await managed(update, context, kind, pressed.activity_id, session)
        if activity is None:
            return EDIT_FIELD
        if activity.starts_at <= context.runtime.now():
            await query.answer(context._(SEATS_SETTLED).format(title=activity.title), show_alert=True)
            await query.edit_message_reply_markup(field_keyboard(kind, activity.id, context.lang, True))
            return EDIT_FIELD
    context.user_data[DRAFT] = {"kind": kind.kind, "id": pressed.activity_id, "field": pressed.field}  # type: ignore[index]
    await query.answer()
    await query.edit_message_reply_markup(None)
    question = next(q for name, _label, q in kind.fields if name == pressed.field)
    await reply(update, context._(question))
    return EDIT_VALUE


def read_value(kind: ActivityKind, field: str, text: str) -> str | int | None:
    if field == "capacity":
        return int(text) if text.isdigit() else None
    if field == "district":
        try:
            return read_district(text)
        except UnknownChoice:
            return None
    return text if 2 <= len(text) <= kind.text_limit(field) else None


async def edit_value(update: Update, context: Context) -> int:
    """Save the change; the kind's notices go out (a new place to everyone, new seats to the waiting list)."""
    _ = context._
    data = draft(context)
    kind, field = KINDS[data["kind"]], data["field"]
    value = read_value(kind, field, (update.message.text or "").strip())  # type: ignore[union-attr]
    if value is None:
        await reply(update, _(CAPACITY_REFUSED).format(limit=MAX_CAPACITY) if field == "capacity" else
                    _("I don't know that district. Write Midtbyen, Østbyen, Lerkendal, Heimdal or utenfor.") if field == "district" else
                    _("Write between 2 and {limit} characters.").format(limit=kind.text_limit(field)))
        return EDIT_VALUE
    try:
        async with context.runtime.db.session() as session:
            activity = await managed(update, context, kind, data["id"], session)
            if activity is None:
                context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
                return Flow.END
            title = activity.title
            activity, promoted = await kind.edit(session, activity, field, value, context.runtime.now())
    except (rd.RoundStarted, ev.EventStarted):  # it began while the number was being written
        context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
        await reply(update, _(SEATS_SETTLED).format(title=title))
        return Flow.END
    except (rd.CapacityTooSmall, ev.CapacityTooSmall) as exc:
        await reply(update, context.ngettext("{count} person already has a seat, so there must be at least that many.",
                                             "{count} people already have seats, so there must be at least that many.",
                                             exc.args[0]).format(count=exc.args[0]))
        return EDIT_VALUE
    except kind.closed_errors:
        context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
        await reply(update, _(kind.closed))
        return Flow.END
    except kind.capacity_errors:
        await reply(update, _(CAPACITY_REFUSED).format(limit=MAX_CAPACITY))
        return EDIT_VALUE
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    seated = context.ngettext("{count} from the waiting list got a seat.", "{count} from the waiting list got seats.", promoted)
    await reply(update, _("Saved.") + ("\n" + seated.format(count=promoted) if promoted else ""))
    return Flow.END


@onboarded
async def ask_cancel(update: Update, context: Context) -> None:
    kind, activity = await pressed_action(update, context)
    if kind is None:
        return
    _ = context._
    await reply(update, _(kind.cancel_question).format(title=activity.title), reply_markup=inline([[
        (_(kind.cancel_yes), ConfirmCancel(kind=kind.kind, activity_id=activity.id).pack()),
        (_("No"), KeepActivity(kind=kind.kind, activity_id=activity.id).pack())]]))


@onboarded
async def do_cancel(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    pressed = ConfirmCancel.parse(query.data)
    kind = KINDS[pressed.kind]
    try:
        async with context.runtime.db.session() as session:
            activity = await managed(update, context, kind, pressed.activity_id, session)
            if activity is None:
                return
            title = activity.title
            activity, told = await kind.cancel(session, activity, context.runtime.now(), by=context.known.id)
    except SETTLED_ERRORS as error:
        await query.answer()
        await query.edit_message_text(context._(settled_reason(error)).format(title=title))
        return
    except kind.closed_errors:
        await query.answer(context._(kind.closed), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(context.ngettext("“{title}” is cancelled; {count} person is being told.",
                                                   "“{title}” is cancelled; {count} people are being told.", told).format(
        title=activity.title, count=told))


@onboarded
async def keep(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(context._("Nothing was changed."))


cancel_draft = cancel_conversation(N_("Cancelled. Nothing was changed."), DRAFT)


def is_action(action: str, kinds: tuple[str, ...] = ("rd", "ev")) -> Any:
    """Presses of one management action (checking in is for events only; a round's team has its own)."""
    def matches(data: object) -> bool:
        if not ActivityAction.matches(data):
            return False
        pressed = ActivityAction.parse(data)
        return pressed.action == action and pressed.kind in kinds
    return with_prefixes(matches, ActivityAction)


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(Flow(
        application, "activity_change", title=N_("changing a round or event"), drafts=(DRAFT,),
        entry_points=[Press(ask_move, pattern=is_action("move")), Press(ask_edit, pattern=is_action("edit"))],
        states={
            MOVE_START: [MessageHandler(text, move_start)],
            MOVE_END: [MessageHandler(text, move_end)],
            EDIT_FIELD: [Press(edit_field, pattern=EditField.filter()), MessageHandler(text, buttons_expected)],
            EDIT_VALUE: [MessageHandler(text, edit_value)],
        },
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel_draft), Press(cancel_draft, pattern=StopFlow.filter())],
    ))
    application.add_handler(Press(manage_rounds, pattern=ManageRounds.filter()))
    application.add_handler(Press(manage_events, pattern=ManageEvents.filter()))
    application.add_handler(Press(manage_page, pattern=ManagePage.filter()))
    application.add_handler(Press(ask_cancel, pattern=is_action("cancel")))
    application.add_handler(Press(do_cancel, pattern=ConfirmCancel.filter()))
    application.add_handler(Press(keep, pattern=KeepActivity.filter()))

