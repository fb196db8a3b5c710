"""Writes on teachers, responsibilities, the catchment map and school strategies.

Each takes the acting user (None: the command line, with county scope), runs in a transaction and
leaves an audit row: AuditKind.STAFF for teachers, head teachers, the catchment map and strategies;
AuditKind.ASSIGNMENT for every assignment of a responsible teacher.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from eduaid.accounts.models import User
from eduaid.accounts.roles import Role
from eduaid.accounts.scope import scope_of
from eduaid.accounts.services import user_create
from eduaid.core.audit import acting_user as _user
from eduaid.core.audit import record
from eduaid.core.importing import Applied, ImportReport
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.org.models import School, SchoolClass, Village
from eduaid.org.units import unit_for_school
from eduaid.registry.models import Person
from eduaid.staff.models import (
    CatchmentSchool,
    ClassHeadTeacher,
    SchoolStrategy,
    StudentResponsibility,
    Teacher,
    TeacherClass,
)

# Who writes: the administrator anywhere, a township officer in its schools (and its villages' map),
# a school officer in its school. Leaders and inspectors read; a teacher reads their own.
WRITER_ROLES = frozenset({Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER})


def is_writer(actor: Any) -> bool:
    if actor is None:
        return True
    return bool(actor.is_superuser or actor.role in WRITER_ROLES)


def may_manage_school(actor: Any, school: School) -> bool:
    """The command line and the administrator: every school; a township officer its schools; a school
    officer its own. Nobody else writes staff records or assignments."""
    if not is_writer(actor):
        return False
    scope = scope_of(actor)
    return scope.county or school.pk in scope.school_ids


def may_keep_catchment(actor: Any, village: Village) -> bool:
    """The catchment map of a village is kept by its township officer (and the administrator)."""
    if actor is not None and not (
        actor.is_superuser or actor.role in {Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER}
    ):
        return False
    scope = scope_of(actor)
    return scope.county or village.township_id in scope.township_ids


def _require_school(actor: Any, school: School) -> None:
    if not may_manage_school(actor, school):
        raise PermissionDenied


# ---- teachers ------------------------------------------------------------------------------------


def _check_id_free(id_number: str, teacher: Teacher | None) -> None:
    if not id_number:
        return
    taken = Teacher.objects.filter(id_number=id_number)
    if teacher is not None:
        taken = taken.exclude(pk=teacher.pk)
    if taken.exists():
        raise ValidationError({"id_number": _("Another teacher already has this ID number.")})


def _set_classes(teacher: Teacher, classes: Iterable[SchoolClass]) -> None:
    wanted = {c.pk for c in classes}
    if any(c.school_id != teacher.school_id for c in classes):
        raise ValidationError({"classes": _("A teacher teaches only classes of their own school.")})
    TeacherClass.objects.filter(teacher=teacher).exclude(school_class_id__in=wanted).delete()
    have = set(TeacherClass.objects.filter(teacher=teacher).values_list("school_class_id", flat=True))
    TeacherClass.objects.bulk_create(
        TeacherClass(teacher=teacher, school_class_id=pk) for pk in wanted - have
    )


def _detail(teacher: Teacher) -> dict[str, Any]:
    return {"school": teacher.school_id, "name": teacher.name, "active": teacher.active}


@transaction.atomic
def teacher_create(
    *,
    actor: Any,
    school: School,
    name: str,
    id_number: str = "",
    phone: str = "",
    classes: Sequence[SchoolClass] = (),
) -> Teacher:
    _require_school(actor, school)
    _check_id_free(id_number, None)
    teacher = Teacher(school=school, name=name.strip(), id_number=id_number, phone=phone.strip())
    teacher.full_clean()
    teacher.save()
    _set_classes(teacher, classes)
    record(AuditKind.STAFF, actor=actor, obj=teacher, detail={"action": "create", **_detail(teacher)})
    return teacher


@transaction.atomic
def teacher_update(
    *,
    actor: Any,
    teacher: Teacher,
    name: str,
    id_number: str,
    phone: str,
    active: bool,
    classes: Sequence[SchoolClass],
) -> Teacher:
    _require_school(actor, teacher.school)
    _check_id_free(id_number, teacher)
    if not active and teacher.active and teacher.responsibilities.exists():
        raise ValidationError(
            _("Reassign this teacher's students before marking them inactive (%(n)s assigned).")
            % {"n": teacher.responsibilities.count()}
        )
    teacher.name, teacher.id_number, teacher.phone, teacher.active = (
        name.strip(),
        id_number,
        phone.strip(),
        active,
    )
    teacher.full_clean()
    teacher.save()
    _set_classes(teacher, classes)
    if not active:
        ClassHeadTeacher.objects.filter(teacher=teacher).delete()
    record(AuditKind.STAFF, actor=actor, obj=teacher, detail={"action": "update", **_detail(teacher)})
    return teacher


@transaction.atomic
def class_head_set(*, actor: Any, school_class: SchoolClass, teacher: Teacher | None) -> None:
    """Make `teacher` the class's 班主任 (None: the class has none)."""
    _require_school(actor, school_class.school)
    current = ClassHeadTeacher.objects.filter(school_class=school_class).first()
    if teacher is None:
        if current is not None:
            current.delete()
            record(
                AuditKind.STAFF,
                actor=actor,
                obj=school_class,
                detail={"action": "head_teacher", "teacher": None},
            )
        return
    if teacher.school_id != school_class.school_id or not teacher.active:
        raise ValidationError(_("The head teacher must be an active teacher of the class's school."))
    if current is not None and current.teacher_id == teacher.pk:
        return
    if current is None:
        current = ClassHeadTeacher(school_class=school_class)
    current.teacher = teacher
    current.save()
    TeacherClass.objects.get_or_create(teacher=teacher, school_class=school_class)
    record(
        AuditKind.STAFF,
        actor=actor,
        obj=school_class,
        detail={"action": "head_teacher", "teacher": teacher.pk},
    )


