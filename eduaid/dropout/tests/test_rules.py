"""Pure rules: deadlines, turning 16, unexcused absences in a row over working days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from eduaid.dropout import rules

D = dt.date


def test_a_suspected_case_is_due_for_verification_after_the_verify_days() -> None:
    due = rules.due_on(
        status="suspected",
        opened_on=D(2024, 3, 1),
        confirmed_on=None,
        last_attempt_on=None,
        verify_days=10,
        attempt_days=30,
    )
    assert due == D(2024, 3, 11)
    assert not rules.is_overdue(due, D(2024, 3, 11))
    assert rules.is_overdue(due, D(2024, 3, 12))


def test_a_dropout_case_is_due_an_attempt_a_month_after_the_last_one() -> None:
    kwargs: dict[str, Any] = {
        "opened_on": D(2024, 1, 2),
        "confirmed_on": D(2024, 1, 5),
        "verify_days": 10,
        "attempt_days": 30,
    }
    assert rules.due_on(status="confirmed", last_attempt_on=None, **kwargs) == D(2024, 2, 4)
    assert rules.due_on(status="persuading", last_attempt_on=D(2024, 2, 20), **kwargs) == D(2024, 3, 21)


def test_a_resolved_or_closed_case_has_nothing_due() -> None:
    for status in ("returned", "home_teaching", "placed", "closed", "false_alarm"):
        assert (
            rules.due_on(
                status=status,
                opened_on=D(2024, 1, 2),
                confirmed_on=None,
                last_attempt_on=None,
                verify_days=10,
                attempt_days=30,
            )
            is None
        )


def test_a_child_ages_out_on_the_sixteenth_birthday() -> None:
    assert not rules.aged_out(D(2008, 3, 16), D(2024, 3, 15))
    assert rules.aged_out(D(2008, 3, 15), D(2024, 3, 15))
    assert not rules.aged_out(None, D(2024, 3, 15))


def test_a_weekend_does_not_break_a_run_of_unexcused_absences() -> None:
    # Thursday 7, Friday 8, (weekend), Monday 11 March 2024
    days = [(D(2024, 3, 7), False), (D(2024, 3, 8), False), (D(2024, 3, 11), False)]
    assert rules.unexcused_run(days, first=D(2024, 3, 1), last=D(2024, 3, 15)) == (3, D(2024, 3, 7))


def test_an_excused_day_or_a_day_at_school_breaks_the_run() -> None:
    excused = [(D(2024, 3, 7), False), (D(2024, 3, 8), True), (D(2024, 3, 11), False)]
    assert rules.unexcused_run(excused, first=D(2024, 3, 1), last=D(2024, 3, 15))[0] == 1
    present = [(D(2024, 3, 6), False), (D(2024, 3, 8), False), (D(2024, 3, 11), False)]
    assert rules.unexcused_run(present, first=D(2024, 3, 1), last=D(2024, 3, 15))[0] == 2


def test_absences_before_the_term_do_not_count() -> None:
    days = [(D(2024, 2, 28), False), (D(2024, 2, 29), False), (D(2024, 3, 1), False)]
    assert rules.unexcused_run(days, first=D(2024, 3, 1), last=D(2024, 3, 15))[0] == 1


def test_a_working_day_override_counts() -> None:
    # Saturday 9 March declared a working day (调休) and missed: it joins the run
    days = [(D(2024, 3, 8), False), (D(2024, 3, 9), False), (D(2024, 3, 11), False)]
    overrides = {D(2024, 3, 9): True}
    assert rules.unexcused_run(days, first=D(2024, 3, 1), last=D(2024, 3, 15), overrides=overrides)[0] == 3


def test_an_unenrolled_child_of_twelve_belongs_to_a_junior_school() -> None:
    assert rules.stage_for_age(11) == "primary"
    assert rules.stage_for_age(12) == "junior"
