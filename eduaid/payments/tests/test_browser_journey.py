"""The whole journey in Chromium, in one test (issue 5 item 9): the school officer confirms and publishes
the 公示 notice, an objection is raised and resolved after the notice's end, the aid centre approves,
builds a payment batch, downloads the bank file and applies a return file with one failed line; the
school officer corrects that account; the next batch re-issues the failed line (已重发) and its return
file marks it paid. The two halves are the steps of `test_browser_review` and `test_browser_payments`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

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
from eduaid.payments import ledger
from eduaid.payments.models import LineStatus, PaymentBatch
from eduaid.payments.services_batches import county_cash
from eduaid.payments.tests import factories as f
from eduaid.review.models import Notice, Objection
from eduaid.review.tests.helpers import S, price_spring

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AFTER_THIS_END = dt.date(2024, 3, 25)  # the Monday after the notice published in the journey
SPRING = "2023-2024-2"


def _upload_return(tab: Any, content: bytes) -> None:
    """As in `test_browser_payments`, processed on a day the frozen clock has reached."""
    form = tab.get_by_test_id("return-form")
    form.locator("input[type=file]").set_input_files(
        {"name": "回盘.xlsx", "mimeType": "application/octet-stream", "buffer": content}
    )
    form.locator("input[type=date]").fill(AFTER_THIS_END.isoformat())
    submit(tab, "[data-testid=return-check]")


def _apply_return(tab: Any, content: bytes) -> None:
    _upload_return(tab, content)
    submit(tab, "[data-testid=return-apply]")
    tab.get_by_test_id("applied").wait_for()


def _build_batch(tab: Any) -> PaymentBatch:
    tab.goto(reverse("payments:index"))
    tab.get_by_test_id("batch-form").locator("select").select_option(SPRING)
    submit(tab, "[data-testid=batch-build]")
    batch = PaymentBatch.objects.order_by("-pk").first()
    assert batch is not None
    assert tab.get_by_test_id("line-row").count() == batch.line_count
    return batch


def test_from_school_confirmation_to_a_reissued_payment(
    page: Any,  # noqa: F811
    phone_page: Any,  # noqa: F811
    registry_cast: RegistryCast,
) -> None:
    school_a = registry_cast.cast.school_a
    price_spring(registry_cast)
    rows = Entitlement.objects.filter(term=registry_cast.spring, school=school_a, held=False)
    assert rows.count() >= 2

    # 学校审核: the school officer confirms the school's list in bulk, with a note.
    log_in(page, "school_officer", PASSWORD)
    go_nav(page, "review:school_review")
    page.get_by_test_id("select-all").click()
    page.get_by_test_id("confirm-note").fill("已与班级花名册核对")
    submit(page, "[data-testid=confirm-selected]")
    assert page.locator("[data-testid=message][data-level=success]").is_visible()
    assert set(rows.values_list("status", flat=True)) == {S.SCHOOL_CONFIRMED}

    # 公示: published from today, Friday 15 March (the test clock), until Friday 22 March.
    with page.expect_navigation():
        page.get_by_test_id("to-notices").click()
    submit(page, "[data-testid=publish]")
    assert set(rows.values_list("status", flat=True)) == {S.IN_NOTICE}
    assert Notice.objects.get().ends_on == dt.date(2024, 3, 22)

    # 异议: recorded during the period.
    form = page.get_by_test_id("objection-form")
    form.locator("#objector").fill("东营村村民（电话反映）")
    form.locator("#content").fill("该生家庭经济条件较好，请核实")
    submit(page, "[data-testid=objection-submit]")
    assert page.get_by_test_id("objection").get_attribute("data-status") == "open"

    with frozen_today(AFTER_THIS_END):
        # After the end day the objection is resolved: dismissed after checking.
        page.reload()
        page.get_by_test_id("resolve-note").fill("经入户核实，反映情况不属实")
        submit(page, "[data-testid=dismiss]")
        assert Objection.objects.get().status == "dismissed"
        log_out(page)

        # 审批: the aid centre opens the approval page (which closes the notice) and approves.
        log_in(page, "aid_center", PASSWORD)
        with page.expect_navigation():
            page.get_by_test_id("panel-approval").click()
        assert school_a.name in page.get_by_test_id("approval-table").inner_text()
        submit(page, "[data-testid=approve]")
        assert set(rows.values_list("status", flat=True)) == {S.APPROVED}
        assert page.get_by_test_id("approval-empty").is_visible()

        # Every student with county cash to receive has a card of their own.
        cash = rows.filter(county_cash())
        assert cash.exists()
        students = sorted({e.person for e in cash.select_related("person")}, key=lambda p: p.pk)
        for n, person in enumerate(students, start=1):
            assert person.id_number, person
            f.give_account(person, n)

        # 发放: the first batch holds every approved county-cash entitlement of school_a.
        first = _build_batch(page)
        assert first.line_count == cash.count()
        with page.expect_download() as download:
            page.get_by_test_id("bank-file").click()
        assert download.value.suggested_filename.endswith(".xlsx")

        # 对账: the bank pays every line but the first, whose account was closed.
        _apply_return(page, f.xlsx(f.RETURN_HEADERS, f.return_rows(first, {1: "账户已销户"})))
        failed = first.lines.get(serial=1)
        assert failed.status == LineStatus.FAILED
        assert failed.school_id == school_a.pk
        page.goto(reverse("payments:failed_queue"))
        assert page.get_by_test_id("failed-row").count() == 1

        # The school officer corrects the failed account at phone width.
        log_in(phone_page, "school_officer", PASSWORD)
        phone_page.goto(reverse("payments:failed_queue"))
        submit(phone_page, "[data-testid=correct]")
        phone_page.locator("#id_number").fill(f.card_number(888))
        submit(phone_page, "[data-testid=account-save]")
        phone_page.get_by_test_id("account-card").wait_for()
        phone_page.goto(reverse("payments:failed_queue"))
        assert phone_page.get_by_test_id("corrected").count() == 1

        # 重发: the next batch holds exactly the corrected line; the old line shows as re-issued.
        second = _build_batch(page)
        assert second.pk != first.pk and second.line_count == 1
        line = second.lines.get()
        assert line.entitlement_id == failed.entitlement_id
        assert line.account_number == f.card_number(888)
        failed.refresh_from_db()
        assert failed.status == LineStatus.REISSUED and failed.reissued_as_id == line.pk
        page.goto(reverse("payments:batch_detail", args=[first.pk]))
        old = page.locator("[data-testid=line-row][data-serial='1']")
        assert old.get_by_test_id("line-status").get_attribute("data-status") == "reissued"
        assert second.number in old.inner_text()

        # The re-issue batch's return file marks it paid.
        page.goto(reverse("payments:batch_detail", args=[second.pk]))
        _apply_return(page, f.return_file(second))
        page.goto(reverse("payments:batch_detail", args=[second.pk]))
        assert page.get_by_test_id("batch-status").get_attribute("data-status") == "reconciled"

    assert set(cash.values_list("status", flat=True)) == {S.PAID}
    assert first.lines.get(serial=1).status == LineStatus.REISSUED
    assert second.lines.get().status == LineStatus.PAID
    verdict = ledger.verify()
    assert verdict.ok, verdict.as_dict()
