from __future__ import annotations

import datetime as dt

import pytest

from eduaid.registry import terms


@pytest.mark.parametrize(
    ("code", "start"),
    [("2023-2024-1", dt.date(2023, 9, 1)), ("2023-2024-2", dt.date(2024, 3, 1))],
)
def test_default_start_dates(code: str, start: dt.date) -> None:
    assert terms.default_start(code) == start


@pytest.mark.parametrize("code", ["2023-2025-1", "2023-2024-3", "2023/2024/1", " 2023-2024"])
def test_bad_codes_are_refused(code: str) -> None:
    with pytest.raises(terms.TermCodeError):
        terms.parse(code)


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (dt.date(2023, 9, 1), "2023-2024-1"),
        (dt.date(2024, 2, 29), "2023-2024-1"),
        (dt.date(2024, 3, 1), "2023-2024-2"),
        (dt.date(2024, 8, 31), "2023-2024-2"),
    ],
)
def test_term_in_force_on_a_day(day: dt.date, code: str) -> None:
    assert terms.code_for(day) == code


def test_ages_are_counted_on_31_august_of_the_first_year() -> None:
    assert terms.age_reference_day("2023-2024-2") == dt.date(2023, 8, 31)
