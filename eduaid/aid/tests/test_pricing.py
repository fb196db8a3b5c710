"""The pure pricing of DESIGN §3's table: every item, every stage, both terms."""

from __future__ import annotations

import itertools

import pytest

from eduaid.aid import policy2023
from eduaid.aid.pricing import Item, Priced, StudentFacts, counted, price, term_share, yuan

ITEMS = [Item(code, kind, one_time, rules) for code, _n, kind, _p, one_time, rules in policy2023.ITEMS]
STAGES = ("preschool", "primary", "junior", "senior", "vocational", "junior_college", "undergraduate",
          "master", "doctor")  # fmt: skip


def facts(stage: str, *, boarding: bool = False, in_province: bool | None = None,
          freshman: bool | None = None, category: str | None = "poverty_exited",
          status: str = "studying") -> StudentFacts:  # fmt: skip
    return StudentFacts(stage, 1, boarding, in_province, freshman, category, status)


def yearly_table(f: StudentFacts) -> dict[str, int | None]:
    """DESIGN §3 written out by hand, in yuan (None: an item without an amount)."""
    s, b = f.stage, f.boarding
    due: dict[str, int | None] = {}
    if s == "preschool":
        due |= {"preschool_fee": 600, "preschool_living": 400}
    if s in ("primary", "junior"):
        due["compulsory_fee_waiver"] = None
        due["nutrition"] = 800
        if b:
            due["living_boarding"] = 1000 if s == "primary" else 1250
        else:
            due["living_day"] = 500 if s == "primary" else 625
    if s == "senior":
        due |= {"senior_fee_waiver": 1600, "senior_grant": 3000}
    if s == "vocational":
        due |= {"vocational_fee_waiver": 1200, "vocational_grant": 2000}
    if f.in_province and s in ("junior_college", "undergraduate", "master", "doctor"):
        due["college_grant"] = {"master": 6000, "doctor": 12000}.get(s, 4000)
    if s == "junior_college":
        due["yulu_referral"] = 3000
    return due


def expected(f: StudentFacts, half: int) -> list[Priced]:
    out = []
    for code, yuan_ in yearly_table(f).items():
        fen = None if yuan_ is None else yuan_ * 100
        out.append(Priced(code, None if fen is None else term_share(fen, half)))
    if (
        half == 1
        and f.freshman
        and f.stage in ("junior_college", "undergraduate")
        and f.in_province is not None
    ):
        out.append(Priced("freshman_travel", 50000 if f.in_province else 100000))
    return sorted(out, key=lambda p: p.code)


CASES = list(itertools.product(STAGES, (False, True), (None, False, True), (None, False, True), (1, 2)))


@pytest.mark.parametrize(("stage", "boarding", "in_province", "freshman", "half"), CASES)
def test_every_combination_prices_as_the_table(
    stage: str, boarding: bool, in_province: bool | None, freshman: bool | None, half: int
) -> None:
    f = facts(stage, boarding=boarding, in_province=in_province, freshman=freshman)
    assert sorted(price(f, ITEMS, half), key=lambda p: p.code) == expected(f, half)


@pytest.mark.parametrize(
    ("stage", "boarding", "code", "term1", "term2"),
    [
        ("preschool", False, "preschool_fee", 30000, 30000),
        ("preschool", False, "preschool_living", 20000, 20000),
        ("primary", True, "living_boarding", 50000, 50000),
        ("junior", True, "living_boarding", 62500, 62500),
        ("primary", False, "living_day", 25000, 25000),
        ("junior", False, "living_day", 31250, 31250),
        ("junior", False, "nutrition", 40000, 40000),
        ("senior", False, "senior_fee_waiver", 80000, 80000),
        ("senior", False, "senior_grant", 150000, 150000),
        ("vocational", False, "vocational_fee_waiver", 60000, 60000),
        ("vocational", False, "vocational_grant", 100000, 100000),
        ("junior_college", False, "yulu_referral", 150000, 150000),
    ],
)
def test_each_item_amount_in_fen_on_both_terms(
    stage: str, boarding: bool, code: str, term1: int, term2: int
) -> None:
    f = facts(stage, boarding=boarding)
    assert Priced(code, term1) in price(f, ITEMS, 1)
    assert Priced(code, term2) in price(f, ITEMS, 2)


@pytest.mark.parametrize(
    ("stage", "yearly"), [("junior_college", 400000), ("undergraduate", 400000), ("master", 600000),
                          ("doctor", 1200000)]
)  # fmt: skip
def test_college_grant_only_in_province(stage: str, yearly: int) -> None:
    assert Priced("college_grant", yearly // 2) in price(facts(stage, in_province=True), ITEMS, 1)
    codes = {p.code for p in price(facts(stage, in_province=False), ITEMS, 1)}
    assert "college_grant" not in codes


def test_freshman_travel_is_one_time_in_term_one_only() -> None:
    out_of_province = facts("undergraduate", in_province=False, freshman=True)
    assert Priced("freshman_travel", 100000) in price(out_of_province, ITEMS, 1)
    assert "freshman_travel" not in {p.code for p in price(out_of_province, ITEMS, 2)}
    had = price(out_of_province, ITEMS, 1, one_time_had=frozenset({"freshman_travel"}))
    assert "freshman_travel" not in {p.code for p in had}
    in_province = facts("junior_college", in_province=True, freshman=True)
    assert Priced("freshman_travel", 50000) in price(in_province, ITEMS, 1)


def test_loans_are_never_priced_automatically() -> None:
    for stage in STAGES:
        assert "student_loan" not in {p.code for p in price(facts(stage, in_province=True), ITEMS, 1)}


@pytest.mark.parametrize("status", ["suspended", "dropped_out", "transferred_out", "graduated"])
def test_only_studying_students_are_priced(status: str) -> None:
    assert price(facts("primary", status=status), ITEMS, 1) == []


def test_a_household_not_eligible_gets_nothing() -> None:
    assert price(facts("senior", category=None), ITEMS, 1) == []


@pytest.mark.parametrize(("yearly", "first", "second"), [(62500, 31250, 31250), (12345, 6173, 6172),
                                                          (1, 1, 0), (0, 0, 0)])  # fmt: skip
def test_term_one_is_half_rounded_up_term_two_the_rest(yearly: int, first: int, second: int) -> None:
    assert (term_share(yearly, 1), term_share(yearly, 2)) == (first, second)
    assert term_share(yearly, 1) + term_share(yearly, 2) == yearly


def test_money_totals_leave_out_loans_and_referrals() -> None:
    assert counted("referral", 150000) == 0
    assert counted("loan", 600000) == 0
    assert counted("waiver", None) == 0
    assert counted("cash", 31250) == 31250


def test_yuan_has_two_decimals() -> None:
    assert (yuan(31250), yuan(5), yuan(None), yuan(100000)) == ("312.50", "0.05", "", "1000.00")


def test_the_2023_table_has_fourteen_items() -> None:
    assert [i.code for i in ITEMS] == [
        "preschool_fee", "preschool_living", "compulsory_fee_waiver", "living_boarding", "living_day",
        "nutrition", "senior_fee_waiver", "senior_grant", "vocational_fee_waiver", "vocational_grant",
        "college_grant", "yulu_referral", "freshman_travel", "student_loan",
    ]  # fmt: skip
