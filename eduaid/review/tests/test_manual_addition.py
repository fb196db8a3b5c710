"""A student the match missed is added by their school: priced by the pure pricing function, with evidence."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from eduaid.aid import pricing
from eduaid.aid.models import Entitlement
from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.review import services
from eduaid.review.tests.helpers import S, price_spring


def _add(registry_cast: RegistryCast, key: str = "cross_kid", **extra: Any) -> Entitlement:
    args: dict[str, Any] = {
        "person": registry_cast.person(key),
        "school": registry_cast.cast.school_a,
        "term": registry_cast.spring,
        "item_code": "living_day",
        "category": "poverty_exited",
        "evidence": "乡镇出具的脱贫户证明（2024年3月）",
        "actor": registry_cast.cast.user("school_officer"),
    }
    return services.entitlement_add_manual(**{**args, **extra})


def test_a_missed_student_is_priced_like_any_other(registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    added = _add(registry_cast)
    item = added.item
    expected = pricing.price_item(
        pricing.Item(item.code, item.kind, item.one_time, item.rules),
        pricing.StudentFacts("primary", 4, False, None, None, "poverty_exited", pricing.STUDYING),
        2,
    )
    assert expected is not None and added.amount_fen == expected.amount_fen == 25000
    assert (added.manual, added.status, added.school_id) == (True, S.COMPUTED, registry_cast.cast.school_a.pk)
    assert added.evidence.startswith("乡镇出具")
    assert AuditEvent.objects.filter(kind=AuditKind.ENTITLEMENT_STATUS, object_id=str(added.pk)).exists()


def test_evidence_is_required(registry_cast: RegistryCast) -> None:
    with pytest.raises(services.TransitionRefused):
        _add(registry_cast, evidence="  ")
    assert not Entitlement.objects.filter(manual=True).exists()


def test_a_student_of_another_school_cannot_be_added(registry_cast: RegistryCast) -> None:
    with pytest.raises(services.TransitionRefused):
        _add(registry_cast, key="hardship_kid")  # studies at school_b


def test_an_item_the_student_is_not_due_is_refused(registry_cast: RegistryCast) -> None:
    with pytest.raises(services.TransitionRefused):
        _add(registry_cast, item_code="senior_grant")


def test_an_item_the_student_already_has_is_refused(registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    with pytest.raises(services.TransitionRefused):
        _add(registry_cast, key="poor_kid")


def test_the_page_adds_a_student_by_id_number(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("school_officer"))
    person = registry_cast.person("cross_kid")
    response = client.post(
        reverse("review:add_manual") + "?term=2023-2024-2",
        {
            "id_number": person.id_number,
            "item": "nutrition",
            "category": "poverty_exited",
            "evidence": "村委会证明",
            "term": "2023-2024-2",
        },
    )
    assert response.status_code == 302
    added = Entitlement.objects.get(person=person, item_code="nutrition")
    assert added.manual and added.amount_fen == 40000


def test_the_page_does_not_find_a_student_of_another_school(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("school_officer"))
    person = registry_cast.person("hardship_kid")
    response = client.post(
        reverse("review:add_manual"),
        {"id_number": person.id_number, "item": "nutrition", "category": "sudden_hardship", "evidence": "x"},
    )
    assert response.status_code == 400
    assert not Entitlement.objects.filter(manual=True).exists()
