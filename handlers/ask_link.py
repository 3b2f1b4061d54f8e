"""A partner organisation's link `t.me/<bot>?start=ask_<token>`: whoever opens it sees the open asks
sent to that organisation (nothing else) and answers as the organisation, after consenting to
store the answer and the organisation's name. They do not become members; /mine_data shows them
their answers and /slett_meg erases them."""

from __future__ import annotations

import io
import json
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.ask_messages import AskDocument, ask_text
from bot.callbacks import Id, callback
from bot.i18n import N_
from handlers.common import Context, cancel_conversation, features, flow_step, inline, new_draft, reply, split_payload
from handlers.data_labels import readable
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import too_long
from models import asks as ak
from models import partners as pt
from models.member import Member
from models.secrets import telegram_hash

TEXT, CONSENT = range(80, 82)
DRAFT_KEY = "partner_answer"
PARTNER_KEY = "partner_link"  # user_data: the partner whose link this person opened


@callback("pask.pick")
class PartnerPick:
    ask_id: Id


@callback("pask.ok")
class PartnerConsent:
    draft_id: Id
    answer: Literal["yes", "no"]


async def partner_of(context: Context, session: AsyncSession) -> pt.Partner | None:
    partner_id = (context.user_data or {}).get(PARTNER_KEY)
    return await pt.by_id(session, partner_id) if isinstance(partner_id, int) else None


async def open_link(update: Update, context: Context) -> int:
    """/start ask_<token>, from anyone: the organisation's open asks."""
    _prefix, token = split_payload((context.args or [""])[0])
    await show_asks(update, context, token)
    return Flow.END


async def deep_link(update: Update, context: Context, member: Member, value: str) -> None:
    """The same link opened after onboarding (a member who also answers for an organisation)."""
    await show_asks(update, context, value)


async def show_asks(update: Update, context: Context, token: str) -> None:
    _ = context._
    async with context.runtime.db.session() as session:
        partner = await pt.by_token(session, token)
        asks = await ak.open_for_partner(session, partner.id, context.runtime.now()) if partner else []
    if partner is None:
        await reply(update, _("This link is not valid any more. Ask Trondheim SV for a new one."))
        return
    assert context.user_data is not None
    context.user_data[PARTNER_KEY] = partner.id
    if not asks:
        await reply(update, _("Hello, {organisation}! There is no open question for you right now. Thank you for "
                              "looking in.").format(organisation=partner.name))
        return
    await reply(update, _("Hello, {organisation}! Trondheim SV asks for your input. Choose a question to read it "
                          "and answer:").format(organisation=partner.name),
                reply_markup=inline([[(f"💬 {a.title[:50]}", PartnerPick(a.id).pack())] for a in asks]))


async def pick(update: Update, context: Context) -> int | None:
    query = update.callback_query
    assert query is not None
    ask_id = PartnerPick.parse(query.data).ask_id
    async with context.runtime.db.session() as session:
        partner = await partner_of(context, session)
        asks = {a.id: a for a in await ak.open_for_partner(session, partner.id, context.runtime.now())} if partner else {}
    if partner is None or ask_id not in asks:
        await query.answer(context._("This question is closed or not for you. Open your organisation's link again."),
                           show_alert=True)
        return Flow.END
    await query.answer()
    ask, _ = asks[ask_id], context._
    new_draft(context, DRAFT_KEY, ask_id=ask_id)
    document = inline([[(_("📄 The document"), AskDocument(ask_id).pack())]]) if ask.file_id else None
    await reply(update, ask_text(ask, context.lang), reply_markup=document)
    await reply(update, _("Write the answer of {organisation} (at most {limit} characters). Send /avbryt to cancel.").format(
        organisation=partner.name, limit=ak.MAX_ANSWER))
    return TEXT


async def got_text(update: Update, context: Context) -> int:
    text = (update.message.text or "").strip()  # type: ignore[union-attr]
    _ = context._
    if await too_long(update, context, text, ak.MAX_ANSWER):
        return TEXT
    assert context.user_data is not None
    draft = context.user_data[DRAFT_KEY]
    draft["text"] = text
    await reply(update, _("To pass it on, Trondheim SV stores your answer, your organisation's name and a key of your "
                          "Telegram account, so that you can see the answer with /mine_data and erase it with /slett_meg. "
                          "You do not become a member. Store the answer?"),
                reply_markup=inline([[(_("Yes, store it"), PartnerConsent(draft["id"], "yes").pack()),
                                      (_("No"), PartnerConsent(draft["id"], "no").pack())]]))
    return CONSENT


async def consent(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, PartnerConsent, DRAFT_KEY)) is None:
        return None
    press, draft = step
    assert context.user_data is not None
    context.user_data.pop(DRAFT_KEY, None)
    if press.answer == "no":
        await reply(update, context._("Nothing was stored."))
        return Flow.END
    async with context.runtime.db.session() as session:
        partner = await partner_of(context, session)
        try:
            if partner is None:
                raise ak.NotARecipient(draft["ask_id"])
            key = await telegram_hash(session, update.effective_user.id)  # type: ignore[union-attr]
            await ak.partner_answer(session, draft["ask_id"], partner, draft["text"], respondent_key=key,
                                    now=context.runtime.now())
        except (ak.AskClosed, ak.NotARecipient):
            await reply(update, context._("This question is closed or not for you. Open your organisation's link again."))
            return Flow.END
    await reply(update, context._("Thank you! The answer of {organisation} is stored and passed on.").format(
        organisation=partner.name))
    return Flow.END


async def send_respondent_data(update: Update, context: Context) -> bool:
    """/mine_data from someone who is no member but answered for an organisation: their answers."""
    async with context.runtime.db.session() as session:
        answers = await ak.respondent_data(session, await telegram_hash(session, update.effective_user.id))  # type: ignore[union-attr]
    if not answers:
        return False
    document: dict[str, Any] = {"answers_for_partner_organisations": answers}
    payload = json.dumps(readable(document, context._), ensure_ascii=False, indent=2).encode("utf-8")
    await update.effective_chat.send_document(  # type: ignore[union-attr]
        io.BytesIO(payload), filename="lagbot-mine-data.json",
        caption=context._("This is everything lagbot stores about you. To erase it, send /slett_meg."))
    return True


async def has_respondent_data(context: Context, telegram_id: int) -> bool:
    async with context.runtime.db.session() as session:
        return bool(await ak.respondent_data(session, await telegram_hash(session, telegram_id)))


async def erase_respondent(context: Context, telegram_id: int) -> None:
    async with context.runtime.db.session() as session:
        await ak.erase_respondent(session, await telegram_hash(session, telegram_id))
    if context.user_data is not None:
        context.user_data.pop(PARTNER_KEY, None)


cancel = cancel_conversation(N_("Cancelled. Nothing was stored."), DRAFT_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Before onboarding: the link must not start a member's /start."""
    features(application).deep_links["ask"] = deep_link
    application.add_handler(Flow(
        application, "ask_partner", title=N_("answering for an organisation"), drafts=(DRAFT_KEY,),
        entry_points=[CommandHandler("start", open_link, filters.ChatType.PRIVATE & filters.Regex(r"^/start ask_")),
                      Press(pick, pattern=PartnerPick.filter())],
        states={TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_text)],
                CONSENT: [Press(consent, pattern=PartnerConsent.filter())]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel)],
    ))
