from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.core import panels, selectors
from eduaid.core.http import AuthedHttpRequest
from eduaid.core.models import AuditKind
from eduaid.org.selectors import schools_visible_to, township_summaries, villages_visible_to


@login_required
def home(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    role = Role.COUNTY_ADMIN if user.is_superuser else user.role
    context: dict[str, Any] = {
        "role": role,
        "counts": selectors.home_counts(user),
        "unit": user.org_unit,
        "panels": panels.home_panels(request),
    }
    context["match_run"], context["dropouts"] = selectors.last_match_dropouts(user)
    if role in COUNTY_ROLES:
        context["schools_by_type"] = selectors.schools_by_type(user)
        chart = selectors.township_school_chart(user)
        context["chart"] = bool(chart["townships"])
        context["chart_option"] = {
            "tooltip": {"trigger": "axis"},
            "legend": {"type": "scroll", "top": 0},
            "grid": {"left": 40, "right": 10, "bottom": 80, "top": 40},
            "xAxis": {"type": "category", "data": chart["townships"], "axisLabel": {"rotate": 45}},
            "yAxis": {"type": "value"},
            "series": chart["series"],
        }
    if role == Role.LEADER:
        context["paired"] = township_summaries(user).filter(pk__in=user.paired_townships.all())
    if role == Role.TOWNSHIP_OFFICER:
        context["schools_by_type"] = selectors.schools_by_type(user)
    if role == Role.SCHOOL_OFFICER:
        context["school"] = schools_visible_to(user).first()
    if role == Role.VILLAGE_TEAM:
        context["villages"] = villages_visible_to(user)
    return render(request, "core/home.html", context)


@login_required
def audit_list(request: AuthedHttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or request.user.role in {Role.COUNTY_ADMIN, Role.INSPECTOR}):
        raise PermissionDenied
    qs = selectors.audit_events_visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page, "kinds": AuditKind.choices, "kind": kind})
