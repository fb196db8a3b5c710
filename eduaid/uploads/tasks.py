"""The worker's half of an import job: the dry run, then (once confirmed) the apply and the 比对.

Both run the same import function as the command line (`import_schools`, `import_registry`, …), on
the stored file, reporting progress into the job row. Whatever goes wrong ends the job as failed
with a message for the user; the traceback goes to the log, never to the page.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from eduaid.core.importing import ImportReport, reporting_progress, write_rejected_xlsx
from eduaid.core.staging import Staging, staging
from eduaid.matching.services import match_run
from eduaid.org.imports import import_schools
from eduaid.registry import terms
from eduaid.registry.imports_population import import_population
from eduaid.registry.imports_registry import import_registry
from eduaid.registry.imports_students import import_students
from eduaid.registry.services.terms import term_get_or_create
from eduaid.uploads.liveness import this_worker
from eduaid.uploads.models import COUNT_KEYS, MATCHED_KINDS, ImportJob, ImportKind, JobStatus, JobStep
from eduaid.uploads.services import job_claim_apply, job_fail, job_progress, job_transition

logger = logging.getLogger(__name__)

IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    ImportKind.SCHOOLS: import_schools,
    ImportKind.REGISTRY: import_registry,
    ImportKind.STUDENTS: import_students,
    ImportKind.POPULATION: import_population,
}
TAKES_AS_OF = frozenset({ImportKind.REGISTRY, ImportKind.STUDENTS, ImportKind.POPULATION})
# Imports whose judge keeps state across rows (the registry's household agreement settles a household
# over all of its rows): a resumed run judges the rows already staged again to rebuild that state.
JUDGED_ACROSS_ROWS = frozenset({ImportKind.REGISTRY})


@task()
def check_job(job_id: int) -> None:
    """The dry run: judge every row, count what would change, write nothing."""
    _guarded(job_id, _check)


@task()
def apply_job(job_id: int) -> None:
    """The confirmed import, then the 比对 for the term of the file's date."""
    _guarded(job_id, _apply)


