"""Applying an enrolment (学籍) file: persons, enrolments as a snapshot of the file's schools, classes.

An enrolment import is a snapshot of the schools (and colleges) it contains, as of its date: a
student missing from the file at one of those schools is ended on that date, a changed one is ended
and started again, and schools the file does not mention are left alone. A school seen for the first
time stands for all earlier dates, as the first snapshot of a registry does (schools are often
imported one by one); all colleges count as one such unit, so that a freshman at a college no county
student attended before still starts on the file's date. Everything is loaded and written in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import connection, transaction
from django.db.models import F, Q
from simple_history.utils import bulk_update_with_history

from eduaid.core import idnumbers
from eduaid.core.audit import record
from eduaid.core.bulkwork import refresh_statistics
from eduaid.core.bulkwrite import history_from_live, insert_returning, rows_where_in
from eduaid.core.importing import Applied
from eduaid.core.models import AuditKind
from eduaid.org.models import SchoolClass
from eduaid.org.services import COMMAND_LINE_USERNAME
from eduaid.registry.models import Enrolment, Gender, Person, Snapshot, SnapshotKind
from eduaid.registry.services.bulk import create_persons, new_person
from eduaid.registry.services.snapshots import NewRow, VersionPlan, check_as_of, plan_versions, write_plan

# How a person is known in a file: ("id", resident ID) or ("key", 学籍号 of a student without one).
PersonKey = tuple[str, str]
# An enrolment's natural key: the person, and the school's id or (school None) the college's name.
EnrolmentKey = tuple[PersonKey, int | None, str]
FACT_FIELDS = (
    "stage",
    "grade",
    "class_name",
    "boarding",
    "status",
    "student_number",
    "in_province",
    "freshman",
    "declared_gender",
)
CHUNK = 5000
T = TypeVar("T")


@dataclass(frozen=True)
class EnrolmentData:
    """One accepted row of a 学籍 file."""

    id_number: str | None
    student_key: str | None  # the 学籍号 (J…, L…) of a student without a valid ID
    name: str
    school_id: int | None
    college: str  # "" for a school enrolment
    stage: str
    grade: int | None
    class_name: str
    boarding: bool
    status: str
    student_number: str
    in_province: bool | None
    freshman: bool | None
    declared_gender: str  # Gender value, or "" when the file does not say

    @property
    def person_key(self) -> PersonKey:
        if self.id_number:
            return ("id", self.id_number)
        assert self.student_key
        return ("key", self.student_key)

    @property
    def key(self) -> EnrolmentKey:
        return (self.person_key, self.school_id, self.college)

    def facts(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FACT_FIELDS}


@dataclass(frozen=True)
class StudentsOutcome:
    applied: Applied
    ended: int
    persons_created: int
    classes_created: int


# --- persons -------------------------------------------------------------------------------------


def _load_persons(keys: set[PersonKey]) -> dict[PersonKey, Person]:
    found: dict[PersonKey, Person] = {}
    for kind, field in (("id", "id_number"), ("key", "student_key")):
        values = sorted(value for key_kind, value in keys if key_kind == kind)
        for person in rows_where_in(Person, field, values):
            found[(kind, getattr(person, field))] = person
    return found


def _identity(data: EnrolmentData) -> dict[str, Any]:
    """What the file says about the person: the name, and gender and birth date from the ID."""
    if data.id_number:
        gender = Gender.MALE if idnumbers.is_male(data.id_number) else Gender.FEMALE
        return {"name": data.name, "gender": gender, "birth_date": idnumbers.birth_date(data.id_number)}
    return {"name": data.name, "gender": data.declared_gender}


def _person_changed(person: Person, identity: dict[str, Any]) -> bool:
    """Copy the file's facts onto `person` (a student without ID keeps a gender already known)."""
    changed = False
    for name, value in identity.items():
        if value in ("", None) or getattr(person, name) == value:
            continue
        if name == "gender" and person.gender and not person.id_number:
            continue
        setattr(person, name, value)
        changed = True
    return changed


@dataclass
class PersonPlan:
    known: dict[PersonKey, Person]
    create: list[Person]
    update: list[Person]


