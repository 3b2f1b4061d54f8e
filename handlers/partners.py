"""/partnere: the board's partner organisations — each with its personal link for asks (in the chat and
as a CSV for e-mail) — and adding one in a short conversation."""

from __future__ import annotations

import io
from typing import Any, Literal

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.activity_buttons import SkipStep
from bot.callbacks import Id, Number, callback
from bot.commands import names
from bot.csvfile import csv_phone, csv_text
from bot.i18n import N_
from handlers import common as paging
from handlers.common import Context, buttons_expected, cancel_conversation, flow_step, inline, new_draft, reply, requires_role
from handlers.flows import Flow
from handlers.presses import Press
from handlers.questions import role_gone, skip_button, skippable
from models import partners as pt

NAME, KIND, CONTACT, REACH = range(90, 94)
DRAFT_KEY = "partner_draft"
PER_PAGE = 10
KIND_LABELS = {"union": N_("Union"), "environmental": N_("Environmental movement"), "women": N_("Women's movement"),
               "other": N_("Other")}


@callback("ptn.page")
class PartnerPage:
    page: Number


@callback("ptn.csv")
class PartnerLinks:
    pass


@callback("ptn.add")
class AddPartner:
    pass


@callback("ptn.relink")
class NewLink:
    partner_id: Id


@callback("ptn.kind")
class PartnerKind:
    draft_id: Id
    kind: Literal["union", "environmental", "women", "other"]


def link_of(context: Context, partner: pt.Partner) -> str:
    username = context.bot.username or context.runtime.settings.telegram_bot_username or "lagbot"
    return f"https://t.me/{username}?start=ask_{partner.token}"


@requires_role("board")
async def list_partners(update: Update, context: Context) -> None:
    _ = context._
    page = PartnerPage.parse(update.callback_query.data).page if update.callback_query else 0
    async with context.runtime.db.session() as session:
        partners = await pt.all_partners(session)
    if update.callback_query:
        await update.callback_query.answer()
    shown, page, pages = paging.page_of(partners, page, PER_PAGE)
    lines = [_("Partner organisations ({count}). Each link lets the organisation answer the asks sent to it:").format(
        count=len(partners))] if partners else [_("No partner organisations yet.")]
    for partner in shown:
        contact = " · ".join(filter(None, [partner.contact_person, partner.email, partner.phone]))
        lines += ["", f"🤝 {partner.name} ({_(KIND_LABELS[partner.kind])})" + (f"\n{contact}" if contact else ""),
                  link_of(context, partner)]
    rows = [[(_("🔄 New link: {name}").format(name=p.name[:40]), NewLink(p.id).pack())] for p in shown]
    rows.insert(0, [(_("➕ Add a partner"), AddPartner().pack())])
    if partners:
        rows[0].append((_("📎 Links as CSV"), PartnerLinks().pack()))
    if more := paging.page_buttons(_, page, pages, lambda n: PartnerPage(n).pack()):
        rows.append(more)
    await reply(update, "\n".join(lines), reply_markup=inline(rows))


async def new_link(update: Update, context: Context) -> None:
    """Replace a partner's link; the role is read again in the transaction that changes it."""
    query = update.callback_query
    assert query is not None
    async with context.runtime.db.session() as session:
        if await role_gone(update, context, session, "board", N_("Partner organisations and their links (board)")):
            await query.answer()
            return
        partner = await pt.new_link(session, NewLink.parse(query.data).partner_id)
        link = link_of(context, partner) if partner else None
    await query.answer()
    if partner is None:
        await reply(update, context._("This button is no longer valid. Send /start to see the menu."))
        return
    await reply(update, context._("{name} has a new link; the old one no longer works:\n{link}").format(name=partner.name, link=link))


@requires_role("board")
async def links_csv(update: Update, context: Context) -> None:
    _ = context._
    async with context.runtime.db.session() as session:
        partners = await pt.all_partners(session)
    await update.callback_query.answer()  # type: ignore[union-attr]
    table = csv_text([_("Name"), _("Kind"), _("Contact person"), _("E-mail"), _("Phone"), _("Link")],
                     [[p.name, _(KIND_LABELS[p.kind]), p.contact_person, p.email, csv_phone(p.phone), link_of(context, p)] for p in partners])
    await update.effective_chat.send_document(  # type: ignore[union-attr]
        io.BytesIO(("\ufeff" + table).encode("utf-8")), filename="partnere-lenker.csv",
        caption=_("Each organisation's link, to send by e-mail."))


