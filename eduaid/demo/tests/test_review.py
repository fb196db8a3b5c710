"""The demo's review procedure: the past term approved everywhere; the current term waiting at each step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from eduaid.accounts.models import User
from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.demo.tests.test_demo import demo  # noqa: F401 (the class-scoped demo fixture)
from eduaid.review.models import Notice, Objection

S = EntitlementStatus


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestDemoReview:
    def test_the_past_term_is_approved_for_every_school(self) -> None:
        past = Entitlement.objects.filter(term__code="2023-2024-1")
        left = set(past.exclude(held=True).values_list("status", flat=True))
        assert left <= {S.APPROVED, S.IN_BATCH, S.PAID, S.FAILED}, left  # payments may move them on
        schools = set(past.values_list("school_id", flat=True))
        noticed = set(Notice.objects.filter(term__code="2023-2024-1").values_list("school_id", flat=True))
        assert schools == noticed  # every school and the college list (None) had a notice
        for notice in Notice.objects.filter(term__code="2023-2024-1"):
            assert dt.date(2023, 9, 1) <= notice.starts_on < notice.ends_on <= dt.date(2023, 10, 31)

    def test_the_current_term_waits_at_each_step(self, demo: dict[str, Any]) -> None:  # noqa: F811
        current = Entitlement.objects.filter(term__code="2023-2024-2")
        unit = User.objects.get(username="xuexiao").org_unit
        assert unit is not None and unit.school is not None
        # (at the test's 3,000 students the login's school may have no eligible pupil at all)
        assert set(current.filter(school=unit.school).values_list("status", flat=True)) <= {S.COMPUTED}
        by_status = set(current.values_list("status", flat=True))
        assert {S.COMPUTED, S.SCHOOL_CONFIRMED, S.IN_NOTICE, S.NOTICE_PASSED} <= by_status
        assert Objection.objects.filter(status="open", entitlement__status=S.IN_NOTICE).count() == 1
        assert current.filter(school__isnull=True, status=S.NOTICE_PASSED).exists()  # the college list
        assert demo["counts"]["review_open_objections"] == 1
