"""/nyttinnspill: the board (or the programme role, for programme chapters) asks members and partner
organisations for input: kind, title, the matter, a link or PDF, a deadline, the audience, a preview."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot import ask_messages as words
from bot.activity_buttons import SkipStep
from bot.callbacks import Id, callback
from bot.commands import names
from bot.i18n import N_, fmt_date
from handlers import broadcast_audience as audiences
from handlers.common import Context, buttons_expected, cancel_conversation, flow_step, inline, new_draft, reply
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import refuse_time, skip_button, skippable
from models import asks as ak
from models import broadcast as bc
from models import events as ev
from models.errors import UnknownChoice
from models.membership import has_role, member_by_telegram
from models.timeparse import BadTime, read_day, read_moment

KIND, MEETING, EVENT, TITLE, BODY, ATTACH, DEADLINE, AUDIENCE = range(60, 68)
DRAFT_KEY = "ask_draft"
TITLE_OF_FLOW = N_("creating an ask")


@callback("ask.kind")
class AskKind:
    draft_id: Id
    kind: Literal["council", "programme", "general"]


@callback("ask.meet")
class PickMeeting:
    draft_id: Id
    event_id: Id


@callback("ask.nomeet")
class NoMeeting:
    draft_id: Id


@callback("ask.partners")
class TogglePartners:
    draft_id: Id


@callback("ask.send")
class SendAsk:
    draft_id: Id


def may_create(context: Context, member: Any, kind: str | None = None) -> bool:
    admins = context.runtime.settings.lagbot_admins
    return has_role(member, "board", admins) or (kind in (None, "programme") and has_role(member, "programme", admins))


def draft_of(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data[DRAFT_KEY]


async def start(update: Update, context: Context) -> int | None:
    _ = context._
    member = await context.load_member(update)
    if member is None or not member.is_onboarded or not may_create(context, member):
        await reply(update, _("Only the board and the programme committee can ask members for input."))
        return Flow.END
    # An audience chosen from a survey's answers (/undersokelse) is where the picker starts, as for broadcasts.
    draft = new_draft(context, DRAFT_KEY, audience=(context.user_data or {}).pop("audience_preset", None) or {}, urgent=False,
                      to_partners=False)
    kinds = ak.KINDS if has_role(member, "board", context.runtime.settings.lagbot_admins) else ("programme",)
    await reply(update, _("What should members give input on? Send /avbryt to cancel."), reply_markup=inline(
        [[(_(words.KIND_LABELS[kind]), AskKind(draft["id"], kind).pack())] for kind in kinds]))  # type: ignore[arg-type]
    return KIND


async def got_kind(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, AskKind, DRAFT_KEY)) is None:
        return None
    press, draft = step
    if not may_create(context, context.known, press.kind):
        await reply(update, context._("Only the board and the programme committee can ask members for input."))
        return KIND
    draft["kind"] = press.kind
    if press.kind == "council":
        await reply(update, context._("When does the city council meet about it? Write the date, for example 12.03.2027."))
        return MEETING
    return await ask_title(update, context)


async def got_meeting(update: Update, context: Context) -> int:
    try:
        day = read_day(update.message.text or "")  # type: ignore[union-attr]
    except BadTime as error:
        await refuse_time(update, context, error, N_("I could not read that date. Write it like 12.03.2027."))
        return MEETING
    draft = draft_of(context)
    draft["meeting_on"] = day.isoformat()
    async with context.runtime.db.session() as session:
        meetings = await ev.upcoming(session, context.runtime.now(), kind="member_meeting", limit=6)
    if not meetings:
        return await ask_title(update, context)
    rows = [[(f"📅 {fmt_date(v.event.starts_at, context.lang)} · {v.event.title[:36]}", PickMeeting(draft["id"], v.event.id).pack())]
            for v in meetings]
    rows.append([(context._("No member meeting"), NoMeeting(draft["id"]).pack())])
    await reply(update, context._("Is there a member meeting for input on it?"), reply_markup=inline(rows))
    return EVENT


async def got_event(update: Update, context: Context) -> int | None:
    family = PickMeeting if PickMeeting.matches(update.callback_query.data) else NoMeeting  # type: ignore[union-attr]
    if (step := await flow_step(update, context, family, DRAFT_KEY)) is None:
        return None
    press, draft = step
    draft["event_id"] = press.event_id if isinstance(press, PickMeeting) else None
    return await ask_title(update, context)


async def ask_title(update: Update, context: Context) -> int:
    await reply(update, context._("The title (at most {limit} characters)?").format(limit=ak.MAX_TITLE))
    return TITLE


async def got_title(update: Update, context: Context) -> int:
    title = (update.message.text or "").strip()  # type: ignore[union-attr]
    if not 3 <= len(title) <= ak.MAX_TITLE:
        await reply(update, context._("The title must be between 3 and {limit} characters. Try again.").format(limit=ak.MAX_TITLE))
        return TITLE
    draft_of(context)["title"] = title
    await reply(update, context._("The matter in a few lines (at most {limit} characters)?").format(limit=ak.MAX_BODY))
    return BODY


async def got_body(update: Update, context: Context) -> int:
    body = (update.message.text or "").strip()  # type: ignore[union-attr]
    if not body or len(body) > ak.MAX_BODY:
        await reply(update, context._("That is {length} characters; the limit is {limit}. Please shorten it and send it again.").format(
            length=len(body), limit=ak.MAX_BODY))
        return BODY
    draft_of(context)["body"] = body
    await reply(update, context._("A link (https://…) or a PDF document members should read? Send it, or skip."),
                reply_markup=skip_button(context))
    return ATTACH


async def got_attachment(update: Update, context: Context) -> int:
    draft = draft_of(context)
    message = update.message
    if message is not None and message.document is not None:
        document = message.document
        if document.mime_type != "application/pdf":
            await reply(update, context._("Please send the document as a PDF, or a link."))
            return ATTACH
        draft["file_id"], draft["file_name"] = document.file_id, (document.file_name or "")[:200]
    elif (written := await skippable(update)) is not None:
        if not written.startswith(("https://", "http://")) or len(written) > ak.MAX_LINK or " " in written:
            await reply(update, context._("That is not a link. Send a link starting with https://, a PDF, or skip."))
            return ATTACH
        draft["link"] = written
    await reply(update, context._("The deadline for answers? Write a date and time, for example 17.04 12:00."))
    return DEADLINE


async def got_deadline(update: Update, context: Context) -> int:
    now = context.runtime.now()
    try:
        moment = read_moment(update.message.text or "", now)  # type: ignore[union-attr]
    except BadTime as error:
        await refuse_time(update, context, error, N_("I could not read that time. Write it like 17.04 12:00 or 2027-04-17 12:00."))
        return DEADLINE
    if moment.at <= now + timedelta(hours=1):
        await reply(update, context._("The deadline must be at least an hour from now."))
        return DEADLINE
    draft = draft_of(context)
    draft["deadline"] = moment.at.isoformat()
    await show_picker(update, context, draft)
    return AUDIENCE


def picker(draft: dict[str, Any], lang: str, section: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """The broadcast's audience picker, with a row for partner organisations."""
    from bot.i18n import translator

    _ = translator(lang)
    text, keyboard = audiences.audience_view(draft, lang, section)
    if section is not None:
        return text, keyboard
    label = _("🤝 Partner organisations: yes") if draft["to_partners"] else _("🤝 Partner organisations: no")
    rows = [list(row) for row in keyboard.inline_keyboard]
    rows.insert(-1, [InlineKeyboardButton(label, callback_data=TogglePartners(draft["id"]).pack())])
    return text, InlineKeyboardMarkup(rows)


