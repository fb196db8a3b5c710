"""控辍保学 pages: the three ledgers, a case with its timeline and forms, the bureau report, the
四个一 reports, absences and manual reports. Every page starts from `selectors.cases_visible_to`."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.core import clock, idnumbers, paging
from eduaid.core.audit import record
from eduaid.core.http import AuthedHttpRequest
from eduaid.core.models import AuditKind
from eduaid.dropout import forms, rules, selectors, services
from eduaid.dropout.models import (
    UNRESOLVED_STATUSES,
    CaseStatus,
    DropoutCase,
    Ledger,
)
from eduaid.dropout.transitions import CLOSE_ONLY_WHEN_AGED_OUT, TRANSITIONS
from eduaid.org.models import School
from eduaid.org.selectors import schools_visible_to, townships_visible_to
from eduaid.registry.models import Enrolment, Membership, Person, valid_on
from eduaid.registry.selectors import enrolments_visible_to, persons_visible_to, search_persons

PAGE_SIZE = 50


def _masked(person: Person) -> str:
    if person.id_number:
        return idnumbers.mask(person.id_number)
    key = person.student_key or ""
    return key[:1] + idnumbers.mask(key[1:]) if key else ""


def _int(request: AuthedHttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _case_for(request: AuthedHttpRequest, pk: int) -> DropoutCase:
    return get_object_or_404(selectors.with_details(selectors.cases_visible_to(request.user)), pk=pk)


def _require_act(request: AuthedHttpRequest) -> None:
    if not selectors.may_act(request.user):
        raise PermissionDenied


# ---- ledgers ------------------------------------------------------------------------------------


@login_required
def ledger(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    which = request.GET.get("ledger", Ledger.SUSPECTED)
    if which not in selectors.LEDGER_STATUSES:
        which = Ledger.SUSPECTED
    statuses = sorted(selectors.LEDGER_STATUSES[which], key=list(CaseStatus.values).index)
    status = request.GET.get("status", "")
    f = selectors.CaseFilter(
        ledger=which,
        township=_int(request, "township"),
        school=_int(request, "school"),
        status=status if status in statuses else "",
        overdue=request.GET.get("overdue") == "1",
        unassigned=request.GET.get("unassigned") == "1",
        q=request.GET.get("q", "").strip()[:40],
    )
    page = Paginator(selectors.case_list(user, f), PAGE_SIZE).get_page(request.GET.get("page"))
    schools = schools_visible_to(user).order_by("township__code", "code")
    if f.township is not None:
        schools = schools.filter(township_id=f.township)
    today = clock.today()
    rows = [(c, _masked(c.person), rules.is_overdue(c.due_on, today) and c.is_open) for c in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "filters": f,
        "filtered": f != selectors.CaseFilter(ledger=which),
        "ledger": which,
        "ledgers": Ledger.choices,
        "counts": selectors.ledger_counts(user),
        "statuses": [(s, CaseStatus(s).label) for s in statuses],
        "townships": townships_visible_to(user),
        "schools": schools if user.role != Role.TEACHER else [],
        "may_act": selectors.may_act(user),
        "may_report": user.is_superuser or user.role != Role.TEACHER,
    }
    return render(request, "dropout/ledger.html", context)


@login_required
def children(request: AuthedHttpRequest) -> HttpResponse:
    """适龄儿童: registry and population children of compulsory age, with their enrolment state."""
    user = request.user
    state = request.GET.get("state", "")
    f = selectors.ChildFilter(
        state=state if state in {"enrolled", "not_enrolled", "case"} else "",
        q=request.GET.get("q", "").strip()[:40],
    )
    page = paging.window(request, selectors.school_age_children(user, f), PAGE_SIZE)  # not counted
    today = clock.today()
    rows = [
        {
            "person": p,
            "masked": _masked(p),
            "age": rules.age_on(p.birth_date, today) if p.birth_date else None,
            "status_label": _enrolment_label(p.enrolment_status),  # type: ignore[attr-defined]
            "case_label": CaseStatus(p.case_status).label if p.case_status else "",  # type: ignore[attr-defined]
        }
        for p in page.object_list
    ]
    return render(request, "dropout/children.html", {"page": page, "rows": rows, "filters": f})


def _enrolment_label(status: str | None) -> str:
    from eduaid.registry.models import EnrolmentStatus

    return str(EnrolmentStatus(status).label) if status else ""


# ---- a case -------------------------------------------------------------------------------------


def _targets(case: DropoutCase, today: dt.date) -> list[str]:
    order = list(CaseStatus.values)
    targets = sorted(TRANSITIONS.get(case.status, frozenset()), key=order.index)
    if case.status in CLOSE_ONLY_WHEN_AGED_OUT and not rules.aged_out(case.person.birth_date, today):
        targets = [t for t in targets if t != CaseStatus.CLOSED]
    return targets


def guardian_of(person: Person) -> dict[str, str]:
    """The head of the child's registry household (their guardian on record) and where they live."""
    day = clock.today()
    membership = Membership.objects.filter(valid_on(day), person=person).select_related("household").first()
    if membership is None:
        return {}
    head = (
        Membership.objects.filter(valid_on(day), household=membership.household)
        .exclude(person=person)
        .select_related("person")
        .order_by("pk")
    )
    chosen = next((m for m in head if m.relation == "户主"), None) or head.first()
    if chosen is None:
        return {"household": membership.household.code}
    return {"name": chosen.person.name, "relation": chosen.relation, "household": membership.household.code}


