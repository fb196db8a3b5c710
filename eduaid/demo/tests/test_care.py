"""The demo's care records: on the demo county (3,000 students), as the demo logins enter them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from eduaid.accounts.models import User
from eduaid.care import selectors
from eduaid.care.models import HelpRecord, LeftBehindChild, MigrantRequest, TeamActivity, TeamMember, Visit
from eduaid.core import idnumbers
from eduaid.demo import seed
from eduaid.demo.care import seed_care
from eduaid.demo.registries import seed_registries
from eduaid.registry.selectors import households_visible_to, students_visible_to

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="class")
def demo_care(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The county, its registries and the care stage, seeded once for the class and rolled back after."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        seed.seed_county(seed.demo_county())
        seed_registries(3000)
        yield seed_care()
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_care")
class TestDemoCare:
    def test_counts_are_reported(self, demo_care: dict[str, Any]) -> None:
        assert demo_care["care_visits"] == Visit.objects.count() > 5
        assert demo_care["care_left_behind"] == LeftBehindChild.objects.count() >= 5
        assert demo_care["care_migrant_requests"] == MigrantRequest.objects.count() == 12

    def test_visits_on_students_and_households_with_open_and_done_actions(self) -> None:
        assert Visit.objects.filter(person__isnull=False).exists()
        assert Visit.objects.filter(person__isnull=True, household__isnull=False).exists()
        school_officer = User.objects.get(username="xuexiao")
        pupils = students_visible_to(school_officer).count()
        assert Visit.objects.filter(recorded_by=school_officer).count() == min(8, pupils) > 0
        follow_ups = selectors.follow_ups_visible_to(None)
        assert follow_ups.filter(done_on__isnull=True).exists()
        assert follow_ups.filter(done_on__isnull=False).exists()

    def test_left_behind_children_are_rural_under_16_with_guardians_and_care(self) -> None:
        for child in LeftBehindChild.objects.select_related("person", "village"):
            assert child.village.code[9] in "23"
            born = idnumbers.birth_date(child.person.id_number or "")
            assert (seed.DEMO_TODAY.year - born.year) <= 16
            assert child.guardian_name and child.guardian_phone
        assert LeftBehindChild.objects.filter(situation="one_away").exclude(unable_reason="").exists()
        assert {kind for kind in LeftBehindChild.objects.values_list("care_records__kind", flat=True)} >= {
            "psychological",
            "academic",
            "daily_life",
        }

    def test_migrant_requests_quick_slow_refused_and_pending(self) -> None:
        overall, per_school = selectors.zero_barrier_figures(User.objects.get(username="lingdao"))
        assert (overall.placed, overall.refused, overall.pending) == (10, 1, 1)
        assert overall.max_days == 38
        assert overall.median_days is not None and overall.median_days <= 3
        assert len(per_school) >= 3

    def test_the_village_team_works_in_its_two_villages(self) -> None:
        team_user = User.objects.get(username="zhucun")
        team = team_user.org_unit
        assert TeamMember.objects.filter(team=team).count() == 4
        assert TeamActivity.objects.filter(team=team, title="清洁家园").count() == 2
        households = households_visible_to(team_user).count()
        helped = HelpRecord.objects.filter(team=team)
        assert 0 < helped.count() <= min(12, households)
        villages = set(team.villages.values_list("code", flat=True))
        assert villages == {seed.DONGYING_VILLAGE, seed.WENCHENG_VILLAGE}
        visible = selectors.help_records_visible_to(team_user)
        assert visible.count() == helped.count()
        visited = Visit.objects.filter(recorded_by=team_user, person__isnull=True).count()
        assert helped.count() <= visited <= min(14, households)