async def show_picker(update: Update, context: Context, draft: dict[str, Any]) -> None:
    text, keyboard = picker(draft, context.lang)
    await reply(update, text, reply_markup=keyboard)


async def audience_button(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, audiences.picker_family(update), DRAFT_KEY, close=False)) is None:
        return None
    press, draft = step
    text, keyboard = picker(draft, context.lang, audiences.change(draft, press))
    await update.callback_query.edit_message_text(text, reply_markup=keyboard)  # type: ignore[union-attr]
    return AUDIENCE


async def toggle_partners(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, TogglePartners, DRAFT_KEY, close=False)) is None:
        return None
    draft = step[1]
    draft["to_partners"] = not draft["to_partners"]
    text, keyboard = picker(draft, context.lang)
    await update.callback_query.edit_message_text(text, reply_markup=keyboard)  # type: ignore[union-attr]
    return AUDIENCE


def to_draft(draft: dict[str, Any]) -> ak.Draft:
    meeting = draft.get("meeting_on")
    return ak.Draft(kind=draft["kind"], title=draft["title"], body=draft["body"],
                    deadline_at=datetime.fromisoformat(draft["deadline"]), audience=bc.Audience.from_json(draft["audience"]),
                    link=draft.get("link"), file_id=draft.get("file_id"), file_name=draft.get("file_name"),
                    meeting_on=datetime.fromisoformat(meeting).date() if meeting else None, event_id=draft.get("event_id"),
                    to_partners=draft["to_partners"], urgent=draft["urgent"])


