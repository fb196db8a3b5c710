"""Working days of mainland China: the official calendar (`chinesecalendar`) plus local overrides.

Pure functions over plain data. `overrides` maps a date to True (a working day, e.g. a 调休 Sunday
the package does not know) or False (a day off). A date that neither the overrides nor the package
covers is an error, never a guess: the package stops at 2026, and a county must enter the next
year's holiday arrangement (国务院办公厅 notice) before deadlines can be counted in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import chinese_calendar


class CalendarGap(ValueError):
    """The working-day calendar does not cover a date."""

    def __init__(self, day: dt.date) -> None:
        super().__init__(day.isoformat())
        self.day = day


def is_workday(day: dt.date, overrides: Mapping[dt.date, bool] | None = None) -> bool:
    if overrides and day in overrides:
        return overrides[day]
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarGap(day) from exc


def nth_workday_after(start: dt.date, n: int, overrides: Mapping[dt.date, bool] | None = None) -> dt.date:
    """The n-th working day after `start` (start itself not counted); n ≥ 1."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, found = start, 0
    while found < n:
        day += dt.timedelta(days=1)
        if is_workday(day, overrides):
            found += 1
    return day


def workdays_between(first: dt.date, last: dt.date, overrides: Mapping[dt.date, bool] | None = None) -> int:
    """Working days from `first` to `last`, both included (0 when last < first)."""
    count, day = 0, first
    while day <= last:
        count += is_workday(day, overrides)
        day += dt.timedelta(days=1)
    return count
