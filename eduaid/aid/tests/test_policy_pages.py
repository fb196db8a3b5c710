"""Policy version pages: who reads and who manages, copy → edit → publish, the approved-term lock."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from eduaid.aid.forms import parse_yuan
from eduaid.aid.models import Entitlement, EntitlementStatus, PolicyDraft, PolicyVersion
from eduaid.aid.services import PolicyError, entitlements_compute
from eduaid.aid.services_policy import policy_draft_copy, policy_draft_publish
from eduaid.aid.tests.helpers import AUTUMN, SPRING, Registry
from eduaid.conftest import Cast
from eduaid.core.models import AuditEvent
from eduaid.registry.services.terms import term_get_or_create

COUNTY = ["county_admin", "aid_center", "leader", "inspector"]
OTHERS = ["township_officer", "school_officer", "teacher", "village_team"]


def _v2023() -> PolicyVersion:
    return PolicyVersion.objects.get(first_term=AUTUMN)


def _amount(draft: PolicyDraft, code: str) -> list[Any]:
    draft.refresh_from_db()
    return [case["fen"] for spec in draft.items if spec["code"] == code for case in spec["rules"]]


# ---- money parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fen"),
    [("1250.5", 125050), ("1250", 125000), ("0.01", 1), ("1,500.00", 150000), (" 3.10 ", 310)],
)
def test_yuan_is_parsed_to_fen_exactly(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["12.345", "-5", "1e3", "abc", "", "12.", ".5"])
def test_yuan_with_more_than_two_decimals_or_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_yuan(text)


# ---- who sees what ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", COUNTY)
def test_county_roles_read_the_list_and_the_table_in_yuan(client: Any, cast: Cast, role: str) -> None:
    client.force_login(cast.user(role))
    page = client.get(reverse("aid:policy_list")).content.decode()
    assert _v2023().name in page
    assert 'data-status="in_force"' in page
    detail = client.get(reverse("aid:policy_detail", kwargs={"pk": _v2023().pk}))
    html = detail.content.decode()
    assert detail.status_code == 200
    assert html.count('data-testid="policy-item"') == 14
    assert "1250.00" in html and "12000.00" in html  # junior boarding; doctor grant
    assert ('data-testid="policy-copy"' in html) == (role == "county_admin")


@pytest.mark.django_db
@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_get_403_on_the_list_and_404_on_a_version(client: Any, cast: Cast, role: str) -> None:
    client.force_login(cast.user(role))
    assert client.get(reverse("aid:policy_list")).status_code == 403
    assert client.get(reverse("aid:policy_detail", kwargs={"pk": _v2023().pk})).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["aid_center", "leader", "inspector"])
def test_county_readers_cannot_copy_edit_or_publish(client: Any, cast: Cast, role: str) -> None:
    draft = policy_draft_copy(version=_v2023(), actor=cast.user("county_admin"))
    client.force_login(cast.user(role))
    assert client.post(reverse("aid:policy_copy", kwargs={"pk": _v2023().pk})).status_code == 404
    item_url = reverse("aid:policy_draft_item", kwargs={"pk": draft.pk, "code": "nutrition"})
    assert client.post(item_url, {"nutrition-case_0": "900"}).status_code == 404
    publish_url = reverse("aid:policy_draft_publish", kwargs={"pk": draft.pk})
    assert client.post(publish_url, {"name": "x", "first_term": SPRING}).status_code == 404
    page = client.get(reverse("aid:policy_draft", kwargs={"pk": draft.pk})).content.decode()
    assert 'data-testid="item-form"' not in page and 'data-testid="publish-form"' not in page
    assert _amount(draft, "nutrition") == [80000]
    assert PolicyVersion.objects.count() == 1


# ---- copy → edit → publish ----------------------------------------------------------------------


@pytest.mark.django_db
def test_copy_edit_publish_prices_the_new_term_at_the_new_amounts_and_keeps_the_old_term(
    client: Any, county: Registry
) -> None:
    admin = county.cast.user("county_admin")
    autumn, spring = term_get_or_create(code=AUTUMN), term_get_or_create(code=SPRING)
    client.force_login(admin)

    response = client.post(reverse("aid:policy_copy", kwargs={"pk": _v2023().pk}))
    draft = PolicyDraft.objects.get()
    assert response.url == reverse("aid:policy_draft", kwargs={"pk": draft.pk})
    page = client.get(response.url).content.decode()
    assert page.count('data-testid="item-form"') == 13  # every item with an amount (not the fee waiver)

    item_url = reverse("aid:policy_draft_item", kwargs={"pk": draft.pk, "code": "living_boarding"})
    response = client.post(item_url, {"living_boarding-case_0": "1250.5", "living_boarding-case_1": "1500"})
    assert response.status_code == 302
    assert _amount(draft, "living_boarding") == [125050, 150000]
    assert _v2023().items.get(code="living_boarding").rules[0]["fen"] == 100000  # the source is untouched

    publish_url = reverse("aid:policy_draft_publish", kwargs={"pk": draft.pk})
    response = client.post(publish_url, {"name": "2024年标准", "first_term": SPRING})
    new = PolicyVersion.objects.get(first_term=SPRING)
    assert response.url == reverse("aid:policy_detail", kwargs={"pk": new.pk})
    assert (new.name, new.last_term, _v2023().last_term) == ("2024年标准", None, AUTUMN)
    draft.refresh_from_db()
    assert draft.published == new

    entitlements_compute(term=autumn, actor=admin)
    entitlements_compute(term=spring, actor=admin)
    person = county.persons["primary_boarding"]
    rows = Entitlement.objects.filter(person=person, item_code="living_boarding")
    assert {e.term.code: (e.amount_fen, e.version_id) for e in rows} == {
        AUTUMN: (50000, _v2023().pk),
        SPRING: (125050 - 62525, new.pk),  # term 1's half would be 62525 (rounded up); term 2 the rest
    }
    actions = set(AuditEvent.objects.filter(kind="policy").values_list("detail__action", flat=True))
    assert {
        "policy_draft_copy",
        "policy_draft_amounts_set",
        "policy_version_add",
        "policy_draft_publish",
    } <= (actions)
    # a published draft can no longer be edited
    response = client.post(item_url, {"living_boarding-case_0": "1", "living_boarding-case_1": "1"})
    assert response.status_code == 400
    assert _amount(draft, "living_boarding") == [125050, 150000]


@pytest.mark.django_db
def test_an_amount_with_three_decimals_is_refused_and_nothing_changes(client: Any, cast: Cast) -> None:
    draft = policy_draft_copy(version=_v2023(), actor=cast.user("county_admin"))
    client.force_login(cast.user("county_admin"))
    url = reverse("aid:policy_draft_item", kwargs={"pk": draft.pk, "code": "nutrition"})
    response = client.post(url, {"nutrition-case_0": "12.345"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="amount-error"' in html
    assert "at most two decimals" in html or "两位小数" in html
    assert _amount(draft, "nutrition") == [80000]


@pytest.mark.django_db
def test_publishing_over_an_approved_term_is_refused_by_the_page_and_the_service(
    client: Any, county: Registry
) -> None:
    admin = county.cast.user("county_admin")
    spring = term_get_or_create(code=SPRING)
    entitlements_compute(term=spring, actor=admin)
    Entitlement.objects.filter(term=spring).update(status=EntitlementStatus.APPROVED)
    draft = policy_draft_copy(version=_v2023(), actor=admin)

    client.force_login(admin)
    detail = client.get(reverse("aid:policy_detail", kwargs={"pk": _v2023().pk})).content.decode()
    assert 'data-testid="version-locked"' in detail and SPRING in detail

    url = reverse("aid:policy_draft_publish", kwargs={"pk": draft.pk})
    response = client.post(url, {"name": "2024年标准", "first_term": SPRING})
    assert response.status_code == 400
    assert 'data-testid="publish-error"' in response.content.decode()
    with pytest.raises(PolicyError):
        policy_draft_publish(draft=draft, first_term=SPRING, name="x", actor=admin)
    assert PolicyVersion.objects.count() == 1
    assert _v2023().last_term is None

    # after the approved term, publishing goes through and the approved term keeps its version
    version = policy_draft_publish(draft=draft, first_term="2024-2025-1", name="2024年标准", actor=admin)
    assert _v2023().last_term == SPRING
    assert set(Entitlement.objects.filter(term=spring).values_list("version_id", flat=True)) == {_v2023().pk}
    assert version.first_term == "2024-2025-1"


@pytest.mark.django_db
def test_a_bad_term_code_is_refused_with_a_message(client: Any, cast: Cast) -> None:
    draft = policy_draft_copy(version=_v2023(), actor=cast.user("county_admin"))
    client.force_login(cast.user("county_admin"))
    url = reverse("aid:policy_draft_publish", kwargs={"pk": draft.pk})
    for code in ("2024-2026-1", "2023-2024-1"):  # malformed; not after the version in force
        response = client.post(url, {"name": "x", "first_term": code})
        assert response.status_code == 400
        assert 'data-testid="publish-error"' in response.content.decode()
    assert PolicyVersion.objects.count() == 1


@pytest.mark.django_db
def test_the_admin_deletes_an_unpublished_draft(client: Any, cast: Cast) -> None:
    draft = policy_draft_copy(version=_v2023(), actor=cast.user("county_admin"))
    client.force_login(cast.user("county_admin"))
    response = client.post(reverse("aid:policy_draft_delete", kwargs={"pk": draft.pk}))
    assert response.url == reverse("aid:policy_list")
    assert not PolicyDraft.objects.exists()
