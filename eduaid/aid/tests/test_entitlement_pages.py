"""The entitlement list (资助名单) and the aid section of the student profile: scope, totals, masking."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from eduaid.aid import views_entitlements
from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.aid.pricing import counted
from eduaid.aid.services import entitlements_compute
from eduaid.aid.tests.helpers import AUTUMN, SPRING, Registry
from eduaid.core import idnumbers
from eduaid.registry.models import Enrolment
from eduaid.registry.services.terms import term_get_or_create


@pytest.fixture
def priced(county: Registry) -> Registry:
    """The pricing county (all at school_a) plus a boarder at school_a2 and one at school_b; both terms."""
    for key, school in (("a2_boarder", county.cast.school_a2), ("b_boarder", county.cast.school_b)):
        person = county.student(key, "primary", boarding=True)
        Enrolment.objects.filter(person=person).update(school=school)
    for code in (AUTUMN, SPRING):
        entitlements_compute(term=term_get_or_create(code=code), actor=None)
    return county


def _text(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', html)
    assert match, testid
    return match.group(1).strip()


def _persons(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-testid="entitlement-row" data-person="(\d+)"', html)}


def _get(client: Any, user: Any, **params: Any) -> str:
    client.force_login(user)
    response = client.get(reverse("aid:entitlement_list"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_list_defaults_to_the_term_in_force_today(client: Any, priced: Registry) -> None:
    html = _get(client, priced.cast.user("aid_center"))
    assert f'<option value="{SPRING}" selected>' in html
    spring = Entitlement.objects.filter(term__code=SPRING).count()
    assert f"{spring} 条" in html or f"{spring} entitlements" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "keys_seen", "keys_unseen"),
    [
        ("aid_center", {"primary_boarding", "a2_boarder", "b_boarder", "doctor"}, set()),
        ("leader", {"primary_boarding", "b_boarder"}, set()),
        ("township_officer", {"primary_boarding", "a2_boarder"}, {"b_boarder", "doctor"}),
        ("school_officer", {"primary_boarding"}, {"a2_boarder", "b_boarder", "doctor"}),
    ],
)
def test_each_role_lists_the_entitlements_of_its_scope(
    client: Any, priced: Registry, role: str, keys_seen: set[str], keys_unseen: set[str], monkeypatch: Any
) -> None:
    monkeypatch.setattr(views_entitlements, "PAGE_SIZE", 1000)
    html = _get(client, priced.cast.user(role), term=SPRING)
    seen = _persons(html)
    assert {priced.persons[k].pk for k in keys_seen} <= seen
    assert not {priced.persons[k].pk for k in keys_unseen} & seen


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["teacher", "village_team"])
def test_teachers_and_village_teams_get_403(client: Any, priced: Registry, role: str) -> None:
    client.force_login(priced.cast.user(role))
    assert client.get(reverse("aid:entitlement_list")).status_code == 403


@pytest.mark.django_db
def test_totals_are_exact_to_the_fen_with_loans_and_referrals_apart(client: Any, priced: Registry) -> None:
    admin = priced.cast.user("aid_center")
    # one school_b boarder in spring: living 1000/2 + nutrition 800/2; the fee waiver has no amount
    html = _get(client, admin, term=SPRING, school=priced.cast.school_b.pk)
    assert _text(html, "total-money") == "900.00"
    assert _text(html, "total-students") == "1"

    html = _get(client, admin, term=SPRING)
    rows = Entitlement.objects.filter(term__code=SPRING).select_related("item")
    fen = sum(counted(e.item.kind, e.amount_fen) for e in rows)
    assert _text(html, "total-money") == f"{fen // 100}.{fen % 100:02d}"
    # the 雨露计划 referral of the 专科 freshman is counted apart: 3000 a year, 1500 in spring
    assert (_text(html, "total-referrals"), _text(html, "total-referrals-yuan")) == ("1", "1500.00")
    assert _text(html, "total-loans") == "0"


@pytest.mark.django_db
def test_term_one_totals_round_half_up_per_student(client: Any, county: Registry) -> None:
    """An odd yearly amount gives term 1 the extra fen; the total is the sum of the rounded rows."""
    autumn = term_get_or_create(code=AUTUMN)
    entitlements_compute(term=autumn, actor=None)
    Entitlement.objects.filter(term=autumn, item_code="nutrition").update(amount_fen=40001)
    html = _get(client, county.cast.user("aid_center"), term=AUTUMN, item="nutrition")
    n = Entitlement.objects.filter(term=autumn, item_code="nutrition").count()
    assert _text(html, "total-money") == f"{n * 40001 // 100}.{n * 40001 % 100:02d}"


@pytest.mark.django_db
def test_filters_by_item_stage_and_status(client: Any, priced: Registry, monkeypatch: Any) -> None:
    monkeypatch.setattr(views_entitlements, "PAGE_SIZE", 1000)
    admin = priced.cast.user("aid_center")
    html = _get(client, admin, term=SPRING, item="living_boarding")
    assert set(re.findall(r'data-item="([a-z_]+)"', html)) == {"living_boarding"}
    html = _get(client, admin, term=SPRING, stage="doctor")
    assert _persons(html) == {priced.persons["doctor"].pk}
    Entitlement.objects.filter(person=priced.persons["senior"], term__code=SPRING).update(
        status=EntitlementStatus.APPROVED
    )
    html = _get(client, admin, term=SPRING, status="approved")
    assert _persons(html) == {priced.persons["senior"].pk}
    html = _get(client, admin, term=SPRING, township=priced.cast.township_b.pk)
    assert _persons(html) == {priced.persons["b_boarder"].pk}


@pytest.mark.django_db
def test_the_list_is_paginated_and_totals_cover_every_page(
    client: Any, priced: Registry, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views_entitlements, "PAGE_SIZE", 5)
    admin = priced.cast.user("aid_center")
    html = _get(client, admin, term=SPRING)
    assert html.count('data-testid="entitlement-row"') == 5
    total = Entitlement.objects.filter(term__code=SPRING).count()
    assert f"{total} 条" in html or f"{total} entitlements" in html
    assert "page=2" in html


@pytest.mark.django_db
def test_ids_are_masked_on_the_list(client: Any, priced: Registry) -> None:
    html = _get(client, priced.cast.user("aid_center"), term=SPRING, stage="doctor")
    number = priced.persons["doctor"].id_number or ""
    assert number not in html
    assert idnumbers.mask(number) in html


# ---- the student profile ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_profile_shows_each_terms_aid_and_the_facts_it_was_priced_on(
    client: Any, priced: Registry
) -> None:
    person = priced.persons["junior_boarding"]
    client.force_login(priced.cast.user("school_officer"))
    html = client.get(reverse("registry:student_detail", kwargs={"pk": person.pk})).content.decode()
    assert 'data-testid="person-aid"' in html
    assert re.findall(r'data-testid="aid-term" data-term="([0-9-]+)"', html) == [SPRING, AUTUMN]
    assert "625.00" in html  # 1250 a year: half each term
    assert "2023年资助政策" in html
    assert priced.cast.school_a.name in html
    assert (person.id_number or "?") not in html


@pytest.mark.django_db
def test_the_profile_says_when_nothing_is_priced(client: Any, county: Registry) -> None:
    person = county.persons["primary_day"]
    client.force_login(county.cast.user("aid_center"))
    html = client.get(reverse("registry:student_detail", kwargs={"pk": person.pk})).content.decode()
    assert 'data-testid="no-aid"' in html


@pytest.mark.django_db
def test_cancelled_and_rejected_rows_add_no_money(client: Any, priced: Registry) -> None:
    """The list and the budget follow one rule: a cancelled or rejected entitlement pays nothing."""
    admin = priced.cast.user("aid_center")
    school = priced.cast.school_b.pk
    Entitlement.objects.filter(term__code=SPRING, school_id=school, item__code="nutrition").update(
        status=EntitlementStatus.CANCELLED
    )
    html = _get(client, admin, term=SPRING, school=school)
    assert _text(html, "total-money") == "500.00"  # the boarding allowance only
