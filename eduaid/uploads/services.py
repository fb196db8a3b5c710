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
from django.utils.translation import gettext as _

from eduaid.core import clock
from eduaid.core.audit import record
from eduaid.core.models import AuditKind
from eduaid.uploads.models import TRANSITIONS, ImportJob, ImportKind, JobStatus, JobStep
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
        step=JobStep.READING
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
        record(
            AuditKind.IMPORT,
            actor=job.actor,
            obj=job,
            detail={**_audit_detail(job, "failed"), "message": message},
        )


def job_progress(*, job_id: int, done: int, total: int, step: str) -> None:
    """The worker's progress: a plain update, committed at once so the page sees it."""
    ImportJob.objects.filter(pk=job_id).update(progress_done=done, progress_total=total, step=step)