def _detail_context(request: AuthedHttpRequest, case: DropoutCase, **forms_given: Any) -> dict[str, Any]:
    today = clock.today()
    targets = _targets(case, today)
    may_act = selectors.may_act(request.user)
    enrolments = (
        Enrolment.objects.filter(valid_on(today), person=case.person).select_related("school").order_by("pk")
    )
    return {
        "case": case,
        "masked_id": _masked(case.person),
        "age": rules.age_on(case.person.birth_date, today) if case.person.birth_date else None,
        "enrolments": enrolments,
        "timeline": selectors.case_timeline(case),
        "overdue": case.is_open and rules.is_overdue(case.due_on, today),
        "may_act": may_act,
        "attempt_form": forms_given.get("attempt_form")
        or forms.AttemptForm(initial={"by": request.user.full_name or request.user.username}),
        "move_form": forms_given.get("move_form") or (forms.MoveForm(targets=targets) if targets else None),
        "legal_form": forms_given.get("legal_form") or forms.LegalStepForm(),
        "may_attempt": may_act
        and case.status in UNRESOLVED_STATUSES - {CaseStatus.SUSPECTED, CaseStatus.VERIFYING},
        "may_legal": may_act and case.status == CaseStatus.REPORTED,
        "has_report": case.events.filter(to_status=CaseStatus.REPORTED).exists(),
        "guardian": guardian_of(case.person),
    }


@login_required
def case_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    return render(request, "dropout/case_detail.html", _detail_context(request, case))


