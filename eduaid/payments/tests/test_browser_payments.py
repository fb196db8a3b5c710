"""The payment round in Chromium: build a batch, download the bank file, a return file rejected and then
applied with one failure, the failed queue, the school officer's account pages, the aid centre's home.

Screenshots go to /tmp/shots/payments/ at desktop and phone width for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from eduaid.conftest import PASSWORD, RegistryCast
from eduaid.core.tests.test_browser import browser, log_in, page, phone_page, submit  # noqa: F401 (fixtures)
from eduaid.payments.models import LineStatus, PaymentBatch
from eduaid.payments.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ.get("EDUAID_SHOTS", "/tmp/shots")) / "payments"  # noqa: S108 (a place to look at)
LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.fixture
def catalogue(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Until the lead merges `_pending/payments.po` into the catalogue, merge it here (where the gettext
    tools exist) so that the screenshots show the Chinese a user will see."""
    pending = LOCALE / "_pending" / "payments.po"
    main = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
    if pending.exists() and shutil.which("msgcat") and shutil.which("msgfmt"):
        target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
        target.mkdir(parents=True)
        merged = target / "django.po"
        subprocess.run(["msgcat", "--use-first", "-o", str(merged), str(main), str(pending)], check=True)  # noqa: S603, S607
        subprocess.run(["msgfmt", "-o", str(target / "django.mo"), str(merged)], check=True)  # noqa: S603, S607
        settings.LOCALE_PATHS = [tmp_path / "locale"]
    yield


def _shot(tab: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _upload_return(tab: Any, content: bytes) -> None:
    form = tab.get_by_test_id("return-form")
    form.locator("input[type=file]").set_input_files(
        {"name": "回盘.xlsx", "mimeType": "application/octet-stream", "buffer": content}
    )
    form.locator("input[type=date]").fill("2023-10-20")
    submit(tab, "[data-testid=return-check]")


def test_the_aid_centre_pays_a_term_and_a_school_officer_corrects_a_failed_account(
    page: Any,  # noqa: F811
    phone_page: Any,  # noqa: F811
    registry_cast: RegistryCast,
    catalogue: None,
) -> None:
    f.approved_with_accounts(registry_cast)
    f.give_account(registry_cast.person("marginal_kid"), 40, holder=registry_cast.person("unstable_kid"))
    log_in(page, "aid_center", PASSWORD)
    page.goto(reverse("payments:index"))
    page.get_by_test_id("batch-form").locator("select").select_option("2023-2024-1")
    submit(page, "[data-testid=batch-build]")
    batch = PaymentBatch.objects.get()
    assert page.get_by_test_id("line-row").count() == batch.line_count
    _shot(page, "batch_detail_desktop")

    with page.expect_download() as download:
        page.get_by_test_id("bank-file").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    rows = f.return_rows(batch, {1: "账户已销户"})
    wrong = [row[:] for row in rows]
    wrong[0][0] = "99"
    _upload_return(page, f.xlsx(f.RETURN_HEADERS, wrong))
    page.get_by_test_id("rejected").wait_for()
    assert page.get_by_test_id("error-table").locator("[data-cell=value]").first.inner_text() == "99"
    _shot(page, "return_rejected_desktop")

    page.goto(reverse("payments:batch_detail", args=[batch.pk]))
    _upload_return(page, f.xlsx(f.RETURN_HEADERS, rows))
    submit(page, "[data-testid=return-apply]")
    page.get_by_test_id("applied").wait_for()
    _shot(page, "return_applied_desktop")
    assert batch.lines.filter(status=LineStatus.FAILED).count() == 1

    page.goto(reverse("payments:failed_queue"))
    assert page.get_by_test_id("failed-row").count() == 1
    _shot(page, "failed_queue_desktop")
    page.goto(reverse("core:home"))
    page.get_by_test_id("payments-panel").wait_for()
    _shot(page, "home_panel_desktop")
    page.goto(reverse("payments:timeliness") + "?term=2023-2024-1")
    _shot(page, "timeliness_desktop")
    page.goto(reverse("payments:account_list"))
    _shot(page, "account_list_desktop")

    failed = batch.lines.get(serial=1)
    log_in(phone_page, "school_officer", PASSWORD)
    phone_page.goto(reverse("payments:index"))
    _shot(phone_page, "account_list_phone")
    phone_page.goto(reverse("payments:failed_queue"))
    _shot(phone_page, "failed_queue_phone")
    if failed.school_id == registry_cast.cast.school_a.pk:
        submit(phone_page, "[data-testid=correct]")
        phone_page.locator("#id_number").fill(f.card_number(888))
        _shot(phone_page, "account_edit_phone")
        submit(phone_page, "[data-testid=account-save]")
        phone_page.get_by_test_id("account-card").wait_for()
        _shot(phone_page, "account_detail_phone")
        phone_page.goto(reverse("payments:failed_queue"))
        assert phone_page.get_by_test_id("corrected").count() == 1
    flagged = registry_cast.person("marginal_kid")
    phone_page.goto(reverse("payments:account_detail", args=[flagged.pk]))
    assert phone_page.locator("[data-testid=flag][data-open='1']").count() == 1
    _shot(phone_page, "account_flagged_phone")
    phone_page.locator("textarea[name=reason]").fill("母亲外出务工，由舅舅代管，已核实")
    submit(phone_page, "[data-testid=resolve]")
    assert phone_page.locator("[data-testid=flag][data-open='0']").count() == 1

    page.goto(reverse("payments:batch_list"))
    _shot(page, "batch_list_desktop")
    phone_page.context.clear_cookies()  # log out (the phone's menu is folded away)
    log_in(phone_page, "aid_center", PASSWORD)
    for name, url in (
        ("batch_list", reverse("payments:batch_list")),
        ("batch_detail", reverse("payments:batch_detail", args=[batch.pk])),
        ("home_panel", reverse("core:home")),
        ("timeliness", reverse("payments:timeliness") + "?term=2023-2024-1"),
    ):
        phone_page.goto(url)
        _shot(phone_page, f"{name}_phone")
