"""Reads of 控辍保学, each scoped to a user: `cases_visible_to` is the one chokepoint for cases.

- county roles: every case;
- a township officer: the cases of its schools and of the children living in its villages;
- a school officer: its school's cases;
- a teacher: the cases of the children they are responsible for (一生一责任人);
- a village team: the cases of the children living in its villages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from eduaid.accounts.roles import Role
from eduaid.accounts.scope import scope_of
from eduaid.core import clock
from eduaid.dropout.models import (
    CLOSED_STATUSES,
    DROPOUT_STATUSES,
    SUSPECTED_STATUSES,
    Absence,
    CaseEvent,
    CaseStatus,
    DropoutCase,
    DropoutSettings,
    Ledger,
)
from eduaid.registry.models import Enrolment, Membership, Person, PopulationEntry, Term, valid_on
from eduaid.registry.selectors import persons_visible_to, search_persons
from eduaid.registry.stages import COMPULSORY_AGES

# Roles that read the ledgers but never move a case.
READ_ONLY_ROLES = frozenset({Role.LEADER, Role.INSPECTOR, Role.VILLAGE_TEAM})


def dropout_settings() -> DropoutSettings:
    return DropoutSettings.objects.filter(pk=1).first() or DropoutSettings(pk=1)


def current_term(day: dt.date | None = None) -> Term | None:
    """The term under way: the one that started last on or before `day`."""
    day = day or clock.today()
    return Term.objects.filter(start_date__lte=day).order_by("-start_date").first()


def may_act(user: Any) -> bool:
    """Whether the user may move cases, log attempts and report children (within their scope)."""
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.role not in READ_ONLY_ROLES)


def _responsible(field: str) -> Subquery:
    from eduaid.staff.models import StudentResponsibility

    rows = StudentResponsibility.objects.filter(person=OuterRef("person_id")).values(field)[:1]
    return Subquery(rows)


def cases_visible_to(user) -> QuerySet[DropoutCase]:  # type: ignore[no-untyped-def]
    from eduaid.staff.models import StudentResponsibility

    scope = scope_of(user)
    qs = DropoutCase.objects.all()
    if scope.county:
        return qs
    where = Q()
    if scope.school_ids:
        where |= Q(school_id__in=scope.school_ids)
    if scope.village_ids:
        where |= Q(village_id__in=scope.village_ids)
    if scope.teacher_user_id is not None:
        mine = StudentResponsibility.objects.filter(
            person=OuterRef("person_id"), teacher__user_id=scope.teacher_user_id
        )
        where |= Q(Exists(mine))
    if not where:
        return qs.none()
    return qs.filter(where)


def absences_visible_to(user) -> QuerySet[Absence]:  # type: ignore[no-untyped-def]
    """County roles: all; a township or a school: its schools' absences; a teacher: their children's."""
    from eduaid.staff.models import StudentResponsibility

    scope = scope_of(user)
    qs = Absence.objects.all()
    if scope.county:
        return qs
    if scope.school_ids:
        return qs.filter(school_id__in=scope.school_ids)
    if scope.teacher_user_id is not None:
        mine = StudentResponsibility.objects.filter(teacher__user_id=scope.teacher_user_id)
        return qs.filter(person_id__in=mine.values("person_id"))
    return qs.none()


def with_details(qs: QuerySet[DropoutCase]) -> QuerySet[DropoutCase]:
    """The case list's joins and the responsible teacher's name (None: unassigned)."""
    return qs.select_related("person", "school", "township", "village").annotate(
        teacher_name=_responsible("teacher__name"), teacher_id=_responsible("teacher_id")
    )


def unassigned_q() -> Q:
    from eduaid.staff.models import StudentResponsibility

    return ~Q(Exists(StudentResponsibility.objects.filter(person=OuterRef("person_id"))))


def overdue_q(day: dt.date | None = None) -> Q:
    return Q(due_on__lt=day or clock.today()) & ~Q(status__in=CLOSED_STATUSES)


def open_q() -> Q:
    return ~Q(status__in=CLOSED_STATUSES)


OPEN = "open"  # both ledgers at once (not a tab: the overdue and unassigned links lead there)
LEDGER_STATUSES: dict[str, frozenset[str]] = {
    OPEN: SUSPECTED_STATUSES | DROPOUT_STATUSES,
    Ledger.SUSPECTED: SUSPECTED_STATUSES,
    Ledger.DROPOUT: DROPOUT_STATUSES,
    Ledger.CLOSED: CLOSED_STATUSES,
}


@dataclass(frozen=True)
class CaseFilter:
    ledger: str = Ledger.SUSPECTED
    township: int | None = None
    school: int | None = None
    status: str = ""
    overdue: bool = False
    unassigned: bool = False
    q: str = ""


def case_list(user, f: CaseFilter) -> QuerySet[DropoutCase]:  # type: ignore[no-untyped-def]
    qs = cases_visible_to(user).filter(status__in=LEDGER_STATUSES.get(f.ledger, SUSPECTED_STATUSES))
    if f.township is not None:
        qs = qs.filter(township_id=f.township)
    if f.school is not None:
        qs = qs.filter(school_id=f.school)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.overdue:
        qs = qs.filter(overdue_q())
    if f.unassigned:
        qs = qs.filter(unassigned_q())
    if f.q:
        qs = qs.filter(person__in=search_persons(Person.objects.all(), f.q))
    return with_details(qs).order_by("due_on", "pk")


def ledger_counts(user) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Open cases per ledger, overdue and unassigned ones, in the user's scope."""
    visible = cases_visible_to(user)
    by_status = dict(visible.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    open_cases = visible.filter(open_q())
    return {
        "suspected": sum(by_status.get(s, 0) for s in SUSPECTED_STATUSES),
        "dropout": sum(by_status.get(s, 0) for s in DROPOUT_STATUSES),
        "closed": sum(by_status.get(s, 0) for s in CLOSED_STATUSES),
        "overdue": open_cases.filter(overdue_q()).count(),
        "unassigned": open_cases.filter(unassigned_q()).count(),
    }


def overdue_cases(user, limit: int = 10) -> list[DropoutCase]:  # type: ignore[no-untyped-def]
    return list(with_details(cases_visible_to(user).filter(overdue_q())).order_by("due_on", "pk")[:limit])


def overdue_by_school(user) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Overdue open cases per school (and township), for the township's and county's home pages."""
    rows = (
        cases_visible_to(user)
        .filter(overdue_q())
        .values("school_id", "school__name", "township__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "school__name")
    )
    return list(rows)


def person_cases(user, person: Person) -> QuerySet[DropoutCase]:  # type: ignore[no-untyped-def]
    return with_details(cases_visible_to(user).filter(person=person)).order_by("-opened_on", "-pk")


@dataclass
class TimelineEntry:
    on: dt.date
    at: Any
    kind: str  # "step", "attempt", "legal"
    item: Any


def case_timeline(case: DropoutCase) -> list[TimelineEntry]:
    """Steps, attempts and legal steps of a case, oldest first."""
    entries = [TimelineEntry(e.on, e.at, "step", e) for e in case.events.all()]
    entries += [TimelineEntry(a.on, a.created_at, "attempt", a) for a in case.attempts.all()]
    entries += [TimelineEntry(s.on, s.created_at, "legal", s) for s in case.legal_steps.all()]
    return sorted(entries, key=lambda e: (e.on, e.at))


# ---- the 适龄儿童 ledger ----------------------------------------------------------------------------


def compulsory_birth_range(day: dt.date) -> tuple[dt.date, dt.date]:
    """Birth dates of children aged 6 to 15 on 31 August of the school year's first calendar year."""
    year = day.year if day.month >= 9 else day.year - 1
    cutoff = dt.date(year, 8, 31)
    low, high = COMPULSORY_AGES
    earliest = dt.date(cutoff.year - high - 1, 9, 1)
    latest = dt.date(cutoff.year - low, 8, 31)
    return earliest, latest


@dataclass(frozen=True)
class ChildFilter:
    state: str = ""  # "", "enrolled", "not_enrolled", "case"
    q: str = ""


def school_age_children(user, f: ChildFilter, day: dt.date | None = None) -> QuerySet[Person]:  # type: ignore[no-untyped-def]
    """Registry members and population-register children of compulsory age in the user's scope, with
    their current enrolment (school name and status) and the status of their open case, if any."""
    day = day or clock.today()
    earliest, latest = compulsory_birth_range(day)
    members = Membership.objects.filter(valid_on(day), person=OuterRef("pk"))
    living = PopulationEntry.objects.filter(valid_on(day), person=OuterRef("pk"))
    qs = persons_visible_to(user, day).filter(birth_date__gte=earliest, birth_date__lte=latest)
    qs = qs.filter(Q(Exists(members)) | Q(Exists(living)))
    enrolments = Enrolment.objects.filter(valid_on(day), person=OuterRef("pk")).order_by("status", "pk")
    active = enrolments.filter(status__in=["studying", "suspended"])
    open_case = DropoutCase.objects.filter(person=OuterRef("pk")).filter(open_q())
    qs = qs.annotate(
        enrolment_status=Subquery(enrolments.values("status")[:1]),
        school_name=Coalesce(
            Subquery(enrolments.values("school__name")[:1]), Subquery(enrolments.values("college")[:1])
        ),
        case_status=Subquery(open_case.values("status")[:1]),
        case_id=Subquery(open_case.values("pk")[:1]),
    )
    if f.state == "enrolled":
        qs = qs.filter(Exists(active))
    elif f.state == "not_enrolled":
        qs = qs.exclude(Exists(active))
    elif f.state == "case":
        qs = qs.filter(Exists(open_case))
    qs = search_persons(qs, f.q)
    return qs.order_by("name", "pk")


# ---- the 四个一 reports -----------------------------------------------------------------------------


@dataclass
class ReportRow:
    township: str
    school: str
    school_code: str
    opened: int = 0
    verified: int = 0
    returned: int = 0
    still_open: int = 0
    overdue: int = 0

    def add(self, other: ReportRow) -> None:
        self.opened += other.opened
        self.verified += other.verified
        self.returned += other.returned
        self.still_open += other.still_open
        self.overdue += other.overdue


VERIFIED_TO = frozenset({CaseStatus.CONFIRMED, CaseStatus.FALSE_ALARM})
RETURNED_TO = frozenset({CaseStatus.RETURNED, CaseStatus.HOME_TEACHING, CaseStatus.PLACED})


def report_rows(user, first: dt.date, last: dt.date) -> list[ReportRow]:  # type: ignore[no-untyped-def]
    """Per school (township, then school code) for the period `first`..`last`: cases opened, verified
    (confirmed or closed as false alarms), returned (back at school, taught at home or placed), still
    open at the end of the period, and overdue now."""
    today = clock.today()
    cases = list(cases_visible_to(user).select_related("school", "township"))
    events = CaseEvent.objects.filter(case__in=cases_visible_to(user), on__gte=first, on__lte=last)
    verified = set(
        events.filter(to_status__in=VERIFIED_TO, from_status__in=SUSPECTED_STATUSES).values_list(
            "case_id", flat=True
        )
    )
    returned = set(events.filter(to_status__in=RETURNED_TO).values_list("case_id", flat=True))
    rows: dict[tuple[str, str], ReportRow] = {}
    for case in cases:
        if case.opened_on > last:
            continue
        township = case.township.name if case.township else "县直"
        school = case.school.name if case.school else ""
        key = (case.township.code if case.township else "", case.school.code if case.school else "")
        row = rows.setdefault(key, ReportRow(township, school, case.school.code if case.school else ""))
        row.opened += first <= case.opened_on <= last
        row.verified += case.pk in verified
        row.returned += case.pk in returned
        row.still_open += case.closed_on is None or case.closed_on > last
        row.overdue += case.closed_on is None and case.due_on is not None and case.due_on < today
    return [rows[k] for k in sorted(rows)]
