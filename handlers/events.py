"""/arrangementer for members: upcoming events, RSVP yes/maybe/no with calendar files, /arshjul, and
the board's year report. Creating events is in events_create, managing them in activity_manage."""

from __future__ import annotations

import io
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import activity_messages as am
from bot import event_messages as msgs
from bot.activity_buttons import (
    EventCalendarFile,
    EventCantCome,
    EventKind,
    EventPage,
    ManageEvents,
    NewEvent,
    Rsvp,
    ShowEvent,
    WaitingRsvp,
    accepts,
    read,
)
from bot.commands import names
from bot.i18n import N_, fmt_date, fmt_month, fmt_weekday_day
from bot.reports import events as reports
from handlers.cards import event_card, rsvp_keyboard
from handlers.common import (
    Context,
    MenuItem,
    add_menu,
    features,
    inline,
    message_chunks,
    onboarded,
    page_buttons,
    page_of,
    reply,
    report_year,
    requires_role,
)
from handlers.presses import Press, refuse
from models import events as ev
from models import membership
from models.constants import OSLO
from models.errors import NotFound
from models.member import Member

# An empty filter says so in its own words.
NONE_OF_KIND: dict[str, str] = {
    "social": N_("No social events are planned right now."),
    "member_meeting": N_("No member meetings are planned right now."),
    "course": N_("No courses are planned right now."),
    "open_meeting": N_("No open meetings are planned right now."),
    "council_group": N_("No council group meetings are planned right now."),
    "movement_day": N_("No movement days are planned right now."),
    "programme": N_("No programme writing is planned right now."),
}
ROUND_LABEL = N_("Door-knocking")
RSVP_REFUSED: dict[type[Exception], str] = {
    NotFound: N_("That event does not exist (any more)."),
    ev.EventClosed: N_("That event is over or cancelled."),
}
EVENTS_PER_PAGE = 10


@onboarded
async def list_events(update: Update, context: Context) -> None:
    """Upcoming events, filterable by kind; each opens a card with RSVP buttons."""
    member, runtime, _ = context.known, context.runtime, context._
    if context.args and context.args[0].lower() in ("rapport", "report"):
        await year_report(update, context)
        return
    kind, page = None, 0
    if update.callback_query is not None:
        data = update.callback_query.data
        kind, page = (EventPage.parse(data).kind, EventPage.parse(data).page) if EventPage.matches(data) else (
            read(EventKind, data).kind, 0)
        await update.callback_query.answer()
    async with runtime.db.session() as session:
        views = await ev.upcoming(session, runtime.now(), kind=kind if kind in ev.KINDS else None, limit=1000)
        contact = await ev.is_contact_for_upcoming(session, member.id, runtime.now())
    views, page, pages = page_of(views, page, EVENTS_PER_PAGE)
    if views:
        lines = [_("Coming up:")]
    else:
        lines = [_(NONE_OF_KIND[kind]) if kind in NONE_OF_KIND else _("Nothing is planned right now. Have a look again in a while.")]
    rows = [[(f"{fmt_date(v.event.starts_at, member.language)} · {v.event.title[:28]}", ShowEvent(event_id=v.event.id).pack())]
            for v in views]
    lines += [f"• {msgs.when(v.event, member.language)} — {v.event.title}" for v in views]
    if more := page_buttons(_, page, pages, lambda n: EventPage(kind=kind or "all", page=n).pack()):
        rows.append(more)
    kinds = [(_(label), EventKind(kind=k).pack()) for k, label in msgs.KIND_LABELS.items()]
    kinds.append((_("All"), EventKind(kind="all").pack()))
    rows += [kinds[i:i + 2] for i in range(0, len(kinds), 2)]
    if membership.has_role(member, "board", runtime.settings.lagbot_admins):
        rows.append([(_("➕ New event"), NewEvent().pack()), (_("⚙️ Manage events"), ManageEvents().pack())])
    elif contact:  # a contact person checks people in and manages their own events from here
        rows.append([(_("⚙️ Manage events"), ManageEvents().pack())])
    await reply(update, "\n".join(lines), reply_markup=inline(rows))


async def show_event(update: Update, context: Context, member: Member, event_id: int) -> None:
    _, runtime = context._, context.runtime
    try:
        async with runtime.db.session() as session:
            event = await ev.get_event(session, event_id)
            view = await ev.view(session, event)
            mine, waiting = await ev.place_of(session, event_id, member.id)
            contact = await membership.member_or_none(session, event.contact_id)
    except NotFound:
        await reply(update, _("That event does not exist (any more)."))
        return
    if event.status != ev.PLANNED or event.starts_at <= runtime.now():
        await reply(update, _("That event is over or cancelled."))
        return
    await reply(update, event_card(view, member.language, contact.name if contact else None, waiting),
                reply_markup=rsvp_keyboard(event_id, member.language, mine, waiting))


