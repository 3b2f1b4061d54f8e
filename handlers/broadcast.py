"""/utsending: the board writes a message, picks an audience, previews it, and sends or schedules it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import broadcasting
from bot.callbacks import Id, Number, callback
from bot.i18n import N_, fmt_date, fmt_datetime
from bot.outbox_buttons import BROADCAST_BUTTONS
from handlers.broadcast_audience import (
    AudienceOption,
    CancelBroadcast,
    OpenSection,
    Preview,
    audience_view,
    change,
    describe,
    is_choice,
    picker_family,
)
from handlers.broadcast_scheduled import list_scheduled, scheduled_buttons
from handlers.common import (
    Context,
    acting,
    buttons_expected,
    cancel_conversation,
    flow_step,
    inline,
    new_draft,
    page_buttons,
    page_of,
    reply,
    requires_role,
)
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import read_future, too_long
from models import broadcast as bc

TEXT, AUDIENCE, WHEN = range(3)
DRAFT_KEY = "broadcast_draft"


@callback("bc.send")
class SendNow:
    draft_id: Id


@callback("bc.schedule")
class Schedule:
    draft_id: Id


@callback("bc.button")
class ChooseButton:
    draft_id: Id


@callback("bc.pick")
class PickButton:
    draft_id: Id
    kind: Literal["round", "event", "calls"]
    item_id: Id


@callback("bc.nobutton")
class NoButton:
    draft_id: Id


@callback("bc.kind")
class PickKind:
    """One kind of button target, a page of them."""

    draft_id: Id
    kind: Literal["round", "event", "calls"]
    page: Number


def draft_of(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data[DRAFT_KEY]


@requires_role("board")
async def start(update: Update, context: Context) -> int | None:
    """Begin a broadcast, or show status/replies when asked with an argument."""
    argument = (context.args or [""])[0].lower()
    if argument in ("status",):
        await show_status(update, context)
        return Flow.END
    if argument in ("svar", "replies"):
        await show_replies(update, context)
        return Flow.END
    if argument in ("planlagt", "planlagde", "planlagte", "scheduled"):
        await list_scheduled(update, context)
        return Flow.END
    # An audience chosen from a survey's answers (/undersokelse) is where the picker starts.
    new_draft(context, DRAFT_KEY, text="", audience=(context.user_data or {}).pop("audience_preset", None) or {}, urgent=False)
    await reply(update, context._("Write the message members should get (at most {limit} characters). Send /avbryt to cancel.").format(
        limit=bc.MAX_TEXT))
    return TEXT


async def got_text(update: Update, context: Context) -> int:
    """Keep the text and show the audience picker."""
    assert update.message is not None and update.message.text is not None
    text = update.message.text.strip()
    if await too_long(update, context, text, bc.MAX_TEXT):
        return TEXT
    draft = draft_of(context)
    draft["text"] = text
    view, keyboard = audience_view(draft, context.lang)
    await reply(update, view, reply_markup=keyboard)
    return AUDIENCE


async def not_text(update: Update, context: Context) -> int:
    await reply(update, context._("Please send the message as text."))
    return TEXT


async def audience_button(update: Update, context: Context) -> int | None:
    """Toggle a filter, open a section, or go back; the picker is edited in place."""
    query = update.callback_query
    assert query is not None
    if (step := await flow_step(update, context, picker_family(update), DRAFT_KEY, close=False)) is None:
        return None
    press, draft = step
    section = change(draft, press)
    text, keyboard = audience_view(draft, context.lang, section)
    await query.edit_message_text(text, reply_markup=keyboard)
    return AUDIENCE


async def preview(update: Update, context: Context) -> int | None:
    """The message exactly as members will see it, and how many it reaches."""
    if (step := await flow_step(update, context, Preview, DRAFT_KEY, close=False)) is None:
        return None
    return await show_preview(update, context, step[1])


async def show_preview(update: Update, context: Context, draft: dict[str, Any]) -> int:
    lang, _, runtime = context.lang, context._, context.runtime
    audience = bc.Audience.from_json(draft["audience"])
    async with runtime.db.session() as session:
        counted = await bc.reach(session, audience, now=runtime.now(), urgent=draft["urgent"], weekly_cap=runtime.settings.weekly_cap,
                                 admin_ids=runtime.settings.lagbot_admins)
    button = draft.get("button")
    await reply(update, broadcasting.render(draft["text"], lang, urgent=draft["urgent"]),
                reply_markup=inline([[(broadcasting.button_label(button, lang), button["data"])]]) if button else None)
    summary = "\n".join([
        _("Preview above. Audience: {audience}").format(audience=describe(audience, lang)),
        _("Recipients: {count}").format(count=len(counted.recipients)),
        _("Matching: {count}").format(count=counted.matching),
        _("– not on Telegram: {count}").format(count=counted.not_on_telegram),
        _("– turned off messages from the board: {count}").format(count=counted.opted_out),
        _("– unreachable (blocked the bot): {count}").format(count=counted.unreachable),
        _("– reached the weekly cap: {count}").format(count=counted.over_cap),
        *([context.ngettext("{count} unverified supporter does not get it: the board has not checked them yet (/supportere).",
                            "{count} unverified supporters do not get it: the board has not checked them yet (/supportere).",
                            counted.unverified).format(count=counted.unverified)] if counted.unverified else []),
    ])
    draft_id = draft["id"]
    await reply(update, summary, reply_markup=inline([
        [(_("Send now"), SendNow(draft_id).pack()), (_("Schedule…"), Schedule(draft_id).pack())],
        [(_("🔘 Add a button"), ChooseButton(draft_id).pack()), (_("« Change audience"), AudienceOption(draft_id, "back").pack())],
        [(_("Cancel"), CancelBroadcast(draft_id).pack())],
    ]))
    return AUDIENCE


BUTTON_KINDS = (("round", N_("🚪 A door-knocking round")), ("event", N_("📅 An event")), ("calls", N_("📞 Take a call")))
ICONS = {"round": "🚪", "event": "📅", "calls": "📞"}
NO_OPTIONS = {"round": N_("No door-knocking round is planned."), "event": N_("No event is planned."),
              "calls": N_("No phone round is running right now.")}
OPTIONS_PER_PAGE = 6


async def choose_button(update: Update, context: Context) -> int | None:
    """Offer one button for the message: join a round, answer an event, or take a call — first the kind."""
    if (step := await flow_step(update, context, ChooseButton, DRAFT_KEY, close=False)) is None:
        return None
    draft_id, _ = step[1]["id"], context._
    rows = [[(_(label), PickKind(draft_id, kind, 0).pack())] for kind, label in BUTTON_KINDS]  # type: ignore[arg-type]
    rows.append([(_("No button"), NoButton(draft_id).pack())])
    await reply(update, _("Which button should the message have?"), reply_markup=inline(rows))
    return AUDIENCE


async def choose_target(update: Update, context: Context) -> int | None:
    """A page of rounds, events or phone rounds; a date tells apart the ones with the same title."""
    if (step := await flow_step(update, context, PickKind, DRAFT_KEY, close=False)) is None:
        return None
    press, draft = step
    _, runtime, lang = context._, context.runtime, context.lang
    async with runtime.db.session() as session:
        options = await broadcasting.button_options(session, runtime.now(), press.kind)
    shown, page, pages = page_of(options, press.page, OPTIONS_PER_PAGE)
    rows = [[(f"{ICONS[press.kind]} {fmt_date(starts_at, lang) + ' · ' if starts_at else ''}{title[:36]}",
              PickButton(draft["id"], press.kind, item_id).pack())] for item_id, title, starts_at in shown]
    if more := page_buttons(_, page, pages, lambda n: PickKind(draft["id"], press.kind, n).pack()):
        rows.append(more)
    rows.append([(_("« Back"), ChooseButton(draft["id"]).pack())])
    text = _("Which one?") if options else _(NO_OPTIONS[press.kind])
    await update.callback_query.edit_message_text(text, reply_markup=inline(rows))  # type: ignore[union-attr]
    return AUDIENCE


async def pick_button(update: Update, context: Context) -> int | None:
    query = update.callback_query
    assert query is not None
    if (step := await flow_step(update, context, PickButton if PickButton.matches(query.data) else NoButton, DRAFT_KEY,
                                echo=True)) is None:
        return None
    press, draft = step
    draft["button"] = ({"kind": press.kind, "data": BROADCAST_BUTTONS[press.kind](press.item_id)}
                       if isinstance(press, PickButton) else None)
    return await show_preview(update, context, draft)


async def send_now(update: Update, context: Context) -> int | None:
    if await flow_step(update, context, SendNow, DRAFT_KEY) is None:
        return None
    await create_and_report(update, context, send_at=None)
    return Flow.END


async def ask_when(update: Update, context: Context) -> int | None:
    if await flow_step(update, context, Schedule, DRAFT_KEY, close=False) is None:
        return None
    await reply(update, context._("When should it go out? Write a date and time in Oslo time, for example 17.04 12:00 or 2027-04-17 12:00."))
    return WHEN


async def got_when(update: Update, context: Context) -> int:
    if (send_at := await read_future(update, context)) is None:
        return WHEN
    await create_and_report(update, context, send_at=send_at)
    return Flow.END


async def create_and_report(update: Update, context: Context, *, send_at: datetime | None) -> None:
    """Store the broadcast; send at once or leave it to the scheduler; show its status message."""
    assert context.user_data is not None
    member, lang, runtime = context.known, context.lang, context.runtime
    draft = context.user_data.pop(DRAFT_KEY)
    async with runtime.db.session() as session:
        if await acting(update, context, session, "board", answered=True) is None:
            return
        broadcast = await bc.create(session, author_id=member.id, text=draft["text"],
                                    audience=bc.Audience.from_json(draft["audience"]), urgent=draft["urgent"], send_at=send_at,
                                    button=draft.get("button"), now=runtime.now())
    if send_at is not None:
        status = await update.effective_chat.send_message(  # type: ignore[union-attr]
            broadcasting.scheduled_text(broadcast, lang, broadcasting.quiet_hours(runtime.settings)),
            reply_markup=scheduled_buttons(broadcast.id, lang))
    else:
        reach = await broadcasting.launch(runtime.db, broadcast.id, now=runtime.now(), weekly_cap=runtime.settings.weekly_cap,
                                          admins=runtime.settings.lagbot_admins)
        status = await update.effective_chat.send_message(  # type: ignore[union-attr]
            broadcasting.progress_text(bc.Progress(waiting=len(reach.recipients)), lang, broadcast))
    async with runtime.db.session() as session:
        stored = await bc.get(session, broadcast.id)
        stored.status_chat_id, stored.status_message_id = status.chat_id, status.message_id
        stored.status_text = status.text


@requires_role("board")
async def show_status(update: Update, context: Context) -> None:
    """Recent broadcasts with their figures."""
    lang, _ = context.lang, context._
    async with context.runtime.db.session() as session:
        items = await bc.recent(session, drafts=False)  # a draft never sent has no figures to show
        lines = [_("Recent broadcasts:")] if items else [_("No broadcasts yet.")]
        for item in items:
            progress = await bc.progress(session, item.id)
            replies = await bc.replies_count(session, item.id)
            when = fmt_datetime(item.send_at or item.created_at, lang)
            audience = describe(bc.Audience.from_json(item.audience), lang)
            if item.status in (bc.SCHEDULED, bc.CANCELLED):  # not sent (yet): no figures that read as a failure
                state = _("scheduled: /utsending planlagt") if item.status == bc.SCHEDULED else _("cancelled")
                lines.append(f"#{item.id} · {when} · {audience}\n   {state}")
                continue
            lines.append(_("#{number} · {when} · {audience}\n   sent {sent}, waiting {waiting}, failed {failed}, unreachable {unreachable}, replies {replies}").format(
                number=item.id, when=when, audience=audience, sent=progress.sent, waiting=progress.waiting,
                failed=progress.failed, unreachable=progress.unreachable, replies=replies))
            if progress.skipped:  # turned off or weekly cap: the difference between recipients and sent
                lines[-1] += _(", skipped {count}").format(count=progress.skipped)
    await reply(update, "\n".join(lines))


@requires_role("board")
async def show_replies(update: Update, context: Context) -> None:
    """The newest replies members sent to broadcasts."""
    _ = context._
    async with context.runtime.db.session() as session:
        rows = await bc.replies(session)
    if not rows:
        await reply(update, _("No replies to broadcasts yet."))
        return
    lines = [_("Replies to broadcasts (newest first):")]
    for answer, author in rows:
        name = author.name if author is not None and author.name else _("(erased)")
        lines.append(f"#{answer.broadcast_id} · {name}: {answer.text[:300]}")
    await reply(update, "\n".join(lines)[:4000])


cancel = cancel_conversation(N_("Cancelled. Nothing was sent."), DRAFT_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(Flow(
        application, "broadcast", title=N_("writing a broadcast"), role="board", drafts=(DRAFT_KEY,),
        entry_points=[CommandHandler(["utsending", "broadcast"], start, filters.ChatType.PRIVATE)],
        states={
            TEXT: [MessageHandler(text, got_text), MessageHandler(~filters.COMMAND, not_text)],
            AUDIENCE: [
                Press(preview, pattern=Preview.filter()),
                Press(send_now, pattern=SendNow.filter()),
                Press(choose_button, pattern=ChooseButton.filter()),
                Press(choose_target, pattern=PickKind.filter()),
                Press(pick_button, pattern=PickButton.filter()),
                Press(pick_button, pattern=NoButton.filter()),
                Press(ask_when, pattern=Schedule.filter()),
                Press(audience_button, pattern=OpenSection.filter()),
                Press(audience_button, pattern=AudienceOption.filter()),
                Press(audience_button, pattern=is_choice),
                MessageHandler(text, buttons_expected),
            ],
            WHEN: [MessageHandler(text, got_when)],
        },
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel), Press(cancel, pattern=CancelBroadcast.filter())],
    ))
