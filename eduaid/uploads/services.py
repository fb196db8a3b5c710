"""Writes of import jobs: upload (which queues the dry run), confirm (which queues the apply), and the
status moves the worker makes. Every write takes the acting user and is audited."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from eduaid.core import clock
from eduaid.core.audit import record
from eduaid.core.models import AuditKind
from eduaid.core.staging import stage_runs_clean, stage_runs_end_for_job
from eduaid.uploads.liveness import this_worker
from eduaid.uploads.models import TRANSITIONS, WORKED_ON, ImportJob, ImportKind, JobStatus, JobStep
from eduaid.uploads.selectors import can_import

ALLOWED_EXTENSIONS = (".xlsx", ".xls", ".csv")
MEGABYTE = 1024 * 1024


class TransitionError(RuntimeError):
    """A status move the table of transitions does not allow (a programming error, or a race lost)."""


def upload_limit_bytes() -> int:
    """The largest file accepted, from EDUAID_UPLOAD_LIMIT_MB (a fraction is allowed, for tests)."""
    return int(float(settings.EDUAID_UPLOAD_LIMIT_MB) * MEGABYTE)


def _megabytes(size: int) -> str:
    value = size / MEGABYTE
    return f"{value:.1f}" if value >= 1 else f"{value:.3g}"


def check_upload(upload: File) -> str:
    """The file's extension (lower case), or a ValidationError saying what is wrong and what to do."""
    name = Path(upload.name or "").name
    extension = Path(name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _(
                "“%(name)s” is not a spreadsheet this page reads: upload an .xlsx, .xls or .csv file "
                "(in Excel or WPS, “Save as” Excel workbook)."
            )
            % {"name": name},
            code="extension",
        )
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    limit = upload_limit_bytes()
    if size > limit:
        raise ValidationError(
            _(
                "The file is %(size)s MB, more than the limit of %(limit)s MB: split it into smaller "
                "files, or ask the system administrator to raise the limit."
            )
            % {"size": _megabytes(size), "limit": f"{float(settings.EDUAID_UPLOAD_LIMIT_MB):g}"},
            code="too_large",
        )
    return extension


def _require_importer(actor: Any) -> None:
    if not can_import(actor):
        raise PermissionDenied


def job_create(*, actor: Any, kind: str, upload: File, as_of: dt.date, strict: bool) -> ImportJob:
    """Store the uploaded file under a random name and queue its dry run."""
    from eduaid.uploads.tasks import check_job

    _require_importer(actor)
    if kind not in ImportKind.values:
        raise ValidationError(_("Choose what the file holds."), code="kind")
    if as_of > clock.today():
        raise ValidationError(_("The data date cannot be in the future."), code="as_of")
    extension = check_upload(upload)
    job = ImportJob(
        kind=kind, filename=Path(upload.name or "").name[:255], as_of=as_of, strict=strict, actor=actor
    )
    job.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
    try:
        with transaction.atomic():
            job.save()
            record(AuditKind.IMPORT, actor=actor, obj=job, detail=_audit_detail(job, "upload"))
            # Queued in the same transaction: the worker sees the task only once the job exists.
            check_job.enqueue(job.pk)
    except BaseException:
        job.file.delete(save=False)
        raise
    return job


def _audit_detail(job: ImportJob, action: str) -> dict[str, Any]:
    return {
        "action": action,
        "kind": job.kind,
        "file": job.filename,
        "as_of": job.as_of.isoformat(),
        "strict": job.strict,
    }


def confirm_refusal(job: ImportJob) -> str:
    """Why the job cannot be applied now ("" when it can)."""
    if job.status != JobStatus.CHECKED:
        if job.status in (JobStatus.APPLYING, JobStatus.APPLIED):
            return _("This file has already been confirmed.")
        return _("The dry run has not finished: confirm when it has.")
    report = job.dry_run_report or {}
    if job.strict and report.get("rejected"):
        return _(
            "Some rows were rejected and only a fully valid file is applied: correct the rejected rows "
            "and upload the file again."
        )
    if not job.accepted:
        return _("No row of the file can be applied: correct the rejected rows and upload the file again.")
    return ""


