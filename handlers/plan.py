"""/rapport: the board's plan on one screen, one message per goal group with its chart; /rapport aar
[YYYY]: the year's figures for the annual report, as a Markdown document and page images."""

from __future__ import annotations

import io

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.reports import annual as yearly
from bot.reports import plan as report
from handlers.common import Context, reply, requires_role
from models import annual as an
from models import plan as pl
from models.constants import OSLO


@requires_role("board")
async def show_plan(update: Update, context: Context) -> None:
    args = [a.lower() for a in context.args or []]
    if args and args[0] in yearly.ANNUAL_WORDS:
        await show_annual(update, context, args[1:])
        return
    runtime = context.runtime
    async with runtime.db.session() as session:
        figures = await pl.plan(session, runtime.now())
    chat = update.effective_chat
    assert chat is not None
    for section in report.sections(figures, context.lang):
        await chat.send_photo(section.png, caption=section.text)


async def show_annual(update: Update, context: Context, args: list[str]) -> None:
    runtime, _ = context.runtime, context._
    now = runtime.now()
    year = now.astimezone(OSLO).year
    if args:
        if not (args[0].isdigit() and len(args[0]) == 4 and 2000 <= int(args[0]) <= year):
            await reply(update, _("Write the year with four digits, no later than this year, for example /rapport aar {year}.").format(
                year=year - 1))
            return
        year = int(args[0])
    async with runtime.db.session() as session:
        figures = await an.annual(session, year, now)
    doc = yearly.document(figures, context.lang, now)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(io.BytesIO(doc.markdown.encode("utf-8")), filename=doc.filename(context.lang),
                             caption=_("{title}. Paste the table and the pages into the annual report.").format(title=doc.title)[:1000])
    for page in doc.pages:
        await chat.send_photo(page)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler(["rapport", "report"], show_plan, filters.ChatType.PRIVATE))
