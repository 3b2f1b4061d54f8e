"""Nudge buttons: “Not now” snoozes a rule for 30 days; “Don't ask me about this” turns it off."""

from __future__ import annotations

from datetime import time

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot import nudge_messages
from bot.i18n import translator
from bot.runtime import Runtime, runtime_of
from handlers.common import Context, current_member, onboarded
from models import nudges as ng


@onboarded
async def snooze_or_off(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    member = await current_member(update, context)
    assert member is not None
    _ = translator(member.language)
    _prefix, action, rule = query.data.split(":")
    runtime = runtime_of(context)
    async with runtime.db.session() as session:
        if action == "snooze":
            await ng.snooze(session, member.id, rule, runtime.now())
        else:
            await ng.set_off(session, member.id, rule, True)
    await query.answer()
    await query.edit_message_reply_markup(None)
    label = _(nudge_messages.RULE_LABELS[rule])
    if action == "snooze":
        text = _("OK — no more suggestions about “{topic}” for a month.").format(topic=label)
    else:
        text = _("OK — no more suggestions about “{topic}”. Turn them back on under Messages in /innstillinger.").format(topic=label)
    await update.effective_chat.send_message(text)  # type: ignore[union-attr]


async def upkeep(runtime: Runtime) -> None:
    """Dispatcher hook: nudges at most hourly, and the board's digest when its weekday and hour come."""
    now = runtime.now()
    settings = runtime.settings
    if await nudge_messages.upkeep_due(runtime.nudges_checked_at, now):
        runtime.nudges_checked_at = now
        async with runtime.db.session() as session:
            await nudge_messages.run(session, now)
    hours, minutes = (int(part) for part in settings.digest_time.split(":"))
    if nudge_messages.digest_due(now, settings.digest_weekday, time(hours, minutes)):
        async with runtime.db.session() as session:
            await nudge_messages.send_digest(session, now, settings.lagbot_admins, settings.plan_ahead_days)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CallbackQueryHandler(snooze_or_off, pattern=rf"^ng:(snooze|off):({'|'.join(ng.RULES)})$"))
