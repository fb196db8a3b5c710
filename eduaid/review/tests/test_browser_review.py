"""The review journey in Chromium: the school officer confirms and publishes, an objection is raised and,
once the clock has passed the notice's end, resolved; the aid centre approves. Desktop and phone width."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from eduaid.aid.models import Entitlement
from eduaid.conftest import PASSWORD, RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.core.tests.test_browser import (  # noqa: F401 (fixtures)
    browser,
    go_nav,
    log_in,
    log_out,
    page,
    phone_page,
    submit,
)
from eduaid.review.models import Notice, Objection
from eduaid.review.tests.helpers import S, price_spring

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AFTER_THIS_END = dt.date(2024, 3, 25)  # the Monday after the notice published in the journey
SHOTS = Path("/tmp/shots/review")  # noqa: S108 (screenshots for a person to look at)


def shot(where: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    where.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _school_a_rows(registry_cast: RegistryCast) -> Any:
    return Entitlement.objects.filter(
        term=registry_cast.spring, school=registry_cast.cast.school_a, held=False
    )


def test_confirm_publish_object_resolve_approve(
    page: Any,  # noqa: F811
    phone_page: Any,  # noqa: F811
    registry_cast: RegistryCast,
) -> None:
    price_spring(registry_cast)
    rows = _school_a_rows(registry_cast)
    assert rows.count() >= 2

    # 学校审核: the school officer confirms the school's list in bulk, with a note.
    log_in(page, "school_officer", PASSWORD)
    assert page.get_by_test_id("review-panel").is_visible()
    go_nav(page, "review:school_review")
    shot(page, "1-school-review-desktop")
    page.get_by_test_id("select-all").click()
    page.get_by_test_id("confirm-note").fill("已与班级花名册核对")
    submit(page, "[data-testid=confirm-selected]")
    assert page.locator("[data-testid=message][data-level=success]").is_visible()
    assert set(rows.values_list("status", flat=True)) == {S.SCHOOL_CONFIRMED}

    # 公示: published from today, Friday 15 March (the test clock), until Friday 22 March.
    with page.expect_navigation():
        page.get_by_test_id("to-notices").click()
    assert page.locator("#starts_on").input_value() == "2024-03-15"
    submit(page, "[data-testid=publish]")
    assert set(rows.values_list("status", flat=True)) == {S.IN_NOTICE}
    notice = Notice.objects.get()
    assert notice.ends_on == dt.date(2024, 3, 22)
    assert page.get_by_test_id("public-link").is_visible()

    # 异议: recorded during the period.
    form = page.get_by_test_id("objection-form")
    form.locator("#objector").fill("东营村村民（电话反映）")
    form.locator("#content").fill("该生家庭经济条件较好，请核实")
    submit(page, "[data-testid=objection-submit]")
    assert page.get_by_test_id("objection").get_attribute("data-status") == "open"
    shot(page, "2-notice-with-objection-desktop")

    # The public link, without login, at phone width, during the period.
    public_url = f"/review/public/{notice.public_token}/"
    response = phone_page.goto(public_url)
    assert response.status == 200
    assert phone_page.get_by_test_id("public-row").count() == rows.count()
    shot(phone_page, "3-public-list-phone")

    with frozen_today(AFTER_THIS_END):
        # After the end day the link is gone, and the objection is resolved: dismissed after checking.
        assert phone_page.goto(public_url).status == 410
        assert "2024" in phone_page.get_by_test_id("notice-gone").inner_text()
        assert registry_cast.person("poor_kid").name not in phone_page.content()
        shot(phone_page, "4-public-gone-phone")
        page.reload()
        page.get_by_test_id("resolve-note").fill("经入户核实，反映情况不属实")
        submit(page, "[data-testid=dismiss]")
        assert Objection.objects.get().status == "dismissed"
        log_out(page)

        # 审批: the aid centre opens the approval page (which closes the notice) and approves.
        log_in(page, "aid_center", PASSWORD)
        with page.expect_navigation():
            page.get_by_test_id("panel-approval").click()
        table = page.get_by_test_id("approval-table")
        assert registry_cast.cast.school_a.name in table.inner_text()
        shot(page, "5-approval-desktop")
        submit(page, "[data-testid=approve]")
        assert set(rows.values_list("status", flat=True)) == {S.APPROVED}
        assert page.get_by_test_id("approval-empty").is_visible()

        # The same pages at phone width.
        log_in(phone_page, "aid_center", PASSWORD)
        phone_page.goto("/review/approval/")
        shot(phone_page, "6-approval-phone")
        phone_page.goto(f"/review/notices/{notice.pk}/")
        shot(phone_page, "7-notice-phone")
        phone_page.goto("/review/?school=college&term=2023-2024-2")
        shot(phone_page, "8-college-review-phone")
        phone_page.goto("/")
        shot(phone_page, "9-home-aid-centre-phone")


def test_the_calendar_and_the_missed_student_pages(
    page: Any,  # noqa: F811
    phone_page: Any,  # noqa: F811
    registry_cast: RegistryCast,
) -> None:
    # The administrator enters a 2027 holiday the official calendar does not know yet.
    log_in(page, "county_admin", PASSWORD)
    page.goto("/review/workdays/")
    page.get_by_test_id("workday-day").fill("2027-02-08")
    submit(page, "[data-testid=workday-save]")
    assert page.locator("[data-testid=workday-row][data-day='2027-02-08']").is_visible()
    shot(page, "10-workdays-desktop")

    # The school officer adds a pupil the match missed, with the evidence, at phone width.
    price_spring(registry_cast)
    log_in(phone_page, "school_officer", PASSWORD)
    shot(phone_page, "11-home-school-officer-phone")
    phone_page.goto("/review/add/")
    form = phone_page.get_by_test_id("manual-form")
    form.locator("#id_number").fill(registry_cast.person("cross_kid").id_number)
    form.locator("#item").select_option("living_day")
    form.locator("#evidence").fill("乡镇出具的脱贫户证明")
    shot(phone_page, "12-add-manual-phone")
    submit(phone_page, "[data-testid=manual-submit]")
    added = Entitlement.objects.get(person=registry_cast.person("cross_kid"), item_code="living_day")
    assert added.manual and added.amount_fen == 25000
    row = phone_page.locator(f"[data-testid=review-row][data-id='{added.pk}']")
    assert row.is_visible()
    shot(phone_page, "13-school-review-phone")