@transaction.atomic
def teacher_login_create(*, actor: Any, teacher: Teacher, username: str, password: str) -> User:
    """A login with the teacher role, tied to the teacher, that must change its password first.

    The account is made by `accounts.services.user_create` as the built-in actor (that service is the
    administrator's); the staff audit row names who asked for it."""
    _require_school(actor, teacher.school)
    if teacher.user_id is not None:
        raise ValidationError(_("This teacher already has a login."))
    if not teacher.active:
        raise ValidationError(_("An inactive teacher cannot be given a login."))
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    user = user_create(
        actor=None,
        username=username,
        full_name=teacher.name,
        role=Role.TEACHER,
        org_unit=unit_for_school(teacher.school),
        password=password,
        phone=teacher.phone,
        must_change_password=True,
    )
    teacher.user = user
    teacher.save(update_fields=["user"])
    record(AuditKind.STAFF, actor=actor, obj=teacher, detail={"action": "login", "username": username})
    return user


# ---- the staff sheet -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TeacherData:
    """One accepted row of a staff sheet."""

    id_number: str
    name: str
    phone: str
    school_id: int
    class_ids: tuple[int, ...]
    head: bool


@transaction.atomic
def teachers_import(
    *, actor: Any, values: Sequence[TeacherData], dry_run: bool, report: ImportReport
) -> Applied:
    """Create or update each teacher by ID number; classes become what the sheet says; a 班主任 heads
    the first class listed. Counts only when `dry_run`."""
    schools = {s.pk: s for s in School.objects.filter(pk__in={v.school_id for v in values})}
    for school in schools.values():
        _require_school(actor, school)
    existing = {t.id_number: t for t in Teacher.objects.filter(id_number__in=[v.id_number for v in values])}
    taught: dict[int, set[int]] = {}
    for row in TeacherClass.objects.filter(teacher__in=existing.values()):
        taught.setdefault(row.teacher_id, set()).add(row.school_class_id)
    heads = dict(ClassHeadTeacher.objects.values_list("school_class_id", "teacher_id"))
    created = updated = unchanged = 0
    for value in values:
        teacher = existing.get(value.id_number)
        head_class = value.class_ids[0] if value.head and value.class_ids else None
        if teacher is None:
            created += 1
            if dry_run:
                continue
            teacher = Teacher.objects.create(
                school_id=value.school_id, name=value.name, id_number=value.id_number, phone=value.phone
            )
        else:
            same = (
                (teacher.school_id, teacher.name, teacher.phone, teacher.active)
                == (value.school_id, value.name, value.phone or teacher.phone, True)
                and taught.get(teacher.pk, set()) == set(value.class_ids)
                and (head_class is None or heads.get(head_class) == teacher.pk)
            )
            if same:
                unchanged += 1
                continue
            updated += 1
            if dry_run:
                continue
            teacher.school_id, teacher.name, teacher.active = value.school_id, value.name, True
            teacher.phone = value.phone or teacher.phone
            teacher.save()
        _set_classes(teacher, list(SchoolClass.objects.filter(pk__in=value.class_ids)))
        if head_class is not None:
            ClassHeadTeacher.objects.update_or_create(
                school_class_id=head_class, defaults={"teacher": teacher}
            )
    if not dry_run and (created or updated):
        record(
            AuditKind.IMPORT,
            actor=actor,
            detail={"kind": "teachers", "rows": report.rows, "created": created, "updated": updated},
        )
    return Applied(created=created, updated=updated, unchanged=unchanged)


