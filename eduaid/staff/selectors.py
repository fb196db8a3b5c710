"""Reads of teachers, responsibilities, catchment and strategies, each scoped to a user.

The chokepoints: `teachers_visible_to`, `responsibilities_visible_to`, `catchment_visible_to`,
`strategies_visible_to`. A county role sees all; a township its schools (and, for the catchment map,
its villages); a school officer its school; a teacher themself and the children assigned to them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    When,
)

from eduaid.accounts.scope import scope_of
from eduaid.core import clock, idnumbers
from eduaid.matching.models import Finding, FindingKind, MatchRun
from eduaid.matching.selectors import findings_visible_to, last_run
from eduaid.org.models import School, SchoolClass, Village
from eduaid.registry.models import (
    Enrolment,
    EnrolmentStatus,
    HouseholdVersion,
    Person,
    PopulationEntry,
    Stage,
    Term,
    valid_on,
)
from eduaid.staff.models import (
    CatchmentSchool,
    ClassHeadTeacher,
    SchoolStrategy,
    StudentResponsibility,
    Teacher,
)

PRIMARY_UNTIL_AGE = 11  # a child attending no school: primary stage up to 11 on 31 August, then junior

# ---- the two calls other apps rely on (keep their signatures stable) ---------------------------------


def responsible_teacher_for(person: Person) -> Teacher | None:
    """The teacher responsible for `person` (一生一责任人), or None while nobody is."""
    row = StudentResponsibility.objects.select_related("teacher__school").filter(person=person).first()
    return row.teacher if row else None


def catchment_school_for(*, village: Village, stage: str) -> School | None:
    """The school that answers for `village`'s children of `stage` who attend no school, if mapped."""
    row = CatchmentSchool.objects.select_related("school").filter(village=village, stage=stage).first()
    return row.school if row else None


# ---- scoping chokepoints ---------------------------------------------------------------------------


def teachers_visible_to(user) -> QuerySet[Teacher]:  # type: ignore[no-untyped-def]
    scope = scope_of(user)
    qs = Teacher.objects.select_related("school__township", "user")
    if scope.county:
        return qs
    if scope.teacher_user_id is not None:
        return qs.filter(user_id=scope.teacher_user_id)
    if scope.school_ids:
        return qs.filter(school_id__in=scope.school_ids)
    return qs.none()


def responsibilities_visible_to(user) -> QuerySet[StudentResponsibility]:  # type: ignore[no-untyped-def]
    scope = scope_of(user)
    qs = StudentResponsibility.objects.select_related("teacher__school__township", "person")
    if scope.county:
        return qs
    if scope.teacher_user_id is not None:
        return qs.filter(teacher__user_id=scope.teacher_user_id)
    if scope.school_ids:
        return qs.filter(teacher__school_id__in=scope.school_ids)
    return qs.none()


def catchment_visible_to(user) -> QuerySet[CatchmentSchool]:  # type: ignore[no-untyped-def]
    scope = scope_of(user)
    qs = CatchmentSchool.objects.select_related("village__township", "school")
    if scope.county:
        return qs
    if scope.township_ids:
        return qs.filter(village__township_id__in=scope.township_ids)
    return qs.none()


def strategies_visible_to(user) -> QuerySet[SchoolStrategy]:  # type: ignore[no-untyped-def]
    scope = scope_of(user)
    qs = SchoolStrategy.objects.select_related("school__township")
    if scope.county:
        return qs
    if scope.school_ids:
        return qs.filter(school_id__in=scope.school_ids)
    return qs.none()


# ---- who answers for a child by default ---------------------------------------------------------


def _current_enrolment(person: Person, day: dt.date) -> Enrolment | None:
    return (
        Enrolment.objects.filter(valid_on(day), person=person, school__isnull=False)
        .select_related("school")
        .order_by(Case(When(status=EnrolmentStatus.STUDYING, then=0), default=1), "-pk")
        .first()
    )


def class_of(enrolment: Enrolment) -> SchoolClass | None:
    if enrolment.school_id is None or enrolment.grade is None or not enrolment.class_name:
        return None
    return SchoolClass.objects.filter(
        school_id=enrolment.school_id, grade=enrolment.grade, name=enrolment.class_name
    ).first()


def least_loaded_teacher(school: School) -> Teacher | None:
    """The school's active teacher answering for the fewest children (those with a login first)."""
    return (
        Teacher.objects.filter(school=school, active=True)
        .annotate(load=Count("responsibilities"))
        .order_by(F("user_id").asc(nulls_last=True), "load", "pk")
        .first()
    )


def home_village_of(person: Person, day: dt.date) -> Village | None:
    """Where the child lives: the household's village, else the population register's."""
    version = (
        HouseholdVersion.objects.filter(
            valid_on(day), valid_on(day, "household__memberships__"), household__memberships__person=person
        )
        .select_related("village")
        .first()
    )
    if version is not None:
        return version.village
    entry = PopulationEntry.objects.filter(valid_on(day), person=person).select_related("village").first()
    return entry.village if entry is not None else None


