"""A job whose worker died: seen as stale, resumed or reset from the job page, requeued by a new worker.

The dead worker is a real process of this machine that has exited; the job and its task row are left
as a killed worker leaves them (the job "checking" or "applying", the task "running").
"""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from eduaid.conftest import TEST_TODAY, Cast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.org.models import School
from eduaid.uploads.models import ImportJob, ImportKind, JobStatus, JobStep
from eduaid.uploads.services import (
    ABANDONED_TASK,
    job_confirm,
    job_create,
    job_reset,
    job_resume,
    requeue_abandoned_jobs,
)
from eduaid.uploads.tests.factories import SCHOOL_A, done, dry, queued, run_queued, schools_file, upload

pytestmark = pytest.mark.django_db

HOST = socket.gethostname()


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process of this machine that has exited (and been reaped)."""
    finished = subprocess.run([sys.executable, "-c", ""], check=True)  # noqa: S603
    assert finished.returncode == 0
    process = subprocess.Popen([sys.executable, "-c", ""])  # noqa: S603
    process.wait()
    return process.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    """A process of this machine that is alive while the test runs (it waits for its input)."""
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)  # noqa: S603
    yield process.pid
    assert process.stdin is not None
    process.stdin.close()
    process.wait()


@pytest.fixture
def admin(cast: Cast) -> Any:
    return cast.user("county_admin")


def left_by_worker(job: ImportJob, worker: str, *, status: str, heartbeat: dt.datetime | None = None) -> None:
    """What a worker that took the job's queued task and then died leaves behind."""
    task = DBTaskResult.objects.ready().get()
    task.claim(worker)
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        step=JobStep.JUDGING,
        worker=worker,
        heartbeat_at=heartbeat or timezone.now(),
        progress_done=1,
        progress_total=3,
    )
    job.refresh_from_db()


def uploaded(admin: Any) -> ImportJob:
    return job_create(
        actor=admin, kind=ImportKind.SCHOOLS, upload=upload(schools_file()), as_of=TEST_TODAY, strict=False
    )


def confirmed(admin: Any) -> ImportJob:
    job = uploaded(admin)
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED
    return job_confirm(actor=admin, job=job)


def test_a_job_whose_worker_process_is_gone_is_stale_at_once(admin: Any, dead_pid: int) -> None:
    job = uploaded(admin)
    left_by_worker(job, f"{HOST}:{dead_pid}", status=JobStatus.CHECKING)
    assert job.running and job.stale


def test_a_job_whose_worker_process_lives_is_not_stale_however_old_its_heartbeat(
    admin: Any, live_pid: int
) -> None:
    job = uploaded(admin)
    left_by_worker(
        job, f"{HOST}:{live_pid}", status=JobStatus.CHECKING, heartbeat=timezone.now() - dt.timedelta(days=1)
    )
    assert not job.stale


def test_a_job_of_another_machine_is_stale_once_its_heartbeat_is_older_than_the_limit(
    admin: Any, settings: Any
) -> None:
    settings.EDUAID_IMPORT_STALE_SECONDS = 120
    job = uploaded(admin)
    left_by_worker(
        job, "other-host:1234", status=JobStatus.CHECKING, heartbeat=timezone.now() - dt.timedelta(seconds=60)
    )
    assert not job.stale
    assert job.is_stale(now=timezone.now() + dt.timedelta(seconds=61))
    settings.EDUAID_IMPORT_STALE_SECONDS = 30
    assert job.stale


def test_a_queued_or_finished_job_is_never_stale(admin: Any, dead_pid: int) -> None:
    job = uploaded(admin)
    assert job.step == JobStep.WAITING and not job.stale
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED and not job.stale


def test_progress_renews_the_heartbeat(admin: Any) -> None:
    job = uploaded(admin)
    run_queued()
    job.refresh_from_db()
    assert job.worker.startswith(f"{HOST}:") and job.heartbeat_at is not None
    assert timezone.now() - job.heartbeat_at < dt.timedelta(minutes=1)


def test_resuming_a_stale_dry_run_checks_the_file_again_from_the_start(admin: Any, dead_pid: int) -> None:
    job = uploaded(admin)
    left_by_worker(job, f"{HOST}:{dead_pid}", status=JobStatus.CHECKING)
    job = job_resume(actor=admin, job=job)
    assert (job.status, job.step, job.progress_done, job.worker) == (
        JobStatus.UPLOADED,
        JobStep.WAITING,
        0,
        "",
    )
    dead_task = DBTaskResult.objects.get(task_path="eduaid.uploads.tasks.check_job", status="FAILED")
    assert dead_task.exception_class_path == ABANDONED_TASK
    assert run_queued() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED
    assert (dry(job)["rows"], dry(job)["created"], dry(job)["rejected"]) == (3, 2, 1)
    actions = list(
        AuditEvent.objects.filter(kind=AuditKind.IMPORT, object_id=str(job.pk)).values_list(
            "detail__action", flat=True
        )
    )
    assert "resume" in actions


