"""A file of several chunks, staged by a real `eduaid db_worker` process (see test_worker_process.py
for the set-up: transactional, file-backed database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eduaid.conftest import TEST_TODAY, Cast
from eduaid.core.models import StagedRow, StageRun
from eduaid.registry.imports_students import import_students
from eduaid.registry.models import Enrolment
from eduaid.uploads.models import ImportKind, JobStatus
from eduaid.uploads.services import job_confirm, job_create
from eduaid.uploads.tests.factories import SCHOOL_A, done, dry, schools_file, students_file, upload
from eduaid.uploads.tests.test_worker_process import run_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def next_stage_run_id() -> int:
    """The id the next staging run will get (ids are never reused, even after the rows are deleted)."""
    probe = StageRun.objects.create(kind="probe", phase="dry_run", file_digest="-")
    taken = probe.pk
    probe.delete()
    return taken + 1


def test_a_worker_stages_a_file_chunk_by_chunk_and_reports_as_in_memory(
    cast: Cast, media: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = cast.user("county_admin")
    import_schools_file = job_create(
        actor=admin,
        kind=ImportKind.SCHOOLS,
        upload=upload(schools_file(SCHOOL_A)),
        as_of=TEST_TODAY,
        strict=True,
    )
    run_worker(tmp_path)
    job_confirm(actor=admin, job=import_schools_file)
    run_worker(tmp_path)
    data = students_file(7)
    expected = import_students(
        data, actor=admin, as_of=TEST_TODAY, filename="学籍.xlsx", strict=True, dry_run=True
    )

    before = next_stage_run_id()
    monkeypatch.setenv("EDUAID_IMPORT_CHUNK_ROWS", "2")  # the worker's settings: 7 rows, 4 chunks
    job = job_create(
        actor=admin, kind=ImportKind.STUDENTS, upload=upload(data, "学籍.xlsx"), as_of=TEST_TODAY, strict=True
    )
    run_worker(tmp_path)
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED, job.message
    assert dry(job) == expected.as_dict()
    assert next_stage_run_id() == before + 2  # the dry run was staged (the probe took one id)
    job_confirm(actor=admin, job=job)
    run_worker(tmp_path)
    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED, job.message
    assert (done(job)["created"], Enrolment.objects.count()) == (7, 7)
    assert next_stage_run_id() == before + 4  # the apply was staged too
    assert not StageRun.objects.exists() and not StagedRow.objects.exists()  # and tidied away
