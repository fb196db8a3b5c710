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


@dataclass
class RegistryCast:
    """Households in village_a and village_b of every category, students at school_a, school_a2,
    school_b and a university, a category change in the spring snapshot, and both terms matched.

    `persons` by key: poor_kid (school_a, 脱贫户), unstable_kid (school_a2, 脱贫不稳定户), college_kid
    (university, 脱贫不稳定户), marginal_kid (school_a, 边缘易致贫户 until risk-eliminated in spring),
    hardship_kid (school_b, 突发严重困难户), dropped_kid (school_b, 辍学), cross_kid (school_a, living in
    village_b in a 脱贫户 no longer enjoying policy; its 学籍号 carries another ID), plain_kid (school_a,
    and suspended at school_b: a duplicate; no household), no_id_kid (school_a, J 学籍号 only), out_kid
    (12, in the 脱贫户 of village_a, not enrolled: a suspected dropout), head (adult).
    `households`: poor, unstable, marginal (village_a); hardship, no_policy (village_b).
    """

    cast: Cast
    persons: dict[str, Any]
    households: dict[str, Any]
    autumn: Any
    spring: Any
    autumn_run: Any
    spring_run: Any

    def person(self, key: str) -> Any:
        return self.persons[key]


REGISTRY_FIRST = dt.date(2023, 8, 1)
REGISTRY_SPRING = dt.date(2024, 3, 1)


def _registry_households(cast: Cast, first: Any, second: Any) -> dict[str, Any]:
    from eduaid.registry.models import Household, HouseholdVersion

    specs: dict[str, tuple[Any, dict[str, Any]]] = {
        "poor": (cast.village_a, {"household_type": "poverty_exited"}),
        "unstable": (
            cast.village_a,
            {
                "household_type": "poverty_exited",
                "monitoring_category": "unstable_exited",
                "monitored_since": dt.date(2022, 6, 1),
            },
        ),
        "marginal": (
            cast.village_a,
            {
                "household_type": "ordinary",
                "monitoring_category": "marginal",
                "monitored_since": dt.date(2023, 5, 1),
                "valid_to": REGISTRY_SPRING,
            },
        ),
        "hardship": (
            cast.village_b,
            {"household_type": "ordinary", "monitoring_category": "sudden_hardship"},
        ),
        "no_policy": (cast.village_b, {"household_type": "poverty_exited", "enjoys_policy": False}),
    }
    households = {}
    for n, (key, (village, facts)) in enumerate(specs.items(), start=1):
        household = Household.objects.create(code=f"41172820900{n:02d}")
        HouseholdVersion.objects.create(household=household, village=village, snapshot=first, **facts)
        households[key] = household
    # The spring snapshot: the marginal household's risk was eliminated on 20 February.
    HouseholdVersion.objects.create(
        household=households["marginal"],
        household_type="ordinary",
        monitoring_category="marginal",
        monitored_since=dt.date(2023, 5, 1),
        risk_eliminated_on=dt.date(2024, 2, 20),
        village=cast.village_a,
        snapshot=second,
        valid_from=REGISTRY_SPRING,
    )
    return households


# key -> (name, birth date, sequence, household key or None, relation)
REGISTRY_PEOPLE: dict[str, tuple[str, dt.date, int, str | None, str]] = {
    "head": ("张大山", dt.date(1980, 4, 2), 11, "poor", "户主"),
    "poor_kid": ("张小明", dt.date(2014, 6, 1), 13, "poor", "之子"),
    "out_kid": ("张小红", dt.date(2011, 5, 1), 24, "poor", "之女"),
    "unstable_kid": ("李华", dt.date(2010, 9, 12), 35, "unstable", "之子"),
    "college_kid": ("李强", dt.date(2004, 2, 3), 37, "unstable", "之子"),
    "marginal_kid": ("赵丽", dt.date(2012, 11, 20), 46, "marginal", "之女"),
    "hardship_kid": ("王芳", dt.date(2015, 1, 8), 52, "hardship", "之女"),
    "dropped_kid": ("王刚", dt.date(2012, 7, 7), 55, "hardship", "之子"),
    "cross_kid": ("孙悦", dt.date(2013, 3, 3), 62, "no_policy", "之女"),
    "plain_kid": ("刘洋", dt.date(2014, 8, 8), 71, None, ""),
}


