"""The pure rules: rural village codes, the under-16 limit, follow-up lines, the 零障碍 figure."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from eduaid.care import rules


@pytest.mark.parametrize(
    ("code", "rural"),
    [
        ("411728209200", True),  # 文城村 村民委员会
        ("411728209213", True),  # 东营村
        ("411728001001", False),  # 前进社区居民委员会
        ("411728001199", False),
        ("411728001399", True),
        ("411728400498", False),  # 虚拟社区
        ("4117282092", False),
    ],
)
def test_rural_village_is_read_from_the_nbs_code(code: str, rural: bool) -> None:
    assert rules.is_rural_village(code) is rural


def test_a_child_is_under_16_until_the_16th_birthday() -> None:
    born = dt.date(2008, 3, 16)
    assert rules.under_left_behind_age(born, dt.date(2024, 3, 15))
    assert not rules.under_left_behind_age(born, dt.date(2024, 3, 16))


def test_sixteenth_birthday_of_a_leap_day_child() -> None:
    assert rules.sixteenth_birthday(dt.date(2008, 2, 29)) == dt.date(2024, 2, 29)
    assert rules.sixteenth_birthday(dt.date(2084, 2, 29)) == dt.date(2100, 3, 1)  # 2100 is no leap year
    assert rules.sixteenth_birthday(dt.date(2009, 3, 1)) == dt.date(2025, 3, 1)


def test_follow_up_actions_are_one_a_line() -> None:
    text = "- 联系民政办理低保\n\n  • 每周电话回访  \n3月底前送去学习用品\n"
    assert rules.parse_actions(text) == ["联系民政办理低保", "每周电话回访", "3月底前送去学习用品"]
    assert rules.parse_actions("  \n ") == []


def test_zero_barrier_counts_share_median_and_max() -> None:
    figure = rules.zero_barrier(
        [("placed", 2), ("placed", 5), ("placed", 30), ("refused", None), ("pending", None), ("placed", 3)]
    )
    assert (figure.requests, figure.placed, figure.refused, figure.pending) == (6, 4, 1, 1)
    assert figure.share_placed == Fraction(4, 5)
    assert figure.percent_placed == "80.0"
    assert figure.median_days == 4
    assert figure.max_days == 30
    assert not figure.all_placed


def test_zero_barrier_of_nothing_decided_has_no_share() -> None:
    figure = rules.zero_barrier([("pending", None)])
    assert figure.share_placed is None
    assert figure.percent_placed == ""
    assert figure.median_days is None and figure.max_days is None
    assert rules.zero_barrier([("placed", 1)]).all_placed
