"""The demo's student loans: applications within the caps at every status, and the handbook contacts."""

from __future__ import annotations

from typing import Any

import pytest

from eduaid.aid.handbook import contact_lines
from eduaid.aid.models import LoanApplication
from eduaid.demo.tests.test_demo import demo  # noqa: F401 (the class-scoped demo fixture)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestDemoLoans:
    def test_applications_are_within_the_caps_at_every_status(self, demo: dict[str, Any]) -> None:  # noqa: F811
        loans = LoanApplication.objects.all()
        assert loans.count() == demo["counts"]["loan_applications"] > 0
        assert all(0 < loan.amount_fen <= loan.cap_fen for loan in loans)
        assert {"applied", "approved", "disbursed", "withdrawn"} <= set(
            loans.values_list("status", flat=True)
        )

    def test_the_handbook_has_the_county_contact_lines(self) -> None:
        assert contact_lines()[0].startswith("遂平县学生资助管理中心")
