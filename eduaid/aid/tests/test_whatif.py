"""What-if: the 2024 boarding rise priced against the same students, money parsing, no writes."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from eduaid.aid import pricing
from eduaid.aid.models import Entitlement, PolicyItem
from eduaid.aid.services import version_for
from eduaid.aid.tests.helpers import AUTUMN, SPRING, Registry, run
from eduaid.aid.whatif import (
    MoneyError,
    apply_changes,
    compare,
    editable_cases,
    named_items,
    parse_yuan,
    what_if,
)
from eduaid.registry.models import Term
from eduaid.registry.services.terms import term_get_or_create

RISE = {("living_boarding", 0): 125000, ("living_boarding", 1): 150000}  # 1250 / 1500 yuan a year
PRIMARY_STEP = (125000 - 100000) // 2  # per primary boarder per term
JUNIOR_STEP = (150000 - 125000) // 2  # per junior boarder per term


@pytest.fixture
def boarders(county: Registry) -> Registry:
    """Three primary boarders and two junior boarders in all."""
    county.student("primary_boarding_2", "primary", boarding=True)
    county.student("primary_boarding_3", "primary", boarding=True)
    county.student("junior_boarding_2", "junior", boarding=True)
    return county


def term(code: str) -> Term:
    return term_get_or_create(code=code)


@pytest.mark.django_db
@pytest.mark.parametrize("code", [AUTUMN, SPRING])
def test_boarding_rise_adds_exactly_half_the_yearly_step_per_boarder(boarders: Registry, code: str) -> None:
    result = what_if(term(code), RISE)
    rows = {r.code: r for r in result.rows}
    boarding = rows["living_boarding"]
    assert boarding.students == 5
    assert boarding.current_fen == 3 * 50000 + 2 * 62500
    assert boarding.diff_fen == 3 * PRIMARY_STEP + 2 * JUNIOR_STEP == 3 * 12500 + 2 * 12500
    assert boarding.whatif_fen == 3 * 62500 + 2 * 75000
    assert all(r.diff_fen == 0 for r in result.rows if r.code != "living_boarding")
    assert result.diff_fen == 62500


@pytest.mark.django_db
def test_current_totals_match_pricing_the_term(boarders: Registry) -> None:
    summary = run(AUTUMN)
    result = what_if(Term.objects.get(code=AUTUMN), {})
    assert result.current_fen == result.whatif_fen == summary["total_fen"]
    assert "yulu_referral" not in {r.code for r in result.rows}


@pytest.mark.django_db
def test_what_if_writes_nothing(boarders: Registry) -> None:
    run(AUTUMN)
    before = list(Entitlement.objects.order_by("pk").values_list("pk", "amount_fen", "updated_at"))
    rules = PolicyItem.objects.get(code="living_boarding").rules
    what_if(Term.objects.get(code=AUTUMN), RISE)
    assert list(Entitlement.objects.order_by("pk").values_list("pk", "amount_fen", "updated_at")) == before
    assert PolicyItem.objects.get(code="living_boarding").rules == rules


def test_apply_changes_copies_the_items() -> None:
    item = pricing.Item(
        "living_boarding", "cash", False, [{"stages": ["primary"], "boarding": True, "fen": 1}]
    )
    [changed] = apply_changes([item], {("living_boarding", 0): 5})
    assert changed.rules[0]["fen"] == 5 and item.rules[0]["fen"] == 1


def test_compare_is_pure_and_rounds_half_up_per_term() -> None:
    item = pricing.Item("living_day", "cash", False, [{"stages": ["junior"], "fen": 62500}])
    facts = pricing.StudentFacts("junior", 7, False, None, None, "marginal", pricing.STUDYING)
    due = {(1, "living_day"): 31250}
    [row] = compare(
        due, {1: facts}, [("living_day", "非寄宿生生活补助", item)], {("living_day", 0): 62501}, 1
    )
    assert (row.current_fen, row.whatif_fen, row.diff_fen) == (31250, 31251, 1)


@pytest.mark.django_db
def test_only_cash_cases_with_an_amount_are_editable() -> None:
    cases = editable_cases(named_items(version_for(AUTUMN)))
    codes = {c.code for c in cases}
    assert "living_boarding" in codes and "college_grant" in codes
    assert not codes & {"compulsory_fee_waiver", "nutrition", "yulu_referral", "student_loan"}
    boarding = [c for c in cases if c.code == "living_boarding"]
    assert [(c.stages, c.fen) for c in boarding] == [(("primary",), 100000), (("junior",), 125000)]


@pytest.mark.parametrize(
    ("text", "fen"),
    [("1250", 125000), ("1250.5", 125050), ("1250.50", 125050), (" 0.01 ", 1), ("1,250", 125000), ("0", 0)],
)
def test_parse_yuan_accepts(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "text", ["", "  ", "1250.505", "-1", "abc", "1e3", "１２５０", "12.", ".5", "NaN", "2000000"]
)
def test_parse_yuan_refuses(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_yuan(text)


def _form_data(version: Any, **amounts: str) -> dict[str, str]:
    data = {"term": AUTUMN}
    for case in editable_cases(named_items(version)):
        data[case.key] = amounts.get(case.key, case.yuan)
    return data


@pytest.mark.django_db
def test_page_shows_the_difference(client: Any, boarders: Registry) -> None:
    term(AUTUMN)
    client.force_login(boarders.cast.user("aid_center"))
    data = _form_data(version_for(AUTUMN), living_boarding__0="1250", living_boarding__1="1500.00")
    page = client.get(reverse("aid:budget_whatif"), data).content.decode()
    assert 'data-testid="whatif-diff" data-fen="62500"' in page
    assert 'data-code="living_boarding" data-diff-fen="62500"' in page


@pytest.mark.django_db
def test_page_refuses_a_bad_amount(client: Any, boarders: Registry) -> None:
    term(AUTUMN)
    client.force_login(boarders.cast.user("leader"))
    data = _form_data(version_for(AUTUMN), living_boarding__0="1250.555")
    response = client.get(reverse("aid:budget_whatif"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="amount-error"' in page
    assert 'data-testid="whatif-table"' not in page


@pytest.mark.django_db
def test_page_without_changes_shows_the_form_only(client: Any, boarders: Registry) -> None:
    term(AUTUMN)
    client.force_login(boarders.cast.user("county_admin"))
    page = client.get(reverse("aid:budget_whatif")).content.decode()
    assert 'name="living_boarding__1"' in page and 'value="1250.00"' in page
    assert 'data-testid="whatif-hint"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["township_officer", "school_officer", "teacher", "village_team"])
def test_what_if_is_for_county_roles(client: Any, boarders: Registry, role: str) -> None:
    client.force_login(boarders.cast.user(role))
    assert client.get(reverse("aid:budget_whatif")).status_code == 403


@pytest.mark.django_db
def test_page_keeps_amounts_left_out_of_the_query_and_refuses_empty_ones(
    client: Any, boarders: Registry
) -> None:
    term(AUTUMN)
    client.force_login(boarders.cast.user("aid_center"))
    url = reverse("aid:budget_whatif")
    page = client.get(url, {"term": AUTUMN, "living_boarding__0": "1250", "living_boarding__1": "1500"})
    assert 'data-testid="whatif-diff" data-fen="62500"' in page.content.decode()
    empty = client.get(url, {"term": AUTUMN, "living_boarding__0": ""}).content.decode()
    assert 'data-testid="amount-error"' in empty
