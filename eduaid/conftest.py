"""Shared test fixtures: a frozen clock and a small cast of users per role across two townships."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from eduaid.core.clock import frozen_today

TEST_TODAY = dt.date(2024, 3, 15)


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    """Pages render without a collected manifest; passwords hash fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _frozen_clock() -> Any:
    with frozen_today(TEST_TODAY):
        yield TEST_TODAY


@dataclass
class Cast:
    """Two townships, two schools in each, one user per role; `*_b` objects are outside `*_a` scopes."""

    township_a: Any
    township_b: Any
    school_a: Any
    school_a2: Any
    school_b: Any
    village_a: Any
    village_b: Any
    team: Any
    users: dict[str, Any]

    def user(self, role: str) -> Any:
        return self.users[role]


PASSWORD = "Cast-pass-2024"  # noqa: S105 (synthetic test users)


def make_cast() -> Cast:
    from eduaid.accounts.models import User
    from eduaid.org.models import OrgUnit, OrgUnitKind, School, Township
    from eduaid.org.units import unit_for_school, unit_for_township

    township_a = Township.objects.get(name="文城乡")
    township_b = Township.objects.get(name="瞿阳街道")
    village_a = township_a.villages.get(name__startswith="东营")
    village_b = township_b.villages.order_by("code").first()
    school_a = School.objects.create(
        code="2141000001",
        name="东营小学",
        township=township_a,
        school_type="primary",
        ownership="public",
        urban_rural="rural",
    )
    school_a2 = School.objects.create(
        code="3141000002",
        name="文城乡第一初级中学",
        township=township_a,
        school_type="junior",
        ownership="public",
        urban_rural="rural",
        boarding=True,
    )
    school_b = School.objects.create(
        code="2141000003",
        name="瞿阳街道第一小学",
        township=township_b,
        school_type="primary",
        ownership="public",
        urban_rural="urban",
    )
    for school in (school_a, school_b):
        school.classes.create(grade=3, name="1班")
    county_unit = OrgUnit.objects.get(name="县教育局")
    team = OrgUnit.objects.create(kind=OrgUnitKind.VILLAGE_TEAM, name="驻东营村工作队")
    team.villages.add(village_a)
    units = {
        "county_admin": county_unit,
        "aid_center": OrgUnit.objects.get(name="县学生资助管理中心"),
        "leader": OrgUnit.objects.get(name="县教育局领导班子"),
        "inspector": OrgUnit.objects.get(name="县教育局督导室"),
        "township_officer": unit_for_township(township_a),
        "school_officer": unit_for_school(school_a),
        "teacher": unit_for_school(school_a),
        "village_team": team,
    }
    users = {}
    for role, unit in units.items():
        user = User(username=role, full_name=f"测试{role}", role=role, org_unit=unit)
        user.set_password(PASSWORD)
        user.save()
        users[role] = user
    users["leader"].paired_townships.add(township_a)
    return Cast(township_a, township_b, school_a, school_a2, school_b, village_a, village_b, team, users)


@pytest.fixture
def cast(db: Any) -> Cast:
    return make_cast()