@login_required
@require_POST
def case_move(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    _require_act(request)
    form = forms.MoveForm(request.POST, targets=_targets(case, clock.today()))
    if form.is_valid():
        try:
            services.case_transition(
                case_id=case.pk,
                to=form.cleaned_data["to"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
                close_reason=form.cleaned_data["close_reason"],
                expect=request.POST.get("expect") or None,
            )
        except services.CaseRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The case has moved on."))
            return redirect("dropout:case_detail", pk=case.pk)
    context = _detail_context(request, case, move_form=form)
    return render(request, "dropout/case_detail.html", context, status=400)


@login_required
@require_POST
def case_attempt(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _log_on_case(
        request, pk, forms.AttemptForm, services.attempt_log, "attempt_form", _("The attempt is logged.")
    )


@login_required
@require_POST
def case_legal(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _log_on_case(
        request, pk, forms.LegalStepForm, services.legal_step_log, "legal_form", _("The step is logged.")
    )


def _log_on_case(
    request: AuthedHttpRequest, pk: int, form_class: Any, log: Any, form_key: str, done: str
) -> HttpResponse:
    """A step logged on a case from its page (an attempt, a legal step): the form, then the service;
    back to the case, or the page again with the form's errors (and the service's refusal)."""
    case = _case_for(request, pk)
    _require_act(request)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            log(case_id=case.pk, actor=request.user, **form.cleaned_data)
        except services.CaseRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return redirect("dropout:case_detail", pk=case.pk)
    context = _detail_context(request, case, **{form_key: form})
    return render(request, "dropout/case_detail.html", context, status=400)


@login_required
def case_letter(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The written report to the bureau (未成年人保护法 Art. 28), once persuasion has failed."""
    case = _case_for(request, pk)
    reported = case.events.filter(to_status=CaseStatus.REPORTED).order_by("at").last()
    if reported is None:
        raise PermissionDenied
    context = _detail_context(request, case)
    context["reported"] = reported
    context["attempts"] = list(case.attempts.all())
    context["legal_steps"] = list(case.legal_steps.all())
    return render(request, "dropout/case_letter.html", context)


# ---- reporting a child, recording absences ------------------------------------------------------


def _lookup_child(request: AuthedHttpRequest, number: str) -> tuple[Person | None, School | None]:
    """A child in the user's scope by exact ID number or 学籍号, and their current school in scope."""
    user = request.user
    if user.role == Role.TEACHER and not user.is_superuser:
        from eduaid.staff.selectors import responsibilities_visible_to

        pool = Person.objects.filter(pk__in=responsibilities_visible_to(user).values("person_id"))
        school_rows = Enrolment.objects.filter(valid_on(clock.today()))
    else:
        pool = persons_visible_to(user)
        school_rows = enrolments_visible_to(user)
    if not number.strip() or len(number.strip()) < 10:
        return None, None
    person = search_persons(pool, number).first()
    if person is None:
        return None, None
    enrolment = school_rows.filter(person=person, school__isnull=False).select_related("school").first()
    return person, enrolment.school if enrolment else None


@login_required
def report_child(request: AuthedHttpRequest) -> HttpResponse:
    _require_act(request)
    if request.user.role == Role.TEACHER and not request.user.is_superuser:
        raise PermissionDenied
    form = forms.ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person, school = _lookup_child(request, form.cleaned_data["number"])
        if person is None:
            form.add_error("number", _("No child with this number in your scope."))
        else:
            try:
                case = services.case_report(
                    person=person, school=school, note=form.cleaned_data["note"], actor=request.user
                )
            except services.CaseRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The child is in the ledger of suspected dropouts."))
                return redirect("dropout:case_detail", pk=case.pk)
    return render(request, "dropout/report_child.html", {"form": form})


@login_required
def absences(request: AuthedHttpRequest) -> HttpResponse:
    _require_act(request)
    form = forms.AbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person, school = _lookup_child(request, form.cleaned_data["number"])
        if person is None or school is None:
            form.add_error("number", _("No student with this number at a school in your scope."))
        else:
            try:
                case = services.absence_record(
                    person=person,
                    school=school,
                    on=form.cleaned_data["on"],
                    excused=form.cleaned_data["excused"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except services.CaseRefused as exc:
                form.add_error(None, str(exc))
            else:
                if case is not None:
                    messages.warning(
                        request, _("The absences reach the threshold: a suspected case is open.")
                    )
                    return redirect("dropout:case_detail", pk=case.pk)
                messages.success(request, _("The absence is recorded."))
                return redirect("dropout:absences")
    recent = selectors.absences_visible_to(request.user).select_related("person", "school")[:30]
    rows = [(a, _masked(a.person)) for a in recent]
    threshold = selectors.dropout_settings().absence_days
    return render(request, "dropout/absences.html", {"form": form, "rows": rows, "threshold": threshold})


# ---- 四个一 reports ---------------------------------------------------------------------------------


def _period(kind: str, value: str, today: dt.date) -> tuple[dt.date, dt.date, str]:
    """A month (`2024-03`) or a quarter (`2024-1`); the current one when the value does not parse."""
    try:
        year, part = (int(x) for x in value.split("-"))
    except ValueError:
        year, part = today.year, (today.month if kind == "month" else (today.month - 1) // 3 + 1)
    if kind == "month":
        part = min(max(part, 1), 12)
        first = dt.date(year, part, 1)
        nxt = dt.date(year + (part == 12), part % 12 + 1, 1)
        return first, nxt - dt.timedelta(days=1), f"{year}-{part:02d}"
    part = min(max(part, 1), 4)
    first = dt.date(year, 3 * part - 2, 1)
    nxt = dt.date(year + (part == 4), (3 * part) % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1), f"{year}-{part}"


@login_required
def reports(request: AuthedHttpRequest) -> HttpResponse:
    if request.user.role == Role.TEACHER and not request.user.is_superuser:
        raise PermissionDenied
    today = clock.today()
    _f, _l, month = _period("month", "", today)
    _f, _l, quarter = _period("quarter", "", today)
    months = []
    for back in range(12):
        first = dt.date(today.year, today.month, 1)
        y, m = first.year, first.month - back
        while m < 1:
            y, m = y - 1, m + 12
        months.append(f"{y}-{m:02d}")
    quarters = []
    y, q = today.year, (today.month - 1) // 3 + 1
    for _i in range(8):
        quarters.append(f"{y}-{q}")
        y, q = (y - 1, 4) if q == 1 else (y, q - 1)
    first, last, _v = _period("month", month, today)
    rows = selectors.report_rows(request.user, first, last)
    return render(
        request,
        "dropout/reports.html",
        {"months": months, "quarters": quarters, "rows": rows, "month": month, "county": _is_county(request)},
    )


def _is_county(request: AuthedHttpRequest) -> bool:
    return bool(request.user.is_superuser or request.user.role in COUNTY_ROLES)


@login_required
def report_download(request: AuthedHttpRequest) -> HttpResponse:
    """学校一月一报告 (kind=month) and 县区一季度一复核 (kind=quarter), as .xlsx, within the user's scope."""
    if request.user.role == Role.TEACHER and not request.user.is_superuser:
        raise PermissionDenied
    kind = request.GET.get("kind", "month")
    if kind not in {"month", "quarter"}:
        kind = "month"
    first, last, label = _period(kind, request.GET.get("period", ""), clock.today())
    rows = selectors.report_rows(request.user, first, last)
    data = report_workbook(rows, kind=kind, first=first, last=last)
    record(
        AuditKind.EXPORT,
        actor=request.user,
        request=request,
        detail={"export": f"dropout_{kind}", "period": label, "rows": len(rows)},
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = ("dropout-monthly-" if kind == "month" else "dropout-quarterly-") + label + ".xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def report_workbook(rows: list[selectors.ReportRow], *, kind: str, first: dt.date, last: dt.date) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    title = (
        _("School monthly report on dropouts")
        if kind == "month"
        else _("County quarterly review of dropouts")
    )
    numbers = [_("Opened"), _("Verified"), _("Returned"), _("Still open"), _("Overdue")]
    by_school = book.add_worksheet(_("By school"))
    by_school.write(0, 0, f"{title} {first.isoformat()} — {last.isoformat()}", bold)
    by_school.write_row(2, 0, [_("Township"), _("School"), _("School code"), *numbers], bold)
    by_school.set_column(0, 2, 20)
    by_school.set_column(3, 7, 10)
    for i, r in enumerate(rows, start=3):
        by_school.write_row(
            i,
            0,
            [
                r.township,
                r.school or _("(no school)"),
                r.school_code,
                r.opened,
                r.verified,
                r.returned,
                r.still_open,
                r.overdue,
            ],
        )
    townships: dict[str, selectors.ReportRow] = {}
    for r in rows:
        townships.setdefault(r.township, selectors.ReportRow(r.township, "", "")).add(r)
    total = selectors.ReportRow(_("Total"), "", "")
    by_township = book.add_worksheet(_("By township"))
    by_township.write(0, 0, f"{title} {first.isoformat()} — {last.isoformat()}", bold)
    by_township.write_row(2, 0, [_("Township"), *numbers], bold)
    by_township.set_column(0, 0, 20)
    row_no = 3
    for name, t in townships.items():
        by_township.write_row(row_no, 0, [name, t.opened, t.verified, t.returned, t.still_open, t.overdue])
        total.add(t)
        row_no += 1
    by_township.write_row(
        row_no,
        0,
        [total.township, total.opened, total.verified, total.returned, total.still_open, total.overdue],
        bold,
    )
    book.close()
    return out.getvalue()


# ---- settings -----------------------------------------------------------------------------------


@login_required
def settings_page(request: AuthedHttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or request.user.role == Role.COUNTY_ADMIN):
        raise PermissionDenied
    current = selectors.dropout_settings()
    initial = {
        "verify_days": current.verify_days,
        "attempt_days": current.attempt_days,
        "absence_days": current.absence_days,
    }
    form = forms.SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.settings_update(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The settings are saved; the due dates of open cases follow."))
        return redirect("dropout:settings")
    return render(request, "dropout/settings.html", {"form": form})


# ---- home panel and profile section -------------------------------------------------------------


def home_panel(request: Any) -> str:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return ""
    counts = selectors.ledger_counts(user)
    if not (counts["suspected"] or counts["dropout"]):
        return ""
    by_school = selectors.overdue_by_school(user) if user.is_superuser or user.role != Role.TEACHER else []
    today = clock.today()
    overdue = [(c, (today - c.due_on).days) for c in selectors.overdue_cases(user) if c.due_on]
    context = {
        "counts": counts,
        "overdue": overdue,
        "by_school": by_school[:10],
        "ledger_url": reverse("dropout:ledger"),
    }
    return render_to_string("dropout/_home_panel.html", context, request=request)


def profile_section(request: Any, person: Person) -> str:
    cases = list(selectors.person_cases(request.user, person))
    if not cases:
        return ""
    return render_to_string("dropout/_profile_section.html", {"cases": cases}, request=request)
