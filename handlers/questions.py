"""Questions the creation and change flows share: start, end (Oslo time) and place, refused with the reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update

from bot.activity_buttons import SkipStep
from bot.i18n import N_, fmt_datetime, fmt_time
from handlers.common import Context, inline, reply
from models.constants import OSLO
from models.membership import has_role, member_by_telegram
from models.timeparse import BadTime, Moment, NoSuchDate, RecentPast, SkippedHour, read_moment
from models.timeparse import read_end as parse_end

Step = Callable[[Update, Context], Awaitable[int]]


async def too_long(update: Update, context: Context, text: str, limit: int) -> bool:
    """Say so when `text` is over `limit` characters (never cut it); True if it was."""
    if len(text) <= limit:
        return False
    await reply(update, context._("That is {length} characters; the limit is {limit}. Please shorten it and send it again.").format(
        length=len(text), limit=limit))
    return True


async def refuse_time(update: Update, context: Context, error: BadTime, unreadable: str, **fields: str) -> None:
    """Say what was wrong with the time the user wrote (`fields` fill the placeholders of `unreadable`)."""
    _ = context._
    if isinstance(error, NoSuchDate):
        text = _("There is no {day}.{month:02d}.{year} in the calendar. Check the date and try again.").format(
            day=error.day, month=error.month, year=error.year)
    elif isinstance(error, RecentPast):
        text = _("{written} has passed: it was {passed}. Write a time to come; if you mean next year, write the year "
                 "too: {example}.").format(written=str(error), passed=fmt_datetime(error.passed, context.lang),
                                           example=error.next_year.astimezone(OSLO).strftime("%d.%m.%Y %H:%M"))
    elif isinstance(error, SkippedHour):
        text = _("The clocks skip from 02:00 to 03:00 that night (summer time starts), so "
                 "{time} does not exist. Choose another time.").format(time=error.local.strftime("%H:%M"))
    else:
        text = _(unreadable).format(**fields) if fields else _(unreadable)
    await reply(update, text)


async def _tell_if_ambiguous(update: Update, context: Context, moment: Moment) -> None:
    if moment.ambiguous:
        await reply(update, context._("That night the clocks go back and {time} happens twice; I use the first "
                                      "(summer time): {when}.").format(
            time=fmt_time(moment.at, context.lang), when=fmt_datetime(moment.at, context.lang)))


async def _read(update: Update, context: Context, parse: Callable[[str], Moment], unreadable: str,
                earliest: datetime, too_early: str) -> Moment | None:
    """A moment the user wrote, after `earliest`; None after saying what was wrong."""
    try:
        moment = parse(update.message.text or "")  # type: ignore[union-attr]
    except BadTime as error:
        await refuse_time(update, context, error, unreadable)
        return None
    if moment.at <= earliest:
        await reply(update, context._(too_early))
        return None
    await _tell_if_ambiguous(update, context, moment)
    return moment


async def read_future(update: Update, context: Context) -> datetime | None:
    """A date and time in the future the user wrote, or None after telling them what was wrong."""
    now = context.runtime.now()
    moment = await _read(update, context, lambda text: read_moment(text, now),
                         N_("I could not read that time. Write it like 17.04 12:00 or 2027-04-17 12:00."),
                         now, N_("That time has passed. Choose a time in the future."))
    return None if moment is None else moment.at


async def read_start(update: Update, context: Context) -> datetime | None:
    """The start the user wrote, or None after telling them what was wrong (and asking again)."""
    start = await read_future(update, context)
    if start is not None:
        await reply(update, context._("When does it end? Write the time (for example 15:00), or date and time."))
    return start


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
    moment = await _read(update, context, lambda text: parse_end(text, start, context.runtime.now()),
                         N_("I could not read that time. Write it like 15:00 or 17.04 15:00."),
                         start, N_("The end must be after the start. Try again."))
    return None if moment is None else moment.at


async def start_step(update: Update, context: Context, draft: dict[str, Any], stay: int, then: int) -> int:
    """A flow's "when does it start?" step: keep the start in the draft and go on, or ask again."""
    start = await read_start(update, context)
    if start is None:
        return stay
    draft["start"] = start.isoformat()
    return then


async def end_step(update: Update, context: Context, draft: dict[str, Any]) -> datetime | None:
    """A flow's "when does it end?" step: the end after the draft's start, kept in the draft; None: ask again."""
    end = await read_end(update, context, datetime.fromisoformat(draft["start"]))
    if end is not None:
        draft["end"] = end.isoformat()
    return end


async def place_step(update: Update, context: Context, draft: dict[str, Any], *, pin_saved: str, too_short: str) -> bool:
    """A flow's "where?" step: the place (and any pin) kept in the draft; False: ask again."""
    place = await read_place(update, context, draft, pin_saved=pin_saved, too_short=too_short)
    if place is not None:
        draft["place"] = place
    return place is not None


def when_steps(draft_key: str, start: int, end: int, then: int, next_question: str) -> tuple[Step, Step]:
    """The start and end steps of a creation flow, the end step going on to `then` with `next_question`."""

    def draft(context: Context) -> dict[str, Any]:
        assert context.user_data is not None
        return context.user_data.setdefault(draft_key, {})

    async def got_start(update: Update, context: Context) -> int:
        return await start_step(update, context, draft(context), start, end)

    async def got_end(update: Update, context: Context) -> int:
        if await end_step(update, context, draft(context)) is None:
            return end
        await reply(update, context._(next_question))
        return then

    return got_start, got_end


async def title_step(update: Update, context: Context, draft: dict[str, Any]) -> bool:
    """A flow's "what is it called?" step: 3 to 200 characters kept in the draft; False: ask again."""
    title = (update.message.text or "").strip()  # type: ignore[union-attr]
    if not 3 <= len(title) <= 200:
        await reply(update, context._("The title must be between 3 and 200 characters. Try again."))
        return False
    draft["title"] = title
    return True


async def role_gone(update: Update, context: Context, session: AsyncSession, role: str, flow_title: str) -> bool:
    """The last step of a flow for a role reads the role again in the transaction that stores the
    result: True (after saying so) when it is gone."""
    member = await member_by_telegram(session, context.known.telegram_id)
    if member is not None and has_role(member, role, context.runtime.settings.lagbot_admins):
        return False
    await reply(update, context._("You no longer have the role needed for “{flow}”, so I stopped it. "
                                  "Nothing was changed.").format(flow=context._(flow_title)))
    return True


async def skippable(update: Update) -> str | None:
    """The text written at an optional step, or None when its button ("Skip", "No limit", "Me") was pressed."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        return None
    return (update.message.text or "").strip()  # type: ignore[union-attr]


def skip_button(context: Context, label: str = N_("Skip")) -> InlineKeyboardMarkup:
    return inline([[(context._(label), SkipStep().pack())]])
