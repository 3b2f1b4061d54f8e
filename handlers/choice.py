"""A question answered with a button: it keeps its words, shows what was chosen, and loses its buttons."""

from __future__ import annotations

from telegram import Update


def pressed_label(update: Update) -> str | None:
    """The label of the button that was pressed, read from the keyboard it was pressed on."""
    query = update.callback_query
    message = query.message if query is not None else None
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", None) or ():
        for button in row:
            if button.callback_data == query.data:  # type: ignore[union-attr]
                return button.text
    return None


async def show_choice(update: Update, choice: str | None = None) -> None:
    """Settle the question the button was pressed on: its text, then "✅ <choice>" (the pressed button's
    label unless `choice` is given), without buttons, so an old button cannot be pressed again. As the
    round's district step does ("District: Østbyen"). A message without text just loses its buttons."""
    query = update.callback_query
    assert query is not None
    choice = (choice or pressed_label(update) or "").removeprefix("✅ ")  # a label with its own tick: not two
    message = query.message
    question = getattr(message, "text", None)
    if not question or not choice:
        await query.edit_message_reply_markup(None)
        return
    await query.edit_message_text(f"{question[:4000]}\n\n✅ {choice[:90]}")
