"""The 雨露计划 referral list as the aid centre downloads it from the entitlement list (masked IDs)."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from eduaid.aid import referrals, selectors
from eduaid.aid.views_entitlements import _masked
from eduaid.aid.views_loans import may_enter_loans
from eduaid.core.audit import record
from eduaid.core.http import AuthedHttpRequest
from eduaid.core.models import AuditKind
from eduaid.registry.models import Term

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def yulu_download(request: AuthedHttpRequest) -> HttpResponse:
    if not may_enter_loans(request.user):  # the aid centre and the administrator
        raise PermissionDenied
    term = Term.objects.filter(code=request.GET.get("term", "")).first()
    if term is None:
        raise Http404
    visible = selectors.entitlements_visible_to(request.user)
    rows = [r.cells(_masked(r.entitlement)) for r in referrals.referrals(visible, term)]
    buffer = io.BytesIO()
    referrals.write_xlsx(buffer, term.code, rows)
    record(
        AuditKind.EXPORT,
        actor=request.user,
        request=request,
        detail={"export": "yulu_referrals", "term": term.code, "rows": len(rows), "full_ids": False},
    )
    name = _("雨露计划推荐名单_%(term)s_%(department)s.xlsx") % {
        "term": term.code,
        "department": referrals.department(),
    }
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response
