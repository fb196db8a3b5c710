"""学校审核: a school officer confirms, rejects and reopens their school's entitlements, and only those."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from eduaid.aid.models import Entitlement
from eduaid.conftest import RegistryCast
from eduaid.review import services
from eduaid.review.models import EntitlementEvent
from eduaid.review.tests.helpers import S, price_spring, school_rows


def test_the_school_confirms_in_bulk_with_a_note(registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    officer = registry_cast.cast.user("school_officer")
    rows = [r for r in school_rows(registry_cast, registry_cast.cast.school_a) if not r.held]
    assert len(rows) >= 2
    services.entitlements_confirm(ids=[r.pk for r in rows], actor=officer, note="已核对班级花名册")
    events = EntitlementEvent.objects.filter(entitlement__in=rows)
    assert {(e.to_status, e.reason, e.actor_id) for e in events} == {
        (S.SCHOOL_CONFIRMED, "已核对班级花名册", officer.pk)
    }
    assert events.count() == len(rows)
    # written in one statement with the rows' move: the same instant on both
    moved_at = set(
        Entitlement.objects.filter(pk__in=[r.pk for r in rows]).values_list("updated_at", flat=True)
    )
    assert {e.at for e in events} == moved_at and len(moved_at) == 1


def test_another_schools_rows_are_refused_and_nothing_moves(registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    officer = registry_cast.cast.user("school_officer")
    mine = school_rows(registry_cast, registry_cast.cast.school_a)[0]
    theirs = school_rows(registry_cast, registry_cast.cast.school_b)[0]
    with pytest.raises(services.TransitionRefused):
        services.entitlements_confirm(ids=[mine.pk, theirs.pk], actor=officer)
    assert Entitlement.objects.get(pk=mine.pk).status == S.COMPUTED


def test_college_students_are_confirmed_by_the_aid_centre_not_a_school(registry_cast: RegistryCast) -> None:
    rows = [r for r in price_spring(registry_cast) if r.school_id is None]
    assert rows, "the college student has entitlements"
    with pytest.raises(services.TransitionRefused):
        services.entitlements_confirm(
            ids=[r.pk for r in rows], actor=registry_cast.cast.user("school_officer")
        )
    with pytest.raises(services.TransitionRefused):
        services.entitlements_confirm(ids=[r.pk for r in rows], actor=registry_cast.cast.user("leader"))
    services.entitlements_confirm(ids=[r.pk for r in rows], actor=registry_cast.cast.user("aid_center"))
    assert {Entitlement.objects.get(pk=r.pk).status for r in rows} == {S.SCHOOL_CONFIRMED}


def test_a_held_row_cannot_be_confirmed(registry_cast: RegistryCast) -> None:
    row = price_spring(registry_cast)[0]
    Entitlement.objects.filter(pk=row.pk).update(held=True)
    with pytest.raises(services.TransitionRefused):
        services.entitlements_confirm(ids=[row.pk], actor=None)


def test_reject_with_a_reason_then_reopen(registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    officer = registry_cast.cast.user("school_officer")
    row = school_rows(registry_cast, registry_cast.cast.school_a)[0]
    with pytest.raises(services.TransitionRefused):
        services.entitlement_reject(entitlement_id=row.pk, actor=officer, reason=" ")
    services.entitlement_reject(entitlement_id=row.pk, actor=officer, reason="已转学至外县")
    assert Entitlement.objects.get(pk=row.pk).status == S.REJECTED
    services.entitlement_reopen(entitlement_id=row.pk, actor=officer, reason="转学未办成，仍在本校就读")
    assert Entitlement.objects.get(pk=row.pk).status == S.COMPUTED
    reasons = list(EntitlementEvent.objects.filter(entitlement=row).values_list("to_status", "reason"))
    assert reasons == [(S.REJECTED, "已转学至外县"), (S.COMPUTED, "转学未办成，仍在本校就读")]


def test_the_review_page_lists_only_the_officers_school_and_confirms(
    client: Any, registry_cast: RegistryCast
) -> None:
    price_spring(registry_cast)
    cast = registry_cast.cast
    client.force_login(cast.user("school_officer"))
    html = client.get(reverse("review:school_review")).content.decode()
    assert registry_cast.person("poor_kid").name in html
    assert registry_cast.person("hardship_kid").name not in html  # school_b
    assert registry_cast.person("poor_kid").id_number not in html  # masked
    mine = [r for r in school_rows(registry_cast, cast.school_a) if not r.held]
    theirs = school_rows(registry_cast, cast.school_b)
    response = client.post(
        reverse("review:school_review"),
        {
            "action": "confirm",
            "ids": [r.pk for r in mine] + [theirs[0].pk],
            "note": "ok",
            "term": "2023-2024-2",
        },
    )
    assert response.status_code == 302
    # A row outside the school is not even seen: the visible ones are confirmed, the other is untouched.
    assert {Entitlement.objects.get(pk=r.pk).status for r in mine} == {S.SCHOOL_CONFIRMED}
    assert Entitlement.objects.get(pk=theirs[0].pk).status == S.COMPUTED


def test_the_review_page_rejects_and_reopens(client: Any, registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    client.force_login(registry_cast.cast.user("school_officer"))
    row = school_rows(registry_cast, registry_cast.cast.school_a)[0]
    url = reverse("review:school_review")
    client.post(url, {"action": "reject", "id": row.pk, "reason": "重复享受", "term": "2023-2024-2"})
    assert Entitlement.objects.get(pk=row.pk).status == S.REJECTED
    client.post(url, {"action": "reopen", "id": row.pk, "reason": "核实无重复", "term": "2023-2024-2"})
    assert Entitlement.objects.get(pk=row.pk).status == S.COMPUTED


def test_a_teacher_may_not_open_the_review_page(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("teacher"))
    assert client.get(reverse("review:school_review")).status_code == 403
