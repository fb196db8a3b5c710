"""The chain bureau → township → school → teacher → student: each level sees its own."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from eduaid.staff.services import responsibility_assign
from eduaid.staff.tests.conftest import StaffCast


def _rows(html: str) -> int:
    return len(re.findall(r'data-testid="overview-row"', html))


def test_the_county_sees_every_township(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("leader"))
    html = client.get(reverse("staff:overview")).content.decode()
    assert _rows(html) == 18  # every township (no county-level school in the cast)
    assert f'href="?township={staff_cast.cast.township_b.pk}"' in html


def test_the_township_sees_its_schools(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("township_officer"))
    html = client.get(reverse("staff:overview")).content.decode()
    assert staff_cast.cast.school_a.name in html and staff_cast.cast.school_a2.name in html
    assert staff_cast.cast.school_b.name not in html
    other = reverse("staff:overview") + f"?township={staff_cast.cast.township_b.pk}"
    assert client.get(other).status_code == 404
    assert client.get(reverse("staff:overview") + f"?school={staff_cast.cast.school_b.pk}").status_code == 404


def test_the_school_sees_its_teachers_with_their_loads(client: Any, staff_cast: StaffCast) -> None:
    responsibility_assign(person=staff_cast.person("poor_kid"), teacher=staff_cast.head, actor=None)
    responsibility_assign(person=staff_cast.person("no_id_kid"), teacher=staff_cast.head, actor=None)
    client.force_login(staff_cast.cast.user("school_officer"))
    html = client.get(reverse("staff:overview")).content.decode()
    assert _rows(html) == 3  # 陈老师, 周班主任, 吴老师 of school_a
    assert f'data-load="{staff_cast.head.pk}">2<' in html
    assert staff_cast.outside.name not in html


def test_the_county_drills_down_to_a_school(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("inspector"))
    html = client.get(reverse("staff:overview") + f"?school={staff_cast.cast.school_b.pk}").content.decode()
    assert staff_cast.outside.name in html
