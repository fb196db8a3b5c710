"""Two processes building batches from the same approved rows at the same moment (PostgreSQL only).

Each process has its own database connection; a barrier releases them together. Whatever the order
the database lets them in, every entitlement ends in exactly one batch line and nothing is paid twice.
"""

from __future__ import annotations

import multiprocessing
import traceback
from typing import Any

import pytest
from django.db import connection, connections

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.conftest import make_cast, make_registry_cast
from eduaid.payments.models import PaymentBatch, PaymentLine
from eduaid.payments.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WORKERS = 2


def _build(barrier: Any, results: Any, term_id: int) -> None:
    """In a child process: wait for the other, then build a batch on a fresh connection."""
    from eduaid.payments.services_batches import batch_build
    from eduaid.registry.models import Term

    connections.close_all()
    try:
        term = Term.objects.get(pk=term_id)
        barrier.wait(timeout=30)
        batch = batch_build(term=term, actor=None)
        results.put(("ok", batch.line_count if batch else 0))
    except Exception:  # reported to the parent, which fails the test with it
        results.put(("error", traceback.format_exc()))
    finally:
        connections.close_all()


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="SQLite serialises every writer on one database lock: row locking is tested on PostgreSQL",
)
def test_two_officers_batching_at_once_never_pay_a_row_twice() -> None:
    registry = make_registry_cast(make_cast())
    f.approved_with_accounts(registry)
    payable = set(
        Entitlement.objects.filter(term=registry.autumn, status=EntitlementStatus.APPROVED)
        .filter(person__bank_account__isnull=False, item__kind="cash", item__paid_by="county")
        .values_list("pk", flat=True)
    )
    assert len(payable) >= 2
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    connection.close()
    processes = [
        context.Process(target=_build, args=(barrier, results, registry.autumn.pk)) for _ in range(WORKERS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    errors = [text for kind, text in outcomes if kind == "error"]
    assert errors == []
    assert sorted(count for _kind, count in outcomes) == [0, len(payable)]
    lines = list(PaymentLine.objects.values_list("entitlement_id", flat=True))
    assert sorted(lines) == sorted(payable)  # each row in exactly one line
    assert PaymentBatch.objects.count() == 1
    statuses = set(Entitlement.objects.filter(pk__in=payable).values_list("status", flat=True))
    assert statuses == {EntitlementStatus.IN_BATCH}
