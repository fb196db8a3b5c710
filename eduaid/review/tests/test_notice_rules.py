"""The notice period: the 5th working day after the start day, from the official calendar and overrides."""

from __future__ import annotations

import datetime as dt

import pytest

from eduaid.core.workdays import CalendarGap
from eduaid.review.rules import notice_end, notice_over, notice_running


def test_a_notice_starting_on_5_february_2024_ends_on_sunday_18_february() -> None:
    # 春节 2024: 10–17 February off, Sunday 4 and Sunday 18 February working days (调休).
    assert notice_end(dt.date(2024, 2, 5)) == dt.date(2024, 2, 18)


def test_an_ordinary_week_ends_a_week_later() -> None:
    assert notice_end(dt.date(2024, 3, 11)) == dt.date(2024, 3, 18)


def test_an_override_day_off_pushes_the_end() -> None:
    assert notice_end(dt.date(2024, 3, 11), {dt.date(2024, 3, 14): False}) == dt.date(2024, 3, 19)


def test_a_year_the_calendar_does_not_cover_is_an_error_not_a_guess() -> None:
    with pytest.raises(CalendarGap) as gap:
        notice_end(dt.date(2099, 3, 2))
    assert gap.value.day == dt.date(2099, 3, 3)


def test_overrides_for_a_whole_stretch_cover_a_missing_year() -> None:
    days = {dt.date(2099, 3, d): dt.date(2099, 3, d).weekday() < 5 for d in range(2, 20)}
    assert notice_end(dt.date(2099, 3, 2), days) == dt.date(2099, 3, 9)


def test_the_end_day_is_part_of_the_period() -> None:
    start, end = dt.date(2024, 3, 11), dt.date(2024, 3, 18)
    assert notice_running(start, end, end) and not notice_over(end, end)
    assert notice_over(end, dt.date(2024, 3, 19)) and not notice_running(start, end, dt.date(2024, 3, 19))
    assert not notice_running(start, end, dt.date(2024, 3, 10))
