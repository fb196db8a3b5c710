"""Upload, dry run, confirm, apply: what each step writes, refuses, and leaves alone."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

import pytest
import python_calamine
from django.core.exceptions import PermissionDenied, ValidationError

from eduaid.conftest import TEST_TODAY, Cast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.org.models import School
from eduaid.registry.models import Enrolment
from eduaid.uploads.models import ImportJob, ImportKind, JobStatus, JobStep
from eduaid.uploads.services import job_confirm, job_create
from eduaid.uploads.spreadsheets import template_xlsx
from eduaid.uploads.tasks import apply_job
from eduaid.uploads.tests.factories import (
    BAD_TOWNSHIP,
    SCHOOL_A,
    SCHOOL_B,
    done,
    dry,
    queued,
    run_queued,
    schools_file,
    students_file,
    upload,
)

pytestmark = pytest.mark.django_db


CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def admin(cast: Cast) -> Any:
    return cast.user("county_admin")


def create(
    actor: Any, data: bytes, *, kind: str = ImportKind.SCHOOLS, name: str = "学校名单.xlsx", **kw: Any
) -> ImportJob:
    options = {"as_of": TEST_TODAY, "strict": False, **kw}
    return job_create(actor=actor, kind=kind, upload=upload(data, name), **options)


def checked(actor: Any, data: bytes, **kw: Any) -> ImportJob:
    job = create(actor, data, **kw)
    assert run_queued() == 1
    job.refresh_from_db()
    return job


def applied(actor: Any, job: ImportJob) -> ImportJob:
    job_confirm(actor=actor, job=job)
    assert run_queued() >= 1
    job.refresh_from_db()
    return job


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def counts(report: dict[str, Any]) -> tuple[int, ...]:
    return tuple(report[key] for key in ("rows", "created", "updated", "unchanged", "duplicates", "rejected"))


# --- the upload ----------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_naming_the_limit_and_nothing_is_stored(
    admin: Any, settings: Any, media: Path
) -> None:
    settings.EDUAID_UPLOAD_LIMIT_MB = 0.001  # about 1 KB; a workbook is several
    with pytest.raises(ValidationError) as refused:
        create(admin, schools_file())
    assert refused.value.code == "too_large"
    assert "0.001 MB" in refused.value.messages[0]
    assert ImportJob.objects.count() == 0
    assert stored_files(media) == []
    assert queued("check_job") == 0


def test_a_file_within_the_limit_is_stored_under_a_random_name(
    admin: Any, settings: Any, media: Path
) -> None:
    settings.EDUAID_UPLOAD_LIMIT_MB = 1
    job = create(admin, schools_file())
    assert job.status == JobStatus.UPLOADED
    assert job.filename == "学校名单.xlsx"
    assert re.fullmatch(r"imports/[0-9a-f]{32}\.xlsx", job.file.name)
    assert stored_files(media) == [media / job.file.name]
    assert queued("check_job") == 1
    upload_event = AuditEvent.objects.get(kind=AuditKind.IMPORT, object_id=str(job.pk))
    assert upload_event.detail["action"] == "upload" and upload_event.actor == admin


@pytest.mark.parametrize("name", ["学校名单.txt", "学校名单.pdf", "学校名单"])
def test_a_file_that_is_not_a_spreadsheet_is_refused(admin: Any, media: Path, name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        create(admin, schools_file(), name=name)
    assert refused.value.code == "extension"
    assert ImportJob.objects.count() == 0 and stored_files(media) == []


def test_the_extension_is_read_in_any_case(admin: Any) -> None:
    assert create(admin, schools_file(), name="SCHOOLS.XLSX").file.name.endswith(".xlsx")


def test_a_data_date_in_the_future_is_refused(admin: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        create(admin, schools_file(), as_of=TEST_TODAY.replace(day=16))
    assert refused.value.code == "as_of"


@pytest.mark.parametrize("role", ["leader", "inspector", "township_officer", "school_officer"])
def test_only_county_importers_may_upload(cast: Cast, role: str) -> None:
    with pytest.raises(PermissionDenied):
        create(cast.user(role), schools_file())


# --- the dry run ---------------------------------------------------------------------------------


def test_the_dry_run_reports_and_writes_nothing_to_the_live_tables(admin: Any, media: Path) -> None:
    schools_before = School.objects.count()
    job = checked(admin, schools_file())
    assert job.status == JobStatus.CHECKED and job.step == JobStep.DONE
    assert counts(dry(job)) == (3, 2, 0, 0, 0, 1)
    assert dry(job)["dry_run"] is True and dry(job)["applied"] is False
    assert job.counts == {
        "rows": 3,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "duplicates": 0,
        "rejected": 1,
    }
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert School.objects.count() == schools_before
    [error] = dry(job)["errors"]
    assert (error["row"], error["column"], error["value"]) == (4, "乡镇", "不存在乡")
    assert job.applied_report is None


def test_the_rejected_rows_are_stored_beside_the_file_with_a_reason_column(admin: Any, media: Path) -> None:
    job = checked(admin, schools_file())
    assert job.rejected_file.name == job.file.name.replace(".xlsx", "-rejected.xlsx")
    sheet = python_calamine.CalamineWorkbook.from_filelike(
        io.BytesIO((media / job.rejected_file.name).read_bytes())
    )
    rows = sheet.get_sheet_by_index(0).to_python()
    assert rows[0][:7] == ["学校标识码", "学校名称", "乡镇", "学校类型", "办学性质", "城乡", "是否寄宿制"]
    assert rows[1][:3] == BAD_TOWNSHIP[:3]
    assert "乡镇" in str(rows[1][7])


def test_a_file_without_a_rejected_row_has_no_rejected_workbook(admin: Any) -> None:
    job = checked(admin, schools_file(SCHOOL_A, SCHOOL_B))
    assert job.status == JobStatus.CHECKED and not job.rejected_file


def test_an_unreadable_file_fails_with_the_reason_and_cannot_be_confirmed(admin: Any) -> None:
    job = checked(admin, b"this is not a workbook", name="学校名单.xlsx")
    assert job.status == JobStatus.FAILED
    assert job.message == dry(job)["errors"][0]["reason"]
    assert dry(job)["errors"][0]["row"] is None
    with pytest.raises(ValidationError):
        job_confirm(actor=admin, job=job)


def test_a_broken_job_fails_with_a_message_in_chinese_not_a_traceback(
    admin: Any, media: Path, caplog: pytest.LogCaptureFixture
) -> None:
    job = create(admin, schools_file())
    (media / job.file.name).unlink()  # the stored file vanished before the worker came
    with caplog.at_level(logging.ERROR, logger="eduaid.uploads.tasks"):
        run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert CHINESE.search(job.message), job.message
    assert str(job.pk) in job.message
    assert "Traceback" not in job.message and "FileNotFoundError" not in job.message
    assert "FileNotFoundError" in caplog.text  # the traceback goes to the log
    assert AuditEvent.objects.filter(kind=AuditKind.IMPORT, detail__action="failed").count() == 1


# --- confirm and apply ---------------------------------------------------------------------------


def test_confirming_applies_the_valid_rows(admin: Any) -> None:
    job = applied(admin, checked(admin, schools_file()))
    assert job.status == JobStatus.APPLIED and job.confirmed_by == admin
    assert counts(done(job)) == (3, 2, 0, 0, 0, 1)
    assert done(job)["applied"] is True
    assert set(School.objects.values_list("code", flat=True)) >= {SCHOOL_A[0], SCHOOL_B[0]}
    assert not School.objects.filter(code=BAD_TOWNSHIP[0]).exists()
    actions = AuditEvent.objects.filter(kind=AuditKind.IMPORT, object_id=str(job.pk)).values_list(
        "detail__action", flat=True
    )
    assert set(actions) == {"upload", "confirm"}
    assert job.match_run is None  # the school list does not trigger the 比对


def test_a_double_confirm_applies_once(admin: Any) -> None:
    job = checked(admin, schools_file(SCHOOL_A))
    job_confirm(actor=admin, job=job)
    with pytest.raises(ValidationError) as refused:
        job_confirm(actor=admin, job=job)  # the second click
    assert "already" in refused.value.messages[0] or CHINESE.search(refused.value.messages[0])
    assert queued("apply_job") == 1
    run_queued()
    apply_job.call(job.pk)  # a task delivered twice does nothing the second time
    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED
    assert counts(done(job)) == (1, 1, 0, 0, 0, 0)
    assert School.history.filter(code=SCHOOL_A[0]).count() == 1


def test_confirming_before_the_dry_run_has_finished_is_refused(admin: Any) -> None:
    job = create(admin, schools_file())
    with pytest.raises(ValidationError):
        job_confirm(actor=admin, job=job)
    assert queued("apply_job") == 0


def test_strict_refuses_to_confirm_a_file_with_rejected_rows(admin: Any) -> None:
    job = checked(admin, schools_file(), strict=True)
    assert job.status == JobStatus.CHECKED and dry(job)["rejected"] == 1
    with pytest.raises(ValidationError) as refused:
        job_confirm(actor=admin, job=job)
    assert refused.value.code == "refused"
    assert queued("apply_job") == 0
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED
    assert not School.objects.filter(code__in=[SCHOOL_A[0], SCHOOL_B[0]]).exists()


def test_strict_applies_a_fully_valid_file(admin: Any) -> None:
    job = applied(admin, checked(admin, schools_file(SCHOOL_A, SCHOOL_B), strict=True))
    assert job.status == JobStatus.APPLIED and done(job)["created"] == 2


def test_a_file_without_one_valid_row_cannot_be_confirmed(admin: Any) -> None:
    job = checked(admin, schools_file(BAD_TOWNSHIP))
    with pytest.raises(ValidationError):
        job_confirm(actor=admin, job=job)


def test_re_importing_the_same_file_changes_nothing(admin: Any) -> None:
    applied(admin, checked(admin, schools_file()))
    history = School.history.count()
    again = applied(admin, checked(admin, schools_file()))
    assert counts(dry(again)) == (3, 0, 0, 2, 0, 1)
    assert counts(done(again)) == (3, 0, 0, 2, 0, 1)
    assert School.history.count() == history


def test_a_students_file_is_applied_as_of_its_date_and_the_match_runs_for_that_term(admin: Any) -> None:
    applied(admin, checked(admin, schools_file(SCHOOL_A)))
    job = checked(
        admin, students_file(3), kind=ImportKind.STUDENTS, name="学籍.xlsx", as_of=TEST_TODAY.replace(day=1)
    )
    assert counts(dry(job)) == (3, 3, 0, 0, 0, 0), dry(job)["errors"]
    assert Enrolment.objects.count() == 0
    job = applied(admin, job)
    assert job.status == JobStatus.APPLIED, job.message
    assert Enrolment.objects.count() == 3
    assert job.match_run is not None
    assert job.match_run.term.code == "2023-2024-2"  # 1 March 2024 lies in the spring term
    assert job.match_run.actor == admin


def test_a_registry_template_is_applied_and_matched(admin: Any) -> None:
    job = applied(
        admin,
        checked(admin, template_xlsx(ImportKind.REGISTRY), kind=ImportKind.REGISTRY, name="监测户.xlsx"),
    )
    assert job.status == JobStatus.APPLIED, job.message
    assert counts(done(job)) == (1, 1, 0, 0, 0, 0)
    assert job.match_run is not None and job.match_run.term.code == "2023-2024-2"
