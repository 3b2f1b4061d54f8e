"""/utsending: the board writes a message, picks an audience, previews it, and sends or schedules it."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import broadcasting
from bot.i18n import N_, BadTime, fmt_datetime, parse_oslo_datetime, translator
from bot.runtime import runtime_of
from handlers.common import (
    DISTRICT_LABELS,
    INTEREST_LABELS,
    ROLE_LABELS,
    Context,
    buttons_expected,
    cancel_conversation,
    current_member,
    inline,
    reply,
    requires_role,
)
from models import broadcast as bc
from models.member import DISTRICTS, INTERESTS, ROLES

TEXT, AUDIENCE, WHEN = range(3)
DRAFT_KEY = "broadcast_draft"
NEW_STEPS = (None, 14, 30, 90)
INACTIVE_STEPS = (None, 30, 90, 180)
SECTIONS = {"d": (DISTRICTS, DISTRICT_LABELS, "districts"), "i": (INTERESTS, INTEREST_LABELS, "interests"),
            "r": (tuple(r for r in ROLES if r != "member"), ROLE_LABELS, "roles")}


def describe(audience: bc.Audience, lang: str) -> str:
    _ = translator(lang)
    if audience.everyone:
        return _("everyone")
    parts = []
    if audience.districts:
        parts.append(" / ".join(_(DISTRICT_LABELS[d]) for d in audience.districts))
    if audience.interests:
        parts.append(" / ".join(_(INTEREST_LABELS[i]) for i in audience.interests))
    if audience.roles:
        parts.append(" / ".join(_(ROLE_LABELS[r]) for r in audience.roles))
    if audience.new_within_days:
        parts.append(_("joined in the last {days} days").format(days=audience.new_within_days))
    if audience.inactive_days:
        parts.append(_("inactive for {days} days").format(days=audience.inactive_days))
    return " + ".join(parts)


def draft_of(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT_KEY, {"text": "", "audience": {}, "urgent": False})


def audience_view(draft: dict[str, Any], lang: str, section: str | None = None) -> tuple[str, Any]:
    _ = translator(lang)
    audience = bc.Audience.from_json(draft["audience"])
    text = _("Who should get it?\nAudience: {audience}").format(audience=describe(audience, lang))
    if draft["urgent"]:
        text += "\n" + _("❗ Urgent: sent at once, also in quiet hours and past the weekly cap.")
    if section in SECTIONS:
        codes, labels, field = SECTIONS[section]
        chosen = set(getattr(audience, field))
        rows = [[(("✅ " if c in chosen else "▫️ ") + _(labels[c]), f"bc:{section}:{c}")] for c in codes]
        return text, inline([*rows, [(_("« Back"), "bc:back")]])
    new = audience.new_within_days
    inactive = audience.inactive_days
    rows = [
        [(_("Districts"), "bc:menu:d"), (_("Interests"), "bc:menu:i"), (_("Roles"), "bc:menu:r")],
        [(_("New members: {days}").format(days=_("{days} days").format(days=new) if new else _("off")), "bc:new"),
         (_("Inactive: {days}").format(days=_("{days} days").format(days=inactive) if inactive else _("off")), "bc:inactive")],
        [((_("❗ Urgent: on") if draft["urgent"] else _("Urgent: off")), "bc:urgent"), (_("Everyone"), "bc:all")],
        [(_("Preview ▸"), "bc:preview"), (_("Cancel"), "bc:cancel")],
    ]
    return text, inline(rows)


@requires_role("board")
async def start(update: Update, context: Context) -> int | None:
    """Begin a broadcast, or show status/replies when asked with an argument."""
    member = await current_member(update, context)
    assert member is not None
    _ = translator(member.language)
    argument = (context.args or [""])[0].lower()
    if argument in ("status",):
        await show_status(update, context)
        return ConversationHandler.END
    if argument in ("svar", "replies"):
        await show_replies(update, context)
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[DRAFT_KEY] = {"text": "", "audience": {}, "urgent": False}
    await reply(update, _("Write the message members should get (at most {limit} characters). Send /avbryt to cancel.").format(limit=bc.MAX_TEXT))
    return TEXT


async def got_text(update: Update, context: Context) -> int:
    """Keep the text and show the audience picker."""
    assert update.message is not None and update.message.text is not None
    member = await current_member(update, context)
    lang = member.language if member else "nb"
    _ = translator(lang)
    text = update.message.text.strip()
    if len(text) > bc.MAX_TEXT:
        await reply(update, _("That is {length} characters; the limit is {limit}. Please shorten it and send it again.").format(length=len(text), limit=bc.MAX_TEXT))
        return TEXT
    draft = draft_of(context)
    draft["text"] = text
    view, keyboard = audience_view(draft, lang)
    await reply(update, view, reply_markup=keyboard)
    return AUDIENCE


async def not_text(update: Update, context: Context) -> int:
    member = await current_member(update, context)
    _ = translator(member.language if member else "nb")
    await reply(update, _("Please send the message as text."))
    return TEXT


async def audience_button(update: Update, context: Context) -> int:
    """Toggle a filter, open a section, or go back; the picker is edited in place."""
    query = update.callback_query
    assert query is not None and query.data is not None
    member = await current_member(update, context)
    lang = member.language if member else "nb"
    draft = draft_of(context)
    audience = bc.Audience.from_json(draft["audience"])
    parts = query.data.split(":")
    section: str | None = None
    if parts[1] == "menu":
        section = parts[2]
    elif parts[1] in SECTIONS:
        section = parts[1]
        field = SECTIONS[section][2]
        values: list[str] = getattr(audience, field)
        values.remove(parts[2]) if parts[2] in values else values.append(parts[2])
    elif parts[1] == "new":
        audience.new_within_days = NEW_STEPS[(NEW_STEPS.index(audience.new_within_days) + 1) % len(NEW_STEPS)]
    elif parts[1] == "inactive":
        audience.inactive_days = INACTIVE_STEPS[(INACTIVE_STEPS.index(audience.inactive_days) + 1) % len(INACTIVE_STEPS)]
    elif parts[1] == "urgent":
        draft["urgent"] = not draft["urgent"]
    elif parts[1] == "all":
        audience = bc.Audience()
    draft["audience"] = audience.to_json()
    text, keyboard = audience_view(draft, lang, section)
    await query.answer()
    await query.edit_message_text(text, reply_markup=keyboard)
    return AUDIENCE


async def preview(update: Update, context: Context) -> int:
    """The message exactly as members will see it, and how many it reaches."""
    query = update.callback_query
    assert query is not None
    member = await current_member(update, context)
    assert member is not None
    _ = translator(member.language)
    draft = draft_of(context)
    audience = bc.Audience.from_json(draft["audience"])
    runtime = runtime_of(context)
    async with runtime.db.session() as session:
        counted = await bc.reach(session, audience, now=runtime.now(), urgent=draft["urgent"], weekly_cap=runtime.settings.weekly_cap)
    await query.answer()
    button = draft.get("button")
    await reply(update, broadcasting.render(draft["text"], member.language, urgent=draft["urgent"]),
                reply_markup=inline([[(broadcasting.button_label(button, member.language), button["data"])]]) if button else None)
    summary = "\n".join([
        _("Preview above. Audience: {audience}").format(audience=describe(audience, member.language)),
        _("Recipients: {count}").format(count=len(counted.recipients)),
        _("Matching: {count}").format(count=counted.matching),
        _("– not on Telegram: {count}").format(count=counted.not_on_telegram),
        _("– turned off messages from the board: {count}").format(count=counted.opted_out),
        _("– unreachable (blocked the bot): {count}").format(count=counted.unreachable),
        _("– reached the weekly cap: {count}").format(count=counted.over_cap),
    ])
    await reply(update, summary, reply_markup=inline([
        [(_("Send now"), "bc:send"), (_("Schedule…"), "bc:schedule")],
        [(_("🔘 Add a button"), "bc:button"), (_("« Change audience"), "bc:back")],
        [(_("Cancel"), "bc:cancel")],
    ]))
    return AUDIENCE


async def choose_button(update: Update, context: Context) -> int:
    """Offer one button for the message: join a round, answer an event, or take a call."""
    query = update.callback_query
    assert query is not None
    member = await current_member(update, context)
    assert member is not None
    _ = translator(member.language)
    runtime = runtime_of(context)
    async with runtime.db.session() as session:
        options = await broadcasting.button_options(session, runtime.now())
    await query.answer()
    rows = [[(f"{icon} {title[:40]}", f"bc:pick:{kind}:{item_id}")] for kind, item_id, title, icon in options[:8]]
    rows.append([(_("No button"), "bc:pick:none:0")])
    await reply(update, _("Which button should the message have?"), reply_markup=inline(rows))
    return AUDIENCE


async def pick_button(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    _prefix, _pick, kind, item_id = query.data.split(":")
    draft = draft_of(context)
    draft["button"] = None if kind == "none" else {"kind": kind, "data": broadcasting.BUTTON_DATA[kind].format(id=item_id)}
    await query.edit_message_reply_markup(None)
    return await preview(update, context)  # answers the button press


async def send_now(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    await create_and_report(update, context, send_at=None)
    return ConversationHandler.END


async def ask_when(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    member = await current_member(update, context)
    _ = translator(member.language if member else "nb")
    await query.answer()
    await reply(update, _("When should it go out? Write a date and time in Oslo time, for example 17.04 12:00 or 2027-04-17 12:00."))
    return WHEN


async def got_when(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    member = await current_member(update, context)
    lang = member.language if member else "nb"
    _ = translator(lang)
    runtime = runtime_of(context)
    try:
        moment = parse_oslo_datetime(update.message.text, runtime.now())
    except BadTime:
        await reply(update, _("I could not read that time. Write it like 17.04 12:00 or 2027-04-17 12:00."))
        return WHEN
    if moment <= runtime.now():
        await reply(update, _("That time has passed. Choose a time in the future."))
        return WHEN
    await create_and_report(update, context, send_at=moment)
    return ConversationHandler.END


async def create_and_report(update: Update, context: Context, *, send_at: Any) -> None:
    """Store the broadcast; send at once or leave it to the scheduler; show its status message."""
    member = await current_member(update, context)
    assert member is not None and context.user_data is not None
    _ = translator(member.language)
    draft = context.user_data.pop(DRAFT_KEY)
    runtime = runtime_of(context)
    async with runtime.db.session() as session:
        broadcast = await bc.create(session, author_id=member.id, text=draft["text"],
                                    audience=bc.Audience.from_json(draft["audience"]), urgent=draft["urgent"], send_at=send_at,
                                    button=draft.get("button"))
    if send_at is not None:
        status = await update.effective_chat.send_message(broadcasting.scheduled_text(broadcast, member.language))  # type: ignore[union-attr]
    else:
        reach = await broadcasting.launch(runtime.db, broadcast.id, now=runtime.now(), weekly_cap=runtime.settings.weekly_cap)
        status = await update.effective_chat.send_message(  # type: ignore[union-attr]
            broadcasting.progress_text(bc.Progress(waiting=len(reach.recipients)), member.language, broadcast))
    async with runtime.db.session() as session:
        stored = await bc.get(session, broadcast.id)
        stored.status_chat_id, stored.status_message_id = status.chat_id, status.message_id
        stored.status_text = status.text


@requires_role("board")
async def show_status(update: Update, context: Context) -> None:
    """Recent broadcasts with their figures."""
    member = await current_member(update, context)
    assert member is not None
    lang = member.language
    _ = translator(lang)
    async with runtime_of(context).db.session() as session:
        items = await bc.recent(session)
        lines = [_("Recent broadcasts:")] if items else [_("No broadcasts yet.")]
        for item in items:
            progress = await bc.progress(session, item.id)
            replies = await bc.replies_count(session, item.id)
            when = fmt_datetime(item.send_at or item.created_at, lang)
            audience = describe(bc.Audience.from_json(item.audience), lang)
            lines.append(_("#{number} · {when} · {audience}\n   sent {sent}, waiting {waiting}, failed {failed}, unreachable {unreachable}, replies {replies}").format(
                number=item.id, when=when, audience=audience, sent=progress.sent, waiting=progress.waiting,
                failed=progress.failed, unreachable=progress.unreachable, replies=replies))
    await reply(update, "\n".join(lines))


@requires_role("board")
async def show_replies(update: Update, context: Context) -> None:
    """The newest replies members sent to broadcasts."""
    member = await current_member(update, context)
    assert member is not None
    _ = translator(member.language)
    async with runtime_of(context).db.session() as session:
        rows = await bc.replies(session)
    if not rows:
        await reply(update, _("No replies to broadcasts yet."))
        return
    lines = [_("Replies to broadcasts (newest first):")]
    for answer, author in rows:
        name = author.name if author is not None and author.name else _("(erased)")
        lines.append(f"#{answer.broadcast_id} · {name}: {answer.text[:300]}")
    await reply(update, "\n".join(lines)[:4000])


def conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    sections = "|".join(SECTIONS)
    toggles = "|".join(f"{key}:({'|'.join(codes)})" for key, (codes, _labels, _field) in SECTIONS.items())
    return ConversationHandler(
        entry_points=[CommandHandler(["utsending", "broadcast"], start, filters.ChatType.PRIVATE)],
        states={
            TEXT: [MessageHandler(text, got_text), MessageHandler(~filters.COMMAND, not_text)],
            AUDIENCE: [
                CallbackQueryHandler(preview, pattern=r"^bc:preview$"),
                CallbackQueryHandler(send_now, pattern=r"^bc:send$"),
                CallbackQueryHandler(choose_button, pattern=r"^bc:button$"),
                CallbackQueryHandler(pick_button, pattern=r"^bc:pick:(round|event|calls|none):\d{1,9}$"),
                CallbackQueryHandler(ask_when, pattern=r"^bc:schedule$"),
                CallbackQueryHandler(cancel, pattern=r"^bc:cancel$"),
                CallbackQueryHandler(audience_button, pattern=rf"^bc:(menu:({sections})|{toggles}|new|inactive|urgent|all|back)$"),
                MessageHandler(text, buttons_expected),
            ],
            WHEN: [MessageHandler(text, got_when)],
        },
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel)],
        name="broadcast",
        persistent=True,
        allow_reentry=True,
    )


cancel = cancel_conversation(N_("Cancelled. Nothing was sent."), DRAFT_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(conversation())
