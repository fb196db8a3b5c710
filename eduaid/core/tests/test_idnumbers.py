from __future__ import annotations

import datetime as dt

import pytest

from eduaid.core import idnumbers
from eduaid.core.idnumbers import IdProblem

TODAY = dt.date(2024, 3, 15)
GIRL = idnumbers.synthetic("411728", dt.date(2015, 6, 1), 2)


def test_synthetic_ids_are_valid_and_carry_birth_and_gender() -> None:
    assert idnumbers.problem(GIRL, today=TODAY) is None
    assert idnumbers.birth_date(GIRL) == dt.date(2015, 6, 1)
    assert not idnumbers.is_male(GIRL)
    assert idnumbers.is_male(idnumbers.synthetic("411728", dt.date(2015, 6, 1), 3))


def test_normalize_folds_full_width_spaces_and_lower_x() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in GIRL)
    assert idnumbers.normalize(f" {full_width} ") == GIRL
    assert idnumbers.normalize("41172820150601 002x") == "41172820150601002X"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("", IdProblem.EMPTY),
        (GIRL[:-1], IdProblem.LENGTH),
        (GIRL[:-1] + ("0" if GIRL[-1] != "0" else "1"), IdProblem.CHECKSUM),
        ("4117282015A601002X", IdProblem.FORMAT),
    ],
)
def test_problems_are_named(number: str, expected: IdProblem) -> None:
    assert idnumbers.problem(number, today=TODAY) == expected


def test_impossible_birth_date_is_a_date_problem() -> None:
    body = "41172820151301002"  # month 13
    from stdnum.cn import ric

    number = body + ric.calc_check_digit(body + "0")
    assert idnumbers.problem(number, today=TODAY) == IdProblem.BIRTH_DATE


def test_birth_in_the_future_is_refused() -> None:
    tomorrow = idnumbers.synthetic("411728", TODAY + dt.timedelta(days=1), 1)
    assert idnumbers.problem(tomorrow, today=TODAY) == IdProblem.FUTURE_BIRTH
    assert idnumbers.problem(idnumbers.synthetic("411728", TODAY, 1), today=TODAY) is None


def test_unknown_area_code() -> None:
    assert (
        idnumbers.problem(idnumbers.synthetic("999999", dt.date(2015, 6, 1), 2), today=TODAY)
        == IdProblem.AREA
    )


def test_mask_hides_the_birth_date() -> None:
    assert idnumbers.mask("411728201506010023") == "411728********0023"


def test_age_counts_whole_years() -> None:
    assert idnumbers.age_on(GIRL, dt.date(2021, 5, 31)) == 5
    assert idnumbers.age_on(GIRL, dt.date(2021, 6, 1)) == 6


def test_area_code_must_exist_in_the_birth_year() -> None:
    """遂平县 was 412823 until 2000 and 411728 after: stdnum knows when each code was assigned."""
    assert (
        idnumbers.problem(idnumbers.synthetic("411728", dt.date(1985, 5, 1), 1), today=TODAY)
        == IdProblem.AREA
    )
    assert idnumbers.problem(idnumbers.synthetic("412823", dt.date(1985, 5, 1), 1), today=TODAY) is None
