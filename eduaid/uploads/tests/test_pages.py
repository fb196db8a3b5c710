"""The import pages: who may open them, the upload form, the dry-run report, confirm, downloads."""

from __future__ import annotations

import io
from typing import Any

import pytest
import python_calamine
from django.test import Client
from django.urls import reverse

from eduaid.conftest import TEST_TODAY, Cast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.uploads.models import ImportJob, ImportKind, JobStatus
from eduaid.uploads.tests.factories import (
    SCHOOL_A,
    SCHOOL_HEADER,
    dry,
    job_for,
    queued,
    run_queued,
    schools_file,
    student_id,
    xlsx,
)

pytestmark = pytest.mark.django_db


OUTSIDERS = ["leader", "inspector", "township_officer", "school_officer", "teacher", "village_team"]


def client_for(cast: Cast, role: str) -> Client:
    client = Client()
    client.force_login(cast.user(role))
    return client


def post_file(client: Client, data: bytes, name: str = "学校名单.xlsx", **fields: Any) -> Any:
    form = {"kind": ImportKind.SCHOOLS, "as_of": TEST_TODAY.isoformat(), **fields}
    return client.post(reverse("uploads:index"), {**form, "file": _named(data, name)})


def _named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def checked_job(client: Client, data: bytes, **fields: Any) -> ImportJob:
    response = post_file(client, data, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    run_queued()
    return ImportJob.objects.latest("pk")


@pytest.fixture
def admin(cast: Cast) -> Client:
    return client_for(cast, "county_admin")


# --- who may import ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", OUTSIDERS)
def test_other_roles_may_not_open_the_import_pages(cast: Cast, role: str) -> None:
    client = client_for(cast, role)
    assert client.get(reverse("uploads:index")).status_code == 403
    assert client.get(reverse("uploads:template_schools")).status_code == 403
    assert post_file(client, schools_file()).status_code == 403
    assert ImportJob.objects.count() == 0
    assert 'data-nav="uploads:index"' not in client.get("/").content.decode()


@pytest.mark.parametrize("role", OUTSIDERS)
def test_other_roles_do_not_find_a_job(cast: Cast, role: str) -> None:
    job = job_for(cast)
    client = client_for(cast, role)
    assert client.get(reverse("uploads:job_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("uploads:job_confirm", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED


@pytest.mark.parametrize("role", ["county_admin", "aid_center"])
def test_county_importers_see_the_menu_entry_and_each_others_jobs(cast: Cast, role: str) -> None:
    job = job_for(cast)
    client = client_for(cast, role)
    assert 'data-nav="uploads:index"' in client.get("/").content.decode()
    assert client.get(reverse("uploads:job_detail", args=[job.pk])).status_code == 200
    assert job.filename in client.get(reverse("uploads:index")).content.decode()


def test_login_is_required(client: Client, cast: Cast) -> None:
    job = job_for(cast)
    for url in (reverse("uploads:index"), reverse("uploads:job_detail", args=[job.pk])):
        assert client.get(url).status_code == 302


# --- the upload form -----------------------------------------------------------------------------


def test_the_form_offers_the_four_kinds_and_todays_date(admin: Client) -> None:
    page = admin.get(reverse("uploads:index")).content.decode()
    for kind in ImportKind.values:
        assert f'value="{kind}"' in page
        assert reverse(f"uploads:template_{kind}") in page
    assert f'value="{TEST_TODAY.isoformat()}"' in page
    assert 'name="strict"' in page


def test_uploading_queues_the_dry_run_and_shows_the_job(admin: Client) -> None:
    response = post_file(admin, schools_file())
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "uploads:job_detail", args=[job.pk]
    )
    assert queued("check_job") == 1
    page = admin.get(response["Location"]).content.decode()
    assert 'data-testid="job-progress"' in page
    assert f'hx-get="{reverse("uploads:job_status", args=[job.pk])}"' in page


def test_a_file_over_the_limit_is_refused_on_the_form(admin: Client, settings: Any) -> None:
    settings.EDUAID_UPLOAD_LIMIT_MB = 0.001
    response = post_file(admin, schools_file())
    assert response.status_code == 200
    assert "0.001 MB" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_file_of_another_type_is_refused_on_the_form(admin: Client) -> None:
    response = post_file(admin, b"%PDF-1.4", name="名单.pdf")
    assert response.status_code == 200 and "名单.pdf" in response.content.decode()
    assert ImportJob.objects.count() == 0


# --- progress, dry run, confirm ------------------------------------------------------------------


def test_the_progress_partial_polls_while_running_and_reloads_the_page_when_done(admin: Client) -> None:
    post_file(admin, schools_file())
    job = ImportJob.objects.get()
    url = reverse("uploads:job_status", args=[job.pk])
    running = admin.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "HX-Refresh" not in running
    run_queued()
    done = admin.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    assert "hx-trigger" not in done.content.decode()


def test_the_dry_run_lists_each_rejected_row_with_its_column_and_reason(admin: Client) -> None:
    job = checked_job(admin, schools_file())
    page = admin.get(reverse("uploads:job_detail", args=[job.pk])).content.decode()
    assert 'data-kind="dry-run"' in page
    assert 'data-count="rows">3<' in page and 'data-count="created">2<' in page
    assert 'data-count="rejected">1<' in page
    assert '<td class="text-end" data-cell="row">4</td>' in page
    assert '<td data-cell="column">乡镇</td>' in page
    assert dry(job)["errors"][0]["reason"] in page
    assert 'data-testid="confirm"' in page
    assert reverse("uploads:rejected_download", args=[job.pk]) in page


def test_confirm_queues_the_apply_once_and_the_page_shows_what_was_done(admin: Client) -> None:
    job = checked_job(admin, schools_file())
    url = reverse("uploads:job_confirm", args=[job.pk])
    assert admin.post(url).status_code == 302
    second = admin.post(url, follow=True)
    assert 'data-level="error"' in second.content.decode()
    assert queued("apply_job") == 1
    run_queued()
    page = admin.get(reverse("uploads:job_detail", args=[job.pk])).content.decode()
    assert 'data-kind="applied"' in page and 'data-status="applied"' in page
    assert 'data-count="created">2<' in page
    assert 'data-testid="confirm"' not in page


def test_confirm_is_post_only(admin: Client, cast: Cast) -> None:
    job = job_for(cast)
    assert admin.get(reverse("uploads:job_confirm", args=[job.pk])).status_code == 405


def test_strict_shows_why_the_file_cannot_be_confirmed(admin: Client) -> None:
    job = checked_job(admin, schools_file(), strict="on")
    page = admin.get(reverse("uploads:job_detail", args=[job.pk])).content.decode()
    assert 'data-testid="confirm-refusal"' in page
    assert 'data-testid="confirm"' not in page


def test_a_failed_job_shows_its_message(admin: Client) -> None:
    job = checked_job(admin, b"not a workbook")
    page = admin.get(reverse("uploads:job_detail", args=[job.pk])).content.decode()
    assert 'data-status="failed"' in page
    assert job.message and job.message in page


def test_long_lists_of_rejected_rows_are_paginated(admin: Client) -> None:
    bad = [[f"21410{n:05d}", f"学校{n}", "不存在乡", "小学", "公办", "乡村", "否"] for n in range(60)]
    job = checked_job(admin, xlsx(SCHOOL_HEADER, [SCHOOL_A, *bad]))
    url = reverse("uploads:job_detail", args=[job.pk])
    first = admin.get(url).content.decode()
    second = admin.get(url, {"page": 2}).content.decode()
    assert first.count('data-cell="row"') == 50
    assert second.count('data-cell="row"') == 10
    assert '<td class="text-end" data-cell="row">62</td>' in second


def test_id_numbers_in_rejected_values_are_masked(admin: Client) -> None:
    number = student_id(1)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")  # a bad check digit
    data = xlsx(
        ["姓名", "身份证号", "学校标识码", "学段", "年级"], [["张三", wrong, "2141011001", "小学", "三年级"]]
    )
    job = checked_job(admin, data, kind=ImportKind.STUDENTS)
    page = admin.get(reverse("uploads:job_detail", args=[job.pk])).content.decode()
    assert wrong not in page
    assert wrong[:6] + "********" + wrong[-4:] in page


# --- downloads -----------------------------------------------------------------------------------


def test_the_rejected_rows_download_is_a_workbook_and_audited(admin: Client, cast: Cast) -> None:
    job = checked_job(admin, schools_file())
    response = admin.get(reverse("uploads:rejected_download", args=[job.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert book.get_sheet_by_index(0).to_python()[1][2] == "不存在乡"
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT, object_id=str(job.pk))
    assert event.actor == cast.user("county_admin") and event.detail["rows"] == 1


def test_there_is_no_rejected_rows_download_when_every_row_was_valid(admin: Client) -> None:
    job = checked_job(admin, schools_file(SCHOOL_A))
    assert admin.get(reverse("uploads:rejected_download", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("kind", ImportKind.values)
def test_each_template_downloads_as_a_workbook(admin: Client, kind: str) -> None:
    response = admin.get(reverse(f"uploads:template_{kind}"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]


def test_the_history_lists_who_imported_what_and_the_counts(admin: Client) -> None:
    job = checked_job(admin, schools_file())
    page = admin.get(reverse("uploads:index")).content.decode()
    row = page[page.index(f'data-job="{job.pk}"') :].split("</tr>")[0]
    assert "学校名单.xlsx" in row and TEST_TODAY.isoformat() in row and "测试county_admin" in row
    assert 'data-status="checked"' in row
    assert ">3<" in row and ">2<" in row
