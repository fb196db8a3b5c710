"""Resident ID numbers (GB 11643-1999): normalising, checking, masking, and making synthetic ones.

Pure functions over strings and dates; no ORM. Checks use `stdnum.cn.ric` (length, check digit,
birth date, area code) plus one rule of ours: the birth date may not lie in the future.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import unicodedata

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric


class IdProblem(enum.StrEnum):
    EMPTY = "empty"
    LENGTH = "length"
    FORMAT = "format"
    CHECKSUM = "checksum"
    BIRTH_DATE = "birth_date"
    FUTURE_BIRTH = "future_birth"
    AREA = "area"


def normalize(raw: object) -> str:
    """Trim, full-width → half-width, drop inner spaces, lower-case x → X."""
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else ""))
    return "".join(text.split()).upper()


def problem(number: str, *, today: dt.date) -> IdProblem | None:
    """What is wrong with an already-normalised ID number, or None.

    The same checks as `stdnum.cn.ric.validate`, in its order; the slow part — the area-code lookup
    in stdnum's database — is cached per (area, birth year), which is what makes a county file fast.
    """
    if not number:
        return IdProblem.EMPTY
    if len(number) != 18:
        return IdProblem.LENGTH
    if not number[:-1].isdigit() or not number[:-1].isascii():
        return IdProblem.FORMAT
    if number[-1] != ric.calc_check_digit(number):
        return IdProblem.CHECKSUM
    try:
        born = birth_date(number)
    except ValueError:
        return IdProblem.BIRTH_DATE
    if not _known_area(number[:6], born.year):
        return IdProblem.AREA
    if born > today:
        return IdProblem.FUTURE_BIRTH
    return None


@functools.lru_cache(maxsize=65536)
def _known_area(area: str, year: int) -> bool:
    """Whether stdnum knows the area code as assigned in that year (any valid day stands for it)."""
    try:
        ric.get_birth_place(f"{area}{year:04d}0101000")
    except stdnum_errors.ValidationError:
        return False
    return True


def birth_date(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def is_male(number: str) -> bool:
    """Digit 17 is odd for men, even for women."""
    return int(number[16]) % 2 == 1


def mask(number: str) -> str:
    """`411728********0023`: the area and the last four stay, the birth date is hidden."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:6] + "*" * 8 + number[-4:]


def age_on(number: str, day: dt.date) -> int:
    born = birth_date(number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def synthetic(area: str, born: dt.date, sequence: int) -> str:
    """A valid-looking ID for demo and test people (sequence 0–999; odd = male)."""
    body = f"{area}{born:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")
