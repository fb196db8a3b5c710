"""The `findings` export: the last match run, one row per finding."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from eduaid.core.exports import ExportError, Table
from eduaid.matching.describe import describe
from eduaid.matching.models import FindingKind
from eduaid.matching.selectors import findings_visible_to, last_run


def findings(term_code: str, user: Any) -> Table:
    run = last_run(term_code or None)
    if run is None:
        raise ExportError(_("No match has been run yet: run eduaid match --term T first."))
    rows = (
        findings_visible_to(user)
        .filter(run=run)
        .select_related("person", "school")
        .order_by("kind", "school__code", "person__id_number", "pk")
    )
    labels = dict(FindingKind.choices)
    return Table(
        headers=[_("ID number"), _("Name"), _("School code"), _("Finding"), _("Explanation")],
        rows=(
            [
                f.person.id_number or f.person.student_key or "",
                f.person.name,
                f.school.code if f.school else "",
                str(labels.get(f.kind, f.kind)),
                describe(f),
            ]
            for f in rows.iterator(chunk_size=2000)
        ),
    )
