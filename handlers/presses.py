"""`Press`: the CallbackQueryHandler for a typed button family (bot/callbacks.py)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler


class Press(CallbackQueryHandler[Any, Any]):
    """PTB lets a press with empty data through every pattern; a typed family never matches one, so
    such a press falls through to the general stale-button answer instead of reaching a handler."""

    def check_update(self, update: object) -> bool | object | None:
        if isinstance(update, Update) and update.callback_query is not None and not update.callback_query.data:
            return False
        return super().check_update(update)


async def refuse(update: Update, context: Any, error: Exception, refusals: dict[type[Exception], str]) -> None:
    """Answer a press that a domain error refused, with the msgid listed for that kind of error."""
    msgid = next(text for kind, text in refusals.items() if isinstance(error, kind))
    assert update.callback_query is not None
    await update.callback_query.answer(context._(msgid), show_alert=True)
