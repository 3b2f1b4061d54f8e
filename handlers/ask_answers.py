"""Answers to asks: a member's "Answer" (free text, then with their name or anonymously), "Not for
me", the document; the board's /innspill (each ask's figures, close early, extend, answers as files)."""

from __future__ import annotations

import io
from typing import Literal

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.ask_messages import (
    AnswerAsk,
    AskAction,
    AskDocument,
    AskFiles,
    NotForMe,
    ShowAsk,
    answer_files,
    queue_summaries,
    summary_text,
)
from bot.callbacks import Id, Number, callback
from bot.commands import names
from bot.i18n import N_, fmt_datetime
from handlers.common import (
    Context,
    answer_alert,
    cancel_conversation,
    flow_step,
    inline,
    new_draft,
    onboarded,
    page_buttons,
    page_of,
    reply,
)
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import too_long
from models import asks as ak
from models.errors import NotFound
from models.membership import member_by_telegram

TEXT, HOW = range(70, 72)
DRAFT_KEY = "ask_answer"
PER_PAGE = 8
REFUSALS = {ak.AskClosed: N_("This ask is closed: the deadline has passed."),
            ak.NotARecipient: N_("This ask was not sent to you."), NotFound: N_("This ask no longer exists.")}


@callback("ask.how")
class SendAnswer:
    draft_id: Id
    how: Literal["named", "anonymous"]


@callback("ask.page")
class AskPage:
    page: Number


async def refuse(update: Update, context: Context, error: Exception) -> None:
    msgid = next(text for kind, text in REFUSALS.items() if isinstance(error, kind))
    await answer_alert(update, context._(msgid))


@onboarded
async def start_answer(update: Update, context: Context) -> int | None:
    ask_id = AnswerAsk.parse(update.callback_query.data).ask_id  # type: ignore[union-attr]
    async with context.runtime.db.session() as session:
        try:
            ask = await ak.open_for_member(session, ask_id, context.known.id, context.runtime.now())
        except (ak.AskClosed, ak.NotARecipient, NotFound) as error:
            await refuse(update, context, error)
            return Flow.END
    await update.callback_query.answer()  # type: ignore[union-attr]
    new_draft(context, DRAFT_KEY, ask_id=ask_id)
    await reply(update, context._("Write your answer to “{title}” (at most {limit} characters). Send /avbryt to cancel.").format(
        title=ask.title, limit=ak.MAX_ANSWER))
    return TEXT


async def got_text(update: Update, context: Context) -> int:
    text = (update.message.text or "").strip()  # type: ignore[union-attr]
    if await too_long(update, context, text, ak.MAX_ANSWER):
        return TEXT
    assert context.user_data is not None
    draft = context.user_data[DRAFT_KEY]
    draft["text"] = text
    _ = context._
    await reply(update, _("Send it with your name, or anonymously (stored without your name)?"), reply_markup=inline([
        [(_("With my name"), SendAnswer(draft["id"], "named").pack()), (_("Anonymously"), SendAnswer(draft["id"], "anonymous").pack())]]))
    return HOW


async def send_answer(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, SendAnswer, DRAFT_KEY)) is None:
        return None
    press, draft = step
    now = context.runtime.now()
    async with context.runtime.db.session() as session:
        member = await member_by_telegram(session, context.known.telegram_id or 0)
        try:
            assert member is not None
            await ak.answer(session, draft["ask_id"], member, draft["text"], anonymous=press.how == "anonymous", now=now)
            ask = await ak.get(session, draft["ask_id"])
        except (ak.AskClosed, ak.NotARecipient, NotFound) as error:
            await reply(update, context._(next(t for k, t in REFUSALS.items() if isinstance(error, k))))
            return Flow.END
    assert context.user_data is not None
    context.user_data.pop(DRAFT_KEY, None)
    await reply(update, context._("Thank you! Your answer is stored. You can answer again until {deadline}.").format(
        deadline=fmt_datetime(ask.deadline_at, context.lang)))
    return Flow.END


