"""The `payments` table of DESIGN §7: every payment line of a term (`eduaid export payments --term T`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from eduaid.aid.pricing import yuan
from eduaid.core.exports import ExportError, Table
from eduaid.payments.models import LineStatus
from eduaid.payments.selectors import lines_visible_to

STATUS_LABELS = {
    LineStatus.PENDING: "待发放",
    LineStatus.PAID: "成功",
    LineStatus.FAILED: "失败",
    LineStatus.REISSUED: "已重发",
}


# The table's format is fixed by the bureau (issue 5), like the bank's files: Chinese as written.
HEADERS = ["身份证号", "姓名", "项目代码", "金额", "批次", "状态"]


def payments(term_code: str, user: Any) -> Table:
    if not term_code:
        raise ExportError(_("Name the term: --term 2023-2024-1."))
    rows = (
        lines_visible_to(user)
        .filter(term__code=term_code)
        .select_related("person", "batch")
        .order_by("batch__created_at", "batch_id", "serial")
    )
    return Table(
        headers=HEADERS,
        needs_term=True,
        rows=(
            [
                line.person.id_number or line.person.student_key or "",
                line.person.name,
                line.item_code,
                yuan(line.amount_fen),
                line.batch.number,
                STATUS_LABELS[LineStatus(line.status)],
            ]
            for line in rows.iterator(chunk_size=2000)
        ),
    )
