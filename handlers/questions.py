"""Questions the creation conversations share: start, end (Oslo time) and place, refused with the reason."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.i18n import OSLO, BadTime, parse_oslo_datetime, translator
from bot.runtime import runtime_of
from handlers.common import Context, current_member, reply


def parse_end(text: str, start: datetime, now: datetime) -> datetime:
    """'15:00' is that time on the start's day; anything longer is a full date and time."""
    cleaned = text.strip().replace(".", ":")
    if len(cleaned) <= 5 and ":" in cleaned:
        hours, minutes = cleaned.split(":")
        local = start.astimezone(OSLO)
        return local.replace(hour=int(hours), minute=int(minutes)).astimezone(start.tzinfo)
    return parse_oslo_datetime(text, now)


async def _language(update: Update, context: Context) -> str:
    member = await current_member(update, context)
    return member.language if member else "nb"


async def read_start(update: Update, context: Context) -> datetime | None:
    """The start the user wrote, or None after telling them what was wrong (and asking again)."""
    _ = translator(await _language(update, context))
    now = runtime_of(context).now()
    try:
        start = parse_oslo_datetime(update.message.text or "", now)  # type: ignore[union-attr]
    except BadTime:
        await reply(update, _("I could not read that time. Write it like 17.04 12:00 or 2027-04-17 12:00."))
        return None
    if start <= now:
        await reply(update, _("That time has passed. Choose a time in the future."))
        return None
    await reply(update, _("When does it end? Write the time (for example 15:00), or date and time."))
    return start


async def read_place(update: Update, context: Context, data: dict[str, object], *, pin_saved: str, too_short: str) -> str | None:
    """A place in words; a location pin is kept in `data` and the words asked for next. None: ask again."""
    _ = translator(await _language(update, context))
    message = update.message
    assert message is not None
    if message.location is not None:
        data["lat"], data["lon"] = message.location.latitude, message.location.longitude
        await reply(update, _(pin_saved))
        return None
    place = (message.text or "").strip()
    if not 2 <= len(place) <= 300:
        await reply(update, _(too_short))
        return None
    return place


async def read_end(update: Update, context: Context, start: datetime) -> datetime | None:
    """The end the user wrote, after `start`; None after saying why not."""
    _ = translator(await _language(update, context))
    try:
        end = parse_end(update.message.text or "", start, runtime_of(context).now())  # type: ignore[union-attr]
    except (BadTime, ValueError):
        await reply(update, _("I could not read that time. Write it like 15:00 or 17.04 15:00."))
        return None
    if end <= start:
        await reply(update, _("The end must be after the start. Try again."))
        return None
    return end
