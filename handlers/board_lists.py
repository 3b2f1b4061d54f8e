"""/lister and /roller for the board: lists to act on (wrong numbers, offers to phone, no-shows,
district-chapter interest, a broadcast's people not on Telegram) as CSV files, and who has which role."""

from __future__ import annotations

import io
from typing import Literal

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.callbacks import Id, callback
from bot.i18n import fmt_date
from bot.reports import lists as report
from handlers.common import ROLE_LABELS, Context, inline, message_chunks, pressed, reply, requires_role, short
from handlers.presses import Press
from models import board_lists as lists
from models import broadcast as bc
from models.errors import NotFound

ListName = Literal["wrong_numbers", "will_phone", "no_shows", "district_chapter"]
BROADCASTS_TO_PICK = 6


@callback("lst.get")
class GetList:
    name: ListName


@callback("lst.bcs")
class PickBroadcast:
    """The recent broadcasts, to pick the one whose people not on Telegram are wanted."""


@callback("lst.bc")
class NotOnTelegram:
    broadcast_id: Id


@requires_role("board")
async def menu(update: Update, context: Context) -> None:
    _ = context._
    rows = [[(_(report.TITLES[name]), GetList(name=name).pack())] for name in ListName.__args__]  # type: ignore[attr-defined]
    rows.append([(_(report.TITLES["not_on_telegram"]), PickBroadcast().pack())])
    await reply(update, _("Which list? Each comes as a CSV file with names and numbers — delete it when you are done."),
                reply_markup=inline(rows))


@requires_role("board")
async def get_list(update: Update, context: Context) -> None:
    name = pressed(update, GetList).name
    async with context.runtime.db.session() as session:
        entries = await getattr(lists, name)(session)
    await send(update, context, name, entries)


@requires_role("board")
async def pick_broadcast(update: Update, context: Context) -> None:
    _ = context._
    assert update.callback_query is not None
    await update.callback_query.answer()
    async with context.runtime.db.session() as session:
        recent = await bc.recent(session, BROADCASTS_TO_PICK, drafts=False)
    if not recent:
        await reply(update, _("No broadcasts have been sent yet."))
        return
    rows = [[(f"{fmt_date(b.created_at, context.lang)} · {short(b.text.splitlines()[0], 34) if b.text else '…'}",
              NotOnTelegram(broadcast_id=b.id).pack())] for b in recent]
    await reply(update, _("Which broadcast?"), reply_markup=inline(rows))


@requires_role("board")
async def not_on_telegram(update: Update, context: Context) -> None:
    broadcast_id = pressed(update, NotOnTelegram).broadcast_id
    try:
        async with context.runtime.db.session() as session:
            entries = await lists.not_on_telegram(session, broadcast_id, context.runtime.now())
    except NotFound:
        assert update.callback_query is not None
        await update.callback_query.answer(context._("That broadcast does not exist (any more)."), show_alert=True)
        return
    await send(update, context, "not_on_telegram", entries)


async def send(update: Update, context: Context, name: str, entries: list[lists.Entry]) -> None:
    """The count in the chat and the people in a file (numbers stay out of the chat's text)."""
    _, ngettext = context._, context.ngettext
    if update.callback_query is not None:
        await update.callback_query.answer()
    title = _(report.TITLES[name])
    if not entries:
        await reply(update, _("{title}: nobody right now.").format(title=title))
        return
    await reply(update, ngettext("{title}: {count} person. The file is below.", "{title}: {count} people. The file is below.",
                                 len(entries)).format(title=title, count=len(entries)))
    data = ("\ufeff" + report.csv_file(entries, context.lang)).encode("utf-8")
    await update.effective_chat.send_document(io.BytesIO(data), filename=f"{report.FILENAMES[name]}.csv")  # type: ignore[union-attr]


@requires_role("board")
async def roles(update: Update, context: Context) -> None:
    """/roller: who has which role, by role."""
    _ = context._
    async with context.runtime.db.session() as session:
        holders = await lists.role_holders(session, context.runtime.settings.lagbot_admins)
    if not holders:
        await reply(update, _("Nobody has a role yet. Grant one with: python -m bot roles grant ROLE --phone NUMBER"))
        return
    lines = [_("Who has which role:")]
    for role, members in holders.items():
        names = ", ".join(m.name or "?" for m in members)
        lines += ["", f"{_(ROLE_LABELS.get(role, role)).capitalize()} ({len(members)}): {names}"]
    for chunk in message_chunks(lines):
        await reply(update, chunk)


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(["lister", "lists"], menu, private))
    application.add_handler(CommandHandler(["roller", "roles"], roles, private))
    application.add_handler(Press(get_list, pattern=GetList.filter()))
    application.add_handler(Press(pick_broadcast, pattern=PickBroadcast.filter()))
    application.add_handler(Press(not_on_telegram, pattern=NotOnTelegram.filter()))
