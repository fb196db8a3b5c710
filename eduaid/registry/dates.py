"""Reading a date the way users write one in Excel and WPS. Pure: no database.

Accepted: a real date cell, `2023-05-01`, `2023/5/1`, `2023.5.1`, `20230501`, `2023年5月1日` (full-width
digits too, a time of day after it ignored), and an Excel serial number (45047 is 2023-05-01), which is
what a date cell becomes when its column is formatted as a number or pasted as values. Serial numbers
are read only with five digits (1927–2173), so that a stray year such as 2023 is not taken for a day
of 1905.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from eduaid.core.tabular import Cell, CellKind, clean

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's 1900 leap-year bug included)
_SEPARATED = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^(\d{5})(\.\d+)?$")
_TIME_OF_DAY = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")


class DateError(ValueError):
    """The cell holds something that is not a date; `message` tells the user how to write one."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def bad_date_message() -> str:
    return _("Not a date: write dates like 2023-05-01.")


def parse_date(cell: Cell | str | None) -> dt.date | None:
    """The date in a cell; None for a blank or missing cell; DateError for anything else."""
    if cell is None:
        return None
    if isinstance(cell, Cell):
        if cell.kind == CellKind.BOOL:
            raise DateError(bad_date_message())
        text = cell.text
    else:
        text = clean(cell)
    if not text:
        return None
    day = _from_text(_TIME_OF_DAY.sub("", text))
    if day is None:
        raise DateError(bad_date_message())
    return day


def _from_text(text: str) -> dt.date | None:
    match = _SEPARATED.match(text) or _DIGITS.match(text)
    if match is not None:
        return _date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    serial = _SERIAL.match(text)
    if serial is not None:
        return EXCEL_EPOCH + dt.timedelta(days=int(serial.group(1)))
    return None


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
