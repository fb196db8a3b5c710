"""The one clock. Every piece of date logic asks it for "today".

`EDUAID_TODAY` (YYYY-MM-DD) overrides the date; tests freeze it with `frozen_today`.
"Today" is the local date in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone

_frozen: list[dt.date] = []


def today() -> dt.date:
    if _frozen:
        return _frozen[-1]
    override = getattr(settings, "EDUAID_TODAY", None)
    if override:
        return override
    return timezone.localdate()


def now() -> dt.datetime:
    """The current instant; on a frozen or overridden day, that day at the current local time."""
    current = timezone.localtime()
    day = today()
    if day == current.date():
        return current
    return dt.datetime.combine(day, current.timetz())


@contextmanager
def frozen_today(day: dt.date) -> Iterator[dt.date]:
    _frozen.append(day)
    try:
        yield day
    finally:
        _frozen.pop()
