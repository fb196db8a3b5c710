"""Pure rules of 控辍保学: deadlines, age, and unexcused absences in a row. No ORM here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from eduaid.core.workdays import is_workday

AGE_OUT = 16  # compulsory education ends; an unresolved case closes on the child's 16th birthday
PRIMARY_UNTIL_AGE = 11  # an unenrolled child of up to 11 (on 31 August) belongs to a primary school

VERIFYING = frozenset({"suspected", "verifying"})
PERSUADING = frozenset({"confirmed", "persuading", "reported"})


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def aged_out(birth: dt.date | None, day: dt.date) -> bool:
    return birth is not None and age_on(birth, day) >= AGE_OUT


def stage_for_age(age: int) -> str:
    """The compulsory stage of a child of `age` on 31 August who attends no school."""
    return "primary" if age <= PRIMARY_UNTIL_AGE else "junior"


def due_on(
    *,
    status: str,
    opened_on: dt.date,
    confirmed_on: dt.date | None,
    last_attempt_on: dt.date | None,
    verify_days: int,
    attempt_days: int,
) -> dt.date | None:
    """When the next step is due: verification within `verify_days` of opening; then an attempt at
    least every `attempt_days` from the confirmation or the last attempt; nothing once resolved."""
    if status in VERIFYING:
        return opened_on + dt.timedelta(days=verify_days)
    if status in PERSUADING:
        since = max(d for d in (last_attempt_on, confirmed_on, opened_on) if d is not None)
        return since + dt.timedelta(days=attempt_days)
    return None


def is_overdue(due: dt.date | None, today: dt.date) -> bool:
    return due is not None and today > due


def unexcused_run(
    absences: Iterable[tuple[dt.date, bool]],
    *,
    first: dt.date,
    last: dt.date,
    overrides: Mapping[dt.date, bool] | None = None,
) -> tuple[int, dt.date | None]:
    """The longest run of consecutive working days between `first` and `last` (the term so far) on
    which the student was absent without excuse, and the day that run started.

    Days off do not break a run; a working day present, or absent with an excuse, does.
    """
    marks = {day: excused for day, excused in absences if first <= day <= last}
    if not marks:
        return 0, None
    best, best_start, run, start = 0, None, 0, None
    day = min(marks)
    end = max(marks)
    while day <= end:
        if is_workday(day, overrides):
            if day in marks and not marks[day]:
                if run == 0:
                    start = day
                run += 1
                if run > best:
                    best, best_start = run, start
            else:
                run, start = 0, None
        day += dt.timedelta(days=1)
    return best, best_start
