"""A job left "running" by a dead worker, in Chromium: the job page says so and offers resume and reset;
resume queues it again and a worker started afterwards finishes it. Screenshots at desktop and phone
width go to /tmp/shots/uploads/."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from eduaid.conftest import PASSWORD, TEST_TODAY, Cast
from eduaid.core.tests.test_browser import browser, log_in, page, phone_page, submit  # noqa: F401 (fixtures)
from eduaid.uploads.models import ImportJob, ImportKind, JobStatus, JobStep
from eduaid.uploads.services import job_create
from eduaid.uploads.tests.factories import schools_file, upload
from eduaid.uploads.worker import stop_worker, worker_command, worker_env

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp/shots/uploads")  # noqa: S108 (screenshots to look at, not secrets)
WORKER_WAIT_MS = 60_000


def stale_job(cast: Cast) -> ImportJob:
    """A dry run whose worker (a process of this machine that has exited) died while judging rows."""
    gone = subprocess.Popen([sys.executable, "-c", ""])  # noqa: S603
    gone.wait()
    job = job_create(
        actor=cast.user("county_admin"),
        kind=ImportKind.SCHOOLS,
        upload=upload(schools_file()),
        as_of=TEST_TODAY,
        strict=False,
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.CHECKING,
        step=JobStep.JUDGING,
        worker=f"{socket.gethostname()}:{gone.pid}",
        progress_done=1,
        progress_total=3,
    )
    return job


def test_a_stale_job_is_resumed_from_its_page_and_finished_by_a_worker(
    page: Any,  # noqa: F811 (the fixture)
    phone_page: Any,  # noqa: F811 (the fixture)
    cast: Cast,
    tmp_path: Path,
    media: Path,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    job = stale_job(cast)
    for viewer, width in ((phone_page, "phone"), (page, "desktop")):
        log_in(viewer, "county_admin", PASSWORD)
        viewer.goto(reverse("uploads:job_detail", args=[job.pk]))
        stale = viewer.get_by_test_id("job-stale")
        assert stale.is_visible()
        assert viewer.get_by_test_id("job-resume").is_visible()
        assert viewer.get_by_test_id("job-reset").is_visible()
        viewer.screenshot(path=str(SHOTS / f"stale-job-{width}.png"), full_page=True)

    submit(page, "[data-testid=job-resume]")
    job.refresh_from_db()
    assert (job.status, job.step) == (JobStatus.UPLOADED, JobStep.WAITING)
    assert page.get_by_test_id("job-stale").count() == 0

    env = worker_env({"EDUAID_DATA_DIR": str(tmp_path), "EDUAID_TODAY": TEST_TODAY.isoformat()})
    worker = subprocess.Popen(worker_command("--interval", "0.2", "--no-startup-delay"), env=env)  # noqa: S603
    try:
        page.locator("[data-testid=job-report][data-kind=dry-run]").wait_for(timeout=WORKER_WAIT_MS)
    finally:
        stop_worker(worker)
    assert page.locator("[data-count=rows]").inner_text() == "3"
    page.screenshot(path=str(SHOTS / "stale-job-resumed-desktop.png"), full_page=True)
