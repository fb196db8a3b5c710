"""The 比对 page: one run's findings in the user's scope — summary cards, eligible students by
township, a filtered table, and the filtered findings as .xlsx. Pages and downloads mask ID numbers;
the command-line export (`eduaid export findings`) is the one with full numbers."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from eduaid.core import paging
from eduaid.core.audit import record
from eduaid.core.exports import Table, write_table
from eduaid.core.http import AuthedHttpRequest
from eduaid.core.models import AuditKind
from eduaid.matching import engine
from eduaid.matching.describe import category_label
from eduaid.matching.models import KIND_ORDER, Finding, FindingKind, MatchRun, kind_rank
from eduaid.matching.selectors import findings_visible_to, last_run
from eduaid.org.selectors import townships_visible_to
from eduaid.registry.selectors import persons_visible_to, scope_key
from eduaid.registry.views import describe_masked, detail_url_maker, int_param, masked_id, school_options

PAGE_SIZE = 50
OVERVIEW_SECONDS = 3600
DROPOUT_KINDS = (FindingKind.SUSPECTED_DROPOUT, FindingKind.DROPOUT)
DROPOUTS = "dropouts"  # the kind filter's value for both dropout ledgers
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class FindingFilter:
    kind: str = ""
    township: int | None = None
    school: int | None = None


def _pick_run(request: AuthedHttpRequest, newest: list[MatchRun] | None = None) -> MatchRun | None:
    """`?run=ID`, else the last run of `?term=CODE`, else the last run (the first of `newest`, the
    newest runs by pk, when the caller has read them already)."""
    run_id = int_param(request, "run")
    if run_id is not None:
        return get_object_or_404(MatchRun.objects.select_related("term"), pk=run_id)
    term = request.GET.get("term", "").strip() or None
    if term is None and newest is not None:
        return newest[0] if newest else None
    return last_run(term)


def _finding_filter(request: AuthedHttpRequest) -> FindingFilter:
    kind = request.GET.get("kind", "")
    return FindingFilter(
        kind=kind if kind in FindingKind.values or kind == DROPOUTS else "",
        township=int_param(request, "township"),
        school=int_param(request, "school"),
    )


def filtered_findings(user, run: MatchRun, f: FindingFilter) -> QuerySet[Finding]:  # type: ignore[no-untyped-def]
    qs = findings_visible_to(user).filter(run=run)
    if f.kind == DROPOUTS:
        qs = qs.filter(kind__in=DROPOUT_KINDS)
    elif f.kind:
        qs = qs.filter(kind=f.kind)
    if f.township is not None:
        qs = qs.filter(township_id=f.township)
    if f.school is not None:
        qs = qs.filter(school_id=f.school)
    return qs.order_by(kind_rank(), "pk")  # read in order from the index `finding_run_rank`


def summary(findings: QuerySet[Finding], run: MatchRun) -> dict[str, Any]:
    """The run's counts within the user's scope, counting persons, not rows (as DESIGN §7)."""
    by_kind = dict(
        findings.order_by().values("kind").annotate(n=Count("person", distinct=True)).values_list("kind", "n")
    )
    eligible = findings.filter(kind=FindingKind.ELIGIBLE).order_by()
    by_category = dict(
        eligible.values("category").annotate(n=Count("person", distinct=True)).values_list("category", "n")
    )
    dropouts = findings.filter(kind__in=DROPOUT_KINDS).aggregate(n=Count("person", distinct=True))["n"]
    priced = bool(run.summary.get("priced"))
    return {
        "eligible": by_kind.get(FindingKind.ELIGIBLE, 0),
        "by_category": [(c, category_label(c), by_category.get(c, 0)) for c in engine.CATEGORIES],
        "duplicates": by_kind.get(FindingKind.DUPLICATE, 0),
        "identity": by_kind.get(FindingKind.IDENTITY, 0),
        "dropouts": dropouts,
        "priced": priced,
        "missed": by_kind.get(FindingKind.MISSED, 0) if priced else None,
        "wrong": by_kind.get(FindingKind.WRONG, 0) if priced else None,
    }


def township_chart(findings: QuerySet[Finding]) -> dict[str, Any] | None:
    """Eligible students by township, as an ECharts bar; None for fewer than two townships."""
    rows = (
        findings.filter(kind=FindingKind.ELIGIBLE)
        .order_by("township__code")
        .values("township__code", "township__name")
        .annotate(n=Count("person", distinct=True))
    )
    names = [r["township__name"] or _("County-level") for r in rows]
    if len(names) < 2:  # one bar says no more than the card above it
        return None
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 40, "right": 10, "bottom": 10, "top": 30, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": names,
            "axisLabel": {"rotate": 45 if len(names) > 6 else 0, "interval": 0},
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": _("Eligible students"),
                "type": "bar",
                "data": [r["n"] for r in rows],
                "itemStyle": {"color": "#b3261e"},
                "label": {"show": len(names) <= 20, "position": "top"},
                "barMaxWidth": 48,
            }
        ],
    }


def overview(user, run: MatchRun) -> tuple[dict[str, Any], dict[str, Any] | None]:  # type: ignore[no-untyped-def]
    """The summary cards and the chart of one run in the user's scope. A run's findings are written
    with the run in one transaction and never change afterwards, so these aggregates (over a city's
    run they cost more than the rest of the page) are computed once per run, scope and language."""
    key = f"findings-overview:{run.pk}:{run.started_at.timestamp()}:{scope_key(user)}:{get_language()}"
    found = cache.get(key)
    if found is None:
        scoped = findings_visible_to(user).filter(run=run)
        found = (summary(scoped, run), township_chart(scoped))
        cache.set(key, found, OVERVIEW_SECONDS)
    return found


def findings_by_pk(ids: list[int]) -> list[Finding]:
    """One page of findings (its keys, in order), with what the table shows of each."""
    found = Finding.objects.filter(pk__in=ids).select_related("person", "school", "township", "village")
    by_pk = {x.pk: x for x in found}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def finding_row(finding: Finding, visible: bool, url: str, kinds: dict[str, Any]) -> dict[str, Any]:
    """One row of the findings table, flat, its cells' HTML ready (as `registry.views.student_row`)."""
    f = finding
    name = f.person.name
    college = f.detail.get("college") if isinstance(f.detail, dict) else None
    return {
        "kind": f.kind,
        "person_id": f.person_id,
        "person": format_html('<a href="{}" data-testid="finding-person">{}</a>', url, name)
        if visible
        else name,
        "masked_id": masked_id(f.person),
        "kind_label": kinds.get(f.kind, f.kind),
        "school": f.school.name if f.school else (college or "—"),
        "place": format_html(
            "{}{}",
            f.township.name if f.township and f.township.name else "—",
            format_html(' <span class="text-secondary small">{}</span>', f.village.name) if f.village else "",
        ),
        "text": describe_masked(f),
    }


