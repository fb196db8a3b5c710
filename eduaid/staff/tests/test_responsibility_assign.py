"""一生一责任人: one responsible teacher per child, reassignment keeps the history and is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.staff.models import StudentResponsibility
from eduaid.staff.selectors import responsibility_history, responsible_teacher_for
from eduaid.staff.services import responsibility_assign
from eduaid.staff.tests.factories import outside_teacher, teacher


def test_a_child_has_no_responsible_teacher_until_assigned(registry_cast: RegistryCast) -> None:
    assert responsible_teacher_for(registry_cast.person("poor_kid")) is None


def test_reassignment_keeps_one_row_and_the_history(registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    kid = registry_cast.person("poor_kid")
    first, second = teacher(cast.school_a, "甲老师"), teacher(cast.school_a, "乙老师")
    officer = cast.user("school_officer")
    responsibility_assign(person=kid, teacher=first, actor=officer)
    responsibility_assign(person=kid, teacher=second, actor=officer, reason="甲老师调离")
    assert responsible_teacher_for(kid) == second
    assert StudentResponsibility.objects.filter(person=kid).count() == 1
    history = responsibility_history(kid)
    assert [h.teacher_id for h in history] == [second.pk, first.pk]
    assert history[0].reason == "甲老师调离"
    assert history[0].assigned_by == officer
    events = AuditEvent.objects.filter(kind=AuditKind.ASSIGNMENT).order_by("pk")
    assert [e.detail["teacher"] for e in events] == [first.pk, second.pk]
    assert events.last().detail["previous"] == first.pk


def test_assigning_the_same_teacher_again_changes_nothing(registry_cast: RegistryCast) -> None:
    kid = registry_cast.person("poor_kid")
    found = teacher(registry_cast.cast.school_a)
    responsibility_assign(person=kid, teacher=found, actor=None)
    responsibility_assign(person=kid, teacher=found, actor=None, reason="again")
    assert len(responsibility_history(kid)) == 1
    assert AuditEvent.objects.filter(kind=AuditKind.ASSIGNMENT).count() == 1


def test_the_database_refuses_two_rows_for_one_child(registry_cast: RegistryCast) -> None:
    kid = registry_cast.person("poor_kid")
    found = teacher(registry_cast.cast.school_a)
    responsibility_assign(person=kid, teacher=found, actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        StudentResponsibility.objects.create(person=kid, teacher=found, assigned_at=found.created_at)


@pytest.mark.parametrize("role", ["school_officer", "township_officer", "leader", "teacher", "village_team"])
def test_nobody_assigns_a_teacher_of_a_school_outside_their_scope(
    registry_cast: RegistryCast, role: str
) -> None:
    cast = registry_cast.cast
    with pytest.raises(PermissionDenied):
        responsibility_assign(
            person=registry_cast.person("hardship_kid"), teacher=outside_teacher(cast), actor=cast.user(role)
        )


def test_an_inactive_teacher_cannot_be_assigned(registry_cast: RegistryCast) -> None:
    gone: Any = teacher(registry_cast.cast.school_a, active=False)
    with pytest.raises(ValidationError):
        responsibility_assign(person=registry_cast.person("poor_kid"), teacher=gone, actor=None)
