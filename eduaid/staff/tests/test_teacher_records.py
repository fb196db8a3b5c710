"""The school officer enters teachers, their classes and head teachers, and gives a teacher a login."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from eduaid.accounts.models import User
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.registry.selectors import persons_visible_to
from eduaid.staff.models import ClassHeadTeacher, Teacher
from eduaid.staff.services import class_head_set, responsibility_assign, teacher_create
from eduaid.staff.tests.conftest import StaffCast


def test_the_school_officer_adds_a_teacher_with_classes(client: Any, staff_cast: StaffCast) -> None:
    cast = staff_cast.cast
    school_class = cast.school_a.classes.get()
    client.force_login(cast.user("school_officer"))
    response = client.post(
        reverse("staff:teacher_create"),
        {
            "school": cast.school_a.pk,
            "name": "郑老师",
            "id_number": "",
            "phone": "13900000000",
            "classes": [school_class.pk],
        },
    )
    teacher = Teacher.objects.get(name="郑老师")
    assert response.status_code == 302
    assert teacher.school == cast.school_a
    assert list(teacher.taught.values_list("school_class_id", flat=True)) == [school_class.pk]
    assert AuditEvent.objects.filter(kind=AuditKind.STAFF, object_id=str(teacher.pk)).exists()


def test_the_school_officer_cannot_add_a_teacher_to_another_school(
    client: Any, staff_cast: StaffCast
) -> None:
    cast = staff_cast.cast
    client.force_login(cast.user("school_officer"))
    response = client.post(reverse("staff:teacher_create"), {"school": cast.school_b.pk, "name": "越界"})
    assert response.status_code == 200
    assert not Teacher.objects.filter(name="越界").exists()
    with pytest.raises(PermissionDenied):
        teacher_create(actor=cast.user("school_officer"), school=cast.school_b, name="越界")


def test_an_id_number_belongs_to_one_teacher(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("school_officer"))
    response = client.post(
        reverse("staff:teacher_create"),
        {"school": staff_cast.cast.school_a.pk, "name": "重号", "id_number": staff_cast.other.id_number},
    )
    assert response.status_code == 200
    assert not Teacher.objects.filter(name="重号").exists()


def test_a_teacher_with_students_is_not_deactivated(client: Any, staff_cast: StaffCast) -> None:
    responsibility_assign(person=staff_cast.person("poor_kid"), teacher=staff_cast.other, actor=None)
    client.force_login(staff_cast.cast.user("school_officer"))
    url = reverse("staff:teacher_edit", kwargs={"pk": staff_cast.other.pk})
    response = client.post(url, {"name": "吴老师", "id_number": "", "phone": ""})  # active unticked
    assert response.status_code == 200
    staff_cast.other.refresh_from_db()
    assert staff_cast.other.active


def test_a_login_is_created_for_a_teacher(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("school_officer"))
    response = client.post(
        reverse("staff:teacher_login", kwargs={"pk": staff_cast.other.pk}), {"username": "wulaoshi"}
    )
    assert response.status_code == 302
    user = User.objects.get(username="wulaoshi")
    staff_cast.other.refresh_from_db()
    assert staff_cast.other.user == user
    assert (user.role, user.must_change_password, user.full_name) == ("teacher", True, "吴老师")
    assert user.org_unit.school == staff_cast.cast.school_a
    assert AuditEvent.objects.filter(kind=AuditKind.STAFF, detail__action="login").exists()
    # the new login must change its password first, then sees what is assigned to its teacher
    responsibility_assign(person=staff_cast.person("poor_kid"), teacher=staff_cast.other, actor=None)
    client.force_login(user)
    assert client.get(reverse("core:home")).url == reverse("accounts:password_change")
    assert list(persons_visible_to(user)) == [staff_cast.person("poor_kid")]


def test_a_teacher_gets_one_login(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("school_officer"))
    response = client.post(
        reverse("staff:teacher_login", kwargs={"pk": staff_cast.mine.pk}), {"username": "second"}
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="second").exists()


def test_head_teachers_are_set_per_class(client: Any, staff_cast: StaffCast) -> None:
    school_class = staff_cast.cast.school_a.classes.get()
    client.force_login(staff_cast.cast.user("school_officer"))
    client.post(reverse("staff:class_heads"), {f"class_{school_class.pk}": staff_cast.other.pk})
    assert ClassHeadTeacher.objects.get(school_class=school_class).teacher == staff_cast.other
    with pytest.raises(Exception):  # noqa: B017, PT011 - a teacher of another school cannot head the class
        class_head_set(actor=None, school_class=school_class, teacher=staff_cast.outside)
