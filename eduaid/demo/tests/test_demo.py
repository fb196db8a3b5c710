"""`eduaid demo`: a synthetic 遂平县 with one login per role, seeded once, never over someone's data."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands import runserver
from django.db import transaction
from django.db.models import Count
from django.test import override_settings

from eduaid.accounts.models import User
from eduaid.accounts.roles import UNIT_KIND_FOR_ROLE, Role
from eduaid.accounts.scope import scope_of
from eduaid.core.models import AuditEvent
from eduaid.demo import seed
from eduaid.demo.management.commands.demo import parse_addr
from eduaid.demo.models import DemoSeed
from eduaid.org import divisions
from eduaid.org.models import OrgUnit, School, SchoolClass, SchoolType, Township

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def unit_of(role: str) -> OrgUnit:
    unit = User.objects.get(role=role).org_unit
    assert unit is not None
    return unit


def school_of(role: str) -> School:
    school = unit_of(role).school
    assert school is not None
    return school


TEST_STUDENTS = 3000


def run_demo(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("demo", "--no-serve", "--json", "--students", str(TEST_STUDENTS), *args, stdout=out)
    return json.loads(out.getvalue())


def table_counts() -> dict[str, int]:
    models: list[Any] = [School, SchoolClass, User, OrgUnit, DemoSeed, AuditEvent]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["HistoricalSchool"] = School.history.count()
    counts["HistoricalSchoolClass"] = SchoolClass.history.count()
    return counts


@pytest.fixture(scope="class")
def demo(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Any:
    """The demo county, seeded once for the class inside a transaction that is rolled back after it."""
    static_root = tmp_path_factory.mktemp("static")
    with (
        django_db_blocker.unblock(),
        override_settings(STATIC_ROOT=static_root, PASSWORD_HASHERS=FAST_HASHER, STORAGES=PLAIN_STATIC),
        transaction.atomic(),
    ):
        yield run_demo()
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestSeededDemo:
    def test_first_run_seeds_and_marks_the_database(self, demo: dict[str, Any]) -> None:
        assert demo["created"] is True
        marker = DemoSeed.objects.get()
        assert marker.version == seed.SEED_VERSION
        assert marker.counts == demo["counts"]
        assert demo["counts"]["schools"] == School.objects.count()
        assert demo["counts"]["logins"] == len(Role.values)
        assert demo["today"] == "2024-03-15"

    def test_people_come_in_through_two_snapshots_and_are_matched(self, demo: dict[str, Any]) -> None:
        from eduaid.registry.models import Enrolment, HouseholdVersion, Snapshot

        kinds = sorted(Snapshot.objects.values_list("kind", "as_of"))
        assert [k for k, _d in kinds].count("registry") == 2
        assert all(s.report["rejected"] == 0 for s in Snapshot.objects.all())  # the demo's files are clean
        assert Enrolment.objects.filter(valid_to__isnull=True).count() >= TEST_STUDENTS
        assert HouseholdVersion.objects.filter(valid_to__isnull=False).exists()  # spring changes
        spring = demo["counts"]["match"]["2023-2024-2"]
        share = spring["eligible"] / demo["counts"]["students"]
        assert 0.07 < share < 0.18, share
        assert all(spring["by_category"][c] > 0 for c in spring["by_category"])
        assert spring["suspected_dropouts"] > 0
        assert spring["duplicates"] > 0 and spring["identity_problems"] > 0
        assert spring["priced"] is True and spring["missed"] == 0 and spring["wrong"] == 0
        autumn = demo["counts"]["match"]["2023-2024-1"]
        assert autumn["by_category"]["marginal"] >= spring["by_category"]["marginal"]

    def test_match_runs_are_dated_in_the_demo_school_year(self) -> None:
        from django.utils import timezone

        from eduaid.matching.models import MatchRun

        runs = MatchRun.objects.select_related("term")
        days = {r.term.code: timezone.localdate(r.started_at) for r in runs}
        assert days == {"2023-2024-1": dt.date(2023, 9, 15), "2023-2024-2": seed.DEMO_TODAY}

    def test_schools_of_every_type_in_realistic_numbers(self) -> None:
        by_type = dict(School.objects.values_list("school_type").annotate(n=Count("pk")))
        assert set(by_type) == set(SchoolType.values)
        assert 120 <= by_type[SchoolType.KINDERGARTEN] <= 180
        assert 150 <= by_type[SchoolType.PRIMARY] <= 210
        assert 15 <= by_type[SchoolType.JUNIOR] <= 25
        assert by_type[SchoolType.SENIOR] == 3
        county_level = set(School.objects.filter(township=None).values_list("school_type", flat=True))
        assert {SchoolType.SENIOR, SchoolType.VOCATIONAL, SchoolType.SPECIAL} <= county_level

    def test_every_township_has_schools(self) -> None:
        empty = Township.objects.annotate(n=Count("schools")).filter(n=0)
        assert list(empty.values_list("name", flat=True)) == []
        assert Township.objects.count() == 18

    def test_village_primary_schools_carry_real_village_names(self) -> None:
        wencheng = Township.objects.get(code=seed.WENCHENG)
        names = set(wencheng.schools.values_list("name", flat=True))
        assert {"东营小学", "文城乡中心小学", "文城乡中心幼儿园"} <= names
        assert not any("委员会" in name for name in School.objects.values_list("name", flat=True))

    def test_school_codes_are_typed_and_unique(self) -> None:
        for code, school_type in School.objects.values_list("code", "school_type"):
            assert re.fullmatch(r"\d{2}41\d{6}", code), code
            assert code[:2] == seed.CODE_PREFIX[school_type]
        assert School.objects.values("name").distinct().count() == School.objects.count()

    def test_classes_cover_each_school_grades(self) -> None:
        rows = SchoolClass.objects.values_list("school__school_type", "school_id", "grade")
        per_grade: dict[tuple[int, int], int] = {}
        grades: dict[int, set[int]] = {}
        for school_type, school_id, grade in rows:
            assert grade in seed.GRADES[school_type]
            per_grade[school_id, grade] = per_grade.get((school_id, grade), 0) + 1
            grades.setdefault(school_id, set()).add(grade)
        assert set(per_grade.values()) <= set(range(1, 7))
        for school in School.objects.all():
            assert grades[school.pk] == set(seed.GRADES[school.school_type]), school.name
        assert SchoolClass.objects.filter(name="1班", grade=1).exists()

    def test_rural_junior_schools_board(self) -> None:
        rural = School.objects.filter(school_type=SchoolType.JUNIOR).exclude(urban_rural="urban")
        assert rural.exists() and not rural.filter(boarding=False).exists()

    def test_every_role_has_a_login_in_a_unit_of_its_kind(self) -> None:
        users = {u.role: u for u in User.objects.all()}
        assert set(users) == set(Role.values)
        for role, user in users.items():
            assert unit_of(role).kind == UNIT_KIND_FOR_ROLE[role]
            assert user.check_password(seed.DEMO_PASSWORD)
            assert not user.must_change_password
            assert list(user.groups.values_list("name", flat=True)) == [role]
            assert user.full_name and not user.full_name.isascii()
        assert unit_of(Role.COUNTY_ADMIN).name == "县教育局"
        assert unit_of(Role.AID_CENTER).name == "县学生资助管理中心"

    def test_township_and_school_logins_are_in_wencheng(self) -> None:
        wencheng = Township.objects.get(code=seed.WENCHENG)
        assert unit_of(Role.TOWNSHIP_OFFICER).township == wencheng
        officer = User.objects.get(role=Role.TOWNSHIP_OFFICER)
        assert scope_of(officer).school_ids == set(wencheng.schools.values_list("pk", flat=True))
        school = school_of(Role.SCHOOL_OFFICER)
        assert school.township == wencheng and school.school_type == SchoolType.PRIMARY
        assert school_of(Role.TEACHER) == school
        assert scope_of(User.objects.get(role=Role.SCHOOL_OFFICER)).school_ids == {school.pk}

    def test_village_team_holds_dongying_and_wencheng(self) -> None:
        team = unit_of(Role.VILLAGE_TEAM)
        assert team.name == seed.TEAM_NAME
        codes = set(team.villages.values_list("code", flat=True))
        assert codes == {seed.DONGYING_VILLAGE, seed.WENCHENG_VILLAGE}

    def test_leader_has_paired_townships(self) -> None:
        leader = User.objects.get(role=Role.LEADER)
        paired = set(leader.paired_townships.values_list("name", flat=True))
        assert paired == {"文城乡", "玉山镇"}

    def test_logins_are_printed_for_every_role(self, demo: dict[str, Any]) -> None:
        assert [row["username"] for row in demo["logins"]] == [login.username for login in seed.LOGINS]
        assert {row["password"] for row in demo["logins"]} == {seed.DEMO_PASSWORD}

    def test_second_run_changes_nothing(self) -> None:
        before = table_counts()
        again = run_demo()
        assert again["created"] is False
        assert table_counts() == before
        assert len(again["logins"]) == len(Role.values)

    def test_serving_runs_the_demo_clock_on_the_given_address(self, settings: Any, monkeypatch: Any) -> None:
        settings.EDUAID_TODAY = None
        settings.ALLOWED_HOSTS = ["localhost"]
        monkeypatch.delenv("EDUAID_TODAY", raising=False)
        served: list[dict[str, Any]] = []
        # The HTTP server is the one outside system here: record what it would serve on.
        monkeypatch.setattr(runserver.Command, "run", lambda self, **options: served.append(options))
        call_command("demo", "--addr", "0.0.0.0:8123", stdout=StringIO())
        assert served and served[0]["use_reloader"] is False
        assert settings.EDUAID_TODAY == seed.DEMO_TODAY == dt.date(2024, 3, 15)
        assert "*" in settings.ALLOWED_HOSTS
        assert os.environ["EDUAID_TODAY"] == "2024-03-15"

    def test_a_configured_today_is_kept(self, settings: Any) -> None:
        settings.EDUAID_TODAY = dt.date(2024, 9, 10)
        assert run_demo()["today"] == "2024-09-10"


@pytest.mark.django_db
def test_refuses_a_database_it_did_not_create(cast: Any) -> None:
    before = table_counts()
    with pytest.raises(CommandError) as excinfo:
        call_command("demo", "--no-serve", stdout=StringIO())
    assert excinfo.value.returncode == 2
    assert "EDUAID_DATA_DIR" in str(excinfo.value)
    assert table_counts() == before
    assert not DemoSeed.objects.exists()


@pytest.mark.django_db
def test_refuses_a_database_without_the_demo_county(monkeypatch: Any) -> None:
    monkeypatch.setattr(seed, "COUNTY_CODE", "410102")  # a county this database does not hold
    before = table_counts()
    with pytest.raises(CommandError) as excinfo:
        call_command("demo", "--no-serve", stdout=StringIO())
    assert excinfo.value.returncode == 2
    assert "EDUAID_COUNTY=410102" in str(excinfo.value)
    assert table_counts() == before


def test_demo_password_passes_the_password_policy() -> None:
    for login in seed.LOGINS:
        validate_password(seed.DEMO_PASSWORD, User(username=login.username, full_name=login.full_name))


def _bundled_places() -> list[seed.Place]:
    rows = divisions.read_divisions(divisions.BUNDLED.read_text(encoding="utf-8"))
    villages = [r for r in rows if r.level == "village"]
    return [
        seed.Place(
            t.code, t.name, tuple(sorted((v.code, v.name) for v in villages if v.parent_code == t.code))
        )
        for t in sorted((r for r in rows if r.level == "township"), key=lambda r: r.code)
    ]


def test_the_plan_is_the_same_every_time() -> None:
    def plan() -> list[tuple[str, str]]:
        rng = random.Random("same")
        plans = seed.plan_schools("遂平县", _bundled_places(), rng, frozenset({seed.DONGYING_VILLAGE}))
        return list(zip([p.name for p in plans], seed.school_codes(plans, "41", rng), strict=True))

    first = plan()
    assert first == plan()
    assert len({code for _name, code in first}) == len(first)


def test_village_names_lose_their_committee_suffix() -> None:
    assert seed.village_base("东营村民委员会") == "东营"
    assert seed.village_base("前进社区居民委员会") == "前进"
    assert seed.village_base("富强社区居委会") == "富强"
    assert seed.village_base("查岈山生活区") == "查岈山"


@pytest.mark.parametrize(
    ("text", "addrport", "allowed"),
    [
        ("127.0.0.1:8000", "127.0.0.1:8000", ["127.0.0.1"]),
        ("8001", "127.0.0.1:8001", ["127.0.0.1"]),
        ("[::1]:8000", "[::1]:8000", ["[::1]"]),
        ("demo.local:80", "demo.local:80", ["demo.local"]),
        ("0.0.0.0:8000", "0.0.0.0:8000", ["*"]),
    ],
)
def test_addresses_are_read_as_runserver_reads_them(text: str, addrport: str, allowed: list[str]) -> None:
    addr = parse_addr(text)
    assert (addr.addrport, addr.allowed_hosts) == (addrport, allowed)


def test_a_bad_address_is_misuse() -> None:
    with pytest.raises(CommandError) as excinfo:
        parse_addr("localhost:http")
    assert excinfo.value.returncode == 2
