"""The migrated database holds the 2023 plan as the only policy version (DESIGN §3)."""

from __future__ import annotations

from typing import Any

import pytest

from eduaid.aid import policy2023
from eduaid.aid.models import PolicyVersion
from eduaid.aid.services import version_for


@pytest.mark.django_db
def test_the_2023_plan_is_the_only_version_open_ended(db: Any) -> None:
    version = PolicyVersion.objects.get()
    assert (version.first_term, version.last_term) == ("2023-2024-1", None)
    assert version_for("2030-2031-2") == version


@pytest.mark.django_db
def test_the_2023_items_are_the_table(db: Any) -> None:
    items = PolicyVersion.objects.get().items.order_by("position")
    assert [(i.code, i.name, i.kind, i.paid_by, i.one_time, i.rules) for i in items] == [
        tuple(row) for row in policy2023.ITEMS
    ]
    paid_by = {i.code: i.paid_by for i in items}
    assert paid_by["college_grant"] == "university"
    assert paid_by["yulu_referral"] == "rural_revitalisation"
    assert {paid_by[c] for c in ("compulsory_fee_waiver", "senior_fee_waiver", "preschool_fee")} == {"school"}
    assert [i.code for i in items if i.one_time] == ["freshman_travel"]
