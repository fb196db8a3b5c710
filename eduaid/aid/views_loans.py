"""生源地信用助学贷款 pages: the aid centre enters applications and moves them along; county roles read.

Reads go through `selectors.loans_visible_to`; the student is found through the registry's own
chokepoint (`students_visible_to`), so an applicant outside the user's scope does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.aid import selectors, services_loans
from eduaid.aid.forms import LoanForm
from eduaid.aid.models import LOAN_STAGES, LoanStatus
from eduaid.aid.pricing import yuan
from eduaid.core import clock, idnumbers
from eduaid.core.http import AuthedHttpRequest
from eduaid.matching.describe import category_label
from eduaid.registry.models import Person, Stage
from eduaid.registry.selectors import search_persons, students_visible_to

PAGE_SIZE = 50
WRITERS = frozenset({Role.COUNTY_ADMIN, Role.AID_CENTER})


def _role(user: Any) -> str:
    return Role.COUNTY_ADMIN if user.is_superuser else user.role


def may_enter_loans(user: Any) -> bool:
    return _role(user) in WRITERS


def _masked(person: Person) -> str:
    return idnumbers.mask(person.id_number) if person.id_number else (person.student_key or "")


def _stage_choices() -> list[tuple[str, str]]:
    labels = dict(Stage.choices)
    return [(s, str(labels[s])) for s in LOAN_STAGES]


@login_required
def loan_list(request: AuthedHttpRequest) -> HttpResponse:
    if _role(request.user) not in COUNTY_ROLES:
        raise PermissionDenied
    get = request.GET
    years = sorted(
        set(selectors.loans_visible_to(request.user).values_list("school_year", flat=True)), reverse=True
    )
    f = selectors.LoanFilter(
        school_year=get.get("year", "") if get.get("year", "") in years else "",
        status=get.get("status", "") if get.get("status", "") in LoanStatus.values else "",
        stage=get.get("stage", "") if get.get("stage", "") in LOAN_STAGES else "",
        q=get.get("q", "").strip()[:40],
    )
    qs = selectors.loan_list(request.user, f)
    page = Paginator(qs, PAGE_SIZE).get_page(get.get("page"))
    totals = selectors.loan_totals(qs)
    stage_labels = dict(Stage.choices)
    rows = [
        {
            "loan": loan,
            "masked_id": _masked(loan.person),
            "amount": yuan(loan.amount_fen),
            "cap": yuan(loan.cap_fen),
            "stage": stage_labels.get(loan.stage, loan.stage),
            "next": sorted(services_loans.TRANSITIONS[loan.status]),
        }
        for loan in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "filters": f,
        "filtered": f != selectors.LoanFilter(),
        "years": years,
        "statuses": LoanStatus.choices,
        "stages": _stage_choices(),
        "totals": totals,
        "requested": yuan(totals["requested"]),
        "disbursed": yuan(totals["disbursed"]),
        "can_enter": may_enter_loans(request.user),
        "actions": {
            LoanStatus.APPROVED: _("Accept"),
            LoanStatus.DISBURSED: _("Mark disbursed"),
            LoanStatus.WITHDRAWN: _("Withdraw"),
        },
    }
    return render(request, "aid/loan_list.html", context)


def _candidates(request: AuthedHttpRequest, q: str) -> list[dict[str, Any]]:
    if not q:
        return []
    day = clock.today()
    qs = services_loans.college_students(search_persons(students_visible_to(request.user, day), q), day)
    rows = []
    for person in qs.order_by("name", "pk")[:20]:
        enrolment = services_loans.college_enrolment(person, day)
        rows.append(
            {
                "person": person,
                "masked_id": _masked(person),
                "college": enrolment.college if enrolment else "",
                "stage": enrolment.get_stage_display() if enrolment else "",
                "category": category_label(person.household_category) if person.household_category else "",
            }
        )
    return rows


def _applicant(request: AuthedHttpRequest, pk: str) -> Person | None:
    if not pk.isdigit():
        return None
    return get_object_or_404(students_visible_to(request.user), pk=int(pk))


def _caps() -> tuple[str, str, str] | None:
    year = services_loans.current_school_year()
    try:
        bachelor = services_loans.loan_cap(year, "undergraduate")[1]
        postgraduate = services_loans.loan_cap(year, "master")[1]
    except services_loans.LoanError:
        return None
    return yuan(bachelor), yuan(postgraduate), year


@login_required
def loan_new(request: AuthedHttpRequest) -> HttpResponse:
    """Find the student (ID number or name), then enter the application."""
    if not may_enter_loans(request.user):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    q = request.GET.get("q", "").strip()[:40]
    person = _applicant(request, source.get("person", ""))
    form = None
    status = 200
    if person is not None:
        enrolment = services_loans.college_enrolment(person, clock.today())
        initial = {"school_year": services_loans.current_school_year()}
        if enrolment is not None:
            initial |= {"college": enrolment.college, "stage": enrolment.stage}
        form = LoanForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services_loans.loan_apply(
                    person=person,
                    school_year=data["school_year"],
                    college=data["college"],
                    stage=data["stage"],
                    amount_fen=data["amount"],
                    note=data["note"],
                    actor=request.user,
                )
            except services_loans.LoanError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Loan application of %(name)s recorded.") % {"name": person.name})
                return redirect("aid:loan_list")
        if request.method == "POST":
            status = 400
    context = {
        "caps": _caps(),
        "q": q,
        "candidates": _candidates(request, q) if person is None else [],
        "person": person,
        "masked_id": _masked(person) if person else "",
        "form": form,
    }
    return render(request, "aid/loan_new.html", context, status=status)


@login_required
@require_POST
def loan_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    if not may_enter_loans(request.user):
        raise Http404
    loan = get_object_or_404(selectors.loans_visible_to(request.user), pk=pk)
    try:
        services_loans.loan_set_status(loan=loan, status=request.POST.get("status", ""), actor=request.user)
    except services_loans.LoanError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Loan application of %(name)s updated.") % {"name": loan.person.name})
    return redirect("aid:loan_list")


def loan_profile_section(request: Any, person: Person) -> str:
    """The student profile's 生源地信用助学贷款 card (nothing when the student has no application)."""
    loans = list(
        selectors.loans_visible_to(request.user).filter(person=person).order_by("-school_year", "-pk")
    )
    if not loans:
        return ""
    stage_labels = dict(Stage.choices)
    rows = [
        {
            "loan": loan,
            "amount": yuan(loan.amount_fen),
            "cap": yuan(loan.cap_fen),
            "stage": stage_labels.get(loan.stage),
        }
        for loan in loans
    ]
    return render_to_string("aid/loan_profile.html", {"rows": rows}, request=request)
