"""Students (一生一档) and registry households, every page scoped through `registry.selectors`.

Pages show ID numbers masked (`411728********0023`), and 学籍号 too (a G 学籍号 carries the ID); the
full number is shown once, on a POST that leaves an audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduaid.accounts.scope import scope_of
from eduaid.aid.views_entitlements import person_aid
from eduaid.core import clock, idnumbers, paging, panels
from eduaid.core.audit import record
from eduaid.core.http import AuthedHttpRequest
from eduaid.core.models import AuditKind
from eduaid.matching import engine
from eduaid.matching.describe import category_label, describe
from eduaid.matching.models import Finding, FindingKind
from eduaid.matching.selectors import findings_visible_to, last_run
from eduaid.org.selectors import schools_visible_to, townships_visible_to, villages_visible_to
from eduaid.registry import selectors
from eduaid.registry.models import (
    Enrolment,
    EnrolmentStatus,
    Household,
    HouseholdType,
    HouseholdVersion,
    Membership,
    MonitoringCategory,
    Person,
    Stage,
)

PAGE_SIZE = 50

# ---- masking (pages never show a full ID number) -----------------------------------------------


def mask_student_number(number: str) -> str:
    """`G411728********0023`: the letter stays, the rest is masked like an ID number."""
    return number[:1] + idnumbers.mask(number[1:]) if number else ""


def masked_id(person: Person) -> str:
    if person.id_number:
        return idnumbers.mask(person.id_number)
    return mask_student_number(person.student_key or "")


def describe_masked(finding: Finding) -> str:
    """`describe()` with any 学籍号 in the detail masked."""
    detail = dict(finding.detail or {})
    if detail.get("student_number"):
        detail["student_number"] = mask_student_number(str(detail["student_number"]))
    masked = SimpleNamespace(
        kind=finding.kind, code=finding.code, category=finding.category, stage=finding.stage, detail=detail
    )
    return describe(masked)


# ---- small helpers ------------------------------------------------------------------------------


def category_choices() -> list[tuple[str, str]]:
    return [(code, category_label(code)) for code in engine.CATEGORIES] + [
        (selectors.NOT_ELIGIBLE, _("Not eligible"))
    ]


def category_text(code: str | None) -> str:
    """None: in no registry household; "": in one, not eligible; else the category's label."""
    if code is None:
        return ""
    return category_label(code) if code else _("Not eligible")


NOT_IN_REGISTRY_BADGE = '<span class="text-secondary" title="{}">—</span>'
CATEGORY_BADGE = '<span class="badge category-badge category-{}" data-category="{}">{}</span>'


def category_badge(code: str | None, label: str) -> SafeString:
    """`registry/_category.html` in Python, for table rows (an include per row costs more than the row)."""
    if code is None:
        return format_html(NOT_IN_REGISTRY_BADGE, _("Not in the household registry"))
    return format_html(CATEGORY_BADGE, code or "none", code or "none", label)