@requires_role("board")
async def start_add(update: Update, context: Context) -> int:
    if update.callback_query:
        await update.callback_query.answer()
    new_draft(context, DRAFT_KEY)
    await reply(update, context._("The organisation's name? Send /avbryt to cancel."))
    return NAME


def draft_of(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data[DRAFT_KEY]


async def got_name(update: Update, context: Context) -> int:
    name = " ".join((update.message.text or "").split())  # type: ignore[union-attr]
    if not 2 <= len(name) <= pt.MAX_NAME:
        await reply(update, context._("The name must be between 2 and 200 characters. Try again."))
        return NAME
    async with context.runtime.db.session() as session:
        known = await pt.find(session, name)
    if known is not None:
        await reply(update, context._("{name} is already on the list. Write another name, or /avbryt.").format(name=known.name))
        return NAME
    draft = draft_of(context)
    draft["name"] = name
    await reply(update, context._("What kind of organisation?"), reply_markup=inline(
        [[(context._(label), PartnerKind(draft["id"], kind).pack())] for kind, label in KIND_LABELS.items()]))  # type: ignore[arg-type]
    return KIND


async def got_kind(update: Update, context: Context) -> int | None:
    if (step := await flow_step(update, context, PartnerKind, DRAFT_KEY)) is None:
        return None
    step[1]["kind"] = step[0].kind
    await reply(update, context._("The contact person's name?"), reply_markup=skip_button(context))
    return CONTACT


async def got_contact(update: Update, context: Context) -> int:
    written = await skippable(update)
    draft_of(context)["contact_person"] = (written or "")[:200]
    await reply(update, context._("Their e-mail or phone number?"), reply_markup=skip_button(context))
    return REACH


async def got_reach(update: Update, context: Context) -> int:
    written = (await skippable(update) or "").strip()
    draft = draft_of(context)
    email, phone = (written, None) if "@" in written else (None, written)
    async with context.runtime.db.session() as session:
        if await role_gone(update, context, session, "board", N_("adding a partner organisation")):
            return Flow.END
        try:
            partner = await pt.add(session, name=draft["name"], kind=draft["kind"], contact_person=draft["contact_person"],
                                   email=email, phone=phone)
        except pt.PartnerExists:
            await reply(update, context._("{name} is already on the list.").format(name=draft["name"]))
            return Flow.END
        link = link_of(context, partner)
    assert context.user_data is not None
    context.user_data.pop(DRAFT_KEY, None)
    await reply(update, context._("{name} is added. Its link for answering asks:\n{link}").format(name=partner.name, link=link))
    return Flow.END


cancel = cancel_conversation(N_("Cancelled. Nothing was stored."), DRAFT_KEY)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private, text = filters.ChatType.PRIVATE, filters.TEXT & ~filters.COMMAND
    application.add_handler(CommandHandler(names("partnere", "partners"), list_partners, private))
    application.add_handler(Press(list_partners, pattern=PartnerPage.filter()))
    application.add_handler(Press(links_csv, pattern=PartnerLinks.filter()))
    application.add_handler(Press(requires_role("board")(new_link), pattern=NewLink.filter()))
    application.add_handler(Flow(
        application, "partner_add", title=N_("adding a partner organisation"), role="board", drafts=(DRAFT_KEY,),
        entry_points=[Press(start_add, pattern=AddPartner.filter())],
        states={NAME: [MessageHandler(text, got_name)],
                KIND: [Press(got_kind, pattern=PartnerKind.filter()), MessageHandler(text, buttons_expected)],
                CONTACT: [MessageHandler(text, got_contact), Press(got_contact, pattern=SkipStep.filter())],
                REACH: [MessageHandler(text, got_reach), Press(got_reach, pattern=SkipStep.filter())]},
        fallbacks=[CommandHandler(["avbryt", "cancel"], cancel)],
    ))
