"""控辍保学 in Chromium: a teacher logs a persuasion attempt on a phone; a township sees its overdue cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eduaid.conftest import PASSWORD, RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.core.tests.test_browser import (  # noqa: F401 (fixtures)
    _close,
    _new_page,
    browser,
    log_in,
    page,
    submit,
)
from eduaid.dropout.models import CaseStatus, DropoutCase
from eduaid.dropout.services import case_report, case_transition, cases_assign_missing
from eduaid.dropout.tests.helpers import map_catchment, teacher_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp/shots/dropout")  # noqa: S108 (screenshots for a person to look at)
SMALL_PHONE = {"width": 375, "height": 740}


@pytest.fixture
def small_phone(browser: Any, live_server: Any) -> Iterator[Any]:  # noqa: F811
    tab = _new_page(browser, live_server, SMALL_PHONE)
    yield tab
    _close(tab)


def _shot(tab: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_teacher_logs_an_attempt_on_a_phone_and_the_case_moves_on(
    small_phone: Any, registry_cast: RegistryCast
) -> None:
    cast = registry_cast.cast
    teacher_of(cast)
    map_catchment(cast)
    cases_assign_missing()
    case = DropoutCase.objects.get(person=registry_cast.person("out_kid"))
    case_transition(case_id=case.pk, to=CaseStatus.CONFIRMED, actor=None, reason="入户核实，孩子在家")

    page = small_phone  # noqa: F811 (not the desktop fixture)
    log_in(page, "teacher", PASSWORD)
    assert page.get_by_test_id("dropout-panel").is_visible()
    _shot(page, "phone-teacher-home")
    page.goto("/dropout/?ledger=dropout")
    rows = page.get_by_test_id("case-row")
    assert rows.count() == 1
    _shot(page, "phone-ledger")
    with page.expect_navigation():
        rows.first.get_by_test_id("case-link").click()
    assert page.get_by_test_id("case-status").first.get_attribute("data-status") == "confirmed"
    form = page.get_by_test_id("attempt-form")
    form.locator("#id_method").select_option("home_visit")
    form.locator("#id_outcome").fill("与母亲面谈，孩子答应下周一返校。")
    # the form fits the screen: no sideways scrolling on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    _shot(page, "phone-case-before")
    submit(page, "[data-testid=attempt-submit]")
    assert page.get_by_test_id("case-status").first.get_attribute("data-status") == "persuading"
    assert "与母亲面谈" in page.get_by_test_id("timeline").inner_text()
    _shot(page, "phone-case-after")
    case.refresh_from_db()
    assert case.status == CaseStatus.PERSUADING
    assert case.attempts.get().by == "测试teacher"


def test_a_township_officer_sees_the_overdue_cases_of_its_schools_only(
    page: Any,  # noqa: F811
    registry_cast: RegistryCast,
) -> None:
    cast = registry_cast.cast
    with frozen_today(dt.date(2024, 2, 20)):
        case_report(
            person=registry_cast.person("poor_kid"), school=cast.school_a, note="开学未报到", actor=None
        )
        case_report(
            person=registry_cast.person("hardship_kid"), school=cast.school_b, note="开学未报到", actor=None
        )

    log_in(page, "township_officer", PASSWORD)
    panel = page.get_by_test_id("dropout-panel")
    overdue = panel.get_by_test_id("overdue-cases").inner_text()
    assert "张小明" in overdue  # school_a, reported on 20 February, never verified
    assert "王芳" not in overdue  # school_b, another township
    _shot(page, "desktop-township-home")
    page.goto("/dropout/?ledger=suspected&overdue=1")
    names = page.get_by_test_id("case-table").inner_text()
    assert "张小明" in names and "王芳" not in names
    assert page.locator("[data-testid=case-row][data-overdue='1']").count() == 1
    _shot(page, "desktop-ledger-overdue")
    other = DropoutCase.objects.get(person=registry_cast.person("hardship_kid"))
    assert page.goto(f"/dropout/cases/{other.pk}/").status == 404