def _rows(user, findings: list[Finding]) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    ids = {f.person_id for f in findings}
    visible = set(persons_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    url = detail_url_maker("registry:student_detail")
    kinds = dict(FindingKind.choices)
    return [finding_row(f, f.person_id in visible, url(f.person_id), kinds) for f in findings]


def _kind_choices(run: MatchRun | None) -> list[tuple[str, str]]:
    priced = bool(run and run.summary.get("priced"))
    kinds = [(k, str(FindingKind(k).label)) for k in KIND_ORDER if priced or k not in ("missed", "wrong")]
    return [(DROPOUTS, _("Suspected dropouts and dropouts")), *kinds]


@login_required
def findings(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    runs = list(MatchRun.objects.select_related("term").order_by("-pk")[:30])
    run = _pick_run(request, runs)
    f = _finding_filter(request)
    context: dict[str, Any] = {
        "run": run,
        "runs": runs,
        "filters": f,
        "filtered": f != FindingFilter(),
        "kinds": _kind_choices(run),
        "townships": townships_visible_to(user),
        "schools": school_options(user, f.township),
    }
    if run is not None:
        context["summary"], context["chart_option"] = overview(user, run)
        keys = filtered_findings(user, run, f).values_list("pk", flat=True)
        page = paging.window(request, keys, PAGE_SIZE, load=findings_by_pk)
        context["page"] = page
        context["rows"] = _rows(user, list(page.object_list))
    return render(request, "matching/findings.html", context)


def findings_table(user, run: MatchRun, f: FindingFilter) -> Table:  # type: ignore[no-untyped-def]
    """The filtered findings with masked ID numbers, one row per finding."""
    qs = filtered_findings(user, run, f).select_related("person", "school", "township", "village")
    labels = dict(FindingKind.choices)
    return Table(
        headers=[
            _("ID number"),
            _("Name"),
            _("School code"),
            _("School"),
            _("Township"),
            _("Village"),
            _("Finding"),
            _("Explanation"),
        ],
        rows=(
            [
                masked_id(x.person),
                x.person.name,
                x.school.code if x.school else "",
                x.school.name if x.school else (x.detail or {}).get("college", ""),
                x.township.name if x.township else "",
                x.village.name if x.village else "",
                str(labels.get(x.kind, x.kind)),
                describe_masked(x),
            ]
            for x in qs.iterator(chunk_size=2000)
        ),
    )


@login_required
def findings_export(request: AuthedHttpRequest) -> HttpResponse:
    run = _pick_run(request)
    if run is None:
        raise Http404
    f = _finding_filter(request)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "findings.xlsx"
        count = write_table(findings_table(request.user, run, f), path)
        content = path.read_bytes()
    filters = {"kind": f.kind, "township": f.township, "school": f.school}
    record(
        AuditKind.EXPORT,
        actor=request.user,
        request=request,
        obj=run,
        detail={
            "export": "findings",
            "term": run.term.code,
            "rows": count,
            "filters": filters,
            "full_ids": False,
        },
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="findings-{run.term.code}-{run.pk}.xlsx"'
    return response