def _registry_people(households: dict[str, Any], first: Any) -> dict[str, Any]:
    from eduaid.core import idnumbers
    from eduaid.registry.models import Membership, Person

    persons = {}
    for key, (name, born, seq, household_key, relation) in REGISTRY_PEOPLE.items():
        person = Person.objects.create(
            id_number=idnumbers.synthetic("411728", born, seq),
            name=name,
            gender="M" if seq % 2 else "F",
            birth_date=born,
        )
        if household_key:
            Membership.objects.create(
                person=person, household=households[household_key], relation=relation, snapshot=first
            )
        persons[key] = person
    persons["no_id_kid"] = Person.objects.create(student_key="J411728201409090011", name="陈晨", gender="M")
    return persons


def _registry_enrolments(cast: Cast, persons: dict[str, Any], snapshot: Any) -> None:
    from eduaid.core import idnumbers
    from eduaid.registry.models import Enrolment

    rows: list[tuple[str, Any, dict[str, Any]]] = [
        ("poor_kid", cast.school_a, {"stage": "primary", "grade": 3, "class_name": "1班"}),
        ("marginal_kid", cast.school_a, {"stage": "primary", "grade": 5, "class_name": "2班"}),
        ("cross_kid", cast.school_a, {"stage": "primary", "grade": 4, "class_name": "1班"}),
        ("plain_kid", cast.school_a, {"stage": "primary", "grade": 3, "class_name": "2班"}),
        ("no_id_kid", cast.school_a, {"stage": "primary", "grade": 3, "class_name": "1班"}),
        (
            "unstable_kid",
            cast.school_a2,
            {"stage": "junior", "grade": 7, "class_name": "3班", "boarding": True},
        ),
        ("hardship_kid", cast.school_b, {"stage": "primary", "grade": 3, "class_name": "1班"}),
        ("dropped_kid", cast.school_b, {"stage": "primary", "grade": 5, "status": "dropped_out"}),
        (
            "college_kid",
            None,
            {"stage": "undergraduate", "college": "郑州大学", "in_province": True, "freshman": False},
        ),
    ]
    # plain_kid is also held, suspended, at school_b (a duplicate); cross_kid's 学籍号 carries
    # another person's ID (an identity problem whose text must be masked on pages).
    rows.append(("plain_kid", cast.school_b, {"stage": "primary", "grade": 3, "status": "suspended"}))
    numbers = {"cross_kid": "G" + idnumbers.synthetic("411728", dt.date(2013, 3, 3), 64)}
    for key, school, facts in rows:
        person = persons[key]
        number = numbers.get(key) or ("G" + person.id_number if person.id_number else person.student_key)
        Enrolment.objects.create(
            person=person,
            school=school,
            student_number=number if school else "",
            snapshot=snapshot,
            **{"status": "studying", **facts},
        )


def make_registry_cast(cast: Cast) -> RegistryCast:
    from eduaid.matching.services import match_run
    from eduaid.registry.models import Snapshot
    from eduaid.registry.services.terms import term_get_or_create

    first = Snapshot.objects.create(kind="registry", as_of=REGISTRY_FIRST, actor_name="test")
    second = Snapshot.objects.create(kind="registry", as_of=REGISTRY_SPRING, actor_name="test")
    students = Snapshot.objects.create(kind="students", as_of=REGISTRY_FIRST, actor_name="test")
    households = _registry_households(cast, first, second)
    persons = _registry_people(households, first)
    _registry_enrolments(cast, persons, students)
    autumn = term_get_or_create(code="2023-2024-1")
    spring = term_get_or_create(code="2023-2024-2")
    autumn_run = match_run(term=autumn)
    spring_run = match_run(term=spring)
    return RegistryCast(cast, persons, households, autumn, spring, autumn_run, spring_run)


@pytest.fixture
def registry_cast(cast: Cast) -> RegistryCast:
    return make_registry_cast(cast)
