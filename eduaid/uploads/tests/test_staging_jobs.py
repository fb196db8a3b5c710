"""Upload jobs go through the staging table: a job whose worker died continues at the first row not
staged, and a job's staged rows go when it ends."""

from __future__ import annotations

import functools
import socket
import subprocess
import sys
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from eduaid.conftest import TEST_TODAY, Cast
from eduaid.core import staging
from eduaid.core.models import StagedRow, StageRun
from eduaid.uploads import tasks
from eduaid.uploads.models import ImportJob, ImportKind, JobStatus
from eduaid.uploads.services import job_create, job_fail, job_reset, job_resume, requeue_abandoned_jobs
from eduaid.uploads.tests.factories import (
    BAD_TOWNSHIP,
    SCHOOL_A,
    SCHOOL_B,
    dry,
    run_queued,
    schools_file,
    upload,
)

pytestmark = pytest.mark.django_db

ROWS = [
    SCHOOL_A,
    SCHOOL_B,
    BAD_TOWNSHIP,
    SCHOOL_A,  # an exact repeat
    ["2141011004", "遂平县第四小学", "县直", "小学", "公办", "城区", "否"],
    ["2141011004", "遂平县第四小学", "县直", "小学", "公办", "城区", "是"],  # the same code, other content
    ["2141011005", "遂平县第五小学", "县直", "小学", "公办", "城区", "否"],
]


class Killed(BaseException):
    """The worker process dies (nothing in it catches this)."""


def _die(run: StageRun) -> None:
    raise Killed


@pytest.fixture
def admin(cast: Cast) -> Any:
    return cast.user("county_admin")


@pytest.fixture
def dead_worker() -> str:
    process = subprocess.Popen([sys.executable, "-c", ""])  # noqa: S603
    process.wait()
    return f"{socket.gethostname()}:{process.pid}"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "CHUNK_ROWS", 2)
    monkeypatch.setattr(staging, "STAGE_FROM_ROWS", 0)


def uploaded(admin: Any) -> ImportJob:
    data = schools_file(*ROWS)
    return job_create(
        actor=admin, kind=ImportKind.SCHOOLS, upload=upload(data), as_of=TEST_TODAY, strict=False
    )


def killed_after_first_chunk(job: ImportJob, worker: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker takes the job's dry run, stages one chunk and dies."""
    DBTaskResult.objects.ready().get().claim(worker)
    with monkeypatch.context() as patch:
        patch.setattr(tasks, "Staging", functools.partial(staging.Staging, after_chunk=_die))
        with pytest.raises(Killed):
            tasks.check_job.call(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(worker=worker)
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKING


def test_a_resumed_dry_run_continues_at_the_first_row_not_staged(
    admin: Any, dead_worker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = uploaded(admin)
    run_queued()
    whole.refresh_from_db()
    job = uploaded(admin)
    killed_after_first_chunk(job, dead_worker, monkeypatch)
    run = StageRun.objects.get(job_id=job.pk)
    assert (run.rows_read, run.rows.count()) == (2, 2)
    signatures: list[Any] = []
    real = staging.signature_digest

    def counting(signature: Any) -> str:
        signatures.append(signature)
        return real(signature)

    monkeypatch.setattr(staging, "signature_digest", counting)
    job_resume(actor=admin, job=job)
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED
    assert dry(job) == dry(whole)
    assert (dry(job)["rows"], dry(job)["duplicates"], dry(job)["rejected"]) == (7, 1, 3)
    assert len(signatures) == len(ROWS) - 2  # the two staged rows were neither judged nor written again
    assert not StageRun.objects.exists() and not StagedRow.objects.exists()


def test_a_failed_or_reset_job_leaves_no_staged_rows(
    admin: Any, dead_worker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = uploaded(admin)
    killed_after_first_chunk(failed, dead_worker, monkeypatch)
    assert StagedRow.objects.filter(run__job_id=failed.pk).exists()
    job_fail(job_id=failed.pk, message="stopped")
    assert not StageRun.objects.filter(job_id=failed.pk).exists()

    reset = uploaded(admin)
    killed_after_first_chunk(reset, dead_worker, monkeypatch)
    job_reset(actor=admin, job=reset)
    assert not StageRun.objects.exists() and not StagedRow.objects.exists()


def test_a_new_worker_cleans_the_runs_of_jobs_no_longer_worked_on(
    admin: Any, dead_worker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = uploaded(admin)
    killed_after_first_chunk(job, dead_worker, monkeypatch)
    orphan = StageRun.objects.create(kind="schools", job_id=job.pk + 1000, phase="dry_run", file_digest="x")
    requeue_abandoned_jobs()  # the dead worker's job is queued again: its run is kept, the orphan goes
    assert list(StageRun.objects.values_list("job_id", flat=True)) == [job.pk]
    assert not StageRun.objects.filter(pk=orphan.pk).exists()
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED and dry(job)["rows"] == len(ROWS)
    assert not StageRun.objects.exists()