def _guarded(job_id: int, work: Callable[[int], None]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        try:
            work(job_id)
        except Exception:
            logger.exception("import job %s stopped by an error", job_id)
            job_fail(job_id=job_id, message=unexpected_error_message(job_id))


def unexpected_error_message(job_id: int) -> str:
    return _(
        "The import stopped because of an unexpected error; nothing was written. Upload the file "
        "again; if it happens again, tell the system administrator the job number %(id)s."
    ) % {"id": job_id}


def _check(job_id: int) -> None:
    job = job_transition(
        job_id=job_id,
        expected=JobStatus.UPLOADED,
        status=JobStatus.CHECKING,
        step=JobStep.READING,
        worker=this_worker(),
        heartbeat_at=timezone.now(),
    )
    if job is None:
        return  # already checked (a task run twice)
    report = run_job_import(job, dry_run=True)
    outcome = _outcome(job, report)
    if report.errors and report.errors[0].row is None:  # the file itself could not be read
        job_transition(
            job_id=job_id,
            expected=JobStatus.CHECKING,
            status=JobStatus.FAILED,
            message=report.errors[0].reason,
            dry_run_report=outcome["report"],
            counts=outcome["counts"],
            rejected_file=outcome["rejected_file"],
            step=JobStep.DONE,
        )
        return
    job_transition(
        job_id=job_id,
        expected=JobStatus.CHECKING,
        status=JobStatus.CHECKED,
        dry_run_report=outcome["report"],
        counts=outcome["counts"],
        rejected_file=outcome["rejected_file"],
        step=JobStep.DONE,
    )


def _apply(job_id: int) -> None:
    job = job_claim_apply(job_id=job_id)
    if job is None:
        return  # not confirmed, or already being applied (a task run twice)
    if job.applied_report is not None:
        # Resumed after its worker died in the 比对: the file itself was applied and reported.
        job_progress(job_id=job_id, done=job.progress_done, total=job.progress_total, step=JobStep.MATCHING)
        _finish_apply(job, {})
        return
    report = run_job_import(job, dry_run=False)
    outcome = _outcome(job, report)
    if not report.applied:
        job_transition(
            job_id=job_id,
            expected=JobStatus.APPLYING,
            status=JobStatus.FAILED,
            message=_not_applied_message(report),
            applied_report=outcome["report"],
            counts=outcome["counts"],
            rejected_file=outcome["rejected_file"],
            step=JobStep.DONE,
        )
        return
    changes: dict[str, Any] = {
        "applied_report": outcome["report"],
        "counts": outcome["counts"],
        "rejected_file": outcome["rejected_file"],
    }
    if job.kind in MATCHED_KINDS:
        # Kept at once: a worker that dies in the 比对 leaves a job that only needs the 比对 again.
        job.refresh_from_db(fields=["progress_done", "progress_total"])
        job_progress(
            job_id=job_id, done=job.progress_done, total=job.progress_total, step=JobStep.MATCHING, **changes
        )
    _finish_apply(job, changes)


def _finish_apply(job: ImportJob, changes: dict[str, Any]) -> None:
    if job.kind in MATCHED_KINDS:
        changes = {**changes, **_match_after_import(job)}
    job_transition(
        job_id=job.pk, expected=JobStatus.APPLYING, status=JobStatus.APPLIED, step=JobStep.DONE, **changes
    )


def _not_applied_message(report: ImportReport) -> str:
    if report.errors and report.errors[0].row is None:
        return report.errors[0].reason
    return _("Some rows were rejected and only a fully valid file is applied: nothing was written.")


def run_job_import(job: ImportJob, *, dry_run: bool) -> ImportReport:
    """Run the job's import function on its stored file, through the staging table (resumable: a job
    queued again after its worker died continues at the first row not staged), reporting progress
    into the job row."""
    with job.file.open("rb") as handle:
        data = handle.read()
    kwargs: dict[str, Any] = {
        "actor": job.actor,
        "filename": job.filename,
        "strict": job.strict,
        "dry_run": dry_run,
    }
    if job.kind in TAKES_AS_OF:
        kwargs["as_of"] = job.as_of
    finishing = JobStep.COMPARING if dry_run else JobStep.WRITING

    def progress(done: int, total: int) -> None:
        step = JobStep.JUDGING if done < total else finishing
        job_progress(job_id=job.pk, done=done, total=total, step=step)

    spec = Staging(kind=job.kind, job_id=job.pk, rejudge_staged=job.kind in JUDGED_ACROSS_ROWS)
    with reporting_progress(progress), staging(spec):
        return IMPORTERS[job.kind](data, **kwargs)


def _outcome(job: ImportJob, report: ImportReport) -> dict[str, Any]:
    """What a run leaves in the job row: the report, its counts, the rejected rows' workbook."""
    return {
        "report": report.as_dict(),
        "counts": {key: getattr(report, key) for key in COUNT_KEYS},
        "rejected_file": store_rejected(job, report),
    }


def store_rejected(job: ImportJob, report: ImportReport) -> str:
    """Write the rejected rows beside the stored file (replacing an earlier run's); its name or ""."""
    if job.rejected_file:
        job.rejected_file.delete(save=False)
    buffer = io.BytesIO()
    if not write_rejected_xlsx(report, buffer):
        return ""
    stored = PurePosixPath(job.file.name)
    name = str(stored.with_name(f"{stored.stem}-rejected.xlsx"))
    return default_storage.save(name, ContentFile(buffer.getvalue()))


def _match_after_import(job: ImportJob) -> dict[str, Any]:
    """The 比对 for the term of the file's date (DESIGN §5: after every import)."""
    try:
        term = term_get_or_create(code=terms.code_for(job.as_of), actor=job.actor)
        run = match_run(term=term, actor=job.actor)
    except Exception:
        logger.exception("import job %s: the 比对 after the import failed", job.pk)
        return {
            "message": _(
                "The file was applied, but the 比对 could not run. It runs again after the next import; "
                "the system administrator can also run it with “eduaid match”."
            )
        }
    return {"match_run": run}
