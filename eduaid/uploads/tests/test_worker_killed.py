"""A real `eduaid db_worker` killed in the middle of an import; the next worker to start takes it up.

The stored file is swapped for a named pipe: the worker blocks reading it, and the test's opening of
the pipe returns exactly when the worker is inside the import (no sleeping, no polling). The test then
kills the worker (SIGKILL: no chance to tidy up), puts the file back and starts a new worker, which
queues the job again and finishes it. Transactional, on a file-backed database (see
test_worker_process.py).
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest
from django_tasks_db.models import DBTaskResult

from eduaid.conftest import TEST_TODAY, Cast
from eduaid.registry.models import Enrolment
from eduaid.uploads.models import ImportJob, ImportKind, JobStatus
from eduaid.uploads.services import ABANDONED_TASK, job_confirm, job_create
from eduaid.uploads.tests.factories import done, dry, schools_file, students_file, upload
from eduaid.uploads.worker import worker_command, worker_env

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WORKER_TIMEOUT_SECONDS = 180


def _env(data_dir: Path) -> dict[str, str]:
    return worker_env({"EDUAID_DATA_DIR": str(data_dir), "EDUAID_TODAY": TEST_TODAY.isoformat()})


@contextmanager
def worker_inside_the_import(job: ImportJob, data_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A worker process, stopped (by the pipe) while reading the job's file; killed on leaving."""
    path = Path(job.file.path)
    data = path.read_bytes()
    path.unlink()
    os.mkfifo(path)
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        worker_command("--batch", "--no-startup-delay"), env=_env(data_dir)
    )
    opened: list[IO[bytes]] = []
    opener = threading.Thread(target=lambda: opened.append(open(path, "wb")))  # noqa: SIM115
    opener.start()
    opener.join(WORKER_TIMEOUT_SECONDS)
    try:
        if not opened:  # the worker never reached the file: unblock the opener, then fail
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
            pytest.fail("the worker did not start reading the file")
        yield process
    finally:
        process.kill()
        process.wait()
        opener.join()
        for handle in opened:
            handle.close()
        path.unlink()
        path.write_bytes(data)


def run_worker(data_dir: Path) -> str:
    done_ = subprocess.run(  # noqa: S603
        worker_command("--batch", "--no-startup-delay"),
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_SECONDS,
        check=False,
    )
    assert done_.returncode == 0, done_.stdout + done_.stderr
    return done_.stdout


def test_a_killed_worker_s_dry_run_and_apply_are_finished_by_the_next_worker(
    cast: Cast, media: Path, tmp_path: Path
) -> None:
    admin = cast.user("county_admin")
    schools = job_create(
        actor=admin, kind=ImportKind.SCHOOLS, upload=upload(schools_file()), as_of=TEST_TODAY, strict=False
    )
    run_worker(tmp_path)
    job_confirm(actor=admin, job=ImportJob.objects.get(pk=schools.pk))
    run_worker(tmp_path)

    job = job_create(
        actor=admin,
        kind=ImportKind.STUDENTS,
        upload=upload(students_file(3), "学籍.xlsx"),
        as_of=TEST_TODAY,
        strict=False,
    )
    with worker_inside_the_import(job, tmp_path) as process:
        job.refresh_from_db()
        assert job.status == JobStatus.CHECKING and job.worker.endswith(f":{process.pid}")
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKING and job.stale  # left "running" by the dead worker

    output = run_worker(tmp_path)
    assert str(job.pk) in output
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED, job.message
    assert (dry(job)["rows"], dry(job)["created"], dry(job)["rejected"]) == (3, 3, 0)
    abandoned = DBTaskResult.objects.failed().get()
    assert abandoned.exception_class_path == ABANDONED_TASK

    job_confirm(actor=admin, job=job)
    with worker_inside_the_import(job, tmp_path):
        job.refresh_from_db()
        assert job.status == JobStatus.APPLYING
    assert Enrolment.objects.count() == 0
    run_worker(tmp_path)
    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED, job.message
    assert (done(job)["created"], done(job)["rejected"]) == (3, 0)
    assert Enrolment.objects.count() == 3
    assert job.match_run is not None
    assert not DBTaskResult.objects.running().exists()
