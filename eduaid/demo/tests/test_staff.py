"""The demo's teachers and responsible persons: on the demo county (3,000 students)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from eduaid.accounts.models import User
from eduaid.core.clock import frozen_today
from eduaid.demo import seed
from eduaid.demo.registries import seed_registries
from eduaid.demo.staff import seed_staff
from eduaid.org.models import School, SchoolClass, Township
from eduaid.registry.selectors import persons_visible_to
from eduaid.staff.models import (
    CatchmentSchool,
    ClassHeadTeacher,
    SchoolStrategy,
    StudentResponsibility,
    Teacher,
)
from eduaid.staff.selectors import current_run, needs_of, totals

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="class")
def demo_staff(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The county, its registries and the staff stage, seeded once for the class and rolled back after."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        seed.seed_county(seed.demo_county())
        with frozen_today(seed.DEMO_TODAY):
            seed_registries(3000)
        started = time.monotonic()
        counts = seed_staff()
        counts["seconds"] = time.monotonic() - started
        yield counts
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_staff")
class TestDemoStaff:
    def test_it_is_first_among_the_stages(self) -> None:
        assert seed.DEMO_STAGES[0] == "eduaid.demo.staff.seed_staff"

    def test_counts_are_reported_and_it_is_fast(self, demo_staff: dict[str, Any]) -> None:
        assert demo_staff["staff_teachers"] == Teacher.objects.count()
        assert demo_staff["staff_assigned"] == StudentResponsibility.objects.count() > 100
        assert demo_staff["seconds"] < 30

    def test_every_school_has_teachers_and_every_class_a_head_teacher(self) -> None:
        schools_without = School.objects.exclude(teachers__isnull=False).count()
        assert schools_without == 0
        assert ClassHeadTeacher.objects.count() == SchoolClass.objects.count()
        assert Teacher.objects.filter(id_number="").count() == 0

    def test_banzhuren_teaches_at_the_school_officers_school_and_sees_students(self) -> None:
        banzhuren = User.objects.get(username="banzhuren")
        teacher = Teacher.objects.get(user=banzhuren)
        school = User.objects.get(username="xuexiao").org_unit.school
        assert teacher.school == school and teacher.head_of.exists()
        mine = persons_visible_to(banzhuren)
        assert mine.count() == teacher.responsibilities.count() >= 1

    def test_a_few_students_are_left_for_the_coverage_page(self, demo_staff: dict[str, Any]) -> None:
        run = current_run()
        county = totals(needs_of(None, run))
        assert 0 < county.unassigned < county.total // 10
        township = totals(needs_of(User.objects.get(username="xiangzhen"), run))
        assert township.unassigned >= 1

    def test_every_township_has_a_catchment_map_with_one_gap_in_wencheng(self) -> None:
        for township in Township.objects.all():
            assert CatchmentSchool.objects.filter(village__township=township).exists()
        wencheng = Township.objects.get(code="411728209")
        villages = wencheng.villages.count()
        assert (
            CatchmentSchool.objects.filter(village__township=wencheng, stage="junior").count() == villages - 1
        )

    def test_some_schools_have_strategies(self) -> None:
        school = User.objects.get(username="xuexiao").org_unit.school
        assert set(SchoolStrategy.objects.filter(school=school).values_list("year", flat=True)) == {
            2023,
            2024,
        }
        assert SchoolStrategy.objects.filter(year=2024).count() > 3
