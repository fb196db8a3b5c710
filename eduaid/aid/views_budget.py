"""Budget pages: money totals for a term or a calendar year, and the what-if of changed amounts."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from eduaid.accounts.roles import COUNTY_ROLES
from eduaid.aid.budget import (
    Budget,
    Period,
    PeriodError,
    budget_for,
    dimension_titles,
    period_for_term,
    period_for_year,
)
from eduaid.aid.models import PolicyVersion
from eduaid.aid.selectors import entitlements_visible_to
from eduaid.aid.services import PolicyError, version_for
from eduaid.aid.whatif import Case, CaseKey, MoneyError, case_label, editable_cases, named_items, parse_yuan
from eduaid.aid.whatif import what_if as what_if_compute
from eduaid.core import clock
from eduaid.core.audit import record
from eduaid.core.http import AuthedHttpRequest
from eduaid.core.models import AuditKind
from eduaid.registry import terms
from eduaid.registry.models import Term

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_county(request: AuthedHttpRequest) -> None:
    if not (request.user.is_superuser or request.user.role in COUNTY_ROLES):
        raise PermissionDenied


def _priced_terms(request: AuthedHttpRequest) -> list[str]:
    codes = entitlements_visible_to(request.user).values_list("term__code", flat=True).distinct()
    return sorted(set(codes), reverse=True)


def _years(term_codes: list[str]) -> list[int]:
    years = set()
    for code in term_codes:
        first_year, half = terms.parse(code)
        years.add(first_year if half == 1 else first_year + 1)
    return sorted(years, reverse=True)


def _period(request: AuthedHttpRequest, priced: list[str]) -> tuple[Period, str]:
    """The period asked for (`?term=` or `?year=`), else the latest priced term; and an error."""
    year, term = request.GET.get("year", "").strip(), request.GET.get("term", "").strip()
    default = period_for_term(priced[0] if priced else terms.code_for(clock.today()))
    try:
        if year:
            return period_for_year(year), ""
        if term:
            return period_for_term(term), ""
    except PeriodError as exc:
        return default, str(exc)
    return default, ""


def _chart(budget: Budget) -> dict[str, Any]:
    # colleges have no township: their line stays in the table, out of the chart
    lines = sorted((line for line in budget.groups["township"] if line.key), key=lambda line: line.label)
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 70, "right": 10, "bottom": 80, "top": 20},
        "xAxis": {"type": "category", "data": [line.label for line in lines], "axisLabel": {"rotate": 45}},
        "yAxis": {"type": "value"},
        # yuan as exact decimal strings: ECharts reads them as numbers
        "series": [{"type": "bar", "name": _("Amount"), "data": [line.yuan for line in lines]}],
    }


@login_required
def budget(request: AuthedHttpRequest) -> HttpResponse:
    priced = _priced_terms(request)
    period, error = _period(request, priced)
    result = budget_for(request.user, period)
    if request.GET.get("format") == "xlsx":
        return _xlsx(request, result)
    titles = dimension_titles()
    context = {
        "budget": result,
        "period": period,
        "error": error,
        "priced_terms": priced,
        "years": _years(priced),
        "tables": [(name, titles[name], result.groups[name]) for name in titles],
        "chart": sum(1 for line in result.groups["township"] if line.key) > 1,
        "chart_option": _chart(result),
        "can_whatif": request.user.is_superuser or request.user.role in COUNTY_ROLES,
    }
    return render(request, "aid/budget.html", context)


def _xlsx(request: AuthedHttpRequest, result: Budget) -> HttpResponse:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    headers = [_("Group"), _("Students"), _("Entitlements"), _("Amount (yuan)"), _("Amount (fen)")]
    sheets = [(title, result.groups[name]) for name, title in dimension_titles().items()]
    sheets.append((_("Loans and referrals"), result.apart))
    summary = book.add_worksheet(_("Summary"))
    summary.write_row(0, 0, [_("Period"), result.period.label], bold)
    summary.write_row(1, 0, [_("Terms"), "、".join(result.period.term_codes)])
    summary.write_row(2, 0, [_("Total (yuan)"), result.total_yuan])
    summary.write_row(3, 0, [_("Total (fen)")])
    summary.write_number(3, 1, result.total_fen)
    summary.write_row(4, 0, [_("Students")])
    summary.write_number(4, 1, result.students)
    summary.write(5, 0, _("Loans and referrals are not counted in money totals."))
    summary.set_column(0, 1, 24)
    for title, lines in sheets:
        sheet = book.add_worksheet(title[:31])
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 4, 16)
        sheet.write_row(0, 0, headers, bold)
        for n, line in enumerate(lines, start=1):
            sheet.write_string(n, 0, line.label)
            sheet.write_number(n, 1, line.students)
            sheet.write_number(n, 2, line.entitlements)
            sheet.write_string(n, 3, line.yuan)
            sheet.write_number(n, 4, line.fen)
    book.close()
    record(
        AuditKind.EXPORT,
        actor=request.user,
        request=request,
        detail={"export": "budget", "period": result.period.key, "total_fen": result.total_fen},
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="budget-{result.period.key}.xlsx"'
    return response


class WhatIfForm(forms.Form):
    """One yuan field per editable rule case of the version's cash items (absent: unchanged)."""

    def __init__(self, *args: Any, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cases = cases
        for case in cases:
            self.fields[case.key] = forms.CharField(
                label=f"{case.name} · {case_label(case)}",
                initial=case.yuan,
                required=False,
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control text-end"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for case in self.cases:
            if case.key in self.errors:
                continue
            if case.key not in self.data:  # a field left out of the query keeps its amount
                cleaned[case.key] = case.fen
                continue
            try:
                cleaned[case.key] = parse_yuan(cleaned.get(case.key, ""))
            except MoneyError as exc:
                self.add_error(case.key, str(exc))
        return cleaned

    def changes(self) -> dict[CaseKey, int]:
        return {
            (case.code, case.index): self.cleaned_data[case.key]
            for case in self.cases
            if self.cleaned_data[case.key] != case.fen
        }

    def rows(self) -> list[tuple[Case, Any]]:
        return [(case, self[case.key]) for case in self.cases]


def _whatif_term(request: AuthedHttpRequest) -> tuple[list[Term], Term | None]:
    first = PolicyVersion.objects.order_by("first_term").values_list("first_term", flat=True).first()
    available = list(Term.objects.filter(code__gte=first or "9999").order_by("-code"))
    wanted = request.GET.get("term", "").strip()
    chosen = next((t for t in available if t.code == wanted), None)
    return available, chosen or (available[0] if available else None)


@login_required
def what_if(request: AuthedHttpRequest) -> HttpResponse:
    _require_county(request)
    available, term = _whatif_term(request)
    context: dict[str, Any] = {"terms": available, "term": term, "form": None, "result": None, "error": ""}
    if term is None:
        context["error"] = _("No term has been set up yet.")
        return render(request, "aid/budget_whatif.html", context)
    try:
        version = version_for(term.code)
    except PolicyError as exc:
        context["error"] = str(exc)
        return render(request, "aid/budget_whatif.html", context)
    cases = editable_cases(named_items(version))
    submitted = any(case.key in request.GET for case in cases)
    form = WhatIfForm(request.GET if submitted else None, cases=cases)
    context.update({"version": version, "form": form})
    if submitted and form.is_valid():
        result = what_if_compute(term, form.changes(), version)
        context["result"] = result
        context["changed"] = len(form.changes())
    return render(request, "aid/budget_whatif.html", context)