def job_confirm(*, actor: Any, job: ImportJob) -> ImportJob:
    """Queue the apply of a checked job. The row lock makes a double click apply once."""
    from eduaid.uploads.tasks import apply_job

    _require_importer(actor)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        refusal = confirm_refusal(locked)
        if refusal:
            raise ValidationError(refusal, code="refused")
        locked.confirmed_by = actor
        _move(locked, JobStatus.APPLYING, step=JobStep.WAITING, progress_done=0, progress_total=0)
        locked.save(
            update_fields=[
                "status",
                "step",
                "progress_done",
                "progress_total",
                "confirmed_by",
                "updated_at",
            ]
        )
        record(AuditKind.IMPORT, actor=actor, obj=locked, detail=_audit_detail(locked, "confirm"))
        apply_job.enqueue(locked.pk)
    return locked


def _move(job: ImportJob, status: str, **changes: Any) -> None:
    if status not in TRANSITIONS[job.status]:
        raise TransitionError(f"import job {job.pk}: {job.status} → {status} is not allowed")
    job.status = status
    for name, value in changes.items():
        setattr(job, name, value)


def job_transition(*, job_id: int, expected: str, status: str, **changes: Any) -> ImportJob | None:
    """Move a job from `expected` to `status` (with other field changes), under a row lock.

    Returns None when the job is no longer in `expected` status (a task run twice does nothing).
    The worker makes these moves for the job's user, who is audited at upload and confirmation.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != expected:
            return None
        _move(job, status, **changes)
        job.save(update_fields=["status", *changes, "updated_at"])
    return job


def job_claim_apply(*, job_id: int) -> ImportJob | None:
    """The worker takes a confirmed job; None when it is not waiting to be applied (a task run twice)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.APPLYING, step=JobStep.WAITING).update(
        step=JobStep.READING, worker=this_worker(), heartbeat_at=timezone.now()
    )
    return ImportJob.objects.select_related("actor").get(pk=job_id) if claimed else None


def job_fail(*, job_id: int, message: str) -> None:
    """Mark a job failed with a message for the user, whatever step it was at (unless it finished)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or JobStatus.FAILED not in TRANSITIONS[job.status]:
            return
        _move(job, JobStatus.FAILED, message=message, step=JobStep.DONE)
        job.save(update_fields=["status", "message", "step", "updated_at"])
        stage_runs_end_for_job(job.pk)
        record(
            AuditKind.IMPORT,
            actor=job.actor,
            obj=job,
            detail={**_audit_detail(job, "failed"), "message": message},
        )


def job_progress(*, job_id: int, done: int, total: int, step: str, **changes: Any) -> None:
    """The worker's progress (and heartbeat): a plain update, committed at once so the page sees it."""
    ImportJob.objects.filter(pk=job_id).update(
        progress_done=done, progress_total=total, step=step, heartbeat_at=timezone.now(), **changes
    )


# --- jobs whose worker died ----------------------------------------------------------------------


def resume_refusal(job: ImportJob) -> str:
    """Why a job cannot be resumed or reset now ("" when it can)."""
    if not job.held_by_worker:
        return _("This import is not running: there is nothing to resume.")
    if not job.is_stale():
        return _("The worker is still working on this import: wait for it.")
    return ""


def job_resume(*, actor: Any, job: ImportJob) -> ImportJob:
    """Queue again the step a dead worker left: the dry run from the start, or the apply.

    An apply that was cut off wrote nothing (it is one transaction); one that had committed and was
    cut off in the 比对 keeps its report, and the worker then only runs the 比对.
    """
    _require_importer(actor)
    with transaction.atomic():
        locked = _lock_stale(job.pk)
        _requeue(locked)
        record(AuditKind.IMPORT, actor=actor, obj=locked, detail=_audit_detail(locked, "resume"))
    return locked


