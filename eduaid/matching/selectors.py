"""Reads of match runs and findings, scoped (the one chokepoint for Finding)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from eduaid.accounts.scope import scope_of
from eduaid.matching.models import Finding, MatchRun


def findings_visible_to(user) -> QuerySet[Finding]:  # type: ignore[no-untyped-def]
    """County roles see every finding; a township its schools and villages; a school its own."""
    scope = scope_of(user)
    qs = Finding.objects.all()
    if scope.county:
        return qs
    return qs.filter(
        Q(school_id__in=scope.school_ids) | Q(school__isnull=True, village_id__in=scope.village_ids)
    )


def last_run(term_code: str | None = None) -> MatchRun | None:
    qs = MatchRun.objects.select_related("term")
    if term_code:
        qs = qs.filter(term__code=term_code)
    return qs.order_by("-pk").first()
