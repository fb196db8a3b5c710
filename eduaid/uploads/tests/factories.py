"""Files and jobs for the upload tests, and a way to run what the services queued, in this process."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from eduaid.conftest import TEST_TODAY, Cast
from eduaid.core import idnumbers
from eduaid.uploads.models import ImportJob, ImportKind, JobStatus

SCHOOL_HEADER = ["学校标识码", "学校名称", "乡镇", "学校类型", "办学性质", "城乡", "是否寄宿制"]
SCHOOL_A = ["2141011001", "遂平县第一小学", "县直", "小学", "公办", "城区", "否"]
SCHOOL_B = ["3141011002", "文城乡第二初级中学", "文城乡", "初中", "公办", "乡村", "是"]
BAD_TOWNSHIP = ["2141011003", "不存在乡小学", "不存在乡", "小学", "公办", "乡村", "否"]
STUDENT_HEADER = ["姓名", "身份证号", "学籍号", "学校标识码", "学段", "年级", "班级", "是否住校", "学籍状态"]


def xlsx(header: list[str], rows: list[list[str]], sheet: str = "Sheet1") -> bytes:
    """A one-sheet workbook, header on row 1, every value written as text."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    worksheet = book.add_worksheet(sheet)
    worksheet.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            worksheet.write_string(number, col, value)
    book.close()
    return buffer.getvalue()


def schools_file(*rows: list[str]) -> bytes:
    return xlsx(SCHOOL_HEADER, list(rows or (SCHOOL_A, SCHOOL_B, BAD_TOWNSHIP)))


def student_id(sequence: int, born: dt.date = dt.date(2014, 6, 1)) -> str:
    return idnumbers.synthetic("411728", born, sequence)


def students_file(count: int = 3, school: str = SCHOOL_A[0]) -> bytes:
    rows = []
    for n in range(count):
        number = student_id(n + 1)
        rows.append(
            ["学生" + str(n + 1), number, "G" + number, school, "小学", "三年级", "1班", "否", "在读"]
        )
    return xlsx(STUDENT_HEADER, rows)


def upload(data: bytes, name: str = "学校名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def run_queued() -> int:
    """Run the queued tasks here, as the worker would (the worker-process test runs a real one)."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def queued(task_name: str) -> int:
    return DBTaskResult.objects.filter(task_path=f"eduaid.uploads.tasks.{task_name}").count()


def job_for(cast: Cast, **fields: Any) -> ImportJob:
    """A checked job of the county administrator's, with no stored files (for scope checks)."""
    values: dict[str, Any] = {
        "kind": ImportKind.SCHOOLS,
        "filename": "学校名单.xlsx",
        "file": "imports/scope-check.xlsx",
        "rejected_file": "imports/scope-check-rejected.xlsx",
        "as_of": TEST_TODAY,
        "status": JobStatus.CHECKED,
        "dry_run_report": {"rows": 1, "created": 1, "updated": 0, "unchanged": 0, "rejected": 0},
        "actor": cast.user("county_admin"),
    }
    values.update(fields)
    return ImportJob.objects.create(**values)


def dry(job: ImportJob) -> dict[str, Any]:
    assert job.dry_run_report is not None
    return job.dry_run_report


def done(job: ImportJob) -> dict[str, Any]:
    assert job.applied_report is not None
    return job.applied_report
