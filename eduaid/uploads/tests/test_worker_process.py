"""Imports run through a real `eduaid db_worker` process, on the test database (SQLite: a file).

Transactional: the worker is another process and sees committed rows only. `serialized_rollback`
brings back the townships and villages that the migrations load, which the flush would erase.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from eduaid.conftest import TEST_TODAY, Cast
from eduaid.org.models import School
from eduaid.registry.models import Enrolment
from eduaid.uploads.models import ImportJob, ImportKind, JobStatus
from eduaid.uploads.services import job_confirm, job_create
from eduaid.uploads.tests.factories import SCHOOL_A, SCHOOL_B, done, dry, schools_file, students_file, upload
from eduaid.uploads.worker import worker_command, worker_env

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


CHINESE = re.compile(r"[\u4e00-\u9fff]")
WORKER_TIMEOUT_SECONDS = 180


def run_worker(data_dir: Path) -> None:
    """One `eduaid db_worker --batch`: it runs what is queued, then exits."""
    env = worker_env({"EDUAID_DATA_DIR": str(data_dir), "EDUAID_TODAY": TEST_TODAY.isoformat()})
    done = subprocess.run(
        worker_command("--batch", "--no-startup-delay"),
        env=env,
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    failed = DBTaskResult.objects.failed().values_list("traceback", flat=True)
    assert list(failed) == [], failed
    assert not DBTaskResult.objects.ready().exists()


def through_the_worker(actor: Any, data_dir: Path, job: ImportJob) -> ImportJob:
    run_worker(data_dir)
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED, job.message
    return job


def counts(report: dict[str, Any]) -> tuple[int, ...]:
    return tuple(report[key] for key in ("rows", "created", "updated", "unchanged", "duplicates", "rejected"))


def test_a_worker_process_checks_then_applies_a_schools_and_a_students_file(
    cast: Cast, media: Path, tmp_path: Path
) -> None:
    admin = cast.user("county_admin")
    assert media == tmp_path / "media"  # the worker's data folder is tmp_path, its media folder this one
    schools = job_create(
        actor=admin, kind=ImportKind.SCHOOLS, upload=upload(schools_file()), as_of=TEST_TODAY, strict=False
    )
    schools = through_the_worker(admin, tmp_path, schools)
    assert counts(dry(schools)) == (3, 2, 0, 0, 0, 1)
    assert CHINESE.search(dry(schools)["errors"][0]["reason"])  # the worker speaks Chinese
    assert schools.progress_done == schools.progress_total == 3
    assert not School.objects.filter(code__in=[SCHOOL_A[0], SCHOOL_B[0]]).exists()

    job_confirm(actor=admin, job=schools)
    run_worker(tmp_path)
    schools.refresh_from_db()
    assert schools.status == JobStatus.APPLIED, schools.message
    assert counts(done(schools)) == (3, 2, 0, 0, 0, 1)
    assert School.objects.filter(code__in=[SCHOOL_A[0], SCHOOL_B[0]]).count() == 2

    students = job_create(
        actor=admin,
        kind=ImportKind.STUDENTS,
        upload=upload(students_file(3), "学籍.xlsx"),
        as_of=TEST_TODAY,
        strict=True,
    )
    students = through_the_worker(admin, tmp_path, students)
    assert counts(dry(students)) == (3, 3, 0, 0, 0, 0)
    assert Enrolment.objects.count() == 0
    job_confirm(actor=admin, job=students)
    run_worker(tmp_path)
    students.refresh_from_db()
    assert students.status == JobStatus.APPLIED, students.message
    assert Enrolment.objects.count() == 3
    assert students.match_run is not None and students.match_run.term.code == "2023-2024-2"
