"""/arrangementer: upcoming events, RSVP yes/maybe/no with calendar files; the board creates and runs them."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import event_messages as msgs
from bot.i18n import N_, OSLO, fmt_date, translator
from bot.runtime import Runtime, runtime_of
from handlers.common import (
    add_menu,
    features,
    Context,
    MenuItem,
    buttons_expected,
    cancel_conversation,
    clip,
    inline,
    known_member,
    member_and_translator,
    onboarded,
    reply,
    requires_role,
)
from handlers.questions import read_end, read_place, read_start
from models import events as ev
from models import membership
from models.errors import InvalidPhone, MemberNotFound, NotFound
from models.member import Member

KIND, TITLE, DESCRIPTION, START, END, PLACE, CAPACITY, PARTNERS, CONTACT, REPEAT, CONFIRM = range(40, 51)
MOVE_START, MOVE_END = range(51, 53)
EDIT_FIELD, EDIT_VALUE = range(53, 55)
DRAFT = "event_draft"
ANSWER_LABELS = {"yes": N_("✅ Yes"), "maybe": N_("🤔 Maybe"), "no": N_("❌ No")}


def card(view: ev.EventView, lang: str, contact: str | None = None) -> str:
    _ = translator(lang)
    event = view.event
    lines = [f"📅 {event.title}", f"🏷 {_(msgs.KIND_LABELS[event.kind])}", f"🗓 {msgs.when(event, lang)}", f"📍 {event.place}"]
    if event.description:
        lines.append(event.description)
    if event.partners:
        lines.append("🤝 " + _("Together with {partner}").format(partner=", ".join(event.partners)))
    if contact:
        lines.append("👤 " + _("Contact: {name}").format(name=contact))
    if view.seats_left is not None:
        lines.append("🪑 " + (_("{count} places left").format(count=view.seats_left) if view.seats_left
                              else _("Full — {count} on the waiting list").format(count=view.waiting)))
    lines.append(_("Coming: {yes} · maybe: {maybe}").format(yes=view.yes, maybe=view.maybe))
    return "\n".join(lines)


def rsvp_keyboard(event_id: int, lang: str, current: str | None) -> InlineKeyboardMarkup:
    _ = translator(lang)
    row = [(("• " if current == a else "") + _(ANSWER_LABELS[a]), f"ev:rsvp:{event_id}:{a}") for a in ev.ANSWERS]
    return inline([row, [(_("📅 Calendar file"), f"ev:ics:{event_id}")]])


@onboarded
async def list_events(update: Update, context: Context) -> None:
    """Upcoming events, filterable by kind; each opens a card with RSVP buttons."""
    member = await known_member(update, context)
    _ = translator(member.language)
    runtime = runtime_of(context)
    argument = (context.args or [""])[0].lower() if context.args else ""
    if argument in ("rapport", "report"):
        await year_report(update, context)
        return
    kind = None
    if update.callback_query is not None and update.callback_query.data:
        kind = update.callback_query.data.rsplit(":", 1)[1] or None
        await update.callback_query.answer()
    async with runtime.db.session() as session:
        views = await ev.upcoming(session, runtime.now(), kind=None if kind == "all" else kind, limit=10)
    board = membership.has_role(member, "board", runtime.settings.lagbot_admins)
    lines = [_("Coming up:")] if views else [_("Nothing is planned right now — we'll let you know!")]
    rows = [[(f"{fmt_date(v.event.starts_at, member.language)} · {v.event.title[:28]}", f"ev:show:{v.event.id}")] for v in views]
    lines += [f"• {msgs.when(v.event, member.language)} — {v.event.title}" for v in views]
    kinds = [(_(msgs.KIND_LABELS[k]), f"ev:kind:{k}") for k in ("social", "member_meeting", "course", "open_meeting")]
    rows += [kinds[:2], kinds[2:], [(_("All"), "ev:kind:all")]]
    if board:
        rows.append([(_("➕ New event"), "ev:new"), (_("⚙️ Manage events"), "ev:manage")])
    await reply(update, "\n".join(lines), reply_markup=inline(rows))


async def show_event(update: Update, context: Context, member: Member | None = None, event_id: int | None = None) -> None:
    member = member or await known_member(update, context)
    _ = translator(member.language)
    if event_id is None:
        assert update.callback_query is not None and update.callback_query.data is not None
        event_id = int(update.callback_query.data.rsplit(":", 1)[1])
        await update.callback_query.answer()
    runtime = runtime_of(context)
    try:
        async with runtime.db.session() as session:
            event = await ev.get_event(session, event_id)
            view = await ev.view(session, event)
            mine = await ev.rsvp_of(session, event_id, member.id)
            contact = await membership.member_or_none(session, event.contact_id)
    except NotFound:
        await reply(update, _("That event does not exist (any more)."))
        return
    if event.status != ev.PLANNED or event.starts_at <= runtime.now():
        await reply(update, _("That event is over or cancelled."))
        return
    await reply(update, card(view, member.language, contact.name if contact else None),
                reply_markup=rsvp_keyboard(event_id, member.language, mine.answer if mine else None))


async def deep_link(update: Update, context: Context, member: Member, value: str) -> None:
    try:
        await show_event(update, context, member, int(value))
    except ValueError:
        await show_event(update, context, member, -1)


@onboarded
async def show(update: Update, context: Context) -> None:
    await show_event(update, context)


@onboarded
async def rsvp(update: Update, context: Context) -> None:
    """Yes, maybe or no; a confirmation carries a calendar file."""
    query = update.callback_query
    assert query is not None and query.data is not None
    member = await known_member(update, context)
    _ = translator(member.language)
    runtime = runtime_of(context)
    _prefix, _r, event_id, choice = query.data.split(":")
    now = runtime.now()
    async with runtime.db.session() as session:
        try:
            result = await ev.answer(session, int(event_id), member.id, choice, now)
        except NotFound:
            await query.answer(_("That event does not exist (any more)."), show_alert=True)
            return
        except ev.EventClosed:
            await query.answer(_("That event is over or cancelled."), show_alert=True)
            return
        event = result.event
        await msgs.cancel_for_member(session, event, member.id)
        if choice == "maybe" or (choice == "yes" and result.position == 0):
            await msgs.schedule_for_member(session, event, member, now)
        if result.promoted is not None:
            await msgs.promoted(session, event, result.promoted, now)
        view = await ev.view(session, event)
    await query.answer()
    await query.edit_message_text(card(view, member.language), reply_markup=rsvp_keyboard(event.id, member.language, choice))
    if choice == "yes" and result.position == 0:
        text = _("Great, see you at “{title}”, {when}! Here is a calendar file.").format(title=event.title, when=msgs.when(event, member.language))
    elif choice == "yes":
        text = _("It is full, so you are number {position} on the waiting list. You'll hear from us at once if a place becomes free.").format(
            position=result.position)
    elif choice == "maybe":
        text = _("Noted as maybe. We'll remind you the day before. Here is a calendar file.")
    else:
        text = _("Thanks for letting us know!")
    await reply(update, text)
    if choice == "maybe" or (choice == "yes" and result.position == 0):
        await send_ics(update, event, member.language)


async def send_ics(update: Update, event: ev.Event, lang: str) -> None:
    await update.effective_chat.send_document(io.BytesIO(ev.to_ics(event, lang)), filename=f"trondheim-sv-{event.id}.ics")  # type: ignore[union-attr]


@onboarded
async def ics(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    member = await known_member(update, context)
    _ = translator(member.language)
    try:
        async with runtime_of(context).db.session() as session:
            event = await ev.get_event(session, int(query.data.rsplit(":", 1)[1]))
    except NotFound:
        await query.answer(_("That event does not exist (any more)."), show_alert=True)
        return
    await query.answer()
    await send_ics(update, event, member.language)


async def mine(update: Update, context: Context, member: Member) -> tuple[list[str], list[list[tuple[str, str]]]]:
    """Events for /mine, beside the rounds."""
    _ = translator(member.language)
    runtime = runtime_of(context)
    async with runtime.db.session() as session:
        items = await ev.my_events(session, member.id, runtime.now())
    lines, rows = [], []
    for event, answer in items:
        state = {"yes": _("coming") if answer.seat != ev.WAITING else _("waiting list"), "maybe": _("maybe")}[answer.answer]
        lines.append(f"📅 {event.title} — {msgs.when(event, member.language)} ({state})")
        rows.append([(_("Not coming: {title}").format(title=event.title[:28]), f"ev:rsvp:{event.id}:no")])
    return lines, rows


@onboarded
async def yearly_calendar(update: Update, context: Context) -> None:
    """/arshjul: the coming twelve months, by month."""
    member = await known_member(update, context)
    _ = translator(member.language)
    runtime = runtime_of(context)
    async with runtime.db.session() as session:
        events = await ev.calendar(session, runtime.now())
    if not events:
        await reply(update, _("The year's calendar is empty so far."))
        return
    from babel.dates import format_date

    lines = [_("The year's calendar (årshjul):")]
    month = None
    for event in events:
        local = event.starts_at.astimezone(OSLO)
        heading = format_date(local.date(), "LLLL y", locale=member.language).capitalize()
        if heading != month:
            lines += ["", f"🗓 {heading}"]
            month = heading
        lines.append(f"• {local.day}. {event.title} ({_(msgs.KIND_LABELS[event.kind]).lower()})")
    await reply(update, "\n".join(lines)[:4000])


@requires_role("board")
async def year_report(update: Update, context: Context) -> None:
    member = await known_member(update, context)
    _ = translator(member.language)
    runtime = runtime_of(context)
    now = runtime.now().astimezone(OSLO)
    async with runtime.db.session() as session:
        figures = await ev.year_figures(session, datetime(now.year, 1, 1, tzinfo=OSLO), datetime(now.year + 1, 1, 1, tzinfo=OSLO), runtime.now())
    lines = [_("Events {year}").format(year=now.year),
             _("Courses in direct voter contact: {held} of the goal of {goal}").format(held=figures.courses, goal=figures.courses_goal),
             _("Open meetings with partners: {held} of the goal of {goal}").format(held=figures.open_with_partners, goal=figures.open_goal),
             "", _("Attendance by kind:")]
    lines += [f"• {_(msgs.KIND_LABELS[k])}: {n}" for k, n in sorted(figures.attendance.items())] or ["–"]
    await reply(update, "\n".join(lines))


def draft(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, {})


@requires_role("board")
async def new_event(update: Update, context: Context) -> int | None:
    member, _ = await member_and_translator(update, context)
    assert context.user_data is not None
    context.user_data[DRAFT] = {}
    if update.callback_query is not None:
        await update.callback_query.answer()
    buttons = [(_(label), f"evc:kind:{kind}") for kind, label in msgs.KIND_LABELS.items()]
    await reply(update, _("New event. What kind? (/avbryt to stop)"), reply_markup=inline([buttons[n : n + 2] for n in range(0, len(buttons), 2)]))
    return KIND


async def got_kind(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    draft(context)["kind"] = query.data.rsplit(":", 1)[1]
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, _("What is it called?"))
    return TITLE


async def got_title(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    title = (update.message.text or "").strip()  # type: ignore[union-attr]
    if not 3 <= len(title) <= 200:
        await reply(update, _("The title must be between 3 and 200 characters. Try again."))
        return TITLE
    draft(context)["title"] = title
    await reply(update, _("A short description? Write it, or skip."), reply_markup=inline([[(_("Skip"), "evc:skip")]]))
    return DESCRIPTION


async def got_description(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        draft(context)["description"] = ""
    else:
        draft(context)["description"] = (update.message.text or "").strip()[:3000]  # type: ignore[union-attr]
    await reply(update, _("When does it start? Write date and time, for example 17.04 12:00."))
    return START


async def got_start(update: Update, context: Context) -> int:
    start = await read_start(update, context)
    if start is None:
        return START
    draft(context)["start"] = start.isoformat()
    return END


async def got_end(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    data = draft(context)
    end = await read_end(update, context, datetime.fromisoformat(data["start"]))
    if end is None:
        return END
    data["end"] = end.isoformat()
    await reply(update, _("Where? Write the place, or send a location pin (📎 → Location)."))
    return PLACE


async def got_place(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    data = draft(context)
    place = await read_place(update, context, data, pin_saved=N_("Pin saved. Now write the name of the place."),
                             too_short=N_("Write the place in 2 to 300 characters."))
    if place is None:
        return PLACE
    data["place"] = place
    await reply(update, _("Is there a limit on how many can come? Write a number, or skip."), reply_markup=inline([[(_("No limit"), "evc:skip")]]))
    return CAPACITY


async def got_capacity(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        draft(context)["capacity"] = None
    else:
        text = (update.message.text or "").strip()  # type: ignore[union-attr]
        if not text.isdigit() or not 1 <= int(text) <= 5000:
            await reply(update, _("Write a number from 1 to 5000, or tap “No limit”."))
            return CAPACITY
        draft(context)["capacity"] = int(text)
    await reply(update, _("Partner organisations? Write them separated by commas, or skip."), reply_markup=inline([[(_("Skip"), "evc:skip")]]))
    return PARTNERS


async def got_partners(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        draft(context)["partners"] = []
    else:
        draft(context)["partners"] = [p.strip() for p in (update.message.text or "").split(",") if p.strip()][:10]  # type: ignore[union-attr]
    await reply(update, _("Who is the contact person? Send their phone number, or tap “Me”."), reply_markup=inline([[(_("Me"), "evc:me")]]))
    return CONTACT


async def got_contact(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        draft(context)["contact"] = member.id
    else:
        try:
            async with runtime_of(context).db.session() as session:
                contact = await membership.find_member(session, phone=update.message.text or "")  # type: ignore[union-attr]
        except (MemberNotFound, InvalidPhone):
            await reply(update, _("No member has that number. Check it, or tap “Me”."))
            return CONTACT
        draft(context)["contact"] = contact.id
    await reply(update, _("Does it repeat?"), reply_markup=inline([[(_("No"), "evc:repeat:none")],
                                                                 [(_("Every month, same weekday"), "evc:repeat:monthly")],
                                                                 [(_("Every year, same date"), "evc:repeat:yearly")]]))
    return REPEAT


async def got_repeat(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    data = draft(context)
    data["repeat"] = query.data.rsplit(":", 1)[1]
    await query.answer()
    await query.edit_message_reply_markup(None)
    start = datetime.fromisoformat(data["start"])
    fake = ev.Event(kind=data["kind"], title=data["title"], starts_at=start, ends_at=datetime.fromisoformat(data["end"]), place=data["place"],
                    description=data.get("description", ""), capacity=data.get("capacity"), partners=data.get("partners", []), version=1)
    text = card(ev.EventView(fake, 0, 0, 0), member.language)
    repeat = {"none": "", "monthly": _("Every month, same weekday"), "yearly": _("Every year, same date")}[data["repeat"]]
    await reply(update, text + (f"\n🔁 {repeat}" if repeat else ""),
                reply_markup=inline([[(_("✅ Create"), "evc:create"), (_("Cancel"), "evc:cancel")]]))
    return CONFIRM


def monthly_rule(start: datetime) -> str:
    local = start.astimezone(OSLO)
    nth = (local.day - 1) // 7 + 1
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[local.weekday()]
    return f"FREQ=MONTHLY;BYDAY={nth}{weekday}"


async def create(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    member, _ = await member_and_translator(update, context)
    data = context.user_data.pop(DRAFT, {})
    runtime = runtime_of(context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    start, end = datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])
    async with runtime.db.session() as session:
        if data["repeat"] == "none":
            await ev.create_event(session, kind=data["kind"], title=data["title"], starts_at=start, ends_at=end, place=data["place"],
                                          now=runtime.now(), description=data.get("description", ""), capacity=data.get("capacity"),
                                          partners=data.get("partners"), contact_id=data.get("contact"), latitude=data.get("lat"),
                                          longitude=data.get("lon"), created_by=member.id)
            count = 1
        else:
            rule = monthly_rule(start) if data["repeat"] == "monthly" else "FREQ=YEARLY"
            series = await ev.create_series(session, kind=data["kind"], title=data["title"], rule=rule,
                                            first_local=start.astimezone(OSLO), minutes=int((end - start).total_seconds() // 60),
                                            place=data["place"], now=runtime.now() - timedelta(seconds=1),
                                            description=data.get("description", ""), capacity=data.get("capacity"),
                                            partners=data.get("partners"), contact_id=data.get("contact"))
            count = await ev.occurrence_count(session, series.id)
    await reply(update, _("Created: {count} event(s). Members find them under /arrangementer.").format(count=count))
    return ConversationHandler.END


async def may_manage(context: Context, member: Member, event: ev.Event) -> bool:
    return membership.has_role(member, "board", runtime_of(context).settings.lagbot_admins) or event.contact_id == member.id


@onboarded
async def manage(update: Update, context: Context) -> None:
    member, _ = await member_and_translator(update, context)
    runtime = runtime_of(context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    async with runtime.db.session() as session:
        views = await ev.upcoming(session, runtime.now() - timedelta(hours=12), limit=30)
    views = [v for v in views if await may_manage(context, member, v.event)][:6]
    if not views:
        await reply(update, _("There are no upcoming events you can manage."))
        return
    for view in views:
        await reply(update, card(view, member.language), reply_markup=inline([
            [(_("Check in"), f"evm:people:{view.event.id}"), (_("Move"), f"evm:move:{view.event.id}")],
            [(_("✏️ Edit"), f"evm:edit:{view.event.id}"), (_("Cancel event"), f"evm:cancel:{view.event.id}")]]))


async def load_managed(update: Update, context: Context) -> tuple[Member, Any, ev.Event] | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    try:
        async with runtime_of(context).db.session() as session:
            event = await ev.get_event(session, int(query.data.rsplit(":", 1)[1]))
    except NotFound:
        event = None
    if event is None or not await may_manage(context, member, event):
        await query.answer(_("Only the board or the event's contact person can do that."), show_alert=True)
        return None
    return member, _, event


def people_view(event: ev.Event, coming: list[tuple[ev.Rsvp, Member]], lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = translator(lang)
    lines = [_("Who came to “{title}”?").format(title=event.title)]
    rows = []
    for answer, person in coming:
        if answer.seat != ev.CONFIRMED:
            continue
        mark = {True: "✅", False: "❌", None: "▫️"}[answer.attended]
        lines.append(f"{mark} {person.name or '?'}")
        rows.append([(_("{name}: here").format(name=(person.name or "?")[:20]), f"evm:in:{event.id}:{answer.id}"),
                     (_("didn't come"), f"evm:out:{event.id}:{answer.id}")])
    return "\n".join(lines), inline(rows) if rows else None


async def people(update: Update, context: Context) -> None:
    """The contact person's check-in list: everyone with a seat, with present/absent buttons."""
    loaded = await load_managed(update, context)
    if loaded is None:
        return
    member, _, event = loaded
    async with runtime_of(context).db.session() as session:
        coming = await ev.attendees(session, event.id, ("yes",))
    text, keyboard = people_view(event, coming, member.language)
    await update.callback_query.answer()  # type: ignore[union-attr]
    await reply(update, text, reply_markup=keyboard)


