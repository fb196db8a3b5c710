"""Pure rules: account numbers, the Luhn check, masking, amounts in the bank's files."""

from __future__ import annotations

import pytest

from eduaid.payments import rules


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("6222021234567890128", True),
        ("6222021234567890127", False),
        ("4539578763621486", True),  # a well-known valid test card
        ("79927398713", True),  # the textbook example
        ("79927398710", False),
    ],
)
def test_luhn(number: str, ok: bool) -> None:
    assert rules.luhn_ok(number) is ok


def test_luhn_digit_makes_a_passing_number() -> None:
    body = "621700123456789012"
    assert rules.luhn_ok(body + rules.luhn_digit(body))
    assert not rules.luhn_ok("6217abc")


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("６２２２ ０２１２ ３４５６ ７８９０", "6222021234567890"),
        ("6222-0212-3456-7890", "6222021234567890"),
    ],
)
def test_account_numbers_are_normalised(raw: str, normal: str) -> None:
    assert rules.normalize_account_number(raw) == normal


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("", rules.AccountProblem.EMPTY),
        ("12345678901", rules.AccountProblem.LENGTH),
        ("12345678901234567890", rules.AccountProblem.LENGTH),
        ("1234567890ab", rules.AccountProblem.NOT_DIGITS),
        ("123456789012", None),
        ("1234567890123456789", None),
    ],
)
def test_account_numbers_have_12_to_19_digits(number: str, problem: rules.AccountProblem | None) -> None:
    assert rules.account_number_problem(number) == problem


def test_a_masked_number_keeps_the_prefix_and_the_last_four() -> None:
    assert rules.mask_account("6222021234567890123") == "6222***********0123"
    assert rules.mask_account("1234567") == "*******"


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("625", 62500),
        ("625.5", 62550),
        ("1,250.00", 125000),
        ("￥0.01", 1),
        ("1.005", None),
        ("abc", None),
        ("-1", None),
    ],
)
def test_yuan_in_bank_files(text: str, fen: int | None) -> None:
    assert rules.parse_yuan(text) == fen
