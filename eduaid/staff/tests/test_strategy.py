"""一校一对策: the school officer writes its yearly strategy; the township and the county read it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from eduaid.staff.models import SchoolStrategy
from eduaid.staff.services import strategy_save
from eduaid.staff.tests.conftest import StaffCast

FORM = {
    "year": 2024,
    "leader": "张校长",
    "measures": "每月家访\n控辍保学台账",
    "review_date": "2024-12-20",
    "review_notes": "",
}


def test_the_school_officer_writes_and_edits_its_strategy(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("school_officer"))
    response = client.post(reverse("staff:strategy_new"), FORM)
    strategy = SchoolStrategy.objects.get(school=staff_cast.cast.school_a, year=2024)
    assert response.url == reverse("staff:strategy_detail", kwargs={"pk": strategy.pk})
    assert client.get(reverse("staff:strategy_new")).url == reverse(
        "staff:strategy_edit", kwargs={"pk": strategy.pk}
    )
    client.post(
        reverse("staff:strategy_edit", kwargs={"pk": strategy.pk}), {**FORM, "review_notes": "已复核"}
    )
    strategy.refresh_from_db()
    assert strategy.review_notes == "已复核"


@pytest.mark.parametrize("role", ["township_officer", "leader", "inspector"])
def test_the_township_and_the_county_read_it(client: Any, staff_cast: StaffCast, role: str) -> None:
    strategy = strategy_save(
        actor=None, school=staff_cast.cast.school_a, year=2024, measures="家访", leader="张校长"
    )
    client.force_login(staff_cast.cast.user(role))
    assert client.get(reverse("staff:strategy_detail", kwargs={"pk": strategy.pk})).status_code == 200
    assert client.get(reverse("staff:strategy_edit", kwargs={"pk": strategy.pk})).status_code == 403
    assert "张校长" in client.get(reverse("staff:strategy_list")).content.decode()


def test_only_the_school_officer_writes(staff_cast: StaffCast) -> None:
    cast = staff_cast.cast
    for role in ("township_officer", "leader", "teacher"):
        with pytest.raises(PermissionDenied):
            strategy_save(actor=cast.user(role), school=cast.school_a, year=2024, measures="x", leader="y")
    with pytest.raises(PermissionDenied):
        strategy_save(
            actor=cast.user("school_officer"), school=cast.school_b, year=2024, measures="x", leader="y"
        )


def test_one_strategy_per_school_and_year(staff_cast: StaffCast) -> None:
    strategy_save(actor=None, school=staff_cast.cast.school_a, year=2024, measures="家访", leader="张校长")
    strategy_save(
        actor=None, school=staff_cast.cast.school_a, year=2024, measures="家访、结对", leader="张校长"
    )
    assert SchoolStrategy.objects.filter(school=staff_cast.cast.school_a).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolStrategy.objects.create(school=staff_cast.cast.school_a, year=2024, measures="m", leader="l")
