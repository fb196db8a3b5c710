"""Budget totals: exact to the fen, loans and referrals apart, calendar years, scoped per role."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from eduaid.aid.budget import PeriodError, budget_for, period_for_term, period_for_year
from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.aid.tests.helpers import AUTUMN, SPRING, Registry, run
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.registry.models import Enrolment

# DESIGN §3 by hand for the helpers' registry (one student per row of the table), in fen.
AUTUMN_FEN = 2218750  # every counted item of AUTUMN_ROWS in test_entitlements; 雨露计划 1500.00 apart
SPRING_FEN = AUTUMN_FEN - 150000  # no one-time travel in spring (500 + 1000)
COLLEGE_AUTUMN_FEN = 200000 + 50000 + 100000 + 200000 + 300000 + 600000  # grants and travel
B_PRIMARY_DAY_FEN = 25000 + 40000  # a day pupil of school_b: living_day 250.00, nutrition 400.00


@pytest.fixture
def priced(county: Registry) -> Registry:
    # one more pupil, at school_b in the other township
    pupil = county.student("b_day", "primary")
    Enrolment.objects.filter(person=pupil).update(school=county.cast.school_b)
    run(AUTUMN)
    run(SPRING)
    return county


def lines(budget: Any, dimension: str) -> dict[str, int]:
    return {line.key: line.fen for line in budget.groups[dimension]}


@pytest.mark.django_db
def test_term_total_is_exact_and_leaves_out_the_referral(priced: Registry) -> None:
    budget = budget_for(priced.cast.user("aid_center"), period_for_term(AUTUMN))
    assert budget.total_fen == AUTUMN_FEN + B_PRIMARY_DAY_FEN
    assert budget.total_yuan == "22837.50"
    assert [(a.key, a.students, a.fen) for a in budget.apart] == [("yulu_referral", 1, 150000)]
    assert "yulu_referral" not in lines(budget, "item")
    for dimension in ("item", "kind", "paid_by", "stage", "township", "school"):
        assert sum(lines(budget, dimension).values()) == budget.total_fen, dimension


@pytest.mark.django_db
def test_groups_by_item_kind_payer_and_township(priced: Registry) -> None:
    budget = budget_for(None, period_for_term(AUTUMN))
    items = lines(budget, "item")
    assert items["living_boarding"] == 50000 + 62500
    assert items["living_day"] == 25000 + 31250 + 25000
    assert items["compulsory_fee_waiver"] == 0  # a waiver with no amount adds nothing
    assert set(lines(budget, "kind")) == {"cash", "waiver", "fee_subsidy", "in_kind"}
    assert set(lines(budget, "paid_by")) == {"county", "school", "university"}
    assert lines(budget, "paid_by")["university"] == 200000 + 200000 + 300000 + 600000  # college grants
    township = lines(budget, "township")
    cast = priced.cast
    assert township[str(cast.township_b.pk)] == B_PRIMARY_DAY_FEN
    assert township[""] == COLLEGE_AUTUMN_FEN  # colleges: no county school
    assert township[str(cast.township_a.pk)] == AUTUMN_FEN - COLLEGE_AUTUMN_FEN
    assert lines(budget, "stage")["doctor"] == 600000


@pytest.mark.django_db
def test_a_calendar_year_counts_autumn_in_its_first_year_and_spring_in_its_second(
    priced: Registry,
) -> None:
    assert period_for_year(2023).term_codes == ("2022-2023-2", AUTUMN)
    assert period_for_year("2024").term_codes == (SPRING, "2024-2025-1")
    in_2023 = budget_for(None, period_for_year(2023))
    in_2024 = budget_for(None, period_for_year(2024))
    assert in_2023.total_fen == AUTUMN_FEN + B_PRIMARY_DAY_FEN
    assert in_2024.total_fen == SPRING_FEN + B_PRIMARY_DAY_FEN
    assert budget_for(None, period_for_year(2025)).total_fen == 0


@pytest.mark.django_db
def test_cancelled_and_rejected_entitlements_count_nothing(priced: Registry) -> None:
    row = Entitlement.objects.get(term__code=AUTUMN, item_code="senior_grant")
    row.status = EntitlementStatus.CANCELLED
    row.save(update_fields=["status"])
    budget = budget_for(None, period_for_term(AUTUMN))
    assert budget.total_fen == AUTUMN_FEN + B_PRIMARY_DAY_FEN - 150000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("leader", AUTUMN_FEN + B_PRIMARY_DAY_FEN),
        ("township_officer", AUTUMN_FEN - COLLEGE_AUTUMN_FEN),  # school_a and school_a2
        ("school_officer", AUTUMN_FEN - COLLEGE_AUTUMN_FEN),  # school_a only
        ("teacher", 0),
        ("village_team", 0),
    ],
)
def test_totals_are_scoped_to_the_role(priced: Registry, role: str, expected: int) -> None:
    budget = budget_for(priced.cast.user(role), period_for_term(AUTUMN))
    assert budget.total_fen == expected
    if role != "leader":
        assert str(priced.cast.school_b.pk) not in lines(budget, "school")
        assert budget.apart == []  # the referral is a college student's


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["2023-2025-1", "2023", "autumn"])
def test_a_bad_term_is_refused(bad: str) -> None:
    with pytest.raises(PeriodError):
        period_for_term(bad)


@pytest.mark.django_db
def test_page_shows_the_totals_and_the_chart(client: Any, priced: Registry) -> None:
    client.force_login(priced.cast.user("aid_center"))
    page = client.get(reverse("aid:budget"), {"term": AUTUMN}).content.decode()
    assert "22837.50" in page
    assert 'data-testid="budget-chart"' in page
    assert priced.cast.school_b.name in page
    year = client.get(reverse("aid:budget"), {"year": "2024"}).content.decode()
    assert f'data-total-fen="{SPRING_FEN + B_PRIMARY_DAY_FEN}"' in year


@pytest.mark.django_db
def test_school_officer_page_shows_only_its_school(client: Any, priced: Registry) -> None:
    client.force_login(priced.cast.user("school_officer"))
    page = client.get(reverse("aid:budget"), {"term": AUTUMN}).content.decode()
    assert f'data-total-fen="{AUTUMN_FEN - COLLEGE_AUTUMN_FEN}"' in page
    assert priced.cast.school_b.name not in page
    assert 'data-testid="whatif-link"' not in page


@pytest.mark.django_db
def test_teacher_page_is_empty(client: Any, priced: Registry) -> None:
    client.force_login(priced.cast.user("teacher"))
    page = client.get(reverse("aid:budget"), {"term": AUTUMN}).content.decode()
    assert 'data-total-fen="0"' in page
    assert 'data-testid="budget-empty"' in page


@pytest.mark.django_db
def test_a_bad_period_on_the_page_falls_back_with_a_message(client: Any, priced: Registry) -> None:
    client.force_login(priced.cast.user("leader"))
    response = client.get(reverse("aid:budget"), {"year": "20x4"})
    assert response.status_code == 200
    assert 'data-testid="budget-error"' in response.content.decode()


@pytest.mark.django_db
def test_xlsx_download_is_audited(client: Any, priced: Registry) -> None:
    client.force_login(priced.cast.user("aid_center"))
    response = client.get(reverse("aid:budget"), {"year": "2023", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"
    assert "budget-2023.xlsx" in response["Content-Disposition"]
    event = AuditEvent.objects.filter(kind=AuditKind.EXPORT).latest("pk")
    assert event.detail["export"] == "budget"
    assert event.detail["total_fen"] == AUTUMN_FEN + B_PRIMARY_DAY_FEN


@pytest.mark.django_db
def test_nav_shows_budget_to_county_roles_only(client: Any, priced: Registry) -> None:
    url = reverse("aid:budget")
    client.force_login(priced.cast.user("inspector"))
    assert f'href="{url}"' in client.get(reverse("core:home")).content.decode()
    client.force_login(priced.cast.user("school_officer"))
    assert f'href="{url}"' not in client.get(reverse("core:home")).content.decode()


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("budget", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_json_has_fen_integers(priced: Registry) -> None:
    data = json.loads(command("--year", "2024", "--json"))
    assert data["total_fen"] == SPRING_FEN + B_PRIMARY_DAY_FEN
    assert data["terms"] == [SPRING, "2024-2025-1"]
    assert data["apart"][0]["key"] == "yulu_referral"
    assert {g["key"]: g["fen"] for g in data["groups"]["item"]}["living_boarding"] == 50000 + 62500


@pytest.mark.django_db
def test_command_prints_the_totals_and_refuses_bad_periods(priced: Registry) -> None:
    text = command("--term", AUTUMN)
    assert "22837.50" in text
    with pytest.raises(CommandError):
        command("--term", "2023-2024-3")
    with pytest.raises(CommandError):
        command("--year", "24")
    with pytest.raises(CommandError):
        command("--term", AUTUMN, "--year", "2024")