@onboarded
async def not_for_me(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    async with context.runtime.db.session() as session:
        try:
            await ak.decline(session, NotForMe.parse(query.data).ask_id, context.known.id, context.runtime.now())
        except ak.NotARecipient as error:
            await refuse(update, context, error)
            return
    await query.answer(context._("OK. No reminder about this one."))
    await query.edit_message_reply_markup(None)


async def document(update: Update, context: Context) -> None:
    """The ask's document, sent by the file_id Telegram gave it (to those the ask was sent to)."""
    from handlers.ask_link import partner_of

    query = update.callback_query
    assert query is not None
    ask_id = AskDocument.parse(query.data).ask_id
    member = await context.load_member(update)
    async with context.runtime.db.session() as session:
        ask = await ak.find(session, ask_id)
        partner = await partner_of(context, session)
        allowed = ask is not None and (
            (member is not None and (await ak.recipient(session, ask_id, member.id) is not None
                                     or ak.may_see(member, ask, context.runtime.settings.lagbot_admins)))
            or (partner is not None and ask_id in {a.id for a in await ak.open_for_partner(session, partner.id, context.runtime.now())}))
    if not allowed or ask is None or not ask.file_id:
        await answer_alert(update, context._(REFUSALS[ak.NotARecipient]))
        return
    await query.answer()
    await update.effective_chat.send_document(ask.file_id, caption=ask.title[:200])  # type: ignore[union-attr]


def _kinds(context: Context) -> tuple[str, ...]:
    member, admins = context.member, context.runtime.settings.lagbot_admins
    return ak.KINDS if ak.may_see(member, "council", admins) else ("programme",) if ak.may_see(member, "programme", admins) else ()


async def list_asks(update: Update, context: Context) -> None:
    """/innspill: the asks, newest first, eight to a page; each opens its figures."""
    member = await context.load_member(update)
    _ = context._
    if member is None or not member.is_onboarded or not (kinds := _kinds(context)):
        await answer_alert(update, _("Only the board and the programme committee can see answers to asks."))
        return
    page = AskPage.parse(update.callback_query.data).page if update.callback_query else 0
    async with context.runtime.db.session() as session:
        items = await ak.recent(session, kinds=kinds, limit=400)
        shown, page, pages = page_of(items, page, PER_PAGE)
        counts = await ak.answer_counts(session, [a.id for a in shown])
    if update.callback_query:
        await update.callback_query.answer()
    if not items:
        await reply(update, _("No asks yet. Create one with /nyttinnspill."))
        return
    rows = [[(f"#{a.id} {'🟢' if a.status == ak.OPEN else '⚪'} {a.title[:30]} ({counts.get(a.id, 0)})", ShowAsk(a.id).pack())]
            for a in shown]
    if more := page_buttons(_, page, pages, lambda n: AskPage(n).pack()):
        rows.append(more)
    await reply(update, _("Asks for input (🟢 open). Choose one to see its answers:"), reply_markup=inline(rows))


async def show_ask(update: Update, context: Context, ask_id: int | None = None) -> None:
    query = update.callback_query
    assert query is not None
    ask_id = ask_id or ShowAsk.parse(query.data).ask_id
    member = await context.load_member(update)
    async with context.runtime.db.session() as session:
        ask = await ak.find(session, ask_id)
        if ask is None or not ak.may_see(member, ask, context.runtime.settings.lagbot_admins):
            await answer_alert(update, context._("Only the board and the programme committee can see answers to asks."))
            return
        text = summary_text(ask, await ak.summary(session, ask.id), context.lang)
    await query.answer()
    _ = context._
    rows = [[(_("📎 All answers as files"), AskFiles(ask.id).pack())],
            [(_("⏳ Extend by 7 days"), AskAction(ask.id, "extend").pack())]]
    if ask.status == ak.OPEN:
        rows.insert(1, [(_("🔒 Close now"), AskAction(ask.id, "close").pack())])
    await reply(update, text, reply_markup=inline(rows))


async def act(update: Update, context: Context) -> None:
    """Close early or extend: the role is read again in the transaction that changes the ask."""
    query = update.callback_query
    assert query is not None
    press = AskAction.parse(query.data)
    now = context.runtime.now()
    async with context.runtime.db.session() as session:
        member = await member_by_telegram(session, update.effective_user.id)  # type: ignore[union-attr]
        ask = await ak.find(session, press.ask_id)
        if ask is None or not ak.may_see(member, ask, context.runtime.settings.lagbot_admins):
            await answer_alert(update, context._("Only the board and the programme committee can see answers to asks."))
            return
        try:
            if press.action == "close":
                await ak.close(session, ask.id, now)
                await queue_summaries(session, [ask], now, context.runtime.settings.lagbot_admins, skip=member.id if member else None)
            else:
                await ak.extend(session, ask.id, 7, now)
        except ak.AskClosed as error:
            await refuse(update, context, error)
            return
        deadline = ask.deadline_at
    if press.action == "close":
        await reply(update, context._("Ask #{number} is closed. The rest of the board gets the summary.").format(number=press.ask_id))
    else:
        await reply(update, context._("Ask #{number} is open until {deadline}.").format(
            number=press.ask_id, deadline=fmt_datetime(deadline, context.lang)))
    await show_ask(update, context, press.ask_id)


async def files(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    ask_id = AskFiles.parse(query.data).ask_id
    member = await context.load_member(update)
    async with context.runtime.db.session() as session:
        ask = await ak.find(session, ask_id)
        if ask is None or not ak.may_see(member, ask, context.runtime.settings.lagbot_admins):
            await answer_alert(update, context._("Only the board and the programme committee can see answers to asks."))
            return
        markdown, table = await answer_files(session, ask, context.lang)
    await query.answer()
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(io.BytesIO(markdown.encode("utf-8")), filename=f"innspill-{ask_id}.md")
    await chat.send_document(io.BytesIO(("\ufeff" + table).encode("utf-8")), filename=f"innspill-{ask_id}.csv")


cancel = cancel_conversation(N_("Cancelled. Nothing was stored."), DRAFT_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private, text = filters.ChatType.PRIVATE, filters.TEXT & ~filters.COMMAND
    application.add_handler(Flow(
        application, "ask_answer", title=N_("answering an ask"), drafts=(DRAFT_KEY,),
        entry_points=[Press(start_answer, pattern=AnswerAsk.filter())],
        states={TEXT: [MessageHandler(text, got_text)], HOW: [Press(send_answer, pattern=SendAnswer.filter())]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel)],
    ))
    application.add_handler(Press(not_for_me, pattern=NotForMe.filter()))
    application.add_handler(Press(document, pattern=AskDocument.filter()))
    application.add_handler(CommandHandler(names("innspill", "asks"), list_asks, private))
    application.add_handler(Press(list_asks, pattern=AskPage.filter()))
    application.add_handler(Press(show_ask, pattern=ShowAsk.filter()))
    application.add_handler(Press(act, pattern=AskAction.filter()))
    application.add_handler(Press(files, pattern=AskFiles.filter()))
