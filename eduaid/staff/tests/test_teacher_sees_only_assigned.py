"""A teacher (role teacher, tied to a Teacher row) sees exactly the students assigned to them."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from eduaid.registry.selectors import persons_visible_to, students_visible_to
from eduaid.staff.services import responsibility_assign, teacher_update
from eduaid.staff.tests.conftest import StaffCast


def _assign(staff_cast: StaffCast) -> None:
    responsibility_assign(person=staff_cast.person("poor_kid"), teacher=staff_cast.mine, actor=None)
    responsibility_assign(person=staff_cast.person("out_kid"), teacher=staff_cast.mine, actor=None)
    responsibility_assign(person=staff_cast.person("no_id_kid"), teacher=staff_cast.head, actor=None)


def test_the_selectors_give_a_teacher_their_students_only(staff_cast: StaffCast) -> None:
    _assign(staff_cast)
    user = staff_cast.cast.user("teacher")
    mine = {staff_cast.person("poor_kid").pk, staff_cast.person("out_kid").pk}
    assert set(persons_visible_to(user).values_list("pk", flat=True)) == mine
    # the student list holds those with a current enrolment; out_kid attends no school
    assert list(students_visible_to(user).values_list("pk", flat=True)) == [staff_cast.person("poor_kid").pk]


def test_the_student_pages_follow_the_assignment(client: Any, staff_cast: StaffCast) -> None:
    _assign(staff_cast)
    client.force_login(staff_cast.cast.user("teacher"))
    listed = client.get(reverse("registry:student_list")).content.decode()
    assert set(re.findall(r'data-person="(\d+)"', listed)) == {str(staff_cast.person("poor_kid").pk)}
    for key in ("poor_kid", "out_kid"):
        assert (
            client.get(
                reverse("registry:student_detail", kwargs={"pk": staff_cast.person(key).pk})
            ).status_code
            == 200
        )
    for key in ("no_id_kid", "marginal_kid", "hardship_kid"):
        assert (
            client.get(
                reverse("registry:student_detail", kwargs={"pk": staff_cast.person(key).pk})
            ).status_code
            == 404
        )


def test_my_students_and_the_home_card_list_them(client: Any, staff_cast: StaffCast) -> None:
    _assign(staff_cast)
    client.force_login(staff_cast.cast.user("teacher"))
    page = client.get(reverse("staff:my_students")).content.decode()
    assert set(re.findall(r'data-testid="assigned-row" data-person="(\d+)"', page)) == {
        str(staff_cast.person("poor_kid").pk),
        str(staff_cast.person("out_kid").pk),
    }
    assert client.get(reverse("staff:overview")).content.decode().count('data-testid="assigned-row"') == 2
    home = client.get(reverse("core:home")).content.decode()
    assert home.count('data-testid="home-student"') == 2
    assert staff_cast.person("no_id_kid").name not in home
    assert 'data-testid="teacher-empty"' not in home


def test_a_teacher_with_nothing_assigned_sees_the_empty_card(client: Any, staff_cast: StaffCast) -> None:
    responsibility_assign(person=staff_cast.person("no_id_kid"), teacher=staff_cast.head, actor=None)
    client.force_login(staff_cast.cast.user("teacher"))
    home = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="teacher-empty"' in home
    assert 'data-testid="home-student"' not in home


def test_an_inactive_teacher_row_sees_nothing(staff_cast: StaffCast) -> None:
    _assign(staff_cast)
    responsibility_assign(
        person=staff_cast.person("poor_kid"), teacher=staff_cast.other, actor=None, reason="调整"
    )
    responsibility_assign(
        person=staff_cast.person("out_kid"), teacher=staff_cast.other, actor=None, reason="调整"
    )
    teacher_update(
        actor=None, teacher=staff_cast.mine, name="陈老师", id_number="", phone="", active=False, classes=[]
    )
    assert not persons_visible_to(staff_cast.cast.user("teacher")).exists()


def test_a_teacher_sees_their_own_record_only(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("teacher"))
    assert client.get(reverse("staff:teacher_detail", kwargs={"pk": staff_cast.mine.pk})).status_code == 200
    for other in (staff_cast.head, staff_cast.other, staff_cast.outside):
        assert client.get(reverse("staff:teacher_detail", kwargs={"pk": other.pk})).status_code == 404
