"""The `entitlements` table of DESIGN §7: one row per student, item and term."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.utils.translation import gettext as _

from eduaid.aid.models import ItemKind
from eduaid.aid.pricing import yuan
from eduaid.aid.selectors import entitlements_visible_to
from eduaid.core.exports import ExportError, Table
from eduaid.matching.describe import category_label
from eduaid.registry.models import Stage


def headers() -> list[str]:
    return [
        _("ID number"),
        _("Name"),
        _("School code"),
        _("Stage"),
        _("Boards at school"),
        _("Household category"),
        _("Term"),
        _("Policy version"),
        _("Item code"),
        _("Item name"),
        _("Kind"),
        _("Amount"),
    ]


def entitlements(term_code: str, user: Any) -> Table:
    if not term_code:
        raise ExportError(_("Name the term: --term 2023-2024-1."))
    rows = (
        entitlements_visible_to(user)
        .filter(term__code=term_code)
        .order_by("school__code", "college", "person__id_number", "person__student_key", "item__position")
        .values_list(  # plain values: a county's 30,000 rows as model instances took seconds
            "person__id_number",
            "person__student_key",
            "person__name",
            "school__code",
            "stage",
            "boarding",
            "category",
            "term__code",
            "version__name",
            "item_code",
            "item__name",
            "item__kind",
            "amount_fen",
        )
    )
    # Labels translated once per value, not per row (three gettext calls a row were a fifth of the file).
    stages = {value: str(label) for value, label in Stage.choices}
    kinds = {value: str(label) for value, label in ItemKind.choices}
    category_of = cache(category_label)  # this call's cache: the language stays the same within it
    yes, no = _("Yes"), _("No")
    return Table(
        headers=headers(),
        needs_term=True,
        rows=(
            [
                id_number or student_key or "",
                name,
                school_code or "",
                stages.get(stage, stage),
                yes if boarding else no,
                category_of(category),
                term,
                version,
                item_code,
                item_name,
                kinds.get(kind, kind),
                yuan(amount_fen),
            ]
            for (
                id_number,
                student_key,
                name,
                school_code,
                stage,
                boarding,
                category,
                term,
                version,
                item_code,
                item_name,
                kind,
                amount_fen,
            ) in rows.iterator(chunk_size=2000)
        ),
    )


def yulu_referrals(term_code: str, user: Any) -> Table:
    """`eduaid export yulu_referrals --term T`: the 雨露计划 referrals, full ID numbers (audited)."""
    from eduaid.aid import referrals
    from eduaid.registry.models import Term

    if not term_code:
        raise ExportError(_("Name the term: --term 2023-2024-1."))
    term = Term.objects.filter(code=term_code).first()
    if term is None:
        raise ExportError(_("Term %(term)s has no entitlements yet.") % {"term": term_code})
    rows = referrals.referrals(entitlements_visible_to(user), term)
    return Table(
        headers=referrals.headers(),
        needs_term=True,
        rows=(r.cells(referrals.full_id(r.entitlement)) for r in rows),
    )
