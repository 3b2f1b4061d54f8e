"""A recurring series moved or cancelled as a whole, from one occurrence on (models/event_series.py):
buttons on a series occurrence in "Manage events"; each person who answered is told once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import event_messages as msgs
from bot.callbacks import Id, callback
from bot.i18n import N_, translator
from handlers.common import Context, cancel_conversation, inline, onboarded, pressed, reply
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import read_future
from models import event_series as series
from models import events as ev
from models import membership
from models.errors import NotFound

NEW_TIME = 0
MOVE_KEY = "series_move"
REFUSED = N_("Only the board or the event's contact person can do that.")
CLOSED = N_("That event is over or cancelled.")
STARTED = N_("“{title}” has begun or is over, so it can no longer be moved or cancelled.")


@callback("evs.move")
class MoveSeries:
    event_id: Id


@callback("evs.cancel")
class CancelSeries:
    event_id: Id


@callback("evs.confirm")
class ConfirmCancelSeries:
    event_id: Id


def series_buttons(event_id: int, lang: str) -> list[tuple[str, str]]:
    """The two buttons a series occurrence gets in the manage list."""
    _ = translator(lang)
    return [(_("🔁 Move the series"), MoveSeries(event_id).pack()), (_("🔁 Cancel the series"), CancelSeries(event_id).pack())]


async def allowed(context: Context, session: AsyncSession, event: ev.Event) -> bool:
    """The board or the event's contact person, read again in the transaction of the change."""
    actor = await membership.member_by_telegram(session, context.known.telegram_id)
    return actor is not None and (membership.has_role(actor, "board", context.runtime.settings.lagbot_admins)
                                  or (event.contact_id is not None and event.contact_id == actor.id))


@onboarded
async def ask_time(update: Update, context: Context) -> int | None:
    query, _ = update.callback_query, context._
    assert query is not None and context.user_data is not None
    event_id = pressed(update, MoveSeries).event_id
    async with context.runtime.db.session() as session:
        event = await session.get(ev.Event, event_id)
        if event is None or not await allowed(context, session, event):
            await query.answer(_(REFUSED) if event is not None else _(CLOSED), show_alert=True)
            return None
    if event.starts_at <= context.runtime.now():  # an occurrence that has begun stays as it was held
        await query.answer(_(STARTED).format(title=event.title), show_alert=True)
        return None
    await query.answer()
    context.user_data[MOVE_KEY] = {"event": event_id}
    await reply(update, _("“{title}” is {when}. Write the new date and time for it, for example 17.04 19:30; every later time "
                          "moves the same way. (/avbryt to stop)").format(title=event.title, when=msgs.when(event, context.lang)))
    return NEW_TIME


async def got_time(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None and context.user_data is not None
    _, now = context._, context.runtime.now()
    if (starts_at := await read_future(update, context)) is None:
        return NEW_TIME
    event_id = context.user_data.get(MOVE_KEY, {}).get("event", 0)
    try:
        async with context.runtime.db.session() as session:
            event = await session.get(ev.Event, event_id)
            if event is None or not await allowed(context, session, event):
                context.user_data.pop(MOVE_KEY, None)
                await reply(update, _(REFUSED) if event is not None else _(CLOSED))
                return Flow.END
            title = event.title  # read before the change: a refused one rolls back and the row is expired
            moved_series, events = await series.move(session, event_id, starts_at, now)
            told = await msgs.series_changed(session, moved_series, events, "event.series_moved", now, by=context.known.id)
    except series.FixedDays:
        await reply(update, _("This series repeats on set days, so it can move to another time of day but not another day. "
                              "Write a time on the same day, or cancel the series and create a new one."))
        return NEW_TIME
    except (ev.InPast, ev.EndBeforeStart):
        await reply(update, _("That time has passed. Choose a time in the future."))
        return NEW_TIME
    except ev.EventStarted:
        context.user_data.pop(MOVE_KEY, None)
        await reply(update, _(STARTED).format(title=title))
        return Flow.END
    except (ev.EventClosed, NotFound, series.NotInSeries):
        context.user_data.pop(MOVE_KEY, None)
        await reply(update, _(CLOSED))
        return Flow.END
    context.user_data.pop(MOVE_KEY, None)
    await reply(update, context.ngettext("The series is moved from {when} on ({times}×); {count} person is being told.",
                                         "The series is moved from {when} on ({times}×); {count} people are being told.",
                                         told).format(when=msgs.when(events[0], context.lang), times=len(events), count=told))
    return Flow.END


@onboarded
async def ask_cancel(update: Update, context: Context) -> None:
    query, _ = update.callback_query, context._
    assert query is not None
    event_id = pressed(update, CancelSeries).event_id
    async with context.runtime.db.session() as session:
        event = await session.get(ev.Event, event_id)
        if event is None or not await allowed(context, session, event):
            await query.answer(_(REFUSED) if event is not None else _(CLOSED), show_alert=True)
            return
    if event.starts_at <= context.runtime.now():
        await query.answer(_(STARTED).format(title=event.title), show_alert=True)
        return
    await query.answer()
    await reply(update, _("Cancel “{title}” from {when} on, every time, and stop the series? Everyone who answered is told.").format(
        title=event.title, when=msgs.when(event, context.lang)),
        reply_markup=inline([[(_("Yes, cancel the series"), ConfirmCancelSeries(event_id).pack())]]))


@onboarded
async def confirm_cancel(update: Update, context: Context) -> None:
    query, _, now = update.callback_query, context._, context.runtime.now()
    assert query is not None
    event_id = pressed(update, ConfirmCancelSeries).event_id
    try:
        async with context.runtime.db.session() as session:
            event = await session.get(ev.Event, event_id)
            if event is None or not await allowed(context, session, event):
                await query.answer(_(REFUSED) if event is not None else _(CLOSED), show_alert=True)
                return
            title = event.title
            stopped, events = await series.cancel(session, event_id, now)
            told = await msgs.series_changed(session, stopped, events, "event.series_cancelled", now, by=context.known.id)
    except ev.EventStarted:
        await query.answer(_(STARTED).format(title=title), show_alert=True)
        return
    except (ev.EventClosed, NotFound, series.NotInSeries):
        await query.answer(_(CLOSED), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, context.ngettext("The series is cancelled from {when} on ({times}×); {count} person is being told.",
                                         "The series is cancelled from {when} on ({times}×); {count} people are being told.",
                                         told).format(when=msgs.when(events[0], context.lang), times=len(events), count=told))


cancel = cancel_conversation(N_("Cancelled. Nothing was changed."), MOVE_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(Flow(
        application, "series_move", title=N_("moving a series"), drafts=(MOVE_KEY,),
        entry_points=[Press(ask_time, pattern=MoveSeries.filter())],
        states={NEW_TIME: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_time)]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel)],
    ))
    application.add_handler(Press(ask_cancel, pattern=CancelSeries.filter()))
    application.add_handler(Press(confirm_cancel, pattern=ConfirmCancelSeries.filter()))
