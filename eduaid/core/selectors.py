"""Reads for the home pages and the audit log, each from the user's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet

from eduaid.accounts.roles import Role
from eduaid.accounts.selectors import users_visible_to
from eduaid.core.models import AuditEvent
from eduaid.matching.models import FindingKind, MatchRun
from eduaid.matching.selectors import findings_visible_to, last_run
from eduaid.org.models import SchoolType
from eduaid.org.selectors import (
    classes_visible_to,
    schools_visible_to,
    townships_visible_to,
    villages_visible_to,
)
from eduaid.registry.selectors import scope_counts


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:  # type: ignore[no-untyped-def]
    qs = AuditEvent.objects.select_related("actor")
    if user.is_superuser or user.role in {Role.COUNTY_ADMIN, Role.INSPECTOR}:
        return qs
    return qs.none()


def schools_by_type(user) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    rows = schools_visible_to(user).values("school_type").annotate(n=Count("pk"))
    counts = {r["school_type"]: r["n"] for r in rows}
    return [
        {"code": code, "label": str(label), "count": counts.get(code, 0)}
        for code, label in SchoolType.choices
    ]


def home_counts(user) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts = {
        "townships": townships_visible_to(user).count(),
        "villages": villages_visible_to(user).count(),
        "schools": schools_visible_to(user).count(),
        "classes": classes_visible_to(user).count(),
    }
    if user.is_superuser or user.role == Role.COUNTY_ADMIN:
        counts["users"] = users_visible_to(user).filter(is_active=True).count()
    counts.update(scope_counts(user))  # counted once per scope, day and import (a city's: seconds)
    return counts


def last_match_dropouts(user) -> tuple[MatchRun | None, int]:  # type: ignore[no-untyped-def]
    """The last match run, and its suspected dropouts and dropouts in the user's scope (persons)."""
    run = last_run()
    if run is None:
        return None, 0
    kinds = [FindingKind.SUSPECTED_DROPOUT, FindingKind.DROPOUT]
    found = findings_visible_to(user).filter(run=run, kind__in=kinds)
    return run, found.aggregate(n=Count("person", distinct=True))["n"]


def township_school_chart(user) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Schools per township and type, shaped for an ECharts stacked bar."""
    rows = (
        schools_visible_to(user)
        .values("township__name", "township__code", "school_type")
        .annotate(n=Count("pk"))
        .order_by("township__code")
    )
    names: list[str] = []
    table: dict[str, dict[str, int]] = {}
    for r in rows:
        name = r["township__name"] or "县直"
        if name not in table:
            names.append(name)
            table[name] = {}
        table[name][r["school_type"]] = r["n"]
    series = [
        {"name": str(label), "type": "bar", "stack": "all", "data": [table[n].get(code, 0) for n in names]}
        for code, label in SchoolType.choices
    ]
    return {"townships": names, "series": series}


def workday_overrides() -> dict[dt.date, bool]:
    """The county's corrections of the official working-day calendar (see `eduaid.core.workdays`)."""
    from eduaid.core.models import WorkdayOverride

    return dict(WorkdayOverride.objects.values_list("day", "is_workday"))
