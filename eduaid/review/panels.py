"""Home-page panels: what waits for a school officer, and the aid centre's counts at each step."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.aid.models import EntitlementStatus as S
from eduaid.review import selectors

STEPS = (S.COMPUTED, S.SCHOOL_CONFIRMED, S.IN_NOTICE, S.NOTICE_PASSED, S.APPROVED)


def review_home_panel(request: Any) -> str:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return ""
    role = Role.COUNTY_ADMIN if user.is_superuser else user.role
    if role not in COUNTY_ROLES and role != Role.SCHOOL_OFFICER:
        return ""
    term = selectors.current_term()
    if term is None:
        return ""
    counts = selectors.waiting_counts(user, term)
    context = {
        "term": term,
        "school_officer": role == Role.SCHOOL_OFFICER,
        "approver": role in (Role.AID_CENTER, Role.COUNTY_ADMIN),
        "steps": [(code, S(code).label, counts[code]) for code in STEPS],
        "counts": counts,
        "running": selectors.notices_running(user).count(),
        "open_objections": selectors.open_objections_count(user),
    }
    return render_to_string("review/home_panel.html", context, request=request)
