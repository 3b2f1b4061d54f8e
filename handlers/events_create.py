"""/nyttarrangement: the board creates an event, once or repeating monthly or yearly."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import event_messages as ev_msgs
from bot import event_messages as msgs
from bot.activity_buttons import (
    CreateDraft,
    DraftContactMe,
    DraftKind,
    DraftRepeat,
    DraftTag,
    DraftTagsDone,
    NewEvent,
    SkipStep,
    StopFlow,
)
from bot.i18n import N_
from handlers.cards import event_card
from handlers.choice import show_choice
from handlers.common import Context, buttons_expected, cancel_conversation, inline, reply, requires_role
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import place_step, role_gone, skip_button, skippable, title_step, when_steps
from models import events as ev
from models import membership
from models.constants import MAX_CAPACITY, OSLO
from models.errors import InvalidPhone, MemberNotFound

KIND, TITLE, DESCRIPTION, START, END, PLACE, CAPACITY, PARTNERS, CONTACT, REPEAT, CONFIRM, TAGS = range(40, 52)
DRAFT = "event_draft"
TITLE_OF_FLOW = N_("creating an event")
REPEATS = {"none": "", "monthly": N_("Every month, same weekday"), "yearly": N_("Every year, same date")}


def draft(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, {})



@requires_role("board")
async def new_event(update: Update, context: Context) -> int | None:
    _ = context._
    assert context.user_data is not None
    context.user_data[DRAFT] = {}
    if update.callback_query is not None:
        await update.callback_query.answer()
    buttons = [(_(label), DraftKind(kind=kind).pack()) for kind, label in msgs.KIND_LABELS.items()]
    await reply(update, _("New event. What kind? (/avbryt to stop)"), reply_markup=inline([buttons[n : n + 2] for n in range(0, len(buttons), 2)]))
    return KIND


async def got_kind(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    kind = DraftKind.parse(query.data).kind
    if kind not in ev.KINDS:
        await query.answer(context._("Please use the buttons above, or /avbryt to cancel."), show_alert=True)
        return KIND
    draft(context)["kind"] = kind
    await query.answer()
    await show_choice(update, context._(msgs.KIND_LABELS[kind]))
    await reply(update, context._("What is it called?"))
    return TITLE


async def got_title(update: Update, context: Context) -> int:
    if not await title_step(update, context, draft(context)):
        return TITLE
    _ = context._
    await reply(update, _("A short description? Write it, or skip."), reply_markup=skip_button(context))
    return DESCRIPTION


async def got_description(update: Update, context: Context) -> int:
    draft(context)["description"] = ((await skippable(update)) or "")[:3000]
    await reply(update, context._("When does it start? Write date and time, for example 17.04 12:00."))
    return START


got_start, got_end = when_steps(DRAFT, START, END, PLACE, N_("Where? Write the place, or send a location pin (📎 → Location)."))


async def got_place(update: Update, context: Context) -> int:
    if not await place_step(update, context, draft(context), pin_saved=N_("Pin saved. Now write the name of the place."),
                            too_short=N_("Write the place in 2 to 300 characters.")):
        return PLACE
    await reply(update, context._("Is there a limit on how many can come? Write a number, or skip."),
                reply_markup=skip_button(context, N_("No limit")))
    return CAPACITY


async def got_capacity(update: Update, context: Context) -> int:
    text = await skippable(update)
    if text is not None and not (text.isdigit() and 1 <= int(text) <= MAX_CAPACITY):
        await reply(update, context._("Write a number from 1 to {limit}, or tap “No limit”.").format(limit=MAX_CAPACITY))
        return CAPACITY
    draft(context)["capacity"] = None if text is None else int(text)
    await reply(update, context._("Partner organisations? Write them separated by commas, or skip."), reply_markup=skip_button(context))
    return PARTNERS


async def got_partners(update: Update, context: Context) -> int:
    _ = context._
    written = await skippable(update) or ""
    draft(context)["partners"] = [p.strip() for p in written.split(",") if p.strip()][:10]
    await reply(update, _("Who is the contact person? Send their phone number, or tap “Me”."),
                reply_markup=inline([[(_("Me"), DraftContactMe().pack())]]))
    return CONTACT


async def got_contact(update: Update, context: Context) -> int:
    _ = context._
    phone = await skippable(update)
    if phone is None:
        draft(context)["contact"] = context.known.id
    else:
        try:
            async with context.runtime.db.session() as session:
                contact = await membership.find_member(session, phone=phone)
        except (MemberNotFound, InvalidPhone):
            await reply(update, _("No member has that number. Check it, or tap “Me”."))
            return CONTACT
        draft(context)["contact"] = contact.id
    await reply(update, _("Is it one of the plan's goals? Tap to tick, then “Done” (or just “Done”)."),
                reply_markup=tags_markup(context, []))
    return TAGS


async def got_tag(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    tag = DraftTag.parse(query.data).tag
    if tag not in ev.TAGS:
        await query.answer(context._("Please use the buttons above, or /avbryt to cancel."), show_alert=True)
        return TAGS
    chosen = draft(context).setdefault("tags", [])
    chosen.remove(tag) if tag in chosen else chosen.append(tag)
    await query.answer()
    await query.edit_message_reply_markup(tags_markup(context, chosen))
    return TAGS


def tags_markup(context: Context, chosen: list[str]) -> Any:
    rows = msgs.tag_keyboard_rows(chosen, context.lang, lambda tag: DraftTag(tag=tag).pack())
    return inline([*rows, [(context._("Done"), DraftTagsDone().pack())]])


async def tags_done(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    _ = context._
    await query.answer()
    tags = draft(context).get("tags") or []
    await show_choice(update, ", ".join(_(msgs.TAG_LABELS[t]) for t in ev.TAGS if t in tags) or _("none"))
    await reply(update, _("Does it repeat?"), reply_markup=inline(
        [[(_("No"), DraftRepeat(repeat="none").pack())]] + [[(_(REPEATS[r]), DraftRepeat(repeat=r).pack())] for r in ("monthly", "yearly")]))  # type: ignore[arg-type]
    return REPEAT


async def got_repeat(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    _ = context._
    data = draft(context)
    data["repeat"] = DraftRepeat.parse(query.data).repeat
    await query.answer()
    await show_choice(update)
    fake = ev.Event(kind=data["kind"], title=data["title"], starts_at=datetime.fromisoformat(data["start"]),
                    ends_at=datetime.fromisoformat(data["end"]), place=data["place"], description=data.get("description", ""),
                    capacity=data.get("capacity"), partners=data.get("partners", []), tags=data.get("tags", []), version=1)
    text = event_card(ev.EventView(fake, 0, 0, 0), context.lang, contact=await contact_name(context, data.get("contact")))
    repeat = REPEATS[data["repeat"]]
    await reply(update, text + (f"\n🔁 {_(repeat)}" if repeat else ""),
                reply_markup=inline([[(_("✅ Create"), CreateDraft().pack()), (_("Cancel"), StopFlow().pack())]]))
    return CONFIRM


async def contact_name(context: Context, member_id: int | None) -> str | None:
    """The contact person's name, to echo whom a typed phone number found."""
    if member_id is None:
        return None
    async with context.runtime.db.session() as session:
        try:
            return (await membership.member_by_id(session, member_id)).name or "?"
        except MemberNotFound:
            return None


