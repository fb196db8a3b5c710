"""Bulk assignment by class (the 班主任 by default) and one-by-one reassignment with a reason."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from eduaid.staff.selectors import responsibility_history, responsible_teacher_for
from eduaid.staff.services import responsibility_assign
from eduaid.staff.tests.conftest import StaffCast


def _class_url(staff_cast: StaffCast) -> str:
    school_class = staff_cast.cast.school_a.classes.get(grade=3, name="1班")
    return f"{reverse('staff:assign')}?school={staff_cast.cast.school_a.pk}&class={school_class.pk}"


def test_the_class_page_proposes_its_head_teacher_and_ticks_the_unassigned(
    client: Any, staff_cast: StaffCast
) -> None:
    client.force_login(staff_cast.cast.user("school_officer"))
    html = client.get(_class_url(staff_cast)).content.decode()
    # 3-1班 of school_a: poor_kid (eligible) and no_id_kid (not eligible)
    rows = re.findall(r'data-testid="assign-row" data-person="(\d+)"', html)
    assert set(rows) == {str(staff_cast.person("poor_kid").pk), str(staff_cast.person("no_id_kid").pk)}
    assert f'<option value="{staff_cast.head.pk}" selected>' in html
    assert f'value="{staff_cast.person("poor_kid").pk}" checked' in html
    assert f'value="{staff_cast.person("no_id_kid").pk}" checked' not in html


def test_a_class_is_assigned_to_its_head_teacher(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("school_officer"))
    kids = [staff_cast.person("poor_kid"), staff_cast.person("no_id_kid")]
    response = client.post(
        _class_url(staff_cast), {"teacher": staff_cast.head.pk, "person": [k.pk for k in kids]}
    )
    assert response.status_code == 302
    assert [responsible_teacher_for(k) for k in kids] == [staff_cast.head, staff_cast.head]


def test_moving_assigned_students_needs_a_reason(client: Any, staff_cast: StaffCast) -> None:
    kid = staff_cast.person("poor_kid")
    responsibility_assign(person=kid, teacher=staff_cast.head, actor=None)
    client.force_login(staff_cast.cast.user("school_officer"))
    client.post(_class_url(staff_cast), {"teacher": staff_cast.other.pk, "person": [kid.pk]})
    assert responsible_teacher_for(kid) == staff_cast.head
    client.post(
        _class_url(staff_cast), {"teacher": staff_cast.other.pk, "person": [kid.pk], "reason": "班主任病休"}
    )
    assert responsible_teacher_for(kid) == staff_cast.other
    assert responsibility_history(kid)[0].reason == "班主任病休"


def test_a_child_is_reassigned_with_a_reason_on_their_page(client: Any, staff_cast: StaffCast) -> None:
    kid = staff_cast.person("poor_kid")
    url = reverse("staff:reassign", kwargs={"pk": kid.pk})
    client.force_login(staff_cast.cast.user("school_officer"))
    page = client.get(url).content.decode()
    assert f'<option value="{staff_cast.head.pk}" selected>' in page  # suggested: the 班主任
    client.post(url, {"teacher": staff_cast.head.pk})
    assert responsible_teacher_for(kid) == staff_cast.head
    refused = client.post(url, {"teacher": staff_cast.other.pk})
    assert refused.status_code == 200 and responsible_teacher_for(kid) == staff_cast.head
    client.post(url, {"teacher": staff_cast.other.pk, "reason": "调整分工"})
    assert responsible_teacher_for(kid) == staff_cast.other
    history = client.get(url).content.decode()
    assert "调整分工" in history


def test_the_profile_names_the_responsible_teacher(client: Any, staff_cast: StaffCast) -> None:
    kid = staff_cast.person("poor_kid")
    client.force_login(staff_cast.cast.user("school_officer"))
    url = reverse("registry:student_detail", kwargs={"pk": kid.pk})
    assert 'data-testid="profile-unassigned"' in client.get(url).content.decode()
    responsibility_assign(person=kid, teacher=staff_cast.head, actor=None)
    assert 'data-testid="profile-teacher">周班主任<' in client.get(url).content.decode()


def test_the_teacher_role_cannot_reassign(client: Any, staff_cast: StaffCast) -> None:
    kid = staff_cast.person("poor_kid")
    responsibility_assign(person=kid, teacher=staff_cast.mine, actor=None)
    client.force_login(staff_cast.cast.user("teacher"))
    assert client.get(reverse("staff:reassign", kwargs={"pk": kid.pk})).status_code == 403