def stage_for_child(person: Person, day: dt.date) -> str:
    """The compulsory stage of a child attending no school, by age on 31 August of the school year."""
    born = person.birth_date
    if born is None and person.id_number:
        born = idnumbers.birth_date(person.id_number)
    if born is None:
        return ""
    first_year = day.year if day.month >= 9 else day.year - 1
    reference = dt.date(first_year, 8, 31)
    age = reference.year - born.year - ((reference.month, reference.day) < (born.month, born.day))
    return Stage.PRIMARY if age <= PRIMARY_UNTIL_AGE else Stage.JUNIOR


def default_teacher_for(person: Person, *, village: Village | None = None, stage: str = "") -> Teacher | None:
    """Who should answer for `person`: the 班主任 of their class, else a teacher of their school; a
    child with no school, a teacher of the catchment school of their village for their stage."""
    day = clock.today()
    enrolment = _current_enrolment(person, day)
    if enrolment is not None and enrolment.school is not None:
        school_class = class_of(enrolment)
        head = ClassHeadTeacher.objects.filter(school_class=school_class, teacher__active=True).first()
        if school_class is not None and head is not None:
            return head.teacher
        return least_loaded_teacher(enrolment.school)
    village = village or home_village_of(person, day)
    stage = stage or stage_for_child(person, day)
    if village is None or not stage:
        return None
    school = catchment_school_for(village=village, stage=stage)
    return least_loaded_teacher(school) if school is not None else None


# ---- who needs a responsible teacher --------------------------------------------------------------


def current_term() -> Term | None:
    """The term in force today (the last one started on or before today)."""
    return Term.objects.filter(start_date__lte=clock.today()).order_by("-start_date").first()


def current_run() -> MatchRun | None:
    """The last match run of the current term: its eligible students need a responsible teacher."""
    term = current_term()
    return last_run(term.code) if term is not None else None


def eligible_findings(user, run: MatchRun | None) -> QuerySet[Finding]:  # type: ignore[no-untyped-def]
    """The run's eligible students at a county school, in the user's scope (colleges have no teacher)."""
    if run is None:
        return Finding.objects.none()
    return findings_visible_to(user).filter(run=run, kind=FindingKind.ELIGIBLE, school__isnull=False)


def open_cases(user):  # type: ignore[no-untyped-def]
    """Open dropout cases in the user's scope (by the case's school, or village when it has none)."""
    from eduaid.dropout.models import CLOSED_STATUSES, DropoutCase

    scope = scope_of(user)
    qs = DropoutCase.objects.exclude(status__in=CLOSED_STATUSES)
    if scope.county:
        return qs
    if not scope.school_ids and not scope.village_ids:
        return qs.none()
    return qs.filter(
        Q(school_id__in=scope.school_ids) | Q(school__isnull=True, village_id__in=scope.village_ids)
    )


@dataclass(frozen=True)
class Need:
    person_id: int
    school_id: int | None
    township_id: int | None
    assigned: bool
    case: bool = False  # an open dropout case (else an eligible student)


def needs_of(user, run: MatchRun | None) -> list[Need]:  # type: ignore[no-untyped-def]
    """Every child in scope who must have a responsible teacher (eligible students of the current
    run, open dropout cases), once each, with where they belong and whether someone answers for them.

    Worked out in Python from two narrow value lists: correlated EXISTS over findings and cases for
    every person is far slower on SQLite (it scans the run's findings per person). Whether someone
    answers for a child is an index probe per row (`has_teacher`), not a read of every assignment."""
    found: dict[int, Need] = {}
    rows = eligible_findings(user, run).values_list(
        "person_id", "school_id", "school__township_id", has_teacher(OuterRef("person_id"))
    )
    for person_id, school_id, township_id, assigned in rows:
        found.setdefault(person_id, Need(person_id, school_id, township_id, assigned))
    cases = open_cases(user).values_list(
        "person_id", "school_id", "township_id", has_teacher(OuterRef("person_id"))
    )
    for person_id, school_id, township_id, assigned in cases:
        earlier = found.get(person_id)
        if earlier is None:
            found[person_id] = Need(person_id, school_id, township_id, assigned, True)
        elif not earlier.case:
            found[person_id] = replace(earlier, case=True)
    return list(found.values())


def has_teacher(person: Any) -> Exists:
    """Over rows with a person: someone answers for them (一生一责任人)."""
    return Exists(StudentResponsibility.objects.filter(person_id=person))


def need_totals(user, run: MatchRun | None) -> CoverageRow:  # type: ignore[no-untyped-def]
    """`totals(needs_of(user, run))` counted in the database: the home page's coverage card, which
    at a city's scale would otherwise carry every eligible student of the run into Python."""
    findings = eligible_findings(user, run).order_by()
    counted = findings.aggregate(
        total=Count("person_id", distinct=True),
        assigned=Count("person_id", distinct=True, filter=Q(has_teacher(OuterRef("person_id")))),
    )
    cases = set(open_cases(user).values_list("person_id", flat=True))
    if cases:
        cases -= set(findings.filter(person_id__in=cases).values_list("person_id", flat=True))
    row = CoverageRow(None, "")
    row.total = counted["total"] + len(cases)
    row.assigned = counted["assigned"]
    if cases:
        row.assigned += (
            StudentResponsibility.objects.filter(person_id__in=cases).values("person_id").distinct().count()
        )
    return row


