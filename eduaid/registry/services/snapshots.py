"""Applying a snapshot: what to create, change, end or leave, for any versioned table.

A snapshot as of day D holds the facts it lists, keyed by a natural key. For each key:
- no open row: create one, valid from D (or since always, when this is the first snapshot);
- an open row with the same facts: unchanged;
- an open row with other facts: end it on D and create the new one from D — or, when the open row
  itself started on D (a same-day correction), change it in place;
- an open row whose key the snapshot does not list: end it on D (delete it if it started on D).
A same-day re-import of the first snapshot corrects it: it still stands for all earlier dates, so
what it changes is changed in place and what it drops is deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import models
from django.utils.translation import gettext as _

from eduaid.core.bulkwrite import insert_rows
from eduaid.registry.models import Snapshot

M = TypeVar("M", bound=models.Model)
WRITE_CHUNK = 5000  # primary keys per statement: within SQLite's limit on query parameters
K = TypeVar("K", bound=Hashable)


class SnapshotDateError(ValueError):
    pass


@dataclass
class VersionPlan(Generic[M]):
    create: list[M] = field(default_factory=list)
    update: list[M] = field(default_factory=list)
    end: list[M] = field(default_factory=list)
    delete: list[M] = field(default_factory=list)
    unchanged: int = 0
    created_keys: set[Hashable] = field(default_factory=set)
    changed_keys: set[Hashable] = field(default_factory=set)


def check_as_of(kind: str, as_of: dt.date) -> bool:
    """Whether this is the kind's first snapshot, or a same-day correction of it (no snapshot is
    older); refuses a date older than the newest snapshot."""
    newest = Snapshot.objects.filter(kind=kind).order_by("-as_of").values_list("as_of", flat=True).first()
    if newest is not None and as_of < newest:
        raise SnapshotDateError(
            _("A newer snapshot (as of %(newest)s) is already imported; this file is as of %(as_of)s.")
            % {"newest": newest, "as_of": as_of}
        )
    return newest is None or not Snapshot.objects.filter(kind=kind, as_of__lt=as_of).exists()


def plan_versions(
    *,
    open_rows: Mapping[K, M],
    wanted: Mapping[K, dict[str, Any]],
    as_of: dt.date,
    first: bool,
    build: Callable[[K, dict[str, Any]], M],
    scope: Callable[[K], bool] = lambda key: True,
) -> VersionPlan[M]:
    """Plan the writes that make the open rows say `wanted` as of `as_of`.

    `build(key, facts)` makes an unsaved row (without validity or snapshot); `scope(key)` limits which
    open rows the snapshot speaks for (an enrolment file ends only the enrolments of its schools).
    """
    plan: VersionPlan[M] = VersionPlan()
    start = None if first else as_of
    for key, facts in wanted.items():
        row = open_rows.get(key)
        if row is None:
            plan.create.append(_started(build(key, facts), start))
            plan.created_keys.add(key)
        elif _same(row, facts):
            plan.unchanged += 1
        elif row.valid_from == as_of or first:  # type: ignore[attr-defined]
            for name, value in facts.items():
                setattr(row, name, value)
            plan.update.append(row)
            plan.changed_keys.add(key)
        else:
            row.valid_to = as_of  # type: ignore[attr-defined]
            plan.end.append(row)
            plan.create.append(_started(build(key, facts), as_of))
            plan.changed_keys.add(key)
    for key, row in open_rows.items():
        if key in wanted or not scope(key):
            continue
        if row.valid_from == as_of or first:  # type: ignore[attr-defined]
            plan.delete.append(row)
        else:
            row.valid_to = as_of  # type: ignore[attr-defined]
            plan.end.append(row)
    return plan


def _started(row: M, start: dt.date | None) -> M:
    row.valid_from = start  # type: ignore[attr-defined]
    return row


def _same(row: models.Model, facts: Mapping[str, Any]) -> bool:
    return all(getattr(row, name) == value for name, value in facts.items())


def write_plan(model: type[M], plan: VersionPlan[M], *, snapshot: Snapshot, fields: Iterable[str]) -> None:
    """Apply a plan in bulk (the caller holds the transaction)."""
    manager = model._default_manager
    deleted = [row.pk for row in plan.delete]
    for start in range(0, len(deleted), WRITE_CHUNK):
        manager.filter(pk__in=deleted[start : start + WRITE_CHUNK]).delete()
    # Every ended row gets the snapshot's date: one UPDATE per chunk, not bulk_update's CASE per row
    # (which took 30 s for the 80,000 enrolments a new school year ends).
    ends: dict[dt.date, list[Any]] = {}
    for row in plan.end:
        ends.setdefault(row.valid_to, []).append(row.pk)  # type: ignore[attr-defined]
    for day, pks in ends.items():
        for start in range(0, len(pks), WRITE_CHUNK):
            manager.filter(pk__in=pks[start : start + WRITE_CHUNK]).update(valid_to=day)
    if plan.update:
        for row in plan.update:
            row.snapshot = snapshot  # type: ignore[attr-defined]
        manager.bulk_update(plan.update, [*fields, "snapshot"], batch_size=2000)
    insert_new_rows(model, plan.create, snapshot=snapshot)


class NewRow:
    """A row to create, as plain attribute values (``person_id``, ``stage`` …): a `build` may give
    these instead of model instances, which cost far more to make and to insert in bulk. Fields it
    does not set take their model default when inserted."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def insert_new_rows(model: type[M], rows: Sequence[Any], *, snapshot: Snapshot) -> None:
    """Insert planned rows (model instances or `NewRow`s) of the snapshot, from plain values."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    defaults = {field.attname: field.get_default() for field in fields}
    names = [field.attname for field in fields]
    values = []
    for row in rows:
        row.snapshot_id = snapshot.pk
        own = row.__dict__
        values.append(tuple(own[name] if name in own else defaults[name] for name in names))
    insert_rows(model, names, values)
