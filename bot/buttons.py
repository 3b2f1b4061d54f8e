"""Inline buttons, made once and shared.

PTB's objects are frozen once made, so one button serves every keyboard that shows it: a settings
page, a round card or a broadcast's buttons are drawn again and again with the same labels and
data, and making a button (some fifteen checked attributes) cost more than sending it.
"""

from __future__ import annotations

from functools import lru_cache

from telegram import InlineKeyboardButton


@lru_cache(maxsize=8192)
def button(label: str, data: str | None = None, url: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data, url=url)
