"""The import as a county administrator does it, in Chromium, with a real worker process beside the server."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eduaid.conftest import PASSWORD, TEST_TODAY, Cast
from eduaid.core.tests.test_browser import browser, go_nav, log_in, page, submit  # noqa: F401 (fixtures)
from eduaid.org.models import School
from eduaid.uploads.tests.factories import SCHOOL_A, SCHOOL_B, schools_file
from eduaid.uploads.worker import stop_worker, worker_command, worker_env

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHINESE = re.compile(r"[\u4e00-\u9fff]")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKER_WAIT_MS = 60_000  # the longest a step may wait for the worker


@pytest.fixture
def worker(tmp_path: Path, media: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`eduaid db_worker` polling the test database, as it runs beside the web server in the demo."""
    env = worker_env({"EDUAID_DATA_DIR": str(tmp_path), "EDUAID_TODAY": TEST_TODAY.isoformat()})
    process = subprocess.Popen(worker_command("--interval", "0.2", "--no-startup-delay"), env=env)
    yield process
    stop_worker(process)


def test_county_admin_checks_a_file_sees_the_rejected_row_and_confirms(
    page: Any,  # noqa: F811 (the fixture)
    cast: Cast,
    worker: subprocess.Popen[bytes],
) -> None:
    log_in(page, "county_admin", PASSWORD)
    go_nav(page, "uploads:index")
    form = page.get_by_test_id("upload-form")
    form.locator("#id_kind").select_option("schools")
    form.locator("#id_file").set_input_files(
        {"name": "学校名单.xlsx", "mimeType": XLSX, "buffer": schools_file()}
    )
    submit(page, "[data-testid=upload]")

    # The job page polls the worker's progress and reloads when the dry run is done.
    report = page.locator("[data-testid=job-report][data-kind=dry-run]")
    report.wait_for(timeout=WORKER_WAIT_MS)
    assert page.locator("[data-count=rows]").inner_text() == "3"
    assert page.locator("[data-count=created]").inner_text() == "2"
    assert page.locator("[data-count=rejected]").inner_text() == "1"
    rejected = page.get_by_test_id("error-table").locator("tbody tr")
    assert rejected.count() == 1
    assert rejected.locator("[data-cell=row]").inner_text() == "4"
    assert rejected.locator("[data-cell=column]").inner_text() == "乡镇"
    assert rejected.locator("[data-cell=value]").inner_text() == "不存在乡"
    assert CHINESE.search(rejected.locator("[data-cell=reason]").inner_text())
    assert page.get_by_test_id("rejected-download").is_visible()
    assert not School.objects.filter(code__in=[SCHOOL_A[0], SCHOOL_B[0]]).exists()

    submit(page, "[data-testid=confirm]")
    page.locator("[data-testid=job-report][data-kind=applied]").wait_for(timeout=WORKER_WAIT_MS)
    assert page.get_by_test_id("job-status").get_attribute("data-status") == "applied"
    assert page.locator("[data-count=created]").inner_text() == "2"
    assert page.get_by_test_id("confirm").count() == 0
    assert School.objects.filter(code__in=[SCHOOL_A[0], SCHOOL_B[0]]).count() == 2

    go_nav(page, "uploads:index")
    history = page.get_by_test_id("job-table").locator("tbody tr").first
    assert "学校名单.xlsx" in history.inner_text()
    assert history.get_by_test_id("job-status").get_attribute("data-status") == "applied"


def _upload_and_confirm(page: Any, kind: str, name: str, data: bytes) -> None:  # noqa: F811
    go_nav(page, "uploads:index")
    form = page.get_by_test_id("upload-form")
    form.locator("#id_kind").select_option(kind)
    form.locator("#id_file").set_input_files({"name": name, "mimeType": XLSX, "buffer": data})
    submit(page, "[data-testid=upload]")
    page.locator("[data-testid=job-report][data-kind=dry-run]").wait_for(timeout=WORKER_WAIT_MS)
    assert page.locator("[data-count=rejected]").inner_text() == "0"
    submit(page, "[data-testid=confirm]")
    page.locator("[data-testid=job-report][data-kind=applied]").wait_for(timeout=WORKER_WAIT_MS)


def test_registry_and_enrolment_uploads_end_in_the_findings(
    page: Any,  # noqa: F811 (the fixture)
    cast: Cast,
    worker: subprocess.Popen[bytes],
) -> None:
    """Upload → dry run → confirm for both registries; the match that follows shows who needs help."""
    from eduaid.core import idnumbers
    from eduaid.uploads.tests.factories import xlsx

    parent = idnumbers.synthetic("412823", dt.date(1984, 2, 2), 1)
    pupil = idnumbers.synthetic("411728", dt.date(2014, 6, 1), 2)
    out_of_school = idnumbers.synthetic("411728", dt.date(2012, 5, 5), 3)
    registry = xlsx(
        [
            "户编号",
            "姓名",
            "证件号码",
            "与户主关系",
            "户类型",
            "监测对象类别",
            "是否享受政策",
            "乡镇",
            "行政村",
        ],
        [
            ["H1", name, number, relation, "脱贫户", "", "是", cast.township_a.name, cast.village_a.name]
            for name, number, relation in (
                ("李建国", parent, "户主"),
                ("李小雨", pupil, "子女"),
                ("李小山", out_of_school, "子女"),
            )
        ],
    )
    students = xlsx(
        ["姓名", "身份证号", "学籍号", "学校标识码", "学段", "年级", "班级", "是否住校", "学籍状态"],
        [["李小雨", pupil, "G" + pupil, cast.school_a.code, "小学", "三年级", "1班", "否", "在读"]],
    )
    log_in(page, "county_admin", PASSWORD)
    _upload_and_confirm(page, "registry", "防返贫监测户.xlsx", registry)
    _upload_and_confirm(page, "students", "学籍.xlsx", students)

    go_nav(page, "matching:findings")
    assert page.locator("[data-summary=eligible]").inner_text() == "1"
    assert page.locator("[data-summary=dropouts]").inner_text() == "1"
    dropout = page.locator("[data-testid=finding-row][data-kind=suspected_dropout]")
    assert dropout.count() == 1
    assert "李小山" in dropout.inner_text()
    assert out_of_school not in page.content()  # IDs are masked on the page
