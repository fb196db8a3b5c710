"""A teacher records visits for the students assigned to them (一生一责任人), and only for those."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from eduaid.care.models import Visit
from eduaid.conftest import RegistryCast
from eduaid.staff.services import responsibility_assign
from eduaid.staff.tests.factories import cast_teacher


@pytest.fixture
def assigned(registry_cast: RegistryCast) -> RegistryCast:
    responsibility_assign(
        person=registry_cast.person("poor_kid"),
        teacher=cast_teacher(registry_cast.cast),
        actor=registry_cast.cast.user("school_officer"),
    )
    return registry_cast


def test_a_teacher_records_a_visit_to_an_assigned_student(client: Any, assigned: RegistryCast) -> None:
    teacher = assigned.cast.user("teacher")
    kid = assigned.person("poor_kid")
    client.force_login(teacher)
    url = reverse("care:visit_new_for_student", kwargs={"pk": kid.pk})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "visited_on": "2024-03-15",
            "kind": "home_visit",
            "findings": "父母外出务工，由奶奶照看",
            "actions": "每周电话联系",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.person, visit.recorded_by, visit.household) == (kid, teacher, assigned.households["poor"])
    profile = client.get(reverse("registry:student_detail", kwargs={"pk": kid.pk})).content.decode()
    assert "父母外出务工，由奶奶照看" in profile
    home = client.get(reverse("core:home")).content.decode()
    assert 'data-care-count="open-actions">1<' in home


def test_a_teacher_cannot_visit_a_student_not_assigned(client: Any, assigned: RegistryCast) -> None:
    client.force_login(assigned.cast.user("teacher"))
    url = reverse("care:visit_new_for_student", kwargs={"pk": assigned.person("marginal_kid").pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"visited_on": "2024-03-15", "kind": "talk", "findings": "x"}).status_code == 404
    assert not Visit.objects.exists()
