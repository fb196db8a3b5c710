"""The `dropout_cases` export (DESIGN §7): every open case of the 疑似辍学 and 辍学 ledgers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from eduaid.core.exports import Table
from eduaid.dropout.models import CaseStatus
from eduaid.dropout.selectors import cases_visible_to, open_q, with_details


def dropout_cases(term_code: str, user: Any) -> Table:
    rows = with_details(cases_visible_to(user).filter(open_q())).order_by(
        "township__code", "village__code", "person__id_number", "pk"
    )
    labels = dict(CaseStatus.choices)
    return Table(
        headers=[
            _("ID number"),
            _("Name"),
            _("Township"),
            _("Administrative village"),
            _("School code"),
            _("Ledger"),
            _("Status"),
            _("Responsible person"),
            _("Opened on"),
        ],
        rows=(
            [
                c.person.id_number or c.person.student_key or "",
                c.person.name,
                c.township.name if c.township else "",
                c.village.name if c.village else "",
                c.school.code if c.school else "",
                c.ledger_label,
                str(labels.get(c.status, c.status)),
                c.teacher_name or "",  # type: ignore[attr-defined]
                c.opened_on.isoformat(),
            ]
            for c in rows.iterator(chunk_size=2000)
        ),
    )