async def deep_link(update: Update, context: Context, member: Member, value: str) -> None:
    """/start event_42 (a link or QR code): the event's card; a malformed id reads as a missing event."""
    await show_event(update, context, member, int(value) if value.isdigit() and len(value) < 19 else -1)


@onboarded
async def show(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    event_id = read(ShowEvent, update.callback_query.data).event_id
    await update.callback_query.answer()
    await show_event(update, context, context.known, event_id)


@onboarded
async def rsvp(update: Update, context: Context) -> None:
    """Yes, maybe or no; a confirmation carries a calendar file."""
    query = update.callback_query
    assert query is not None
    member, runtime, _ = context.known, context.runtime, context._
    from_waiting = WaitingRsvp.matches(query.data)
    if EventCantCome.matches(query.data):  # under a reminder: about the event as it started when it was sent
        reminded = EventCantCome.parse(query.data)
        event_id, choice, sent_for = reminded.event_id, "no", reminded.at
    else:
        pressed = WaitingRsvp.parse(query.data) if from_waiting else read(Rsvp, query.data)
        event_id, choice, sent_for = pressed.event_id, pressed.answer, None
    now = runtime.now()
    async with runtime.db.session() as session:
        try:
            result = await ev.answer(session, event_id, member.id, choice, now, from_waiting=from_waiting, sent_for=sent_for)
        except ev.PlaceGiven:  # an old waiting-list button: the place given since is not given up by it
            await query.answer()
            await place_given(update, context, session, event_id)
            return
        except ev.EventMoved:  # a reminder about the old time: nothing is answered by it
            await query.answer()
            await query.edit_message_reply_markup(None)
            await moved_since(update, context, session, event_id)
            return
        except tuple(RSVP_REFUSED) as error:
            await refuse(update, context, error, RSVP_REFUSED)
            await query.edit_message_reply_markup(None)  # over, cancelled or gone: its buttons answer nothing now
            return
        event = result.event
        await msgs.cancel_for_member(session, event, member.id)
        seated = choice == "maybe" or (choice == "yes" and result.position == 0)
        if seated:
            await msgs.schedule_for_member(session, event, member, now)
        if result.promoted is not None:
            await msgs.promoted(session, event, result.promoted, now)
    async with runtime.db.read() as session:  # the reply reads outside the event's lock
        view = await ev.view(session, event)
        _answer, waiting = await ev.place_of(session, event.id, member.id)
        clashing = await ev.clashes(session, member.id, event) if choice == "yes" else []
        contact = await membership.member_or_none(session, event.contact_id)
    await query.answer()
    await query.edit_message_text(event_card(view, member.language, contact.name if contact else None, waiting),
                                  reply_markup=rsvp_keyboard(event.id, member.language, choice, waiting))
    if choice == "yes" and result.position == 0:
        text = _("Great, see you at “{title}”, {when}! Here is a calendar file.").format(title=event.title, when=msgs.when(event, member.language))
    elif choice == "yes":
        text = _("It is full, so you are number {position} on the waiting list. You'll hear from us at once if a place becomes free.").format(
            position=result.position)
    elif choice == "maybe":
        promise = am.reminder_promise(event, member, now)
        text = " ".join([_("Noted as maybe."), *([_(promise)] if promise else []), _("Here is a calendar file.")])
    else:
        text = _("Thanks for letting us know!")
    if note := am.clash_note(clashing, member.language):
        text += "\n\n" + note
    await reply(update, text)
    if seated:
        await send_ics(update, event, member.language)


async def place_given(update: Update, context: Context, session: AsyncSession, event_id: int) -> None:
    """Someone pressed maybe or no on a waiting-list card after they were given a place: nothing
    changes; they are told so, with the event's card as it is now (its "No" gives the place up)."""
    member = context.known
    event = await ev.get_event(session, event_id)
    view = await ev.view(session, event)
    contact = await membership.member_or_none(session, event.contact_id)
    await reply(update, context._("You have a place at “{title}”, {when}, now — you moved up from the waiting list. "
                                  "Nothing was changed. If you can't come after all, answer No here:").format(
        title=event.title, when=msgs.when(event, member.language)))
    await reply(update, event_card(view, member.language, contact.name if contact else None),
                reply_markup=rsvp_keyboard(event.id, member.language, "yes"))


async def moved_since(update: Update, context: Context, session: AsyncSession, event_id: int) -> None:
    """A reminder's "I can't after all" pressed after the event moved: nothing changes; they are told the
    new time, with the event's card as it is now (its "No" gives the place up)."""
    member = context.known
    event = await ev.get_event(session, event_id)
    view = await ev.view(session, event)
    mine, waiting = await ev.place_of(session, event_id, member.id)
    contact = await membership.member_or_none(session, event.contact_id)
    await reply(update, context._("“{title}” has moved to {when} since this message was sent, so nothing was changed. "
                                  "If you can't come at the new time, answer No here:").format(
        title=event.title, when=msgs.when(event, member.language)))
    await reply(update, event_card(view, member.language, contact.name if contact else None, waiting),
                reply_markup=rsvp_keyboard(event.id, member.language, mine, waiting))


async def send_ics(update: Update, event: ev.Event, lang: str) -> None:
    await update.effective_chat.send_document(io.BytesIO(ev.to_ics(event, lang)), filename=f"trondheim-sv-{event.id}.ics")  # type: ignore[union-attr]


@onboarded
async def ics(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    try:
        async with context.runtime.db.session() as session:
            event = await ev.get_event(session, EventCalendarFile.parse(query.data).event_id)
    except NotFound:
        await query.answer(context._("That event does not exist (any more)."), show_alert=True)
        return
    await query.answer()
    await send_ics(update, event, context.lang)


async def mine(update: Update, context: Context, member: Member) -> tuple[list[str], list[list[tuple[str, str]]]]:
    """Events for /mine, beside the rounds."""
    _, runtime = context._, context.runtime
    async with runtime.db.session() as session:
        items = await ev.my_events(session, member.id, runtime.now())
        positions = await ev.waiting_positions(session, [answer for _event, answer in items])  # one query for all
    lines, rows = [], []
    for event, answer in items:
        waiting = _("waiting list, number {position}").format(position=positions.get(answer.id, 0))
        state = {"yes": _("coming") if answer.seat != ev.WAITING else waiting, "maybe": _("maybe")}[answer.answer]
        lines.append(f"📅 {event.title} — {msgs.when(event, member.language)} ({state})")
        family = WaitingRsvp if answer.seat == ev.WAITING else Rsvp  # from the waiting list: leaves it, not a place given since
        rows.append([(_("Not coming: {title}").format(title=event.title[:28]), family(event_id=event.id, answer="no").pack())])
    return lines, rows


@onboarded
async def yearly_calendar(update: Update, context: Context) -> None:
    """/arshjul: the coming twelve months by month, events and door-knocking rounds together."""
    _, runtime, lang = context._, context.runtime, context.lang
    async with runtime.db.session() as session:
        items = await ev.calendar(session, runtime.now())
    if not items:
        await reply(update, _("The year's calendar is empty so far."))
        return
    lines = [_("The year's calendar (årshjul):")]
    month = None
    for item in items:
        heading = fmt_month(item.starts_at, lang)
        if heading != month:
            lines += ["", f"🗓 {heading}"]
            month = heading
        # The weekday and a dash keep the day apart from titles that begin with a date ("8. mars-markering").
        day = fmt_weekday_day(item.starts_at, lang)
        label = _(ROUND_LABEL) if item.kind == "round" else _(msgs.KIND_LABELS[item.kind])
        lines.append(f"• {day} — {item.title} ({label.lower()})")
    for chunk in message_chunks(lines):
        await reply(update, chunk)


@requires_role("board")
async def year_report(update: Update, context: Context) -> None:
    runtime = context.runtime
    if (year := report_year(context, runtime.now().astimezone(OSLO).year)) is None:
        await reply(update, context._("Write the year as four digits, for example: /arrangementer rapport 2026"))
        return
    async with runtime.db.session() as session:
        figures = await ev.year_figures(session, datetime(year, 1, 1, tzinfo=OSLO), datetime(year + 1, 1, 1, tzinfo=OSLO), runtime.now())
    await reply(update, reports.year_text(figures, context.lang, year))


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    features(application).deep_links["event"] = deep_link
    features(application).mine.append(mine)
    application.add_handler(CommandHandler(names("arrangementer", "events"), list_events, private))
    application.add_handler(MessageHandler(private & filters.Regex(add_menu(application, MenuItem("events", N_("📅 Events"), 15))), list_events))
    application.add_handler(CommandHandler(["arshjul", "calendar"], yearly_calendar, private))
    application.add_handler(Press(list_events, pattern=accepts(EventKind)))
    application.add_handler(Press(list_events, pattern=EventPage.filter()))
    application.add_handler(Press(show, pattern=accepts(ShowEvent)))
    application.add_handler(Press(rsvp, pattern=lambda d: accepts(Rsvp)(d) or WaitingRsvp.matches(d) or EventCantCome.matches(d)))
    application.add_handler(Press(ics, pattern=EventCalendarFile.filter()))