def _plan_persons(rows: Sequence[EnrolmentData]) -> PersonPlan:
    """The first row of a person decides their name when the file writes it twice."""
    first: dict[PersonKey, EnrolmentData] = {}
    for data in rows:
        first.setdefault(data.person_key, data)
    known = _load_persons(set(first))
    plan = PersonPlan(known=known, create=[], update=[])
    for key, data in first.items():
        person = known.get(key)
        if person is None:
            fields = _identity(data)
            plan.create.append(new_person(id_number=data.id_number, student_key=data.student_key, **fields))
        elif _person_changed(person, _identity(data)):
            plan.update.append(person)
    return plan


def _write_persons(plan: PersonPlan, actor: Any) -> None:
    options = {"default_user": actor, "default_change_reason": "import", "batch_size": 2000}
    if plan.create:
        create_persons(plan.create, user=actor, reason="import")
        for person in plan.create:
            plan.known[_person_key(person)] = person
    if plan.update:
        bulk_update_with_history(plan.update, Person, ["name", "gender", "birth_date"], **options)


def _person_key(person: Person) -> PersonKey:
    if person.id_number:
        return ("id", person.id_number)
    return ("key", person.student_key or "")


# --- enrolments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Units:
    """The schools and colleges a file speaks for."""

    schools: frozenset[int]
    colleges: frozenset[str]

    @classmethod
    def of(cls, rows: Sequence[EnrolmentData]) -> Units:
        schools = frozenset(row.school_id for row in rows if row.school_id is not None)
        return cls(schools, frozenset(row.college for row in rows if row.school_id is None))

    def covers(self, key: EnrolmentKey) -> bool:
        _person, school_id, college = key
        return school_id in self.schools if school_id is not None else college in self.colleges

    def query(self) -> Q:
        return Q(school_id__in=self.schools) | Q(school__isnull=True, college__in=self.colleges)


def _open_enrolments(units: Units) -> dict[EnrolmentKey, Enrolment]:
    rows = (
        Enrolment.objects.filter(units.query(), valid_to__isnull=True)
        .annotate(person_id_number=F("person__id_number"), person_student_key=F("person__student_key"))
        .order_by()
    )
    found: dict[EnrolmentKey, Enrolment] = {}
    for row in rows.iterator(chunk_size=CHUNK):
        person: PersonKey = (
            ("id", row.person_id_number) if row.person_id_number else ("key", row.person_student_key)
        )
        found[(person, row.school_id, row.college)] = row
    return found


def _new_units(units: Units, as_of: dt.date) -> Callable[[EnrolmentKey], bool]:
    """Whether a key's school (or college) has no enrolment from a snapshot older than `as_of`."""
    older = Enrolment.objects.filter(snapshot__as_of__lt=as_of)
    known = set(older.filter(school_id__in=units.schools).values_list("school_id", flat=True).distinct())
    colleges_known = older.filter(school__isnull=True).exists()

    def is_new(key: EnrolmentKey) -> bool:
        _person, school_id, _college = key
        return school_id not in known if school_id is not None else not colleges_known

    return is_new


def _plan_enrolments(
    rows: Sequence[EnrolmentData], persons: dict[PersonKey, Person], as_of: dt.date
) -> tuple[VersionPlan[Enrolment], int]:
    """One plan for the units seen before (changes start on `as_of`) and one for new units (always);
    and how many open enrolments of the file's units the file no longer lists."""
    units = Units.of(rows)
    open_rows = _open_enrolments(units)
    is_new = _new_units(units, as_of)
    wanted = {row.key: row.facts() for row in rows}

    def build(key: EnrolmentKey, facts: dict[str, Any]) -> Enrolment:
        person_key, school_id, college = key
        person = persons.get(person_key)  # None only in a dry run, for a person not yet created
        person_id = person.pk if person is not None else None
        # Plain values, not an Enrolment: 100,000 model instances were a sixth of an import's time.
        row = NewRow(person_id=person_id, school_id=school_id, college=college, valid_to=None, **facts)
        return cast(Enrolment, row)

    plans = [
        plan_versions(
            open_rows={k: v for k, v in open_rows.items() if is_new(k) == first},
            wanted={k: v for k, v in wanted.items() if is_new(k) == first},
            as_of=as_of,
            first=first,
            build=build,
            scope=units.covers,
        )
        for first in (False, True)
    ]
    ended = sum(1 for key in open_rows if key not in wanted and units.covers(key))
    return _merge(plans), ended


