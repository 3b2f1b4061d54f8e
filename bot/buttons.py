"""Inline buttons and keyboards, made once and shared.

PTB's objects are frozen once made, so one button serves every keyboard that shows it, and one
keyboard every message that carries it: a settings page, a round card or a broadcast's buttons are
drawn again and again with the same labels and data. Making a button (some fifteen checked
attributes) and turning a keyboard into JSON for each message cost more than sending it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

Row = tuple[tuple[str, str | None, str | None], ...]  # (label, callback data, url) per button


@lru_cache(maxsize=8192)
def button(label: str, data: str | None = None, url: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data, url=url)


class Keyboard(InlineKeyboardMarkup):
    """A keyboard whose JSON form is worked out the first time it is sent, then reused (it is frozen)."""

    __slots__ = ("_json",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._json: dict[str, Any] | None = None

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not recursive:
            return super().to_dict(recursive)
        if self._json is None:
            with self._unfrozen():
                self._json = super().to_dict(recursive)
        return self._json


@lru_cache(maxsize=4096)
def keyboard(rows: tuple[Row, ...]) -> Keyboard:
    return Keyboard([[button(*spec) for spec in row] for row in rows])
