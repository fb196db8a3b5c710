from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.core.http import AuthedHttpRequest
from eduaid.org.models import School, SchoolType, Township, Village
from eduaid.org.selectors import (
    school_filter,
    schools_visible_to,
    township_summaries,
    townships_visible_to,
    villages_visible_to,
)


def _get_township_for(request: AuthedHttpRequest, pk: int) -> Township:
    return get_object_or_404(townships_visible_to(request.user), pk=pk)


def _get_school_for(request: AuthedHttpRequest, pk: int) -> School:
    return get_object_or_404(schools_visible_to(request.user), pk=pk)


def _get_village_for(request: AuthedHttpRequest, pk: int) -> Village:
    return get_object_or_404(villages_visible_to(request.user), pk=pk)


# A school, a teacher or a village team has no township of its own to list.
TOWNSHIP_LIST_ROLES = frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER})


@login_required
def township_list(request: AuthedHttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or request.user.role in TOWNSHIP_LIST_ROLES):
        raise PermissionDenied
    townships = township_summaries(request.user)
    return render(request, "org/township_list.html", {"townships": townships})


@login_required
def township_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    township = _get_township_for(request, pk)
    schools = schools_visible_to(request.user).filter(township=township)
    villages = villages_visible_to(request.user).filter(township=township)
    return render(
        request,
        "org/township_detail.html",
        {"township": township, "schools": schools, "villages": villages},
    )


@login_required
def school_list(request: AuthedHttpRequest) -> HttpResponse:
    visible = schools_visible_to(request.user)
    filters = {
        "township": request.GET.get("township", ""),
        "school_type": request.GET.get("type", ""),
        "q": request.GET.get("q", "").strip(),
    }
    qs = school_filter(visible, **filters).annotate(class_count=Count("classes"))
    page = Paginator(qs.order_by("township__code", "code"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "townships": townships_visible_to(request.user),
        "school_types": SchoolType.choices,
        "total": visible.count(),
    }
    return render(request, "org/school_list.html", context)


@login_required
def school_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    school = _get_school_for(request, pk)
    classes = school.classes.all()
    return render(request, "org/school_detail.html", {"school": school, "classes": classes})


@login_required
def village_list(request: AuthedHttpRequest) -> HttpResponse:
    qs = villages_visible_to(request.user).annotate(team_count=Count("teams"))
    township = request.GET.get("township", "")
    if township.isdigit():
        qs = qs.filter(township_id=int(township))
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "org/village_list.html",
        {"page": page, "townships": townships_visible_to(request.user), "township": township},
    )


@login_required
def village_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    village = _get_village_for(request, pk)
    return render(request, "org/village_detail.html", {"village": village, "teams": village.teams.all()})