def _merge(plans: list[VersionPlan[Enrolment]]) -> VersionPlan[Enrolment]:
    merged: VersionPlan[Enrolment] = VersionPlan()
    for plan in plans:
        merged.create += plan.create
        merged.update += plan.update
        merged.end += plan.end
        merged.delete += plan.delete
        merged.unchanged += plan.unchanged
        merged.created_keys |= plan.created_keys
        merged.changed_keys |= plan.changed_keys
    return merged


def _count(rows: Sequence[EnrolmentData], plan: VersionPlan[Enrolment], persons: PersonPlan) -> Applied:
    """Per row: created (a new enrolment), updated (its enrolment or its person changed), unchanged."""
    changed_persons = {_person_key(person) for person in persons.update}
    created = sum(1 for row in rows if row.key in plan.created_keys)
    updated = sum(
        1
        for row in rows
        if row.key not in plan.created_keys
        and (row.key in plan.changed_keys or row.person_key in changed_persons)
    )
    return Applied(created=created, updated=updated, unchanged=len(rows) - created - updated)


# --- classes -------------------------------------------------------------------------------------


def _create_classes(rows: Sequence[EnrolmentData], actor: Any) -> int:
    """The classes the file names, where the school does not list them yet."""
    wanted = {
        (row.school_id, row.grade, row.class_name)
        for row in rows
        if row.school_id is not None and row.grade is not None and row.class_name
    }
    schools = sorted({school_id for school_id, _grade, _name in wanted})
    existing = set(
        SchoolClass.objects.filter(school_id__in=schools).values_list("school_id", "grade", "name")
    )
    missing = sorted(wanted - existing)
    # Plain rows and their '+' history in SQL: a county names thousands of classes, and a model
    # instance and a historical instance each through `bulk_create_with_history` cost a tenth of
    # the import.
    made = insert_returning(SchoolClass, ("school_id", "grade", "name"), missing, keys=())
    history_from_live(
        SchoolClass, sorted(pk for (pk,) in made), history_type="+", user=actor, reason="import"
    )
    return len(missing)


# --- the service ---------------------------------------------------------------------------------

# Two enrolment imports at once would each plan against the same open rows and the second would
# break the one-open-enrolment constraints: on PostgreSQL they queue on this transaction-level lock
# (SQLite lets one writer at a time in any case).
STUDENTS_IMPORT_LOCK = 0x5354_5544  # "STUD"


def _lock_imports() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STUDENTS_IMPORT_LOCK])


@transaction.atomic
def students_import(
    *,
    rows: Sequence[EnrolmentData],
    as_of: dt.date,
    actor: Any = None,
    dry_run: bool = False,
    filename: str = "",
    detail: dict[str, Any] | None = None,
) -> StudentsOutcome:
    """Apply the accepted rows of a 学籍 file as of `as_of`, all in one transaction; with `dry_run`,
    only count. `actor` is the acting user, or None for the built-in command-line actor.

    Raises SnapshotDateError when a newer enrolment snapshot exists.
    """
    if not dry_run:
        _lock_imports()
    check_as_of(SnapshotKind.STUDENTS, as_of)
    persons = _plan_persons(rows)
    if not dry_run:
        _write_persons(persons, actor)
    plan, ended = _plan_enrolments(rows, persons.known, as_of)
    applied = _count(rows, plan, persons)
    outcome = StudentsOutcome(applied, ended, len(persons.create), 0)
    if dry_run:
        return outcome
    summary = {**(detail or {}), **applied.__dict__, "ended": ended, "persons_created": len(persons.create)}
    snapshot = Snapshot.objects.create(
        kind=SnapshotKind.STUDENTS,
        as_of=as_of,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else COMMAND_LINE_USERNAME,
        filename=filename[:255],
        report=summary,
    )
    write_plan(Enrolment, plan, snapshot=snapshot, fields=FACT_FIELDS)
    classes = _create_classes(rows, actor)
    refresh_statistics(Person, Enrolment, SchoolClass)
    record(
        AuditKind.IMPORT,
        actor=actor,
        username="" if actor is not None else COMMAND_LINE_USERNAME,
        obj=snapshot,
        detail={
            "import": "students",
            "file": filename,
            "as_of": as_of.isoformat(),
            **summary,
            "classes_created": classes,
        },
    )
    return StudentsOutcome(applied, ended, len(persons.create), classes)
