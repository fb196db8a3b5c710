"""Policy pricing over plain facts (DESIGN §3). No ORM here: the service and tests call the same code.

Amounts are integer fen. A yearly item pays half in term 1 (rounded half up to the fen) and the rest
in term 2; a one-time item pays its whole amount in term 1 only. Loans are on application: never
priced automatically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

STUDYING = "studying"
LOAN = "loan"
UNCOUNTED_KINDS = frozenset({"loan", "referral"})  # not counted in money totals
CONDITIONS = ("boarding", "in_province", "freshman")


@dataclass(frozen=True)
class StudentFacts:
    stage: str
    grade: int | None
    boarding: bool
    in_province: bool | None
    freshman: bool | None
    category: str | None  # None: the household is not eligible on the start date
    status: str


@dataclass(frozen=True)
class Item:
    code: str
    kind: str
    one_time: bool
    rules: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Priced:
    code: str
    amount_fen: int | None


def term_share(yearly_fen: int, half: int) -> int:
    """Term 1: half the yearly amount, rounded half up to the fen; term 2: the rest."""
    first = (yearly_fen + 1) // 2
    return first if half == 1 else yearly_fen - first


def _holds(case: Mapping[str, Any], facts: StudentFacts) -> bool:
    if facts.stage not in case.get("stages", ()):
        return False
    return all(case[name] == getattr(facts, name) for name in CONDITIONS if name in case)


def yearly_amount(item: Item, facts: StudentFacts) -> tuple[bool, int | None]:
    """(applies, yearly fen or None) from the first case of the item's rules that holds."""
    for case in item.rules:
        if _holds(case, facts):
            return True, case.get("fen")
    return False, None


def price_item(item: Item, facts: StudentFacts, half: int) -> Priced | None:
    """The item's amount on term `half` (1 or 2), or None when the student is not entitled to it."""
    if item.kind == LOAN or facts.category is None or facts.status != STUDYING:
        return None
    if item.one_time and half != 1:
        return None
    applies, yearly = yearly_amount(item, facts)
    if not applies:
        return None
    if yearly is None or item.one_time:
        return Priced(item.code, yearly)
    return Priced(item.code, term_share(yearly, half))


def price(
    facts: StudentFacts, items: Iterable[Item], half: int, *, one_time_had: frozenset[str] = frozenset()
) -> list[Priced]:
    """Every item due to the student on the term; `one_time_had` lists one-time items already had."""
    due = []
    for item in items:
        if item.one_time and item.code in one_time_had:
            continue
        priced = price_item(item, facts, half)
        if priced is not None:
            due.append(priced)
    return due


def counted(kind: str, amount_fen: int | None) -> int:
    """What an entitlement adds to money totals (loans and referrals count nothing)."""
    return 0 if kind in UNCOUNTED_KINDS or amount_fen is None else amount_fen


def yuan(amount_fen: int | None) -> str:
    """`123450` → `1234.50`; empty where there is no amount."""
    if amount_fen is None:
        return ""
    sign = "-" if amount_fen < 0 else ""
    whole, fen = divmod(abs(amount_fen), 100)
    return f"{sign}{whole}.{fen:02d}"


def loan_cap(item: Item, stage: str) -> int | None:
    """The yearly cap in fen of a loan item for a level (本专科 or 研究生), None where none applies."""
    facts = StudentFacts(stage, None, False, None, None, None, STUDYING)
    for case in item.rules:
        if _holds(case, facts):
            fen = case.get("fen")
            return None if fen is None else int(fen)
    return None


def yearly_for(item: Item, facts: StudentFacts) -> int | None:
    """What one school year pays a student with `facts`, through `price_item` itself: term 1 plus
    term 2 for a yearly item, the amount of term 1 for a one-time item; None when nothing is due or
    the item has no amount. The handbook prints this, so publicity never disagrees with payment."""
    first = price_item(item, facts, 1)
    if first is None or first.amount_fen is None:
        return None
    if item.one_time:
        return first.amount_fen
    second = price_item(item, facts, 2)
    return first.amount_fen + (second.amount_fen if second and second.amount_fen is not None else 0)
