"""Timeliness of payment (资助资金及时足额发放), as pure functions over plain data.

For each school and term: the county cash due, how much of it was paid, the days from the term's start
to payment (median and longest), and the share of what was due that was paid within `limit_days`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_LIMIT_DAYS = 60


@dataclass(frozen=True)
class Due:
    school_id: int | None  # None: a college student (no county school)
    school_name: str
    paid_on: dt.date | None


@dataclass(frozen=True)
class SchoolTimeliness:
    school_id: int | None
    school_name: str
    due: int
    paid: int
    on_time: int
    median_days: float | None
    max_days: int | None

    @property
    def share_on_time(self) -> float:
        """Paid within the limit, of everything due (unpaid rows count as late)."""
        return self.on_time / self.due if self.due else 0.0

    @property
    def percent_on_time(self) -> str:
        return f"{100 * self.share_on_time:.1f}"


def days_to_payment(start: dt.date, paid_on: dt.date) -> int:
    """Days from the term's start to payment; a payment before the start counts as day 0."""
    return max(0, (paid_on - start).days)


def by_school(facts: Iterable[Due], *, start: dt.date, limit_days: int) -> list[SchoolTimeliness]:
    """One summary per school, worst share first (then by name)."""
    grouped: dict[int | None, list[Due]] = defaultdict(list)
    for fact in facts:
        grouped[fact.school_id].append(fact)
    result = []
    for school_id, rows in grouped.items():
        days = [days_to_payment(start, r.paid_on) for r in rows if r.paid_on is not None]
        result.append(
            SchoolTimeliness(
                school_id=school_id,
                school_name=rows[0].school_name,
                due=len(rows),
                paid=len(days),
                on_time=sum(1 for d in days if d <= limit_days),
                median_days=statistics.median(days) if days else None,
                max_days=max(days) if days else None,
            )
        )
    return sorted(result, key=lambda s: (s.share_on_time, s.school_name))


def overall(rows: Iterable[SchoolTimeliness]) -> tuple[int, int, int]:
    """(due, paid, paid on time) over every school."""
    due = paid = on_time = 0
    for row in rows:
        due, paid, on_time = due + row.due, paid + row.paid, on_time + row.on_time
    return due, paid, on_time