def test_resuming_a_stale_apply_applies_the_file_once(admin: Any, dead_pid: int) -> None:
    job = confirmed(admin)
    left_by_worker(job, f"{HOST}:{dead_pid}", status=JobStatus.APPLYING)
    assert not School.objects.filter(code=SCHOOL_A[0]).exists()  # the dead apply wrote nothing
    job_resume(actor=admin, job=job)
    assert queued("apply_job") == 2
    assert run_queued() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED, job.message
    assert (done(job)["created"], done(job)["rejected"]) == (2, 1)
    assert School.objects.filter(code=SCHOOL_A[0]).count() == 1


def test_resetting_a_stale_apply_goes_back_to_the_confirmation(admin: Any, dead_pid: int) -> None:
    job = confirmed(admin)
    left_by_worker(job, f"{HOST}:{dead_pid}", status=JobStatus.APPLYING)
    job = job_reset(actor=admin, job=job)
    assert job.status == JobStatus.CHECKED and job.confirmed_by is None
    assert job.dry_run_report is not None and job.applied_report is None
    assert not DBTaskResult.objects.running().exists()
    job_confirm(actor=admin, job=job)  # and it can be confirmed again
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED


def test_resetting_a_stale_dry_run_ends_it_as_failed_with_a_message(admin: Any, dead_pid: int) -> None:
    job = uploaded(admin)
    left_by_worker(job, f"{HOST}:{dead_pid}", status=JobStatus.CHECKING)
    job = job_reset(actor=admin, job=job)
    assert job.status == JobStatus.FAILED and job.message
    assert queued("check_job") == 1  # nothing queued again


def test_a_job_whose_worker_lives_can_be_neither_resumed_nor_reset(admin: Any, live_pid: int) -> None:
    from django.core.exceptions import ValidationError

    job = uploaded(admin)
    left_by_worker(job, f"{HOST}:{live_pid}", status=JobStatus.CHECKING)
    for action in (job_resume, job_reset):
        with pytest.raises(ValidationError):
            action(actor=admin, job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKING and job.worker == f"{HOST}:{live_pid}"


def test_a_starting_worker_requeues_the_jobs_of_dead_workers_only(
    admin: Any, dead_pid: int, live_pid: int
) -> None:
    dead = uploaded(admin)
    left_by_worker(dead, f"{HOST}:{dead_pid}", status=JobStatus.CHECKING)
    alive = uploaded(admin)
    left_by_worker(alive, f"{HOST}:{live_pid}", status=JobStatus.CHECKING)
    assert requeue_abandoned_jobs() == [dead.pk]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == JobStatus.UPLOADED and alive.status == JobStatus.CHECKING
    event = AuditEvent.objects.filter(kind=AuditKind.IMPORT, object_id=str(dead.pk)).latest("pk")
    assert event.detail["action"] == "requeue" and event.detail["worker"] == f"{HOST}:{dead_pid}"


def test_the_job_page_offers_resume_and_reset_for_a_stale_job_only(
    cast: Cast, admin: Any, dead_pid: int, live_pid: int
) -> None:
    client = Client()
    client.force_login(admin)
    stale = uploaded(admin)
    left_by_worker(stale, f"{HOST}:{dead_pid}", status=JobStatus.CHECKING)
    working = uploaded(admin)
    left_by_worker(working, f"{HOST}:{live_pid}", status=JobStatus.CHECKING)
    page = client.get(reverse("uploads:job_detail", args=[stale.pk])).content.decode()
    assert 'data-testid="job-stale"' in page and 'data-testid="job-resume"' in page
    partial = client.get(reverse("uploads:job_status", args=[stale.pk])).content.decode()
    assert 'data-testid="job-reset"' in partial
    assert (
        'data-testid="job-stale"'
        not in client.get(reverse("uploads:job_detail", args=[working.pk])).content.decode()
    )

    refused = client.post(reverse("uploads:job_resume", args=[working.pk]), follow=True)
    assert "still working" in refused.content.decode() or "仍在" in refused.content.decode()
    response = client.post(reverse("uploads:job_resume", args=[stale.pk]))
    assert response.status_code == 302
    stale.refresh_from_db()
    assert stale.status == JobStatus.UPLOADED and queued("check_job") == 3


def applied_then_died(admin: Any, worker: str) -> ImportJob:
    """An apply whose import committed (its report kept) and whose worker died in the 比对."""
    job = confirmed(admin)
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED
    report = job.applied_report
    # Put it back as a worker leaves it that dies after the import, in the 比对.
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.APPLYING, step=JobStep.MATCHING, worker=worker, applied_report=report
    )
    job.refresh_from_db()
    return job


def test_resuming_an_apply_that_died_in_the_match_does_not_import_again(admin: Any, dead_pid: int) -> None:
    job = applied_then_died(admin, f"{HOST}:{dead_pid}")
    before = done(job)
    job_resume(actor=admin, job=job)
    assert run_queued() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED and done(job) == before
    assert (before["created"], School.objects.filter(code=SCHOOL_A[0]).count()) == (2, 1)


def test_resetting_an_apply_that_died_in_the_match_ends_it_applied_with_a_note(
    admin: Any, dead_pid: int
) -> None:
    job = applied_then_died(admin, f"{HOST}:{dead_pid}")
    job = job_reset(actor=admin, job=job)
    assert job.status == JobStatus.APPLIED and job.message
    assert job.applied_report is not None
