"""Nudge buttons: “Not now” snoozes a rule for 30 days; “Don't ask me about this” turns it off.
(The suggestions themselves are sent by the upkeep in bot/upkeep/nudges.py.)"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application

from bot import nudge_messages
from bot.member_buttons import NudgeControl
from handlers.common import Context, onboarded, one_of, pressed, reply
from handlers.presses import Press
from models import nudges as ng


@onboarded
async def snooze_or_off(update: Update, context: Context) -> None:
    query, press = update.callback_query, pressed(update, NudgeControl)
    assert query is not None
    member, _, runtime = context.known, context._, context.runtime
    async with runtime.db.session() as session:
        if press.action == "snooze":
            await ng.snooze(session, member.id, press.rule, runtime.now())
        else:
            await ng.set_off(session, member.id, press.rule, True)
    await query.answer()
    await query.edit_message_reply_markup(None)
    label = _(nudge_messages.RULE_LABELS[press.rule])
    if press.action == "snooze":
        text = _("OK — no more suggestions about “{topic}” for a month.").format(topic=label)
    else:
        text = _("OK — no more suggestions about “{topic}”. Turn them back on under Messages in /innstillinger.").format(topic=label)
    await reply(update, text)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(Press(snooze_or_off, pattern=one_of(NudgeControl, rule=ng.RULES)))
