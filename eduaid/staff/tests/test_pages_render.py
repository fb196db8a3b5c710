"""Every staff page opens for the roles that use it and is refused (403) to the roles that never do."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from eduaid.staff.services import responsibility_assign, strategy_save
from eduaid.staff.tests.conftest import StaffCast

PAGES = ["staff:overview", "staff:teacher_list", "staff:coverage", "staff:strategy_list"]
WRITER_PAGES = ["staff:teacher_create", "staff:teacher_import", "staff:class_heads", "staff:assign"]
READERS = ["county_admin", "aid_center", "leader", "inspector", "township_officer", "school_officer"]
WRITERS = ["county_admin", "township_officer", "school_officer"]


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("name", PAGES)
def test_reader_pages_open(client: Any, staff_cast: StaffCast, role: str, name: str) -> None:
    responsibility_assign(person=staff_cast.person("poor_kid"), teacher=staff_cast.head, actor=None)
    strategy_save(
        actor=None, school=staff_cast.cast.school_a, year=2024, measures="家访\n结对", leader="校长"
    )
    client.force_login(staff_cast.cast.user(role))
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("role", WRITERS)
@pytest.mark.parametrize("name", WRITER_PAGES)
def test_writer_pages_open(client: Any, staff_cast: StaffCast, role: str, name: str) -> None:
    client.force_login(staff_cast.cast.user(role))
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("role", ["leader", "inspector", "aid_center", "teacher", "village_team"])
@pytest.mark.parametrize("name", WRITER_PAGES)
def test_readers_may_not_write(client: Any, staff_cast: StaffCast, role: str, name: str) -> None:
    client.force_login(staff_cast.cast.user(role))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    "name", ["staff:teacher_list", "staff:coverage", "staff:strategy_list", "staff:catchment"]
)
@pytest.mark.parametrize("role", ["teacher", "village_team"])
def test_teachers_and_village_teams_have_no_county_pages(
    client: Any, staff_cast: StaffCast, role: str, name: str
) -> None:
    client.force_login(staff_cast.cast.user(role))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("role", ["county_admin", "leader", "township_officer"])
def test_catchment_page_opens_for_county_and_township(client: Any, staff_cast: StaffCast, role: str) -> None:
    client.force_login(staff_cast.cast.user(role))
    assert client.get(reverse("staff:catchment")).status_code == 200