async def preview(update: Update, context: Context) -> int | None:
    """The ask as members will see it, and whom it reaches."""
    if (step := await flow_step(update, context, audiences.Preview, DRAFT_KEY, close=False)) is None:
        return None
    draft, _, runtime = step[1], context._, context.runtime
    planned = to_draft(draft)
    async with runtime.db.session() as session:
        counted, partners = await ak.count(session, planned, now=runtime.now(), weekly_cap=runtime.settings.weekly_cap)
    shown = ak.Ask(id=0, created_at=runtime.now(), status=ak.OPEN, **{k: getattr(planned, k) for k in (
        "kind", "title", "body", "link", "file_id", "meeting_on", "event_id", "deadline_at")})
    await reply(update, words.ask_text(shown, context.lang))
    summary = "\n".join([
        _("Preview above. Audience: {audience}").format(audience=audiences.describe(planned.audience, context.lang)),
        _("Members who get it: {count}").format(count=len(counted.recipients)),
        _("Partner organisations who get it: {count}").format(count=partners),
        _("– not on Telegram: {count}").format(count=counted.not_on_telegram),
        _("– turned off messages from the board: {count}").format(count=counted.opted_out),
        _("– reached the weekly cap: {count}").format(count=counted.over_cap),
    ])
    await reply(update, summary, reply_markup=inline([
        [(_("Send now"), SendAsk(draft["id"]).pack()), (_("« Change audience"), audiences.AudienceOption(draft["id"], "back").pack())],
        [(_("Cancel"), audiences.CancelBroadcast(draft["id"]).pack())]]))
    return AUDIENCE


async def send(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, SendAsk, DRAFT_KEY)) is None:
        return None
    draft, runtime, _ = step[1], context.runtime, context._
    planned = to_draft(draft)
    async with runtime.db.session() as session:
        author = await member_by_telegram(session, context.known.telegram_id or 0)
        if author is None or not may_create(context, author, planned.kind):  # the role, read in this transaction
            await reply(update, _("You no longer have the role needed for “{flow}”, so I stopped it. "
                                  "Nothing was changed.").format(flow=_(TITLE_OF_FLOW)))
            return Flow.END
        try:
            ask, members, partners = await ak.create_and_send(session, planned, author_id=author.id, now=runtime.now(),
                                                              weekly_cap=runtime.settings.weekly_cap)
        except UnknownChoice:
            await reply(update, _("The deadline has passed while you wrote. Start again with /nyttinnspill."))
            return Flow.END
    assert context.user_data is not None
    context.user_data.pop(DRAFT_KEY, None)
    await reply(update, _("Ask #{number} is on its way to {members} members and {partners} partner organisations. "
                          "See the answers under /innspill.").format(number=ask.id, members=members, partners=partners))
    return Flow.END


cancel = cancel_conversation(N_("Cancelled. Nothing was sent."), DRAFT_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(Flow(
        application, "ask_create", title=TITLE_OF_FLOW, drafts=(DRAFT_KEY,), role=("board", "programme"),
        entry_points=[CommandHandler(names("nyttinnspill", "newask"), start, filters.ChatType.PRIVATE)],
        states={
            KIND: [Press(got_kind, pattern=AskKind.filter()), MessageHandler(text, buttons_expected)],
            MEETING: [MessageHandler(text, got_meeting)],
            EVENT: [Press(got_event, pattern=PickMeeting.filter()), Press(got_event, pattern=NoMeeting.filter()),
                    MessageHandler(text, buttons_expected)],
            TITLE: [MessageHandler(text, got_title)],
            BODY: [MessageHandler(text, got_body)],
            ATTACH: [MessageHandler(filters.Document.ALL, got_attachment), MessageHandler(text, got_attachment),
                     Press(got_attachment, pattern=SkipStep.filter())],
            DEADLINE: [MessageHandler(text, got_deadline)],
            AUDIENCE: [
                Press(preview, pattern=audiences.Preview.filter()),
                Press(send, pattern=SendAsk.filter()),
                Press(toggle_partners, pattern=TogglePartners.filter()),
                Press(audience_button, pattern=audiences.OpenSection.filter()),
                Press(audience_button, pattern=audiences.AudienceOption.filter()),
                Press(audience_button, pattern=audiences.is_choice),
                MessageHandler(text, buttons_expected),
            ],
        },
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel), Press(cancel, pattern=audiences.CancelBroadcast.filter())],
    ))