def monthly_rule(start: datetime) -> str:
    """The same weekday each month: the first to fourth, or the last (a fifth Friday is the last Friday,
    so the series does not skip the months that have only four)."""
    local = start.astimezone(OSLO)
    nth = (local.day - 1) // 7 + 1
    if nth == 5:
        nth = -1
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[local.weekday()]
    return f"FREQ=MONTHLY;BYDAY={nth}{weekday}"


async def create(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    member, runtime = context.known, context.runtime
    data = context.user_data.pop(DRAFT, {})
    await query.answer()
    await query.edit_message_reply_markup(None)
    start, end = datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])
    common: dict[str, Any] = {"kind": data["kind"], "title": data["title"], "place": data["place"],
                              "description": data.get("description", ""), "capacity": data.get("capacity"),
                              "partners": data.get("partners"), "contact_id": data.get("contact"),
                              "tags": data.get("tags", [])}
    async with runtime.db.session() as session:
        if await role_gone(update, context, session, "board", TITLE_OF_FLOW):
            return Flow.END
        if data["repeat"] == "none":
            first = await ev.create_event(session, starts_at=start, ends_at=end, now=runtime.now(), latitude=data.get("lat"),
                                          longitude=data.get("lon"), created_by=member.id, **common)
            count = 1
        else:
            rule = monthly_rule(start) if data["repeat"] == "monthly" else "FREQ=YEARLY"
            series = await ev.create_series(session, rule=rule, first_local=start.astimezone(OSLO),
                                            minutes=int((end - start).total_seconds() // 60),
                                            now=runtime.now() - timedelta(seconds=1), **common)
            count = await ev.occurrence_count(session, series.id)
            first = await ev.first_of_series(session, series.id)
        if first is not None and first.contact_id not in (None, member.id):  # someone else is the contact: tell them
            await ev_msgs.contact_assigned(session, first, count, runtime.now())
    _ = context._
    head = [f"📅 {data['title']}", f"🏷 {_(ev_msgs.KIND_LABELS[data['kind']])}"]  # what was made, kind and contact echoed
    contact = await contact_name(context, data.get("contact"))
    if contact:
        head.append("👤 " + _("Contact: {name}").format(name=contact))
    await reply(update, context.ngettext(
        "Created: {count} event. Members find it under /arrangementer.",
        "Created: {count} events. Members find them under /arrangementer.", count).format(count=count) + "\n" + "\n".join(head))
    return Flow.END


cancel_draft = cancel_conversation(N_("Cancelled. Nothing was changed."), DRAFT)


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    skip = SkipStep.filter()
    application.add_handler(Flow(
        application, "event_create", title=TITLE_OF_FLOW, role="board", drafts=(DRAFT,),
        entry_points=[CommandHandler(["nyttarrangement", "newevent"], new_event, filters.ChatType.PRIVATE),
                      Press(new_event, pattern=NewEvent.filter())],
        states={
            KIND: [Press(got_kind, pattern=DraftKind.filter()), MessageHandler(text, buttons_expected)],
            TITLE: [MessageHandler(text, got_title)],
            DESCRIPTION: [Press(got_description, pattern=skip), MessageHandler(text, got_description)],
            START: [MessageHandler(text, got_start)],
            END: [MessageHandler(text, got_end)],
            PLACE: [MessageHandler(filters.LOCATION | text, got_place)],
            CAPACITY: [Press(got_capacity, pattern=skip), MessageHandler(text, got_capacity)],
            PARTNERS: [Press(got_partners, pattern=skip), MessageHandler(text, got_partners)],
            CONTACT: [Press(got_contact, pattern=DraftContactMe.filter()), MessageHandler(text, got_contact)],
            TAGS: [Press(got_tag, pattern=DraftTag.filter()), Press(tags_done, pattern=DraftTagsDone.filter()),
                   MessageHandler(text, buttons_expected)],
            REPEAT: [Press(got_repeat, pattern=DraftRepeat.filter()), MessageHandler(text, buttons_expected)],
            CONFIRM: [Press(create, pattern=CreateDraft.filter()), MessageHandler(text, buttons_expected)],
        },
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel_draft), Press(cancel_draft, pattern=StopFlow.filter())],
    ))
