"""Reads of import jobs, scoped (the one chokepoint for ImportJob).

Imports are county-level work: the system administrator and the student aid center upload files and
see every job; for everyone else no job exists (404) and the import pages are closed (403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from eduaid.accounts.roles import Role
from eduaid.uploads.models import ImportJob

IMPORT_ROLES = frozenset({Role.COUNTY_ADMIN, Role.AID_CENTER})

# What the progress partial and the history list read: never the (possibly large) reports.
LIGHT_FIELDS = ("dry_run_report", "applied_report")


def can_import(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user.role in IMPORT_ROLES)


def jobs_visible_to(user: Any) -> QuerySet[ImportJob]:
    qs = ImportJob.objects.select_related("actor", "confirmed_by", "match_run")
    if not can_import(user):
        return qs.none()
    return qs


def job_history(user: Any) -> QuerySet[ImportJob]:
    """The jobs a user sees, newest first, without their reports."""
    return jobs_visible_to(user).defer(*LIGHT_FIELDS).order_by("-created_at", "-pk")
