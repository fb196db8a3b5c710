"""Import jobs: one uploaded file on its way from the dry run to the live tables.

A job is created when a file is uploaded (status ``uploaded``), checked by the worker with a dry run
(``checking`` → ``checked``), confirmed by the user (``applying``) and applied by the worker
(``applied``); any step may end in ``failed`` with a message for the user. Columns:
- ``kind``: what the file holds (the school list, the 防返贫 registry, 学籍, 户籍 children);
- ``filename``: the name the user's file had; ``file``: the stored copy (a random name under
  MEDIA_ROOT/imports/); ``rejected_file``: the rejected rows with a reason column, beside it;
- ``as_of``: the day the file describes (registry, students and population are snapshots);
  ``strict``: apply nothing while any row is rejected;
- ``step``, ``progress_done``, ``progress_total``: what the worker is doing, rows judged of all rows;
- ``dry_run_report`` / ``applied_report``: `ImportReport.as_dict()` of each run; ``counts``: the
  counts of the latest run, for the history list;
- ``match_run``: the 比对 run after a registry, students or population import;
- ``message``: why the job failed (or a note on the 比对 after an import), in the user's language;
- ``worker``, ``heartbeat_at``: the worker process running the job (``host:pid``) and when it last
  reported; a job whose worker died is *stale* (`liveness`) and can be resumed or reset.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

COUNT_KEYS = ("rows", "created", "updated", "unchanged", "duplicates", "rejected")


class ImportKind(models.TextChoices):
    SCHOOLS = "schools", _("School list")
    REGISTRY = "registry", _("Monitored households")
    STUDENTS = "students", _("Student enrolment")
    POPULATION = "population", _("Household-register population")


# The imports after which the 比对 runs for the term of the file's date (DESIGN §5).
MATCHED_KINDS = frozenset({ImportKind.REGISTRY, ImportKind.STUDENTS, ImportKind.POPULATION})


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Waiting to be checked")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked, waiting for confirmation")
    APPLYING = "applying", _("Applying")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Failed")


# The allowed moves; `services.job_transition` refuses the rest.
TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.UPLOADED: frozenset({JobStatus.CHECKING, JobStatus.FAILED}),
    # → uploaded: the dry run of a dead worker, queued again.
    JobStatus.CHECKING: frozenset({JobStatus.CHECKED, JobStatus.FAILED, JobStatus.UPLOADED}),
    JobStatus.CHECKED: frozenset({JobStatus.APPLYING}),
    # → checked: the apply of a dead worker, reset (its transaction never committed).
    JobStatus.APPLYING: frozenset({JobStatus.APPLIED, JobStatus.FAILED, JobStatus.CHECKED}),
    JobStatus.APPLIED: frozenset(),
    JobStatus.FAILED: frozenset(),
}
RUNNING = frozenset({JobStatus.UPLOADED, JobStatus.CHECKING, JobStatus.APPLYING})
# The statuses in which a worker holds the job (unless its step is still `waiting`).
WORKED_ON = frozenset({JobStatus.CHECKING, JobStatus.APPLYING})


class JobStep(models.TextChoices):
    WAITING = "waiting", _("Waiting for the worker")
    READING = "reading", _("Reading the file")
    JUDGING = "judging", _("Checking the rows")
    COMPARING = "comparing", _("Comparing with the data already imported")
    WRITING = "writing", _("Writing to the database")
    MATCHING = "matching", _("Running the 比对")
    DONE = "done", _("Done")


class ImportJob(models.Model):
    kind = models.CharField(_("what"), max_length=20, choices=ImportKind.choices)
    filename = models.CharField(_("file"), max_length=255)
    file = models.FileField(_("stored file"), upload_to="imports/", max_length=255)
    rejected_file = models.FileField(_("rejected rows"), upload_to="imports/", max_length=255, blank=True)
    as_of = models.DateField(_("data date"))
    strict = models.BooleanField(_("only if every row is valid"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.UPLOADED, db_index=True
    )
    step = models.CharField(_("step"), max_length=20, choices=JobStep.choices, default=JobStep.WAITING)
    progress_done = models.PositiveIntegerField(_("rows checked"), default=0)
    progress_total = models.PositiveIntegerField(_("rows"), default=0)
    dry_run_report = models.JSONField(_("dry run report"), null=True, blank=True)
    applied_report = models.JSONField(_("applied report"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    match_run = models.ForeignKey(
        "matching.MatchRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField(_("message"), blank=True)
    worker = models.CharField(_("worker process"), max_length=300, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} #{self.pk}"

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def held_by_worker(self) -> bool:
        """A worker has taken the job and not finished it (a queued job is not held)."""
        return self.status in WORKED_ON and self.step != JobStep.WAITING

    def is_stale(self, *, now: dt.datetime | None = None, new_process: bool = False) -> bool:
        """Held by a worker that is gone: dead on this machine, or silent past `stale_after()`."""
        from eduaid.uploads.liveness import stale_after, worker_alive

        if not self.held_by_worker:
            return False
        alive = worker_alive(self.worker, new_process=new_process) if self.worker else None
        if alive is not None:
            return not alive
        last = self.heartbeat_at or self.updated_at
        return last is None or (now or timezone.now()) - last > stale_after()

    @property
    def stale(self) -> bool:
        return self.is_stale()

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def report(self) -> dict[str, Any] | None:
        """The latest report: the applied one once there is one, else the dry run's."""
        return self.applied_report if self.applied_report is not None else self.dry_run_report

    @property
    def file_error(self) -> str:
        """The reason the file as a whole could not be read, if that is what happened."""
        report = self.report or {}
        errors = report.get("errors") or []
        if errors and errors[0].get("row") is None:
            return str(errors[0].get("reason", ""))
        return ""

    @property
    def accepted(self) -> int:
        """Rows the dry run would write or keep (created + updated + unchanged)."""
        counts = self.dry_run_report or {}
        return sum(int(counts.get(key, 0)) for key in ("created", "updated", "unchanged"))