def int_param(request: AuthedHttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def choice_param(request: AuthedHttpRequest, name: str, choices: list[tuple[str, Any]]) -> str:
    value = request.GET.get(name, "")
    return value if value in {code for code, _label in choices} else ""


def valid_today(row: Model, day: dt.date) -> bool:
    start, end = row.valid_from, row.valid_to  # type: ignore[attr-defined]
    return (start is None or start <= day) and (end is None or end > day)


def school_options(user: Any, township: int | None) -> Any:
    """(pk, name) of the schools a filter offers: a township's, or the scope's; for a county role,
    none until a township is picked (hundreds of options on every page view cost more than the page)."""
    schools = schools_visible_to(user)
    if township is not None:
        schools = schools.filter(township_id=township)
    elif scope_of(user).county:
        return []
    return schools.order_by("township__code", "code").values_list("pk", "name", named=True)


# ---- students -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentCell:
    """One enrolment of a student list row, as plain text."""

    school: str
    stage: str
    grade_class: str
    status: str
    status_label: str


def _lines(template: str, cells: list[EnrolmentCell], *fields: str) -> SafeString:
    """One `<div>` per enrolment: a list cell with a line for each of the student's enrolments."""
    return format_html_join("", template, ([getattr(c, f) for f in fields] for c in cells))


def student_row(person: Person, url: str, cells: list[EnrolmentCell]) -> dict[str, Any]:
    """One row of the student list, flat and with its cells' HTML ready: the template only places
    them. (A dict: the template engine reads a key at once, an attribute only after a failed key.)"""
    category = person.household_category  # type: ignore[attr-defined]
    return {
        "pk": person.pk,
        "name": person.name,
        "url": url,
        "masked_id": masked_id(person),
        "category": category_badge(category, category_text(category)),
        "schools": _lines("<div>{}</div>", cells, "school"),
        "stages": _lines("<div>{}</div>", cells, "stage"),
        "grades": SafeString(
            "".join(
                format_html("<div>{}</div>", c.grade_class)
                if c.grade_class
                else '<div><span class="text-secondary">—</span></div>'
                for c in cells
            )
        ),
        "statuses": _lines(
            '<div><span class="badge status-badge status-{}" data-status="{}">{}</span></div>',
            cells,
            "status",
            "status",
            "status_label",
        ),
    }


def grade_class(enrolment: Enrolment) -> str:
    parts = [_("Grade %(n)s") % {"n": enrolment.grade}] if enrolment.grade else []
    if enrolment.class_name:
        parts.append(enrolment.class_name)
    return " ".join(parts)


def enrolment_cells(
    enrolments: list[Enrolment], stages: dict[str, Any], statuses: dict[str, Any]
) -> list[EnrolmentCell]:
    return [
        EnrolmentCell(
            school=e.school.name if e.school else e.college,
            stage=str(stages.get(e.stage, e.stage)),
            grade_class=grade_class(e),
            status=e.status,
            status_label=str(statuses.get(e.status, e.status)),
        )
        for e in enrolments
    ]


def detail_url_maker(view_name: str) -> Callable[[int], str]:
    """`pk -> URL` of a detail page, reversed once (a page of rows would reverse it per row)."""
    marker = 987654321
    template = reverse(view_name, args=[marker]).replace(str(marker), "{}")
    return template.format


def _student_filter(request: AuthedHttpRequest) -> selectors.StudentFilter:
    return selectors.StudentFilter(
        township=int_param(request, "township"),
        school=int_param(request, "school"),
        stage=choice_param(request, "stage", Stage.choices),
        category=choice_param(request, "category", category_choices()),
        status=choice_param(request, "status", EnrolmentStatus.choices),
        q=request.GET.get("q", "").strip()[:40],
    )


@login_required
def student_list(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    f = _student_filter(request)
    keys = selectors.student_list(user, f).values_list("pk", flat=True)
    page = paging.window(request, keys, PAGE_SIZE, load=selectors.students_by_pk)
    persons = list(page.object_list)
    enrolments = selectors.list_enrolments(user, f, [p.pk for p in persons])
    stages, statuses = dict(Stage.choices), dict(EnrolmentStatus.choices)
    url = detail_url_maker("registry:student_detail")
    rows = [student_row(p, url(p.pk), enrolment_cells(enrolments[p.pk], stages, statuses)) for p in persons]
    context = {
        "page": page,
        "rows": rows,
        "filters": f,
        "filtered": f != selectors.StudentFilter(),
        "townships": townships_visible_to(user),
        "schools": school_options(user, f.township),
        "stages": Stage.choices,
        "categories": category_choices(),
        "statuses": EnrolmentStatus.choices,
    }
    return render(request, "registry/student_list.html", context)


def _get_person_for(request: AuthedHttpRequest, pk: int) -> Person:
    return get_object_or_404(selectors.persons_visible_to(request.user), pk=pk)


@dataclass
class HouseholdCard:
    membership: Membership
    current: bool
    visible: bool
    versions: list[Any]
    category: str | None

    @property
    def category_label(self) -> str:
        return category_text(self.category)


def _household_cards(request: AuthedHttpRequest, person: Person, day: dt.date) -> list[HouseholdCard]:
    memberships = list(selectors.person_memberships(person))
    ids = [m.household_id for m in memberships]
    visible = set(
        selectors.households_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    cards = []
    for m in memberships:
        versions = list(m.household.versions.all())
        now = next((v for v in versions if valid_today(v, day)), None)
        cards.append(
            HouseholdCard(
                membership=m,
                current=valid_today(m, day),
                visible=m.household_id in visible,
                versions=versions,
                category=getattr(now, "category_now", None),
            )
        )
    return cards


def _person_findings(request: AuthedHttpRequest, person: Person) -> tuple[Any, list[tuple[Finding, str]]]:
    run = last_run()
    if run is None:
        return None, []
    rows = findings_visible_to(request.user).filter(run=run, person=person).select_related("school")
    return run, [(f, describe_masked(f)) for f in rows.order_by("kind", "pk")]


def _profile(request: AuthedHttpRequest, person: Person, *, revealed: bool) -> HttpResponse:
    day = clock.today()
    enrolments = list(selectors.person_enrolments(person))
    for e in enrolments:
        e.masked_number = mask_student_number(e.student_number)  # type: ignore[attr-defined]
    run, findings = _person_findings(request, person)
    context = {
        "person": person,
        "masked_id": masked_id(person),
        "full_id": (person.id_number or person.student_key) if revealed else "",
        "age": engine.age_on(person.birth_date, day) if person.birth_date else None,
        "current_enrolments": [e for e in enrolments if valid_today(e, day)],
        "past_enrolments": [e for e in enrolments if not valid_today(e, day)],
        "households": _household_cards(request, person, day),
        "run": run,
        "findings": findings,
        "kinds": dict(FindingKind.choices),
        "today": day,
        "aid_terms": person_aid(request.user, person.pk),
        "sections": panels.profile_sections(request, person),
    }
    return render(request, "registry/student_detail.html", context)


@login_required
def student_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _profile(request, _get_person_for(request, pk), revealed=False)


@login_required
@require_POST
def student_reveal(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Shows the full ID number once, and records who saw whose."""
    person = _get_person_for(request, pk)
    record(
        AuditKind.VIEW_FULL_ID, actor=request.user, request=request, obj=person, detail={"name": person.name}
    )
    response = _profile(request, person, revealed=True)
    response["Cache-Control"] = "no-store"
    return response


# ---- households ---------------------------------------------------------------------------------


def _household_filter(request: AuthedHttpRequest) -> selectors.HouseholdFilter:
    return selectors.HouseholdFilter(
        township=int_param(request, "township"),
        village=int_param(request, "village"),
        household_type=choice_param(request, "type", HouseholdType.choices),
        monitoring=choice_param(request, "monitoring", MonitoringCategory.choices),
        category=choice_param(request, "category", category_choices()),
        q=request.GET.get("q", "").strip()[:40],
    )


def monitoring_cell(version: HouseholdVersion, day: dt.date) -> SafeString | str:
    """The monitoring category, noting a risk eliminated by `day` or a monitoring not begun yet."""
    if not version.monitoring_category:
        return "—"
    label = version.get_monitoring_category_display()
    eliminated, since = version.risk_eliminated_on, version.monitored_since
    if eliminated and eliminated <= day:
        note = _("risk eliminated %(day)s") % {"day": eliminated.isoformat()}
    elif since and since > day:
        note = _("from %(day)s") % {"day": since.isoformat()}
    else:
        return label
    return format_html('{} <span class="small text-secondary">({})</span>', label, note)


def household_row(version: HouseholdVersion, url: str, day: dt.date) -> dict[str, Any]:
    """One row of the household list, flat and with its cells ready (as `student_row`)."""
    v = version
    return {
        "household_id": v.household_id,
        "url": url,
        "code": v.household.code,
        "village": v.village.name,
        "township": v.village.township.name,
        "type": v.get_household_type_display(),
        "monitoring": monitoring_cell(v, day),
        "members": v.member_count,  # type: ignore[attr-defined]
        "category": category_badge(v.category_now, category_text(v.category_now)),  # type: ignore[attr-defined]
    }


@login_required
def household_list(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    f = _household_filter(request)
    page = paging.window(request, selectors.household_list(user, f), PAGE_SIZE)
    url = detail_url_maker("registry:household_detail")
    day = clock.today()
    rows = [household_row(v, url(v.household_id), day) for v in page.object_list]
    villages = villages_visible_to(user)
    if f.township is not None:
        villages = villages.filter(township_id=f.township)
    elif scope_of(user).county:
        villages = villages.none()  # 200 villages: pick a township first
    context = {
        "page": page,
        "rows": rows,
        "filters": f,
        "filtered": f != selectors.HouseholdFilter(),
        "townships": townships_visible_to(user),
        "villages": villages,
        "household_types": HouseholdType.choices,
        "monitoring_categories": MonitoringCategory.choices,
        "categories": category_choices(),
    }
    return render(request, "registry/household_list.html", context)


def _get_household_for(request: AuthedHttpRequest, pk: int) -> Household:
    return get_object_or_404(selectors.households_visible_to(request.user), pk=pk)


@login_required
def household_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    household = _get_household_for(request, pk)
    day = clock.today()
    versions = list(selectors.household_versions(household))
    memberships = list(selectors.household_members(household))
    ids = [m.person_id for m in memberships]
    visible = set(selectors.persons_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True))
    members = [
        {
            "m": m,
            "masked_id": masked_id(m.person),
            "current": valid_today(m, day),
            "visible": m.person_id in visible,
        }
        for m in memberships
    ]
    current = next((v for v in versions if valid_today(v, day)), None)
    context = {
        "household": household,
        "current": current,
        "category": category_text(current.category_now) if current else "",  # type: ignore[attr-defined]
        "versions": versions,
        "members": members,
        "today": day,
    }
    return render(request, "registry/household_detail.html", context)
