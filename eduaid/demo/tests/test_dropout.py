"""The demo's 控辍保学: synced cases and the stories told through the services."""

from __future__ import annotations

from typing import Any

import pytest

from eduaid.accounts.models import User
from eduaid.demo.tests.test_demo import demo  # noqa: F401 (the class-scoped demo fixture)
from eduaid.dropout.models import CaseSource, CaseStatus, DropoutCase
from eduaid.dropout.selectors import cases_visible_to, ledger_counts


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestDemoDropout:
    def test_the_match_cases_are_in_the_ledger(self, demo: dict[str, Any]) -> None:  # noqa: F811
        assert DropoutCase.objects.filter(source__in=[CaseSource.MATCH, CaseSource.ENROLMENT]).exists()
        assert demo["counts"]["dropout_cases"] == DropoutCase.objects.count()

    def test_the_stories_cover_every_kind_of_case(self) -> None:
        statuses = set(DropoutCase.objects.values_list("status", flat=True))
        assert {
            CaseStatus.PERSUADING,
            CaseStatus.FALSE_ALARM,
            CaseStatus.RETURNED,
            CaseStatus.REPORTED,
        } <= statuses
        assert {CaseStatus.SUSPECTED, CaseStatus.VERIFYING, CaseStatus.CONFIRMED} & statuses
        assert ledger_counts(User.objects.get(username="admin"))["overdue"] >= 2
        assert DropoutCase.objects.filter(source=CaseSource.ABSENCE).exists()

    def test_the_demo_teacher_has_an_open_case(self) -> None:
        mine = cases_visible_to(User.objects.get(username="banzhuren"))
        assert mine.exclude(status__in=[CaseStatus.CLOSED, CaseStatus.FALSE_ALARM]).exists()
