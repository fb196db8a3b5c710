"""What-if: price a term's students again with some item amounts changed, and show the difference.

Nothing is written: the version's items are copied in memory and the changed amounts replace the
yearly amounts of the rule cases they name. The students are those `entitlements_due` prices, so
the current totals are what computing the term would give. Money is integer fen throughout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from eduaid.aid import pricing
from eduaid.aid.loaders import eligible_students, version_items
from eduaid.aid.models import ItemKind, PolicyVersion
from eduaid.aid.services import entitlements_due, version_for
from eduaid.matching.loaders import load_facts
from eduaid.registry import terms
from eduaid.registry.models import Stage, Term

CaseKey = tuple[str, int]  # (item code, index of the rule case)
MAX_YUAN = Decimal("1000000")
_MONEY = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")


class MoneyError(ValueError):
    pass


def parse_yuan(text: str) -> int:
    """`1250`, `1250.5`, `1250.50` → fen. Refuses negatives, more than two decimals and nonsense."""
    value = (text or "").strip().replace(",", "").replace("，", "")
    if not value:
        raise MoneyError(_("Enter an amount in yuan."))
    if not _MONEY.match(value):
        raise MoneyError(
            _("“%(value)s” is not an amount in yuan: digits, with at most two decimals.") % {"value": value}
        )
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already refuses these
        raise MoneyError(_("Enter an amount in yuan.")) from exc
    if amount > MAX_YUAN:
        raise MoneyError(_("An amount may not exceed 1000000 yuan a year."))
    return int(amount * 100)


@dataclass(frozen=True)
class Case:
    """One editable rule case: a cash item's yearly amount for some students."""

    code: str
    name: str
    index: int
    stages: tuple[str, ...]
    conditions: dict[str, bool]
    fen: int

    @property
    def key(self) -> str:
        return f"{self.code}__{self.index}"

    @property
    def yuan(self) -> str:
        return pricing.yuan(self.fen)


def editable_cases(items: list[tuple[str, str, pricing.Item]]) -> list[Case]:
    """The cash items' rule cases that carry an amount, in the version's order."""
    cases = []
    for code, name, item in items:
        if item.kind != ItemKind.CASH:
            continue
        for index, case in enumerate(item.rules):
            if case.get("fen") is None:
                continue
            conditions = {k: case[k] for k in pricing.CONDITIONS if k in case}
            cases.append(Case(code, name, index, tuple(case.get("stages", ())), conditions, case["fen"]))
    return cases


def apply_changes(items: list[pricing.Item], changes: Mapping[CaseKey, int]) -> list[pricing.Item]:
    """Copies of the items with the changed yearly amounts; the originals are left as they are."""
    changed = []
    for item in items:
        rules = [
            {**case, "fen": changes[(item.code, index)]} if (item.code, index) in changes else dict(case)
            for index, case in enumerate(item.rules)
        ]
        changed.append(replace(item, rules=rules))
    return changed


@dataclass
class ItemDiff:
    code: str
    name: str
    kind: str
    students: int = 0
    current_fen: int = 0
    whatif_fen: int = 0

    @property
    def diff_fen(self) -> int:
        return self.whatif_fen - self.current_fen

    @property
    def current_yuan(self) -> str:
        return pricing.yuan(self.current_fen)

    @property
    def whatif_yuan(self) -> str:
        return pricing.yuan(self.whatif_fen)

    @property
    def diff_yuan(self) -> str:
        return pricing.yuan(self.diff_fen)


def compare(
    due: Mapping[tuple[int, str], int | None],
    facts: Mapping[int, pricing.StudentFacts],
    items: list[tuple[str, str, pricing.Item]],
    changes: Mapping[CaseKey, int],
    half: int,
) -> list[ItemDiff]:
    """Per counted item: students, current and what-if totals in fen. Pure.

    `due` maps (person, item code) to the amount due now; the what-if amount of the same
    entitlement is the changed item priced on the same facts (a changed amount never changes who
    is due an item, so the students are the same).
    """
    names = {code: (name, item.kind) for code, name, item in items}
    whatif_items = {item.code: item for item in apply_changes([i for _c, _n, i in items], changes)}
    rows: dict[str, ItemDiff] = {}
    for (person_id, code), amount in due.items():
        name, kind = names[code]
        if kind in pricing.UNCOUNTED_KINDS:
            continue
        row = rows.setdefault(code, ItemDiff(code, name, kind))
        row.students += 1
        row.current_fen += amount or 0
        priced = pricing.price_item(whatif_items[code], facts[person_id], half)
        if priced is not None and priced.amount_fen is not None:
            row.whatif_fen += priced.amount_fen
    order = {code: n for n, (code, _name, _item) in enumerate(items)}
    return sorted(rows.values(), key=lambda r: order[r.code])


@dataclass
class WhatIf:
    term: str
    version: str
    rows: list[ItemDiff]

    @property
    def current_fen(self) -> int:
        return sum(r.current_fen for r in self.rows)

    @property
    def whatif_fen(self) -> int:
        return sum(r.whatif_fen for r in self.rows)

    @property
    def diff_fen(self) -> int:
        return self.whatif_fen - self.current_fen

    @property
    def current_yuan(self) -> str:
        return pricing.yuan(self.current_fen)

    @property
    def whatif_yuan(self) -> str:
        return pricing.yuan(self.whatif_fen)

    @property
    def diff_yuan(self) -> str:
        return pricing.yuan(self.diff_fen)

    def as_json(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "version": self.version,
            "current_fen": self.current_fen,
            "whatif_fen": self.whatif_fen,
            "diff_fen": self.diff_fen,
            "items": [
                {"code": r.code, "name": r.name, "students": r.students, "current_fen": r.current_fen,
                 "whatif_fen": r.whatif_fen, "diff_fen": r.diff_fen}
                for r in self.rows
            ],
        }  # fmt: skip


def named_items(version: PolicyVersion) -> list[tuple[str, str, pricing.Item]]:
    return [(item.code, item.name, rule) for item, rule in version_items(version)]


def what_if(term: Term, changes: Mapping[CaseKey, int], version: PolicyVersion | None = None) -> WhatIf:
    """Price the term's students under the version in force and with `changes`; writes nothing."""
    version = version or version_for(term.code)
    _year, half = terms.parse(term.code)
    facts = load_facts(term)
    due = {key: want["amount_fen"] for key, want in entitlements_due(term, version, facts).items()}
    students = {pid: student.facts() for pid, student in eligible_students(term, facts).items()}
    rows = compare(due, students, named_items(version), changes, half)
    return WhatIf(term=term.code, version=version.name, rows=rows)


def case_label(case: Case) -> str:
    """`小学 · 寄宿` and the like, for the form."""
    stages = dict(Stage.choices)
    parts = ["、".join(str(stages.get(s, s)) for s in case.stages)]
    words = {
        "boarding": (_("boarding"), _("not boarding")),
        "in_province": (_("in province"), _("out of province")),
        "freshman": (_("first year"), _("not first year")),
    }
    for name, value in case.conditions.items():
        parts.append(str(words[name][0 if value else 1]))
    return " · ".join(parts)
