from __future__ import annotations

import io
import re
from collections.abc import Callable
from functools import wraps
from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduaid.core.audit import record
from eduaid.core.http import AuthedHttpRequest
from eduaid.core.models import AuditKind
from eduaid.uploads import services
from eduaid.uploads.forms import UploadForm
from eduaid.uploads.models import ImportJob, ImportKind, JobStatus
from eduaid.uploads.selectors import LIGHT_FIELDS, can_import, job_history, jobs_visible_to
from eduaid.uploads.spreadsheets import TEMPLATES, template_xlsx

# Which form field a refusal of `job_create` belongs to (by its code); the rest concern the file.
FIELD_FOR_REFUSAL = {"as_of": "as_of", "kind": "kind"}
ISSUES_PER_PAGE = 50
HISTORY_PER_PAGE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# An ID number anywhere in a value (also inside a G-学籍号): the birth date is masked on the page.
ID_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")


def importer_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The import pages are for the county's importers; other roles get 403."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_import(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _get_job_for(request: AuthedHttpRequest, pk: int, *, light: bool = False) -> ImportJob:
    """The job, if the user may see it (404 otherwise); `light` leaves its reports unread."""
    jobs = jobs_visible_to(request.user)
    return get_object_or_404(jobs.defer(*LIGHT_FIELDS) if light else jobs, pk=pk)


@importer_required
def index(request: AuthedHttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.job_create(
                actor=request.user,
                kind=data["kind"],
                upload=data["file"],
                as_of=data["as_of"],
                strict=data["strict"],
            )
        except ValidationError as exc:
            form.add_error(FIELD_FOR_REFUSAL.get(exc.code or "", "file"), exc)
        else:
            return redirect("uploads:job_detail", pk=job.pk)
    history = Paginator(job_history(request.user), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    templates = [(reverse(f"uploads:template_{kind}"), ImportKind(kind).label) for kind in TEMPLATES]
    return render(request, "uploads/index.html", {"form": form, "page": history, "templates": templates})


def count_labels() -> list[tuple[str, str]]:
    return [
        ("rows", _("Rows")),
        ("created", _("New")),
        ("updated", _("Changed")),
        ("unchanged", _("Unchanged")),
        ("duplicates", _("Duplicates")),
        ("rejected", _("Rejected")),
    ]


def masked(text: str) -> str:
    return ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)


def _issue_page(issues: list[dict[str, Any]], number: str | None) -> Page:
    page = Paginator(issues, ISSUES_PER_PAGE).get_page(number)
    page.object_list = [
        {
            **issue,
            "value": masked(str(issue.get("value", ""))),
            "reason": masked(str(issue.get("reason", ""))),
        }
        for issue in page.object_list
    ]
    return page


@login_required
def job_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    job = _get_job_for(request, pk)
    report = job.report or {}
    errors = [issue for issue in report.get("errors", []) if issue.get("row") is not None]
    context = {
        "job": job,
        "report": report,
        "counts": [(key, label, report.get(key, 0)) for key, label in count_labels()],
        "errors": _issue_page(errors, request.GET.get("page")),
        "warnings": _issue_page(report.get("warnings", []), request.GET.get("wpage")),
        "refusal": services.confirm_refusal(job) if job.status == JobStatus.CHECKED else "",
        "match": job.match_run.summary if job.match_run else None,
    }
    return render(request, "uploads/job_detail.html", context)


@login_required
def job_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx; once the job has finished, the whole page reloads."""
    job = _get_job_for(request, pk, light=True)
    response = render(request, "uploads/_progress.html", {"job": job})
    if not job.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def job_confirm(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    job = _get_job_for(request, pk, light=True)
    try:
        services.job_confirm(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("uploads:job_detail", pk=job.pk)


@login_required
@require_POST
def job_resume(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Queue again the step of a job whose worker died."""
    job = _get_job_for(request, pk, light=True)
    try:
        services.job_resume(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("uploads:job_detail", pk=job.pk)


@login_required
@require_POST
def job_reset(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Give up the step of a job whose worker died."""
    job = _get_job_for(request, pk, light=True)
    try:
        services.job_reset(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("uploads:job_detail", pk=job.pk)


@login_required
def rejected_download(request: AuthedHttpRequest, pk: int) -> FileResponse:
    job = _get_job_for(request, pk, light=True)
    if not job.rejected_file:
        raise Http404
    stem = PurePosixPath(job.filename).stem or "import"
    record(
        AuditKind.EXPORT,
        actor=request.user,
        request=request,
        obj=job,
        detail={"export": "rejected_rows", "file": job.filename, "rows": (job.counts or {}).get("rejected")},
    )
    name = _("%(file)s-rejected rows.xlsx") % {"file": stem}
    return FileResponse(job.rejected_file.open("rb"), as_attachment=True, filename=name, content_type=XLSX)


@importer_required
def template_download(request: AuthedHttpRequest, kind: str) -> FileResponse:
    workbook = io.BytesIO(template_xlsx(kind))
    filename = f"{TEMPLATES[kind].filename}.xlsx"
    return FileResponse(workbook, as_attachment=True, filename=filename, content_type=XLSX)
