"""Dates and times as people write them, read as Oslo wall-clock time; the one place for these parsers.

A date that does not exist (31.04, 29.02 in a non-leap year) or a time that falls in the hour the
clocks skip in spring is refused with the reason; a time in the autumn hour that occurs twice is
taken as the first of the two, and the caller is told so (`Moment.ambiguous`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from models.constants import OSLO


class BadTime(ValueError):
    """Text that is not a date and time we understand."""


class NoSuchDate(BadTime):
    """A day that is not in the calendar, such as 31.04 or 29.02 in a non-leap year."""

    def __init__(self, text: str, day: int, month: int, year: int) -> None:
        super().__init__(text)
        self.day, self.month, self.year = day, month, year


class SkippedHour(BadTime):
    """A time in the hour Oslo's clocks skip when summer time starts."""

    def __init__(self, text: str, local: datetime) -> None:
        super().__init__(text)
        self.local = local


class RecentPast(BadTime):
    """A day without a year that was only weeks ago ("25.11" on 1 December): most likely a slip, not
    next year's day, so it is refused with both readings rather than moved a year on in silence."""

    def __init__(self, text: str, passed: datetime, next_year: datetime) -> None:
        super().__init__(text)
        self.passed, self.next_year = passed, next_year


# How far back a day written without a year counts as "just passed" (refused) rather than next year's.
RECENT_PAST = timedelta(days=62)


@dataclass(frozen=True)
class Moment:
    """A moment read from text: `at` in UTC; `ambiguous` when Oslo had that wall-clock time twice."""

    at: datetime
    ambiguous: bool = False


_DATE_TIME = re.compile(
    r"^(?:(?P<iso_y>\d{4})-(?P<iso_m>\d{1,2})-(?P<iso_d>\d{1,2})"
    r"|(?P<d>\d{1,2})\.(?P<m>\d{1,2})(?:\.(?P<y>\d{2}|\d{4})?)?)"
    r"\s+(?P<hh>\d{1,2})[:.](?P<mm>\d{2})$"
)
_TIME_ONLY = re.compile(r"^(?P<hh>\d{1,2})[:.](?P<mm>\d{2})$")


def _clean(text: str) -> str:
    return " ".join(text.strip().lower().replace("kl.", " ").replace("kl", " ").split())


def oslo_moment(local: datetime, text: str = "") -> Moment:
    """A naive Oslo wall-clock time as a UTC moment, refusing the skipped hour, flagging the doubled one."""
    first = local.replace(tzinfo=OSLO, fold=0)
    second = local.replace(tzinfo=OSLO, fold=1)
    # A wall-clock time that does not exist does not survive the round trip through UTC.
    if first.astimezone(UTC).astimezone(OSLO).replace(tzinfo=None) != local:
        raise SkippedHour(text, local)
    ambiguous = first.utcoffset() != second.utcoffset()
    return Moment(first.astimezone(UTC), ambiguous)


def _day(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise NoSuchDate(text, day, month, year) from None


def _clock(text: str, hours: str, minutes: str) -> time:
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        raise BadTime(text) from None


def read_moment(text: str, now: datetime) -> Moment:
    """'17.04 12:00', '17.04.2027 12:00', '17.04.27 kl. 12.00' or '2027-04-17 12:00' in Oslo time.

    Without a year, the next such day from `now` (this year, or next year once it has passed), except
    that a day passed within RECENT_PAST is refused (RecentPast): "25.11" typed on 1 December is a slip,
    not next November. 29.02 in a year that has none is refused, not moved to the next leap year.
    """
    cleaned = _clean(text)
    match = _DATE_TIME.match(cleaned)
    if match is None:
        raise BadTime(text)
    clock = _clock(text, match["hh"], match["mm"])
    if match["iso_y"]:
        day = _day(text, int(match["iso_y"]), int(match["iso_m"]), int(match["iso_d"]))
        return oslo_moment(datetime.combine(day, clock), text)
    day_, month = int(match["d"]), int(match["m"])
    if match["y"]:
        year = int(match["y"]) + (2000 if len(match["y"]) == 2 else 0)
        return oslo_moment(datetime.combine(_day(text, year, month, day_), clock), text)
    local_now = now.astimezone(OSLO).replace(tzinfo=None)
    year = local_now.year
    # A day without a year is the next one to come; a day that does not exist is refused with
    # the year it would have had ("31.04" in November is next year's 31 April).
    if (month, day_, clock) < (local_now.month, local_now.day, local_now.time()):
        year += 1
        try:
            this_year = datetime.combine(date(year - 1, month, day_), clock)
        except ValueError:  # 29.02 of a year that has none: refused below as next year's
            this_year = None
        if this_year is not None and local_now - this_year <= RECENT_PAST:
            later = oslo_moment(datetime.combine(_day(text, year, month, day_), clock), text).at
            raise RecentPast(text, this_year.replace(tzinfo=OSLO).astimezone(UTC), later)
    return oslo_moment(datetime.combine(_day(text, year, month, day_), clock), text)


def parse_oslo_datetime(text: str, now: datetime) -> datetime:
    """`read_moment` when only the moment matters."""
    return read_moment(text, now).at


def read_end(text: str, start: datetime, now: datetime) -> Moment:
    """'15:00' is that time on the start's day in Oslo (the next day when that is not after the
    start and ends a night of at most 12 hours: a party from 22:00 to 01:00); anything longer is a full date and time."""
    cleaned = _clean(text)
    match = _TIME_ONLY.match(cleaned)
    if match is None:
        return read_moment(text, now)
    clock = _clock(text, match["hh"], match["mm"])
    local_start = start.astimezone(OSLO).replace(tzinfo=None)
    end = datetime.combine(local_start.date(), clock)
    if end <= local_start and end + timedelta(days=1) - local_start <= timedelta(hours=12):
        end += timedelta(days=1)  # "01:00" after a 22:00 start is the night after, not the morning before
    return oslo_moment(end, text)


def read_day(text: str) -> date:
    """'2026-12-01' or '01.12.2026' as a calendar day (command line options)."""
    cleaned = text.strip()
    for pattern in (r"^(\d{4})-(\d{1,2})-(\d{1,2})$", r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"):
        match = re.match(pattern, cleaned)
        if match:
            a, b, c = (int(g) for g in match.groups())
            year, month, day = (a, b, c) if pattern.startswith(r"^(\d{4})") else (c, b, a)
            return _day(text, year, month, day)
    raise BadTime(text)


def same_time_day_before(moment: datetime) -> datetime:
    """The same Oslo wall-clock time a day earlier (not 24 hours: the clocks may change overnight)."""
    return (moment.astimezone(OSLO) - timedelta(days=1)).astimezone(moment.tzinfo)


def oslo_at(day: date, clock: time) -> datetime:
    """That wall-clock time in Oslo on `day`, as an aware moment."""
    return datetime.combine(day, clock, tzinfo=OSLO)