def job_reset(*, actor: Any, job: ImportJob) -> ImportJob:
    """Give up the step a dead worker left: a dry run ends as failed; an apply goes back to waiting
    for confirmation (nothing was written), or, if it had committed, ends as applied."""
    _require_importer(actor)
    with transaction.atomic():
        locked = _lock_stale(job.pk)
        _abandon_tasks(locked)
        fields = ["status", "step", "worker", "heartbeat_at", "message", "updated_at"]
        changes: dict[str, Any] = {"step": JobStep.DONE, "worker": "", "heartbeat_at": None}
        if locked.status == JobStatus.CHECKING:
            changes["message"] = _(
                "The dry run stopped because its background worker stopped, and was reset: nothing was "
                "written. Upload the file again."
            )
            _move(locked, JobStatus.FAILED, **changes)
        elif locked.applied_report is not None:
            changes["message"] = _(
                "The file was applied, but the 比对 could not run. It runs again after the next import; "
                "the system administrator can also run it with “eduaid match”."
            )
            _move(locked, JobStatus.APPLIED, **changes)
        else:
            changes["message"] = ""
            locked.confirmed_by = None
            fields.append("confirmed_by")
            _move(locked, JobStatus.CHECKED, **changes)
        locked.save(update_fields=fields)
        stage_runs_end_for_job(locked.pk)
        record(AuditKind.IMPORT, actor=actor, obj=locked, detail=_audit_detail(locked, "reset"))
    return locked


def requeue_abandoned_jobs() -> list[int]:
    """At a worker's start: queue again every job whose worker is dead (see `liveness`).

    Jobs of this machine's dead workers are taken at once; jobs of other machines once their
    heartbeat is stale. Audited as the system's (no user) action.
    """
    requeued: list[int] = []
    candidates = ImportJob.objects.filter(status__in=WORKED_ON).exclude(step=JobStep.WAITING)
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().filter(pk=pk).first()
            if job is None or not job.is_stale(new_process=True):
                continue
            previous = job.worker
            _requeue(job)
            detail = {**_audit_detail(job, "requeue"), "worker": previous}
            record(AuditKind.IMPORT, actor=None, username="db_worker", obj=job, detail=detail)
        requeued.append(pk)
    clean_stale_stage_runs()
    return requeued


def clean_stale_stage_runs() -> int:
    """Staged rows of jobs no longer queued or worked on (and of cut-off runs without a job)."""
    waiting = {JobStatus.UPLOADED, *WORKED_ON}  # a requeued dry run waits as "uploaded"
    working = ImportJob.objects.filter(status__in=waiting).values_list("pk", flat=True)
    return stage_runs_clean(keep_job_ids=list(working))


def _lock_stale(pk: int) -> ImportJob:
    locked = ImportJob.objects.select_for_update().get(pk=pk)
    refusal = resume_refusal(locked)
    if refusal:
        raise ValidationError(refusal, code="refused")
    return locked


def _requeue(job: ImportJob) -> None:
    """Within a transaction holding the job's row lock: queue the job's step again."""
    from eduaid.uploads.tasks import apply_job, check_job

    _abandon_tasks(job)
    fields = ["status", "step", "worker", "heartbeat_at", "progress_done", "progress_total", "updated_at"]
    changes = {
        "step": JobStep.WAITING,
        "worker": "",
        "heartbeat_at": None,
        "progress_done": 0,
        "progress_total": 0,
    }
    if job.status == JobStatus.CHECKING:
        _move(job, JobStatus.UPLOADED, **changes)
        job.save(update_fields=fields)
        check_job.enqueue(job.pk)
    else:
        for name, value in changes.items():
            setattr(job, name, value)
        job.save(update_fields=fields)
        apply_job.enqueue(job.pk)


ABANDONED_TASK = "eduaid.uploads.liveness.WorkerDied"


def _abandon_tasks(job: ImportJob) -> None:
    """The dead worker's task rows stay "running" for ever: mark them failed, saying why."""
    task = "check_job" if job.status == JobStatus.CHECKING else "apply_job"
    running = DBTaskResult.objects.running().filter(task_path=f"eduaid.uploads.tasks.{task}")
    for result in running:
        if result.args_kwargs.get("args") == [job.pk]:
            result.status = TaskResultStatus.FAILED
            result.finished_at = timezone.now()
            result.exception_class_path = ABANDONED_TASK
            result.traceback = f"The worker ({job.worker or 'unknown'}) stopped while running this task; "
            result.traceback += "the import job was queued again or reset."
            result.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
