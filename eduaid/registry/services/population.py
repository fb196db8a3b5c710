"""Applying the 户籍 children list (the optional population register) as of a date.

Each row is a child and the village their household is registered in (`PopulationEntry`). Like the
household registry, the file is the whole list as of its date: entries it no longer lists are ended
then, except those a rejected row names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import F

from eduaid.core.bulkwork import refresh_statistics
from eduaid.core.importing import Applied
from eduaid.registry.models import Person, PopulationEntry, SnapshotKind
from eduaid.registry.services.households import (
    Held,
    PersonPlan,
    audit_import,
    ended_count,
    new_snapshot,
    plan_persons,
    write_persons,
)
from eduaid.registry.services.snapshots import VersionPlan, check_as_of, plan_versions, write_plan


@dataclass(frozen=True)
class ChildData:
    """One accepted row of a population file."""

    id_number: str
    name: str
    village_id: int


def _open_entries() -> dict[str, PopulationEntry]:
    rows = PopulationEntry.objects.filter(valid_to__isnull=True).annotate(id_number=F("person__id_number"))
    return {row.id_number: row for row in rows}  # type: ignore[attr-defined]


def _plan(
    children: Sequence[ChildData], persons: PersonPlan, held: Held, **when: Any
) -> VersionPlan[PopulationEntry]:
    """`when`: `as_of` and `first`, as `plan_versions` takes them."""
    return plan_versions(
        open_rows=_open_entries(),
        wanted={child.id_number: {"village_id": child.village_id} for child in children},
        build=lambda number, facts: PopulationEntry(person_id=persons.people[number].pk, **facts),
        scope=lambda number: number not in held.id_numbers,
        **when,
    )


def _count(children: Sequence[ChildData], persons: PersonPlan, plan: VersionPlan[PopulationEntry]) -> Applied:
    """Per row: created (a new entry), updated (the entry's village or the person changed)."""
    renamed = persons.changed
    created = sum(1 for child in children if child.id_number in plan.created_keys)
    updated = sum(
        1
        for child in children
        if child.id_number not in plan.created_keys
        and (child.id_number in plan.changed_keys or child.id_number in renamed)
    )
    return Applied(created=created, updated=updated, unchanged=len(children) - created - updated)


@transaction.atomic
def population_import(
    *,
    children: Sequence[ChildData],
    as_of: dt.date,
    actor: Any,
    filename: str = "",
    held: Held | None = None,
    dry_run: bool = False,
    summary: Mapping[str, Any] | None = None,
) -> Applied:
    """Make the population list say what `children` say as of `as_of`; with `dry_run`, only count.

    Raises `SnapshotDateError` when a newer population snapshot exists.
    """
    first = check_as_of(SnapshotKind.POPULATION, as_of)
    persons = plan_persons({child.id_number: child.name for child in children})
    if not dry_run:
        write_persons(persons, actor=actor, reason="population import")
    plan = _plan(children, persons, held or Held(), as_of=as_of, first=first)
    outcome = _count(children, persons, plan)
    if dry_run:
        return outcome
    report = {**(summary or {}), **asdict(outcome), "entries_ended": ended_count(plan)}
    snapshot = new_snapshot(
        kind=SnapshotKind.POPULATION, as_of=as_of, actor=actor, filename=filename, report=report
    )
    write_plan(PopulationEntry, plan, snapshot=snapshot, fields=("village",))
    refresh_statistics(Person, PopulationEntry)
    audit_import(
        name="population", actor=actor, detail={"file": filename, "as_of": as_of.isoformat(), **report}
    )
    return outcome
