"""Two officers confirming or approving the same rows at the same moment: exactly one wins.

Two processes, each with its own database connection, are released together by a barrier against a
real, committed test database. The transition service locks the rows in primary-key order and re-reads
them under the lock, so the second process sees the rows already moved and is refused: one event per row.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from django.db import connection, connections

from eduaid.conftest import RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.review import services
from eduaid.review.models import EntitlementEvent
from eduaid.review.tests.helpers import AFTER_END, S, price_spring, published, school_rows, statuses

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no row locks, and its in-memory test database is invisible "
        "to another process (run with DATABASE_URL=postgres://...)",
    ),
]


def _contender(step: str, ids: list[int], user_id: int | None, barrier: Any, results: Any) -> None:
    """Runs in a forked process: a fresh connection (the parent's were closed before the fork)."""
    from eduaid.accounts.models import User

    try:
        actor = User.objects.get(pk=user_id) if user_id else None
        barrier.wait(timeout=30)
        if step == "confirm":
            services.entitlements_confirm(ids=ids, actor=actor, note="并发确认")
        else:
            with frozen_today(AFTER_END):
                services.entitlements_approve(ids=ids, actor=actor)
        results.put("won")
    except services.TransitionRefused:
        results.put("refused")
    except Exception as error:  # noqa: BLE001 (reported to the parent, which fails the test)
        results.put(f"error: {error!r}")
    finally:
        connections.close_all()


def _race(step: str, ids: list[int], user_id: int | None) -> list[str]:
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    connections.close_all()  # never share a socket with the children
    processes = [
        ctx.Process(target=_contender, args=(step, ids, user_id, barrier, results)) for _ in range(2)
    ]
    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    return outcomes


def test_two_officers_confirming_the_same_rows_one_wins(registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    ids = [r.pk for r in school_rows(registry_cast, registry_cast.cast.school_a) if not r.held]
    officer = registry_cast.cast.user("school_officer")
    assert _race("confirm", ids, officer.pk) == ["refused", "won"]
    assert statuses(ids) == {S.SCHOOL_CONFIRMED}
    for pk in ids:
        assert EntitlementEvent.objects.filter(entitlement_id=pk, to_status=S.SCHOOL_CONFIRMED).count() == 1


def test_two_approvers_approving_the_same_rows_one_wins(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    ids = list(notice.entries.values_list("entitlement_id", flat=True))
    with frozen_today(AFTER_END):
        services.notices_close()
    centre = registry_cast.cast.user("aid_center")
    assert _race("approve", ids, centre.pk) == ["refused", "won"]
    assert statuses(ids) == {S.APPROVED}
    for pk in ids:
        assert EntitlementEvent.objects.filter(entitlement_id=pk, to_status=S.APPROVED).count() == 1
