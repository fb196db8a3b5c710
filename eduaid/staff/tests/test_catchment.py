"""The (village, stage) → school map each township keeps, and where a child with no school falls."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from eduaid.staff.models import CatchmentSchool
from eduaid.staff.selectors import catchment_school_for, default_teacher_for, responsible_teacher_for
from eduaid.staff.services import catchment_set, responsibility_assign_default
from eduaid.staff.tests.conftest import StaffCast
from eduaid.staff.tests.factories import teacher


def test_the_township_officer_keeps_its_villages_map(client: Any, staff_cast: StaffCast) -> None:
    cast = staff_cast.cast
    client.force_login(cast.user("township_officer"))
    village = cast.village_a
    response = client.post(
        reverse("staff:catchment"),
        {f"v{village.pk}_primary": cast.school_a.pk, f"v{village.pk}_junior": cast.school_a2.pk},
    )
    assert response.status_code == 302
    assert catchment_school_for(village=village, stage="primary") == cast.school_a
    assert catchment_school_for(village=village, stage="junior") == cast.school_a2
    client.post(reverse("staff:catchment"), {f"v{village.pk}_primary": ""})
    assert catchment_school_for(village=village, stage="primary") is None


def test_another_townships_village_is_not_its_to_map(staff_cast: StaffCast) -> None:
    cast = staff_cast.cast
    with pytest.raises(PermissionDenied):
        catchment_set(
            actor=cast.user("township_officer"), village=cast.village_b, stage="primary", school=cast.school_a
        )
    with pytest.raises(PermissionDenied):
        catchment_set(
            actor=cast.user("school_officer"), village=cast.village_a, stage="primary", school=cast.school_a
        )
    with pytest.raises(ValidationError):  # a school of another township
        catchment_set(actor=None, village=cast.village_a, stage="primary", school=cast.school_b)
    assert not CatchmentSchool.objects.exists()


def test_a_leader_reads_the_map_without_a_form(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("leader"))
    html = client.get(
        reverse("staff:catchment") + f"?township={staff_cast.cast.township_a.pk}"
    ).content.decode()
    assert 'data-testid="catchment-table"' in html and 'data-testid="catchment-save"' not in html


def test_a_child_out_of_school_falls_to_a_teacher_of_the_catchment_school(staff_cast: StaffCast) -> None:
    cast = staff_cast.cast
    kid = staff_cast.person("out_kid")  # 12 on 31 August 2023, living in village_a: junior stage
    assert default_teacher_for(kid) is None
    catchment_set(actor=None, village=cast.village_a, stage="junior", school=cast.school_a2)
    junior = teacher(cast.school_a2, "初中老师")
    assert default_teacher_for(kid) == junior
    responsibility_assign_default(person=kid, actor=cast.user("township_officer"), reason="划片")
    assert responsible_teacher_for(kid) == junior


def test_an_enrolled_child_falls_to_their_class_head_teacher(staff_cast: StaffCast) -> None:
    assert default_teacher_for(staff_cast.person("poor_kid")) == staff_cast.head
