"""Budget reads: money totals of priced entitlements for a term or a calendar year (DESIGN §3).

Totals are integer fen. Loans and referrals are listed apart and never counted in money totals.
A budget year is a calendar year: term 1 of 2023-2024 (autumn) counts in 2023, term 2 in 2024.
Cancelled and rejected entitlements count nothing. Every read starts from `entitlements_visible_to`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from eduaid.aid.models import NOT_COUNTED_STATUSES, Entitlement, ItemKind, Payer
from eduaid.aid.pricing import UNCOUNTED_KINDS, yuan
from eduaid.aid.selectors import entitlements_visible_to
from eduaid.registry import terms
from eduaid.registry.models import Stage

# dimension -> (value field, label field or None)
DIMENSIONS: dict[str, tuple[str, str | None]] = {
    "item": ("item_code", "item__name"),
    "kind": ("item__kind", None),
    "paid_by": ("item__paid_by", None),
    "stage": ("stage", None),
    "township": ("school__township_id", "school__township__name"),
    "school": ("school_id", "school__name"),
}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """A term, or a calendar year as the two terms that start in it."""

    label: str
    term_codes: tuple[str, ...]
    year: int | None = None

    @property
    def key(self) -> str:
        return str(self.year) if self.year is not None else self.term_codes[0]


def period_for_term(code: str) -> Period:
    try:
        terms.parse(code)
    except terms.TermCodeError as exc:
        raise PeriodError(_("Not a term code: %(code)s (e.g. 2023-2024-1).") % {"code": code}) from exc
    return Period(label=code.strip(), term_codes=(code.strip(),))


def period_for_year(year: int | str) -> Period:
    """Spring of the school year that ends in `year`, and autumn of the one that starts in it."""
    text = str(year).strip()
    if not (text.isdigit() and len(text) == 4):
        raise PeriodError(_("Not a calendar year: %(year)s (e.g. 2024).") % {"year": text})
    value = int(text)
    return Period(
        label=_("%(year)s (calendar year)") % {"year": value},
        term_codes=(f"{value - 1}-{value}-2", f"{value}-{value + 1}-1"),
        year=value,
    )


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    students: int
    entitlements: int
    fen: int

    @property
    def yuan(self) -> str:
        return yuan(self.fen)


@dataclass
class Budget:
    period: Period
    total_fen: int = 0
    students: int = 0
    entitlements: int = 0
    groups: dict[str, list[Line]] = field(default_factory=dict)
    apart: list[Line] = field(default_factory=list)  # loans and referrals, by item: nominal amounts

    @property
    def total_yuan(self) -> str:
        return yuan(self.total_fen)

    def as_json(self) -> dict[str, Any]:
        def lines(rows: list[Line]) -> list[dict[str, Any]]:
            return [
                {"key": r.key, "label": r.label, "students": r.students, "entitlements": r.entitlements,
                 "fen": r.fen}
                for r in rows
            ]  # fmt: skip

        return {
            "period": self.period.key,
            "terms": list(self.period.term_codes),
            "total_fen": self.total_fen,
            "students": self.students,
            "entitlements": self.entitlements,
            "groups": {name: lines(rows) for name, rows in self.groups.items()},
            "apart": lines(self.apart),
        }


def budget_rows(user: Any, period: Period) -> QuerySet[Entitlement]:
    """Entitlements of the period the user may see, leaving out cancelled and rejected ones."""
    return (
        entitlements_visible_to(user)
        .filter(term__code__in=period.term_codes)
        .exclude(status__in=NOT_COUNTED_STATUSES)
    )


def _labels(dimension: str) -> dict[str, str]:
    choices = {"kind": ItemKind.choices, "paid_by": Payer.choices, "stage": Stage.choices}
    return {value: str(label) for value, label in choices.get(dimension, [])}


def _none_label(dimension: str) -> str:
    return _("Colleges (no county school)") if dimension in ("township", "school") else "—"


def _group(rows: QuerySet[Entitlement], dimension: str) -> list[Line]:
    value_field, label_field = DIMENSIONS[dimension]
    fields = [value_field] + ([label_field] if label_field else [])
    labels = _labels(dimension)
    result = []
    grouped = (
        rows.values(*fields)
        .annotate(fen=Sum("amount_fen"), n=Count("pk"), students=Count("person", distinct=True))
        .order_by(*fields)
    )
    for row in grouped:
        value = row[value_field]
        if value is None:
            label = _none_label(dimension)
        elif label_field:
            label = row[label_field]
        else:
            label = labels.get(value, value)
        result.append(
            Line(
                key="" if value is None else str(value),
                label=label,
                students=row["students"],
                entitlements=row["n"],
                fen=int(row["fen"] or 0),
            )
        )
    result.sort(key=lambda line: (-line.fen, line.label))
    return result


def budget_for(user: Any, period: Period) -> Budget:
    """Totals in fen by item, kind, payer, stage, township and school; loans and referrals apart."""
    rows = budget_rows(user, period)
    counted = rows.exclude(item__kind__in=UNCOUNTED_KINDS)
    totals = counted.aggregate(fen=Sum("amount_fen"), n=Count("pk"), students=Count("person", distinct=True))
    budget = Budget(
        period=period,
        total_fen=int(totals["fen"] or 0),
        students=totals["students"],
        entitlements=totals["n"],
    )
    budget.groups = {dimension: _group(counted, dimension) for dimension in DIMENSIONS}
    budget.apart = _group(rows.filter(item__kind__in=UNCOUNTED_KINDS), "item")
    return budget


def dimension_titles() -> dict[str, str]:
    return {
        "item": _("By item"),
        "kind": _("By kind"),
        "paid_by": _("By payer"),
        "stage": _("By stage"),
        "township": _("By township"),
        "school": _("By school"),
    }
