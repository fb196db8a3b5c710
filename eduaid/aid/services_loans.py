"""生源地信用助学贷款 applications (DESIGN §3): entered by the aid centre, capped by the policy in force.

The cap of a school year is read from the `student_loan` item of the version in force on the year's
autumn term, through `pricing.loan_cap`: the same table that prices the rest. Every write is audited
as `AuditKind.LOAN`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from eduaid.aid import pricing
from eduaid.aid.models import LOAN_STAGES, ItemKind, LoanApplication, LoanStatus, PolicyItem, PolicyVersion
from eduaid.aid.services import PolicyError, version_for
from eduaid.core import clock
from eduaid.core.audit import actor_name, record
from eduaid.core.models import AuditKind
from eduaid.registry import terms
from eduaid.registry.models import Enrolment, EnrolmentStatus, Person, Stage, valid_on
from eduaid.registry.selectors import person_category

TRANSITIONS: dict[str, frozenset[str]] = {
    LoanStatus.APPLIED: frozenset({LoanStatus.APPROVED, LoanStatus.WITHDRAWN}),
    LoanStatus.APPROVED: frozenset({LoanStatus.DISBURSED, LoanStatus.WITHDRAWN}),
    LoanStatus.DISBURSED: frozenset(),
    LoanStatus.WITHDRAWN: frozenset(),
}
SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


class LoanError(ValueError):
    """Why an application cannot be recorded; `field` names what is wrong (person, school_year,
    stage, amount), so that an import can point at the right column."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def current_school_year(day: dt.date | None = None) -> str:
    return terms.code_for(day or clock.today())[:9]


def check_school_year(text: str) -> str:
    match = SCHOOL_YEAR.match(text.strip())
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise LoanError(
            _("“%(year)s” is not a school year: write it like 2023-2024.") % {"year": text}, "school_year"
        )
    return text.strip()


def loan_cap(school_year: str, stage: str) -> tuple[PolicyVersion, int]:
    """(version in force on the year's autumn term, yearly cap in fen for the level)."""
    try:
        version = version_for(f"{check_school_year(school_year)}-1")
    except PolicyError as error:
        raise LoanError(str(error), "school_year") from error
    item = PolicyItem.objects.filter(version=version, kind=ItemKind.LOAN).order_by("position").first()
    cap = None
    if item is not None:
        rule = pricing.Item(code=item.code, kind=item.kind, one_time=item.one_time, rules=item.rules)
        cap = pricing.loan_cap(rule, stage)
    if cap is None:
        raise LoanError(
            _("The policy version %(version)s has no student loan for this level.")
            % {"version": version.name},
            "stage",
        )
    return version, cap


def college_enrolment(person: Person, day: dt.date) -> Enrolment | None:
    """The student's current 在读 enrolment at a college, if any."""
    return (
        Enrolment.objects.filter(valid_on(day), person=person, stage__in=LOAN_STAGES)
        .filter(status=EnrolmentStatus.STUDYING)
        .order_by("pk")
        .first()
    )


def college_students(qs: Any, day: dt.date) -> Any:
    """Narrow a Person queryset to current 在读 college students, with their household category."""
    studying = Enrolment.objects.filter(
        valid_on(day), person=OuterRef("pk"), stage__in=LOAN_STAGES, status=EnrolmentStatus.STUDYING
    )
    return qs.filter(Exists(studying)).annotate(household_category=person_category(day))


def _category(person: Person, day: dt.date) -> str:
    row = Person.objects.filter(pk=person.pk).annotate(c=person_category(day)).values_list("c", flat=True)
    return row.first() or ""


def _level(stage: str) -> str:
    return _("postgraduate") if stage in ("master", "doctor") else str(dict(Stage.choices).get(stage, stage))


