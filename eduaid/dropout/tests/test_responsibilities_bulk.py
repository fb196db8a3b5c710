"""`staff.services.responsibilities_assign_many`: what `responsibility_assign` writes, for many
children at once (the dropout ledgers assign their cases' teachers through it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eduaid.conftest import Cast
from eduaid.core import idnumbers
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.registry.models import Person
from eduaid.staff.models import StudentResponsibility, Teacher
from eduaid.staff.services import Assignment, responsibilities_assign_many, responsibility_assign


def _child(n: int) -> Any:
    born = dt.date(2014, 1, n)
    return Person.objects.create(
        id_number=idnumbers.synthetic("411728", born, 300 + n), name=f"孩子{n}", birth_date=born
    )


def _history(person: Any) -> list[tuple[Any, ...]]:
    return list(
        StudentResponsibility.history.filter(person_id=person.pk)
        .order_by("history_id")
        .values_list("history_type", "teacher_id", "assigned_by_id", "history_change_reason")
    )


def test_new_changed_and_unchanged_assignments(cast: Cast) -> None:
    first = Teacher.objects.create(school=cast.school_a, name="李老师")
    second = Teacher.objects.create(school=cast.school_a, name="王老师")
    moved, fresh, kept = _child(1), _child(2), _child(3)
    responsibility_assign(person=moved, teacher=first, actor=None, reason="起初")
    responsibility_assign(person=kept, teacher=second, actor=None)
    officer = cast.user("school_officer")
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rows = responsibilities_assign_many(
        [
            Assignment(person_id=moved.pk, teacher=second, actor=officer, reason=" 调班 "),
            Assignment(person_id=fresh.pk, teacher=first, actor=officer, reason="新生"),
            Assignment(person_id=kept.pk, teacher=second, actor=officer, reason="不变"),
        ]
    )
    assert sorted(r.person_id for r in rows) == [moved.pk, fresh.pk]
    now = dict(StudentResponsibility.objects.values_list("person_id", "teacher_id"))
    assert now == {moved.pk: second.pk, fresh.pk: first.pk, kept.pk: second.pk}
    assert _history(moved) == [("+", first.pk, None, "起初"), ("~", second.pk, officer.pk, "调班")]
    assert _history(fresh) == [("+", first.pk, officer.pk, "新生")]
    assert len(_history(kept)) == 1
    audit = AuditEvent.objects.filter(pk__gt=since, kind=AuditKind.ASSIGNMENT).order_by("pk")
    details = sorted((a.detail["person"], a.detail["previous"], a.actor_id, a.username) for a in audit)
    assert details == sorted(
        [(moved.pk, first.pk, officer.pk, officer.username), (fresh.pk, None, officer.pk, officer.username)]
    )


def test_a_refused_assignment_writes_nothing(cast: Cast) -> None:
    mine = Teacher.objects.create(school=cast.school_a, name="李老师")
    theirs = Teacher.objects.create(school=cast.school_b, name="王老师")
    gone = Teacher.objects.create(school=cast.school_a, name="钱老师", active=False)
    one, two = _child(1), _child(2)
    officer = cast.user("school_officer")
    with pytest.raises(PermissionDenied):
        responsibilities_assign_many([Assignment(one.pk, mine, officer), Assignment(two.pk, theirs, officer)])
    with pytest.raises(ValidationError):
        responsibilities_assign_many([Assignment(one.pk, mine, None), Assignment(two.pk, gone, None)])
    with pytest.raises(ValueError):
        responsibilities_assign_many([Assignment(one.pk, mine, None), Assignment(one.pk, mine, None)])
    assert not StudentResponsibility.objects.exists()
    assert not StudentResponsibility.history.exists()
