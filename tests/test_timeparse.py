"""Oslo time as people write it: dates that do not exist and the spring-forward gap are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.timeparse import BadTime, NoSuchDate, SkippedHour, read_day, read_end, read_moment

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("17.04 12:00", datetime(2027, 4, 17, 10, 0, tzinfo=UTC)),  # no year: the next 17 April, summer time
    ("17.04.2027 kl. 12.00", datetime(2027, 4, 17, 10, 0, tzinfo=UTC)),
    ("2027-01-16 12:00", datetime(2027, 1, 16, 11, 0, tzinfo=UTC)),  # winter time
    ("29.02.2028 18:00", datetime(2028, 2, 29, 17, 0, tzinfo=UTC)),  # a leap day exists in 2028
    ("01.12 10:00", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
])
def test_reads_oslo_wall_clock_time(text, expected):
    assert read_moment(text, NOW).at == expected


@pytest.mark.parametrize("text", ["31.04 10:00", "29.02.2027 10:00", "29.02 10:00", "2027-02-30 10:00", "13.13 10:00"])
def test_refuses_days_that_do_not_exist(text):
    with pytest.raises(NoSuchDate):
        read_moment(text, NOW)


def test_refuses_the_hour_skipped_in_spring():
    with pytest.raises(SkippedHour) as caught:
        read_moment("28.03.2027 02:30", NOW)
    assert caught.value.local.hour == 2


def test_takes_the_first_of_the_doubled_autumn_hour_and_says_so():
    moment = read_moment("31.10.2027 02:30", NOW)
    assert moment.ambiguous and moment.at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # still summer time
    assert not read_moment("31.10.2027 04:30", NOW).ambiguous


@pytest.mark.parametrize("text", ["", "tomorrow", "25:00", "17.04", "12:61 17.04"])
def test_refuses_what_it_cannot_read(text):
    with pytest.raises(BadTime):
        read_moment(text, NOW)


def test_an_end_without_a_date_is_on_the_start_day():
    start = read_moment("17.04 12:00", NOW).at
    assert read_end("15:00", start, NOW).at == datetime(2027, 4, 17, 13, 0, tzinfo=UTC)


def test_days_for_the_command_line():
    assert str(read_day("2028-02-29")) == "2028-02-29"
    assert str(read_day("01.12.2026")) == "2026-12-01"
    with pytest.raises(NoSuchDate):
        read_day("2027-02-29")


def test_an_end_past_midnight_is_the_night_after():
    start = read_moment("31.12.2026 22:00", NOW).at
    assert read_end("01:00", start, NOW).at == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)


def test_a_day_that_does_not_exist_is_named_with_the_year_it_would_have():
    with pytest.raises(NoSuchDate) as caught:
        read_moment("31.04 10:00", NOW)  # in November: next April
    assert caught.value.year == 2027