# ---- responsibilities ----------------------------------------------------------------------------


@transaction.atomic
def responsibility_assign(
    *, person: Person, teacher: Teacher, actor: Any, reason: str = ""
) -> StudentResponsibility:
    """Make `teacher` the one responsible for `person` (一生一责任人). A reassignment rewrites the row;
    its history keeps every earlier teacher, who assigned and why. Assigning the teacher already
    responsible changes nothing (no history, no audit)."""
    _require_school(actor, teacher.school)
    if not teacher.active:
        raise ValidationError(_("%(name)s is no longer an active teacher.") % {"name": teacher.name})
    row = StudentResponsibility.objects.select_for_update().filter(person=person).first()
    if row is not None and row.teacher_id == teacher.pk:
        return row
    previous = row.teacher_id if row is not None else None
    if row is None:
        row = StudentResponsibility(person=person)
    row.teacher = teacher
    row.assigned_by = _user(actor)
    row.assigned_at = timezone.now()
    row.reason = reason.strip()[:200]
    row._change_reason = row.reason[:100]  # type: ignore[attr-defined]
    row.save()
    record(
        AuditKind.ASSIGNMENT,
        actor=actor,
        obj=row,
        detail={"person": person.pk, "teacher": teacher.pk, "previous": previous, "reason": row.reason},
    )
    return row


@transaction.atomic
def responsibility_assign_many(
    *, persons: Sequence[Person], teacher: Teacher, actor: Any, reason: str = ""
) -> int:
    """Bulk assignment (a class to its 班主任, say): how many persons changed teacher."""
    changed = 0
    current = dict(
        StudentResponsibility.objects.filter(person__in=persons).values_list("person_id", "teacher_id")
    )
    for person in persons:
        if current.get(person.pk) != teacher.pk:
            responsibility_assign(person=person, teacher=teacher, actor=actor, reason=reason)
            changed += 1
    return changed


@dataclass(frozen=True)
class Assignment:
    """One assignment for `responsibilities_assign_many`: as the arguments of `responsibility_assign`."""

    person_id: int
    teacher: Teacher
    actor: Any
    reason: str = ""


ASSIGN_BATCH = 1000


@transaction.atomic
def responsibilities_assign_many(assignments: Sequence[Assignment]) -> list[StudentResponsibility]:
    """`responsibility_assign` for many children (each once), written set-wise: the same checks, made
    before anything is written (PermissionDenied, ValidationError), and the same rows, history rows
    and ASSIGNMENT audit rows. Returns the rows written (an unchanged assignment writes nothing)."""
    persons = [a.person_id for a in assignments]
    if len(set(persons)) != len(persons):
        raise ValueError("each person may be assigned once")
    checked: set[tuple[int | None, int]] = set()
    for a in assignments:
        key = (getattr(a.actor, "pk", None), a.teacher.school_id)
        if key not in checked:
            _require_school(a.actor, a.teacher.school)
            checked.add(key)
        if not a.teacher.active:
            raise ValidationError(_("%(name)s is no longer an active teacher.") % {"name": a.teacher.name})
    existing: dict[int, StudentResponsibility] = {}
    ordered = sorted(persons)
    for start in range(0, len(ordered), ASSIGN_BATCH):
        chunk = ordered[start : start + ASSIGN_BATCH]
        rows = StudentResponsibility.objects.select_for_update().filter(person_id__in=chunk).order_by("pk")
        for found in rows:
            existing.setdefault(found.person_id, found)
    created: list[StudentResponsibility] = []
    updated: list[StudentResponsibility] = []
    previous: dict[int, int | None] = {}
    now = timezone.now
    for a in assignments:
        row = existing.get(a.person_id)
        if row is not None and row.teacher_id == a.teacher.pk:
            continue
        previous[a.person_id] = row.teacher_id if row is not None else None
        if row is None:
            row = StudentResponsibility(person_id=a.person_id)
            created.append(row)
        else:
            updated.append(row)
        row.teacher = a.teacher
        row.assigned_by = _user(a.actor)
        row.assigned_at = now()
        row.reason = a.reason.strip()[:200]
        row._change_reason = row.reason[:100]  # type: ignore[attr-defined]
    if created:
        bulk_create_with_history(created, StudentResponsibility, batch_size=ASSIGN_BATCH)
    if updated:
        bulk_update_with_history(
            updated,
            StudentResponsibility,
            ["teacher", "assigned_by", "assigned_at", "reason"],
            batch_size=ASSIGN_BATCH,
        )
    actors = {a.person_id: a.actor for a in assignments}
    AuditEvent.objects.bulk_create(
        (
            _assignment_audit(actors[row.person_id], row, previous[row.person_id])
            for row in [*created, *updated]
        ),
        batch_size=ASSIGN_BATCH,
    )
    return [*created, *updated]


