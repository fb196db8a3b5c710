"""Bulk work in one process: reading, judging and writing a county's files, the 比对, pricing.

Such work allocates millions of small objects that live until it ends (cells, rows, judged values,
planned rows). With CPython's default thresholds the cyclic garbage collector runs every 700
allocations and keeps scanning that growing heap again: about a third of a county enrolment
import's CPU time. Within `fewer_collections` it runs a hundred-odd times less often; the objects
from before the block (Django's, the apps') are frozen out of its scans.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from django.db import connection
from django.db.models import Model

BULK_THRESHOLDS = (100_000, 50, 100)
# Values per `IN (…)`: SQLite refuses a statement with more than 32,766 parameters, and a county's
# term has more entitlements than that to confirm, publish or approve at once.
IN_CHUNK = 5000
T = TypeVar("T")


def in_chunks(values: Sequence[T], size: int | None = None) -> Iterator[Sequence[T]]:
    """`values` in slices of at most `size` (default `IN_CHUNK`), in order: one `IN (…)` each."""
    size = size or IN_CHUNK
    for start in range(0, len(values), size):
        yield values[start : start + size]


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Within the block, collect garbage far less often (usable as a decorator)."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*BULK_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def refresh_statistics(*models: type[Model]) -> None:
    """After a bulk write, let PostgreSQL's planner see the new sizes of these tables at once.

    Autovacuum analyses a table some time after it changed; until then the planner believes an empty
    or small table, and the next step (the 比对, pricing, a batch) may pick a nested loop over every
    pair of rows: a county's batch took a minute instead of half a second. ANALYZE reads a sample of
    fixed size, so it costs well under a second at any size; run inside the writing transaction, the
    statistics serve that transaction too. SQLite plans without such statistics: nothing to do there.
    """
    if connection.vendor != "postgresql" or not models:
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
