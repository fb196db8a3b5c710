"""Pure rules of the care work: plain functions over plain data, no ORM."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

LEFT_BEHIND_AGE_LIMIT = 16  # 留守儿童: under 16
MAX_ACTIONS = 10  # follow-up actions one visit may list


def is_rural_village(code: str) -> bool:
    """NBS division codes: the 10th–12th digits 001–199 are urban 居民委员会, 200–399 rural 村民委员会
    (400 and up are virtual or special units)."""
    if len(code) != 12 or not code.isdigit():
        return False
    return 200 <= int(code[9:12]) <= 399


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def under_left_behind_age(birth: dt.date, day: dt.date) -> bool:
    return age_on(birth, day) < LEFT_BEHIND_AGE_LIMIT


def sixteenth_birthday(birth: dt.date) -> dt.date:
    """The day a child leaves the 留守儿童 register by age (29 February → 1 March)."""
    try:
        return birth.replace(year=birth.year + LEFT_BEHIND_AGE_LIMIT)
    except ValueError:
        return dt.date(birth.year + LEFT_BEHIND_AGE_LIMIT, 3, 1)


def parse_actions(text: str) -> list[str]:
    """Follow-up actions typed one a line (blank lines and list marks dropped)."""
    actions = []
    for line in text.splitlines():
        action = line.strip().lstrip("-•·*").strip()
        if action:
            actions.append(action)
    return actions


@dataclass(frozen=True)
class ZeroBarrier:
    """The 零障碍 figure of a set of admission requests.

    `share_placed` is placed ÷ decided (placed + refused); pending requests are counted apart.
    Days are calendar days from application to placement, over placed requests.
    """

    requests: int
    placed: int
    refused: int
    pending: int
    share_placed: Fraction | None
    median_days: float | None
    max_days: int | None

    @property
    def percent_placed(self) -> str:
        if self.share_placed is None:
            return ""
        return f"{float(self.share_placed * 100):.1f}"

    @property
    def all_placed(self) -> bool:
        return self.refused == 0 and self.pending == 0 and self.placed > 0


def zero_barrier(rows: Iterable[tuple[str, int | None]]) -> ZeroBarrier:
    """`rows` are (status, days to placement or None) of each request."""
    placed_days: list[int] = []
    refused = pending = 0
    for status, days in rows:
        if status == "placed":
            placed_days.append(days if days is not None else 0)
        elif status == "refused":
            refused += 1
        else:
            pending += 1
    placed = len(placed_days)
    decided = placed + refused
    return ZeroBarrier(
        requests=placed + refused + pending,
        placed=placed,
        refused=refused,
        pending=pending,
        share_placed=Fraction(placed, decided) if decided else None,
        median_days=statistics.median(placed_days) if placed_days else None,
        max_days=max(placed_days) if placed_days else None,
    )