def _assignment_audit(actor: Any, row: StudentResponsibility, previous: int | None) -> AuditEvent:
    """The row `core.audit.record` writes for an assignment, built to be bulk-created."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        kind=AuditKind.ASSIGNMENT,
        actor=user,
        username=user.get_username()[:150] if user is not None else "",
        ip=None,
        object_type=row._meta.model_name or "",
        object_id=str(row.pk),
        detail={
            "person": row.person_id,
            "teacher": row.teacher_id,
            "previous": previous,
            "reason": row.reason,
        },
    )


def responsibility_assign_default(
    *, person: Person, actor: Any, village: Village | None = None, stage: str = "", reason: str = ""
) -> StudentResponsibility | None:
    """Keep an existing responsible teacher; otherwise assign the default one (`default_teacher_for`:
    the 班主任 of the child's class, or a teacher of the catchment school of their village). None when
    no teacher can be found (the coverage page lists the child)."""
    from eduaid.staff.selectors import default_teacher_for

    existing = StudentResponsibility.objects.filter(person=person).first()
    if existing is not None:
        return existing
    teacher = default_teacher_for(person, village=village, stage=stage)
    if teacher is None:
        return None
    return responsibility_assign(person=person, teacher=teacher, actor=actor, reason=reason)


# ---- the catchment map ---------------------------------------------------------------------------


@transaction.atomic
def catchment_set(
    *, actor: Any, village: Village, stage: str, school: School | None
) -> CatchmentSchool | None:
    """The school answering for `village`'s children of `stage` (None: remove the line)."""
    if not may_keep_catchment(actor, village):
        raise PermissionDenied
    row = CatchmentSchool.objects.filter(village=village, stage=stage).first()
    if school is None:
        if row is not None:
            row.delete()
            record(
                AuditKind.STAFF,
                actor=actor,
                obj=village,
                detail={"action": "catchment", "stage": stage, "school": None},
            )
        return None
    if school.township_id not in (None, village.township_id):
        raise ValidationError(
            _("The catchment school must be a school of the village's township or a county school.")
        )
    if row is not None and row.school_id == school.pk:
        return row
    if row is None:
        row = CatchmentSchool(village=village, stage=stage)
    row.school = school
    row.full_clean()
    row.save()
    record(
        AuditKind.STAFF,
        actor=actor,
        obj=village,
        detail={"action": "catchment", "stage": stage, "school": school.pk},
    )
    return row


# ---- 一校一对策 ------------------------------------------------------------------------------------


def may_write_strategy(actor: Any, school: School) -> bool:
    """The school officer writes their school's strategy (the administrator may correct it)."""
    if actor is None or actor.is_superuser or actor.role == Role.COUNTY_ADMIN:
        return True
    return actor.role == Role.SCHOOL_OFFICER and school.pk in scope_of(actor).school_ids


@transaction.atomic
def strategy_save(
    *,
    actor: Any,
    school: School,
    year: int,
    measures: str,
    leader: str,
    review_date: dt.date | None = None,
    review_notes: str = "",
) -> SchoolStrategy:
    if not may_write_strategy(actor, school):
        raise PermissionDenied
    strategy = SchoolStrategy.objects.select_for_update().filter(school=school, year=year).first()
    created = strategy is None
    if strategy is None:
        strategy = SchoolStrategy(school=school, year=year)
    strategy.measures, strategy.leader = measures.strip(), leader.strip()
    strategy.review_date, strategy.review_notes = review_date, review_notes.strip()
    strategy.full_clean()
    strategy.save()
    record(
        AuditKind.STAFF,
        actor=actor,
        obj=strategy,
        detail={"action": "strategy", "school": school.pk, "year": year, "created": created},
    )
    return strategy
