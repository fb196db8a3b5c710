"""Term codes and the school year: pure rules."""

from __future__ import annotations

import datetime as dt
import re

_TERM = re.compile(r"^(\d{4})-(\d{4})-([12])$")


class TermCodeError(ValueError):
    pass


def parse(code: str) -> tuple[int, int]:
    """`2023-2024-1` → (2023, 1). The second year must follow the first."""
    match = _TERM.match(code.strip())
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise TermCodeError(code)
    return int(match.group(1)), int(match.group(3))


def default_start(code: str) -> dt.date:
    """Autumn terms start on 1 September, spring terms on 1 March (an admin may move them)."""
    first_year, half = parse(code)
    return dt.date(first_year, 9, 1) if half == 1 else dt.date(first_year + 1, 3, 1)


def age_reference_day(code: str) -> dt.date:
    """Ages for a school year are counted on 31 August of its first calendar year."""
    first_year, _half = parse(code)
    return dt.date(first_year, 8, 31)


def code_for(day: dt.date) -> str:
    """The term in force on `day` under the default start dates."""
    if day.month >= 9:
        return f"{day.year}-{day.year + 1}-1"
    if day.month >= 3:
        return f"{day.year - 1}-{day.year}-2"
    return f"{day.year - 1}-{day.year}-1"


def start_window(code: str) -> tuple[dt.date, dt.date]:
    """The dates a term may start on: autumn 1 August – 30 September of its first year, spring
    15 January – 31 March of its second (the spring festival moves the spring term)."""
    first_year, half = parse(code)
    if half == 1:
        return dt.date(first_year, 8, 1), dt.date(first_year, 9, 30)
    return dt.date(first_year + 1, 1, 15), dt.date(first_year + 1, 3, 31)