def check_application(
    *, person: Person, school_year: str, stage: str, amount_fen: int, day: dt.date
) -> tuple[PolicyVersion, int, str]:
    """(version, cap in fen, household category) for an application that may be recorded; else a
    LoanError saying why not: not a 在读 college student, no eligible household, above the level's
    cap, or a second application in the school year. The page, the import and the service all ask."""
    school_year = check_school_year(school_year)
    if stage not in LOAN_STAGES:
        raise LoanError(_("Student loans are for college students (专科, 本科, 硕士, 博士) only."), "stage")
    if college_enrolment(person, day) is None:
        raise LoanError(
            _("%(name)s has no current college enrolment (在读).") % {"name": person.name}, "person"
        )
    category = _category(person, day)
    if not category:
        raise LoanError(
            _("%(name)s is not from a 脱贫家庭 or a monitored household today.") % {"name": person.name},
            "person",
        )
    version, cap = loan_cap(school_year, stage)
    if amount_fen <= 0:
        raise LoanError(_("Enter the amount requested."), "amount")
    if amount_fen > cap:
        raise LoanError(
            _(
                "The amount requested, %(amount)s yuan, is above the yearly cap of %(cap)s yuan "
                "for %(level)s students."
            )
            % {"amount": pricing.yuan(amount_fen), "cap": pricing.yuan(cap), "level": _level(stage)},
            "amount",
        )
    if open_application(person, school_year) is not None:
        raise LoanError(_taken(person, school_year), "school_year")
    return version, cap, category


def open_application(person: Person, school_year: str) -> LoanApplication | None:
    """The student's application of the school year that is not withdrawn, if any."""
    qs = LoanApplication.objects.filter(person=person, school_year=school_year)
    return qs.exclude(status=LoanStatus.WITHDRAWN).first()


def _taken(person: Person, school_year: str) -> str:
    return _("%(name)s already has a loan application for %(year)s.") % {
        "name": person.name,
        "year": school_year,
    }


@transaction.atomic
def loan_apply(
    *,
    person: Person,
    school_year: str,
    college: str,
    stage: str,
    amount_fen: int,
    actor: Any,
    note: str = "",
) -> LoanApplication:
    """Record an application; refused above the level's cap, for a non-college student, for a student
    of no eligible household, and a second time in one school year."""
    school_year = check_school_year(school_year)
    version, cap, category = check_application(
        person=person, school_year=school_year, stage=stage, amount_fen=amount_fen, day=clock.today()
    )
    taken = _taken(person, school_year)
    try:
        with transaction.atomic():
            loan = LoanApplication.objects.create(
                person=person,
                school_year=school_year,
                college=college.strip()[:100],
                stage=stage,
                amount_fen=amount_fen,
                cap_fen=cap,
                version=version,
                category=category,
                note=note.strip()[:200],
                created_by=actor_name(actor),
            )
    except IntegrityError as error:  # another officer entered the same student a moment before
        raise LoanError(taken) from error
    record(
        AuditKind.LOAN,
        actor=actor,
        obj=loan,
        detail={"action": "loan_apply", "school_year": school_year, "amount_fen": amount_fen, "cap_fen": cap},
    )
    return loan


@transaction.atomic
def loan_set_status(*, loan: LoanApplication, status: str, actor: Any) -> LoanApplication:
    """Move an application along 申请 → 已受理 → 已放款, or withdraw it before it is disbursed."""
    loan = LoanApplication.objects.select_for_update().get(pk=loan.pk)
    if status not in TRANSITIONS.get(loan.status, frozenset()):
        raise LoanError(
            _("An application that is “%(now)s” cannot become “%(then)s”.")
            % {"now": loan.get_status_display(), "then": dict(LoanStatus.choices).get(status, status)}
        )
    previous = loan.status
    loan.status = status
    loan.save(update_fields=["status", "updated_at"])
    record(
        AuditKind.LOAN,
        actor=actor,
        obj=loan,
        detail={"action": "loan_set_status", "from": previous, "to": status},
    )
    return loan