async def check_in(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _prefix, action, event_id, rsvp_id = query.data.split(":")
    member, _ = await member_and_translator(update, context)
    try:
        async with runtime_of(context).db.session() as session:
            event = await ev.get_event(session, int(event_id))
            answer = await ev.get_rsvp(session, int(rsvp_id))
            allowed = answer.event_id == event.id and await may_manage(context, member, event)
            if allowed:
                await ev.set_attendance(session, int(rsvp_id), action == "in")
                coming = await ev.attendees(session, event.id, ("yes",))
    except NotFound:
        allowed = False
    if not allowed:
        await query.answer(_("Only the board or the event's contact person can do that."), show_alert=True)
        return
    text, keyboard = people_view(event, coming, member.language)
    await query.answer()
    await query.edit_message_text(clip(text), reply_markup=keyboard)


async def ask_cancel(update: Update, context: Context) -> None:
    loaded = await load_managed(update, context)
    if loaded is None:
        return
    member, _, event = loaded
    await update.callback_query.answer()  # type: ignore[union-attr]
    await reply(update, _("Cancel “{title}”? Everyone who answered yes or maybe is told at once.").format(title=event.title),
                reply_markup=inline([[(_("Yes, cancel the event"), f"evm:cancelyes:{event.id}"), (_("No"), "evm:no:0")]]))


async def do_cancel(update: Update, context: Context) -> None:
    loaded = await load_managed(update, context)
    if loaded is None:
        return
    member, _, event = loaded
    runtime = runtime_of(context)
    from models import outbox as box

    async with runtime.db.session() as session:
        try:
            event = await ev.cancel(session, event.id)
        except ev.EventClosed:
            await update.callback_query.answer(_("That event is over or cancelled."), show_alert=True)  # type: ignore[union-attr]
            return
        await box.cancel(session, msgs.prefix(event))
        told = 0
        for _answer, person in await ev.attendees(session, event.id, ("yes", "maybe")):
            await msgs.cancelled(session, event, person, runtime.now())
            told += 1
    await update.callback_query.answer()  # type: ignore[union-attr]
    await update.callback_query.edit_message_text(_("“{title}” is cancelled; {count} people are being told.").format(  # type: ignore[union-attr]
        title=event.title, count=told))


async def no_op(update: Update, context: Context) -> None:
    member, _ = await member_and_translator(update, context)
    await update.callback_query.answer()  # type: ignore[union-attr]
    await update.callback_query.edit_message_text(_("Nothing was changed."))  # type: ignore[union-attr]


async def ask_move(update: Update, context: Context) -> int | None:
    loaded = await load_managed(update, context)
    if loaded is None:
        return None
    member, _, event = loaded
    draft(context)["move"] = event.id
    await update.callback_query.answer()  # type: ignore[union-attr]
    await reply(update, _("New start? Write date and time, for example 17.04 12:00. (/avbryt to stop)"))
    return MOVE_START


async def move_start(update: Update, context: Context) -> int:
    start = await read_start(update, context)
    if start is None:
        return MOVE_START
    draft(context)["start"] = start.isoformat()
    return MOVE_END


async def move_end(update: Update, context: Context) -> int:
    member, _ = await member_and_translator(update, context)
    runtime = runtime_of(context)
    data = draft(context)
    start = datetime.fromisoformat(data["start"])
    end = await read_end(update, context, start)
    if end is None:
        return MOVE_END
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    from models import outbox as box

    now = runtime.now()
    async with runtime.db.session() as session:
        old = await ev.get_event(session, data["move"])
        await box.cancel(session, msgs.prefix(old))
        event = await ev.move(session, data["move"], starts_at=start, ends_at=end, now=now)
        told = 0
        for answer, person in await ev.attendees(session, event.id, ("yes", "maybe")):
            await msgs.moved(session, event, person, now)
            if answer.answer == "maybe" or answer.seat == ev.CONFIRMED:
                await msgs.schedule_for_member(session, event, person, now)
            told += 1
    await reply(update, _("“{title}” now starts {when}; {count} people are being told.").format(
        title=event.title, when=msgs.when(event, member.language), count=told))
    return ConversationHandler.END


async def ask_edit(update: Update, context: Context) -> int | None:
    loaded = await load_managed(update, context)
    if loaded is None:
        return None
    member, _, event = loaded
    draft(context)["edit"] = event.id
    await update.callback_query.answer()  # type: ignore[union-attr]
    await reply(update, _("What do you want to change in “{title}”?").format(title=event.title), reply_markup=inline([
        [(_("Title"), "eve:title"), (_("Place"), "eve:place")], [(_("Description"), "eve:description"), (_("Places"), "eve:capacity")],
        [(_("Cancel"), "evc:cancel")]]))
    return EDIT_FIELD


async def edit_field(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    member, _ = await member_and_translator(update, context)
    field = query.data.split(":")[1]
    draft(context)["field"] = field
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, {"title": _("Write the new title."), "place": _("Write the new place."),
                         "description": _("Write the new description."), "capacity": _("How many places in all?")}[field])
    return EDIT_VALUE


async def edit_value(update: Update, context: Context) -> int:
    """Save the change; a new place is told to those coming, new places go to the waiting list."""
    member, _ = await member_and_translator(update, context)
    assert context.user_data is not None
    data = draft(context)
    text = (update.message.text or "").strip()  # type: ignore[union-attr]
    runtime = runtime_of(context)
    changes: dict[str, Any] = {}
    if data["field"] == "capacity":
        if not text.isdigit():
            await reply(update, _("Write a number from 1 to 5000, or tap “No limit”."))
            return EDIT_VALUE
        changes["capacity"] = int(text)
    elif not 2 <= len(text) <= (3000 if data["field"] == "description" else 300):
        await reply(update, _("That is {length} characters; the limit is {limit}. Please shorten it and send it again.").format(
            length=len(text), limit=3000 if data["field"] == "description" else 300))
        return EDIT_VALUE
    else:
        changes[data["field"]] = text
    now = runtime.now()
    try:
        async with runtime.db.session() as session:
            event, promoted = await ev.edit(session, data["edit"], now=now, **changes)
            for person in promoted:
                await msgs.promoted(session, event, person, now)
            if "place" in changes:
                for _answer, person in await ev.attendees(session, event.id, ("yes", "maybe")):
                    await msgs.moved(session, event, person, now)
    except ev.CapacityTooSmall as exc:
        await reply(update, _("{count} people already have seats, so there must be at least that many.").format(count=exc.args[0]))
        return EDIT_VALUE
    except ev.EventClosed:
        context.user_data.pop(DRAFT, None)
        await reply(update, _("That event is over or cancelled."))
        return ConversationHandler.END
    except ev.EventError:
        await reply(update, _("Write a number from 1 to 5000, or tap “No limit”."))
        return EDIT_VALUE
    context.user_data.pop(DRAFT, None)
    await reply(update, _("Saved.") + ("\n" + _("{count} from the waiting list got a seat.").format(count=len(promoted)) if promoted else ""))
    return ConversationHandler.END


async def calendar_upkeep(runtime: Runtime) -> None:
    """Dispatcher hook: keep a year of recurring events ahead, and warn the board when nothing is planned."""
    now = runtime.now()
    today = now.astimezone(OSLO).date()
    if runtime.calendar_checked_on == today:
        return
    runtime.calendar_checked_on = today
    settings = runtime.settings
    async with runtime.db.session() as session:
        await ev.materialise(session, now)
        if await ev.joinable_within(session, now, settings.plan_ahead_days) == 0:
            board = await membership.members_with_role(session, "board", settings.lagbot_admins)
            await msgs.nothing_planned(session, board, settings.plan_ahead_days, now, settings.plan_ahead_nudge_every_days)


cancel_draft = cancel_conversation(N_("Cancelled. Nothing was changed."), DRAFT)


def register(application: Application) -> None:  # type: ignore[type-arg]

    private = filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND
    features(application).deep_links["event"] = deep_link
    features(application).mine.append(mine)
    application.add_handler(CommandHandler(["arrangementer", "events"], list_events, private))
    application.add_handler(MessageHandler(private & filters.Regex(add_menu(application, MenuItem("events", N_("📅 Events"), 15))), list_events))
    application.add_handler(CommandHandler(["arshjul", "calendar"], yearly_calendar, private))
    cancel = [CommandHandler(["avbryt", "cancel"], cancel_draft), CallbackQueryHandler(cancel_draft, pattern=r"^evc:cancel$")]
    application.add_handler(ConversationHandler(
        entry_points=[CommandHandler(["nyttarrangement", "newevent"], new_event, private), CallbackQueryHandler(new_event, pattern=r"^ev:new$")],
        states={
            KIND: [CallbackQueryHandler(got_kind, pattern=rf"^evc:kind:({'|'.join(ev.KINDS)})$"), MessageHandler(text, buttons_expected)],
            TITLE: [MessageHandler(text, got_title)],
            DESCRIPTION: [CallbackQueryHandler(got_description, pattern=r"^evc:skip$"), MessageHandler(text, got_description)],
            START: [MessageHandler(text, got_start)],
            END: [MessageHandler(text, got_end)],
            PLACE: [MessageHandler(filters.LOCATION | text, got_place)],
            CAPACITY: [CallbackQueryHandler(got_capacity, pattern=r"^evc:skip$"), MessageHandler(text, got_capacity)],
            PARTNERS: [CallbackQueryHandler(got_partners, pattern=r"^evc:skip$"), MessageHandler(text, got_partners)],
            CONTACT: [CallbackQueryHandler(got_contact, pattern=r"^evc:me$"), MessageHandler(text, got_contact)],
            REPEAT: [CallbackQueryHandler(got_repeat, pattern=r"^evc:repeat:(none|monthly|yearly)$"), MessageHandler(text, buttons_expected)],
            CONFIRM: [CallbackQueryHandler(create, pattern=r"^evc:create$"), MessageHandler(text, buttons_expected)],
        },
        fallbacks=cancel, name="event_create", persistent=True, allow_reentry=True,
    ))
    application.add_handler(ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_move, pattern=r"^evm:move:\d{1,9}$")],
        states={MOVE_START: [MessageHandler(text, move_start)], MOVE_END: [MessageHandler(text, move_end)]},
        fallbacks=cancel, name="event_move", persistent=True, allow_reentry=True,
    ))
    application.add_handler(ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_edit, pattern=r"^evm:edit:\d{1,9}$")],
        states={EDIT_FIELD: [CallbackQueryHandler(edit_field, pattern=r"^eve:(title|place|description|capacity)$"),
                             MessageHandler(text, buttons_expected)],
                EDIT_VALUE: [MessageHandler(text, edit_value)]},
        fallbacks=cancel, name="event_edit", persistent=True, allow_reentry=True,
    ))
    application.add_handler(CallbackQueryHandler(list_events, pattern=rf"^ev:kind:({'|'.join(ev.KINDS)}|all)$"))
    application.add_handler(CallbackQueryHandler(show, pattern=r"^ev:show:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(rsvp, pattern=r"^ev:rsvp:\d{1,9}:(yes|maybe|no)$"))
    application.add_handler(CallbackQueryHandler(ics, pattern=r"^ev:ics:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(manage, pattern=r"^ev:manage$"))
    application.add_handler(CallbackQueryHandler(people, pattern=r"^evm:people:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(check_in, pattern=r"^evm:(in|out):\d{1,9}:\d{1,12}$"))
    application.add_handler(CallbackQueryHandler(ask_cancel, pattern=r"^evm:cancel:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(do_cancel, pattern=r"^evm:cancelyes:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(no_op, pattern=r"^evm:no:0$"))
