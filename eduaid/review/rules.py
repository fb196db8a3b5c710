"""Pure rules of the public notice (公示): its period, counted in working days. No ORM here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from eduaid.core.workdays import nth_workday_after

NOTICE_WORKDAYS = 5


def notice_end(start: dt.date, overrides: Mapping[dt.date, bool] | None = None) -> dt.date:
    """The last day of a notice starting on `start`: the 5th working day after it (it runs until 23:59
    Asia/Shanghai that day). Raises `CalendarGap` when the calendar does not cover a day it needs."""
    return nth_workday_after(start, NOTICE_WORKDAYS, overrides)


def notice_running(starts_on: dt.date, ends_on: dt.date, today: dt.date) -> bool:
    return starts_on <= today <= ends_on


def notice_over(ends_on: dt.date, today: dt.date) -> bool:
    """Over from the day after the end day (the period includes the whole end day)."""
    return today > ends_on
