"""Days from the term's start to payment, and the share paid on time, per school."""

from __future__ import annotations

import datetime as dt

from eduaid.payments.timeliness import Due, by_school, days_to_payment, overall

START = dt.date(2023, 9, 1)


def test_days_are_counted_from_the_term_start() -> None:
    assert days_to_payment(START, dt.date(2023, 10, 31)) == 60
    assert days_to_payment(START, dt.date(2023, 8, 30)) == 0


def test_unpaid_aid_counts_as_late_and_the_worst_school_comes_first() -> None:
    facts = [
        Due(1, "东营小学", dt.date(2023, 10, 1)),
        Due(1, "东营小学", dt.date(2023, 11, 15)),
        Due(1, "东营小学", None),
        Due(2, "第一初中", dt.date(2023, 9, 20)),
    ]
    rows = by_school(facts, start=START, limit_days=60)
    assert [r.school_name for r in rows] == ["东营小学", "第一初中"]
    first = rows[0]
    assert (first.due, first.paid, first.on_time) == (3, 2, 1)
    assert first.median_days == (30 + 75) / 2 and first.max_days == 75
    assert first.percent_on_time == "33.3"
    assert rows[1].share_on_time == 1.0
    assert overall(rows) == (4, 3, 2)


def test_the_limit_is_a_parameter() -> None:
    facts = [Due(1, "甲", dt.date(2023, 11, 15))]
    assert by_school(facts, start=START, limit_days=60)[0].on_time == 0
    assert by_school(facts, start=START, limit_days=90)[0].on_time == 1
