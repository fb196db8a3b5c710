"""The loan, handbook, re-pricing and term pages in Chromium, at desktop and phone width.

Screenshots go to /tmp/shots/aid/ for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from eduaid.aid.models import Entitlement, EntitlementStatus, LoanApplication, LoanStatus, PolicyVersion
from eduaid.aid.services import entitlements_compute
from eduaid.aid.services_loans import loan_apply, loan_set_status
from eduaid.aid.services_policy import policy_draft_amounts_set, policy_draft_copy, policy_draft_publish
from eduaid.aid.tests.helpers import AUTUMN, SPRING, Registry
from eduaid.conftest import PASSWORD
from eduaid.core.tests.test_browser import browser, log_in, page, phone_page, submit  # noqa: F401 (fixtures)
from eduaid.registry.services.terms import term_get_or_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ.get("EDUAID_SHOTS", "/tmp/shots")) / "aid"  # noqa: S108 (a place to look at)


def _shot(tab: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _world(county: Registry) -> None:
    """Both terms priced, spring confirmed in part, a 2024 version published, a few loans."""
    admin = county.cast.user("county_admin")
    autumn, spring = term_get_or_create(code=AUTUMN), term_get_or_create(code=SPRING)
    entitlements_compute(term=autumn)
    entitlements_compute(term=spring)
    Entitlement.objects.filter(term=autumn).update(status=EntitlementStatus.APPROVED)
    draft = policy_draft_copy(version=PolicyVersion.objects.get(first_term=AUTUMN), actor=admin)
    policy_draft_amounts_set(draft=draft, code="living_boarding", amounts_fen=[125000, 150000], actor=admin)
    policy_draft_publish(draft=draft, first_term=SPRING, name="2024年资助标准", actor=admin)
    centre = county.cast.user("aid_center")
    for key, fen, steps in [("master", 1600000, [LoanStatus.APPROVED]), ("doctor", 1000000, [])]:
        loan = loan_apply(
            person=county.persons[key], school_year="2023-2024", college="郑州大学",
            stage=key, amount_fen=fen, actor=centre,
        )  # fmt: skip
        for status in steps:
            loan_set_status(loan=loan, status=status, actor=centre)


def test_the_aid_centre_enters_a_loan_and_refused_above_the_cap(
    page: Any,  # noqa: F811
    phone_page: Any,  # noqa: F811
    county: Registry,
) -> None:
    _world(county)
    person = county.persons["undergraduate"]
    for p, width in ((page, "desktop"), (phone_page, "phone")):
        log_in(p, county.cast.user("aid_center").username, PASSWORD)
        p.goto(reverse("aid:loan_new") + f"?q={person.name}")
        p.get_by_test_id("loan-candidate").first.wait_for()
        _shot(p, f"loan_search_{width}")
    page.get_by_test_id("loan-pick").first.click()
    page.get_by_test_id("loan-form").wait_for()
    page.locator("#id_amount").fill("12500")
    submit(page, "[data-testid=loan-submit]")
    assert "12000.00" in page.get_by_test_id("loan-error").inner_text()
    _shot(page, "loan_refused_desktop")
    page.locator("#id_amount").fill("12000")
    submit(page, "[data-testid=loan-submit]")
    assert LoanApplication.objects.filter(person=person, amount_fen=1200000).exists()
    for p, width in ((page, "desktop"), (phone_page, "phone")):
        p.goto(reverse("aid:loan_list"))
        assert p.get_by_test_id("loan-row").count() == 3
        _shot(p, f"loan_list_{width}")
        p.goto(reverse("registry:student_detail", kwargs={"pk": county.persons["master"].pk}))
        p.get_by_test_id("person-loans").wait_for()
        _shot(p, f"profile_loan_{width}")
        p.goto(reverse("aid:entitlement_list") + f"?term={SPRING}")
        p.get_by_test_id("yulu-download").wait_for()
        _shot(p, f"entitlements_yulu_{width}")


def test_the_admin_sees_the_handbook_the_stale_term_and_the_term_dates(
    page: Any,  # noqa: F811
    phone_page: Any,  # noqa: F811
    county: Registry,
) -> None:
    _world(county)
    for p, width in ((page, "desktop"), (phone_page, "phone")):
        log_in(p, county.cast.user("county_admin").username, PASSWORD)
        p.goto(reverse("aid:handbook") + f"?term={SPRING}")
        assert p.locator("[data-code=living_boarding] [data-testid=handbook-line]").count() == 2
        _shot(p, f"handbook_{width}")
        p.goto(reverse("aid:policy_list"))
        p.get_by_test_id("stale-term").wait_for()
        _shot(p, f"policy_stale_{width}")
        p.goto(reverse("registry:term_list"))
        p.get_by_test_id("term-row").first.wait_for()
        _shot(p, f"terms_{width}")
    page.emulate_media(media="print")
    page.goto(reverse("aid:handbook") + f"?term={SPRING}")
    assert not page.locator("nav.navbar").is_visible()
    _shot(page, "handbook_print")
    page.emulate_media(media="screen")
    page.goto(reverse("aid:policy_list"))
    submit(page, "[data-testid=reprice]")
    assert page.get_by_test_id("stale-terms").count() == 0
    spring_row = Entitlement.objects.get(
        person=county.persons["junior_boarding"], term__code=SPRING, item_code="living_boarding"
    )
    assert spring_row.amount_fen == 150000 - 75000