@dataclass(frozen=True)
class Unassigned:
    person: Person
    school: School | None
    case: bool


def unassigned_rows(needs: list[Need]) -> list[Need]:
    """The children of `needs` nobody answers for yet."""
    return [n for n in needs if not n.assigned]


def unassigned_page(needs: list[Need]) -> list[Unassigned]:
    """One page of unassigned children (a slice of `unassigned_rows`), with persons and schools loaded."""
    persons = Person.objects.in_bulk([n.person_id for n in needs])
    schools = School.objects.in_bulk([n.school_id for n in needs if n.school_id is not None])
    return [
        Unassigned(persons[n.person_id], schools.get(n.school_id) if n.school_id else None, n.case)
        for n in needs
        if n.person_id in persons
    ]


def sort_needs(needs: list[Need]) -> list[Need]:
    """By school (code), then the child's name: the order of the coverage list."""
    codes: dict[int | None, str] = dict(
        School.objects.filter(pk__in={n.school_id for n in needs}).values_list("pk", "code")
    )
    names = dict(Person.objects.filter(pk__in=[n.person_id for n in needs]).values_list("pk", "name"))
    return sorted(needs, key=lambda n: (codes.get(n.school_id, "~"), names.get(n.person_id, ""), n.person_id))


@dataclass
class CoverageRow:
    key: int | None
    name: str
    total: int = 0
    assigned: int = 0

    @property
    def unassigned(self) -> int:
        return self.total - self.assigned

    @property
    def percent(self) -> int:
        return 100 if not self.total else (self.assigned * 100) // self.total


def coverage(needs: list[Need], by: str, names: dict[int, str], none_label: str) -> list[CoverageRow]:
    """`needs` summed by school or township ("school_id" / "township_id"), most unassigned first."""
    rows: dict[int | None, CoverageRow] = {}
    for need in needs:
        key = getattr(need, by)
        row = rows.setdefault(key, CoverageRow(key, names.get(key, none_label) if key else none_label))
        row.total += 1
        row.assigned += need.assigned
    return sorted(rows.values(), key=lambda r: (-r.unassigned, r.name))


def totals(needs: list[Need]) -> CoverageRow:
    row = CoverageRow(None, "")
    row.total = len(needs)
    row.assigned = sum(n.assigned for n in needs)
    return row


# ---- the chain: bureau → township → school → teacher -----------------------------------------------


def teacher_loads(user) -> QuerySet[Teacher]:  # type: ignore[no-untyped-def]
    """Teachers in scope with how many children each answers for and the classes they head."""
    return teachers_visible_to(user).annotate(
        load=Count("responsibilities", distinct=True), heads=Count("head_of", distinct=True)
    )


def teacher_counts_by(user, field: str) -> dict[int | None, int]:  # type: ignore[no-untyped-def]
    """Active teachers in scope, counted by `field` ("school_id" or "school__township_id")."""
    rows = teachers_visible_to(user).filter(active=True).values(field).annotate(n=Count("pk"))
    return {r[field]: r["n"] for r in rows}


def strategy_years(user, year: int) -> set[int]:  # type: ignore[no-untyped-def]
    """The schools in scope that wrote a strategy for `year`."""
    return set(strategies_visible_to(user).filter(year=year).values_list("school_id", flat=True))


def my_students(user) -> QuerySet[StudentResponsibility]:  # type: ignore[no-untyped-def]
    """A teacher's own list: the children assigned to the Teacher tied to their login."""
    scope = scope_of(user)
    if scope.teacher_user_id is None:
        return StudentResponsibility.objects.none()
    return (
        responsibilities_visible_to(user)
        .filter(teacher__active=True)
        .select_related("person")
        .order_by("person__name", "person_id")
    )


def responsibility_history(person: Person) -> list[Any]:
    """Every assignment of `person`'s responsible teacher, the newest first (history rows)."""
    row = StudentResponsibility.objects.filter(person=person).first()
    if row is None:
        return []
    history = row.history.select_related("teacher__school", "assigned_by").order_by(
        "-history_date", "-history_id"
    )
    return list(history)


def enrolments_of(person_ids: list[int]) -> dict[int, Enrolment]:
    """The current enrolment of each person at a county school (for lists: school, grade, class)."""
    day = clock.today()
    found: dict[int, Enrolment] = {}
    rows = (
        Enrolment.objects.filter(valid_on(day), person_id__in=person_ids, school__isnull=False)
        .select_related("school")
        .order_by("person_id", "-pk")
    )
    for row in rows:
        found.setdefault(row.person_id, row)
    return found
