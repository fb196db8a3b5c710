"""Pure rules of payments: bank account numbers, Luhn, masking, money in the bank's files.

No ORM here: the page, the import and the reconciliation call the same functions.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

MIN_DIGITS, MAX_DIGITS = 12, 19
_SEPARATORS = re.compile(r"[\s\-_.·]")


class AccountProblem(StrEnum):
    EMPTY = "empty"
    NOT_DIGITS = "not_digits"
    LENGTH = "length"


def normalize_account_number(raw: object) -> str:
    """Full-width → half-width, spaces and dashes dropped: `６２２２ ０２１２-３４` → `622202123 4`."""
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else ""))
    return _SEPARATORS.sub("", text)


def account_number_problem(number: str) -> AccountProblem | None:
    """What is wrong with a normalised account number (12 to 19 digits), or None."""
    if not number:
        return AccountProblem.EMPTY
    if not (number.isascii() and number.isdigit()):
        return AccountProblem.NOT_DIGITS
    if not MIN_DIGITS <= len(number) <= MAX_DIGITS:
        return AccountProblem.LENGTH
    return None


def luhn_ok(number: str) -> bool:
    """The Luhn (mod 10) check of bank cards; passbooks and 社保卡 often fail it, so it only warns."""
    if not number.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_digit(body: str) -> str:
    """The check digit that makes `body + digit` pass Luhn (for synthetic demo and test numbers)."""
    for digit in "0123456789":
        if luhn_ok(body + digit):
            return digit
    raise ValueError(body)  # pragma: no cover (one digit always fits)


def mask_account(number: str) -> str:
    """`6222021234567890123` → `6222***********0123`: the bank's prefix and the last four stay."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def parse_yuan(text: str) -> int | None:
    """`1250`, `1250.0`, `1,250.00`, `￥625.5` → fen; None for anything that is not an amount to the fen."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(",", "").lstrip("¥￥")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    fen = value * 100
    if fen != fen.to_integral_value():
        return None
    return int(fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def is_adult(age: int) -> bool:
    return age >= 18
