"""`Press`: the CallbackQueryHandler for a typed button family (bot/callbacks.py)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.callbacks import prefix_of, prefixes_of


class Press(CallbackQueryHandler[Any, Any]):
    """PTB lets a press with empty data through every pattern; a typed family never matches one, so
    such a press falls through to the general stale-button answer instead of reaching a handler.

    PTB offers every update to every handler in turn, and there are over a hundred: a press of
    another family is turned away by its prefix alone, without the pattern being asked."""

    def __init__(self, callback: Any, pattern: Any = None, **kwargs: Any) -> None:
        super().__init__(callback, pattern=pattern, **kwargs)
        self.prefixes = prefixes_of(pattern)

    def check_update(self, update: object) -> bool | object | None:
        if not isinstance(update, Update):
            return None
        if (query := update.callback_query) is None:
            return None  # as CallbackQueryHandler answers any update that is not a press
        data = query.data
        if not data:
            return False
        if self.prefixes is not None and prefix_of(data) not in self.prefixes:
            return False
        return super().check_update(update)


async def refuse(update: Update, context: Any, error: Exception, refusals: dict[type[Exception], str]) -> None:
    """Answer a press that a domain error refused, with the msgid listed for that kind of error."""
    msgid = next(text for kind, text in refusals.items() if isinstance(error, kind))
    assert update.callback_query is not None
    await update.callback_query.answer(context._(msgid), show_alert=True)
