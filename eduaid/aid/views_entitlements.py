"""The entitlement list (资助名单) of one term, scoped through `aid.selectors.entitlements_visible_to`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.aid import referrals, selectors
from eduaid.aid.models import Entitlement, EntitlementStatus, PolicyItem
from eduaid.aid.pricing import counted, yuan
from eduaid.core import clock, idnumbers, paging
from eduaid.core.http import AuthedHttpRequest
from eduaid.matching import engine
from eduaid.matching.describe import category_label
from eduaid.org.selectors import schools_visible_to, townships_visible_to
from eduaid.registry import terms
from eduaid.registry.models import Stage, Term

PAGE_SIZE = 50
READERS = frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER})


@dataclass
class Row:
    e: Entitlement
    masked_id: str
    amount: str
    category_label: str
    stage_label: str


def _masked(e: Entitlement) -> str:
    person = e.person
    if person.id_number:
        return idnumbers.mask(person.id_number)
    key = person.student_key or ""
    return key[:1] + idnumbers.mask(key[1:]) if key else ""


def _int(request: AuthedHttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _choice(request: AuthedHttpRequest, name: str, allowed: set[str]) -> str:
    value = request.GET.get(name, "")
    return value if value in allowed else ""


def _filter(request: AuthedHttpRequest, item_codes: set[str]) -> selectors.EntitlementFilter:
    term = request.GET.get("term", "").strip()
    try:
        terms.parse(term)
    except ValueError:
        term = terms.code_for(clock.today())
    return selectors.EntitlementFilter(
        term=term,
        township=_int(request, "township"),
        school=_int(request, "school"),
        item=_choice(request, "item", item_codes),
        stage=_choice(request, "stage", set(Stage.values)),
        category=_choice(request, "category", set(engine.CATEGORIES)),
        status=_choice(request, "status", set(EntitlementStatus.values)),
    )


@login_required
def entitlement_list(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    role = Role.COUNTY_ADMIN if user.is_superuser else user.role
    if role not in READERS:
        raise PermissionDenied
    items = list(PolicyItem.objects.order_by("code").values_list("code", "name").distinct())
    item_choices = list(dict(items).items())
    f = _filter(request, {code for code, _name in item_choices})
    qs = selectors.entitlement_list(user, f)
    page = paging.window(request, qs, PAGE_SIZE)  # no COUNT(*) per page: the totals say how many
    stage_labels = dict(Stage.choices)
    rows = [
        Row(
            e,
            _masked(e),
            yuan(e.amount_fen),
            category_label(e.category) if e.category else "",
            str(stage_labels.get(e.stage, e.stage)),
        )
        for e in page.object_list
    ]
    schools = schools_visible_to(user).order_by("township__code", "code")
    if f.township is not None:
        schools = schools.filter(township_id=f.township)
    default = selectors.EntitlementFilter(term=f.term)
    totals = selectors.entitlement_totals(qs)
    context = {
        "page": page,
        "rows": rows,
        "filters": f,
        "filtered": f != default,
        "totals": totals,
        "yuan": {
            "money": yuan(totals.money_fen),
            "loans": yuan(totals.loans_fen),
            "referrals": yuan(totals.referrals_fen),
        },
        "term_codes": sorted({f.term, *Term.objects.values_list("code", flat=True)}, reverse=True),
        "townships": townships_visible_to(user),
        "schools": schools,
        "item_choices": item_choices,
        "stages": Stage.choices,
        "categories": [(code, category_label(code)) for code in engine.CATEGORIES],
        "statuses": EntitlementStatus.choices,
        "can_refer": role in (Role.COUNTY_ADMIN, Role.AID_CENTER),
        "referral_department": referrals.department(),
    }
    return render(request, "aid/entitlement_list.html", context)


# ---- the aid section of the student profile -----------------------------------------------------


@dataclass
class TermAid:
    term: str
    rows: list[Row]
    total: str  # yuan of the counted items (loans and referrals apart)


def person_aid(user: Any, person_id: int) -> list[TermAid]:
    """What the student is entitled to per term (newest first), with the facts each was priced on."""
    stage_labels = dict(Stage.choices)
    by_term: dict[str, list[Row]] = {}
    totals: dict[str, int] = {}
    for e in selectors.person_entitlements(user, person_id):
        row = Row(
            e,
            "",
            yuan(e.amount_fen),
            category_label(e.category) if e.category else "",
            str(stage_labels.get(e.stage, e.stage)),
        )
        by_term.setdefault(e.term.code, []).append(row)
        totals[e.term.code] = totals.get(e.term.code, 0) + counted(e.item.kind, e.amount_fen)
    return [TermAid(code, rows, yuan(totals[code])) for code, rows in by_term.items()]
