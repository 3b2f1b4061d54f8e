"""Questions the creation and change flows share: start, end (Oslo time) and place, refused with the reason."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.i18n import N_, fmt_datetime, fmt_time
from handlers.common import Context, reply
from models.timeparse import BadTime, Moment, NoSuchDate, SkippedHour
from models.timeparse import read_end as parse_end
from models.timeparse import read_moment


async def _refuse(update: Update, context: Context, error: BadTime, unreadable: str) -> None:
    """Say what was wrong with the time the user wrote."""
    _ = context._
    if isinstance(error, NoSuchDate):
        text = _("There is no {day}.{month:02d}.{year} in the calendar. Check the date and try again.").format(
            day=error.day, month=error.month, year=error.year)
    elif isinstance(error, SkippedHour):
        text = _("The clocks skip from 02:00 to 03:00 that night (summer time starts), so "
                 "{time} does not exist. Choose another time.").format(time=error.local.strftime("%H:%M"))
    else:
        text = _(unreadable)
    await reply(update, text)


async def _tell_if_ambiguous(update: Update, context: Context, moment: Moment) -> None:
    if moment.ambiguous:
        await reply(update, context._("That night the clocks go back and {time} happens twice; I use the first "
                                      "(summer time): {when}.").format(
            time=fmt_time(moment.at, context.lang), when=fmt_datetime(moment.at, context.lang)))


async def read_start(update: Update, context: Context) -> datetime | None:
    """The start the user wrote, or None after telling them what was wrong (and asking again)."""
    _ = context._
    now = context.runtime.now()
    try:
        moment = read_moment(update.message.text or "", now)  # type: ignore[union-attr]
    except BadTime as error:
        await _refuse(update, context, error, N_("I could not read that time. Write it like 17.04 12:00 or 2027-04-17 12:00."))
        return None
    if moment.at <= now:
        await reply(update, _("That time has passed. Choose a time in the future."))
        return None
    await _tell_if_ambiguous(update, context, moment)
    await reply(update, _("When does it end? Write the time (for example 15:00), or date and time."))
    return moment.at


async def read_place(update: Update, context: Context, data: dict[str, object], *, pin_saved: str, too_short: str) -> str | None:
    """A place in words; a location pin is kept in `data` and the words asked for next. None: ask again."""
    _ = context._
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
    _ = context._
    try:
        moment = parse_end(update.message.text or "", start, context.runtime.now())  # type: ignore[union-attr]
    except BadTime as error:
        await _refuse(update, context, error, N_("I could not read that time. Write it like 15:00 or 17.04 15:00."))
        return None
    if moment.at <= start:
        await reply(update, _("The end must be after the start. Try again."))
        return None
    await _tell_if_ambiguous(update, context, moment)
    return moment.at
