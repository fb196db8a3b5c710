"""Writes to the county structure. Each takes the acting user, runs in a transaction and is audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from eduaid.core.audit import COMMAND_LINE_ACTOR as COMMAND_LINE_USERNAME
from eduaid.core.audit import record
from eduaid.core.importing import Applied
from eduaid.core.models import AuditKind
from eduaid.org.models import School

# The name audit events carry when the command line acts without --user.

SCHOOL_FIELDS = ("name", "township_id", "school_type", "ownership", "urban_rural", "boarding")


@dataclass(frozen=True)
class SchoolData:
    """One school as an import file describes it."""

    code: str
    name: str
    township_id: int | None
    school_type: str
    ownership: str
    urban_rural: str
    boarding: (
        bool | None
    )  # None: not given; a new school is then not boarding, an existing one keeps its value


def _changes(school: School, data: SchoolData) -> bool:
    """Copy `data` onto `school`; True when anything changed."""
    changed = False
    for name in SCHOOL_FIELDS:
        value = getattr(data, name)
        if value is None and name == "boarding":
            continue
        if getattr(school, name) != value:
            setattr(school, name, value)
            changed = True
    return changed


def _new_school(data: SchoolData) -> School:
    values = {name: getattr(data, name) for name in SCHOOL_FIELDS}
    values["boarding"] = bool(data.boarding)
    return School(code=data.code, **values)


@transaction.atomic
def schools_import(
    *,
    rows: Sequence[SchoolData],
    actor: Any = None,
    dry_run: bool = False,
    detail: dict[str, Any] | None = None,
) -> Applied:
    """Create or update schools by 学校标识码, all in one transaction; with `dry_run`, only count.

    `actor` is the acting user, or None for the built-in command-line actor.
    """
    existing_qs = School.objects.filter(code__in=[row.code for row in rows])
    if not dry_run:
        existing_qs = existing_qs.select_for_update()
    existing = {school.code: school for school in existing_qs}
    created = [_new_school(row) for row in rows if row.code not in existing]
    updated = [
        existing[row.code] for row in rows if row.code in existing and _changes(existing[row.code], row)
    ]
    outcome = Applied(
        created=len(created), updated=len(updated), unchanged=len(rows) - len(created) - len(updated)
    )
    if dry_run:
        return outcome
    user = actor if actor is not None else None
    if created:
        bulk_create_with_history(created, School, default_user=user, default_change_reason="import")
    if updated:
        bulk_update_with_history(
            updated, School, list(SCHOOL_FIELDS), default_user=user, default_change_reason="import"
        )
    record(
        AuditKind.IMPORT,
        actor=actor,
        username="" if actor is not None else COMMAND_LINE_USERNAME,
        detail={"import": "schools", **(detail or {}), **outcome.__dict__},
    )
    return outcome
