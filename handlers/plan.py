"""/rapport: the board's plan on one screen, one message per goal group with its chart."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.reports import plan as report
from handlers.common import Context, requires_role
from models import plan as pl


@requires_role("board")
async def show_plan(update: Update, context: Context) -> None:
    runtime = context.runtime
    async with runtime.db.session() as session:
        figures = await pl.plan(session, runtime.now())
    chat = update.effective_chat
    assert chat is not None
    for section in report.sections(figures, context.lang):
        await chat.send_photo(section.png, caption=section.text)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler(["rapport", "report"], show_plan, filters.ChatType.PRIVATE))
