"""/dorbank eksport [year]: what was heard at the doors in a year's rounds, for the programme committee, as
Markdown and CSV (rendered in bot/reports/rounds.py). The same items /rapport counts as door input."""

from __future__ import annotations

import io
from datetime import datetime

from telegram import Update

from bot.reports import rounds as reports
from handlers.common import Context, reply, report_year, requires_role
from models import rounds as rd
from models.constants import OSLO


@requires_role("board")
async def export_input(update: Update, context: Context) -> None:
    """Input grouped by theme and district, for rounds in the year asked for (this year without one)."""
    if (year := report_year(context, context.runtime.now().astimezone(OSLO).year)) is None:
        await reply(update, context._("Write the year as four digits, for example: /dorbank eksport 2026"))
        return
    async with context.runtime.db.session() as session:
        items = await rd.inputs_and_reports(session, since=datetime(year, 1, 1, tzinfo=OSLO),
                                            until=datetime(year + 1, 1, 1, tzinfo=OSLO))
    if not items:
        await reply(update, context._("No input from the doors in {year} yet.").format(year=year))
        return
    chat = update.effective_chat
    assert chat is not None
    caption = context.ngettext("Input from the doors {year}: {count} item, by theme and district.",
                               "Input from the doors {year}: {count} items, by theme and district.",
                               len(items)).format(year=year, count=len(items))
    await chat.send_document(io.BytesIO(reports.input_markdown(items, context.lang).encode("utf-8")),
                             filename=f"innspill-dorbank-{year}.md", caption=caption)
    await chat.send_document(io.BytesIO(("\ufeff" + reports.input_csv(items, context.lang)).encode("utf-8")),
                             filename=f"innspill-dorbank-{year}.csv")
