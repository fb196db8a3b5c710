"""The transition table and the one service that applies it."""

from __future__ import annotations

from typing import Any

import pytest

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.conftest import RegistryCast
from eduaid.registry.models import Term
from eduaid.review.models import EntitlementEvent
from eduaid.review.services import TransitionRefused, entitlement_transition, entitlements_transition
from eduaid.review.transitions import TRANSITIONS, allowed

S = EntitlementStatus


def _priced(registry_cast: RegistryCast) -> list[Entitlement]:
    from eduaid.aid.services import entitlements_compute

    term = Term.objects.get_or_create(code="2023-2024-2")[0]
    entitlements_compute(term=term, actor=None)
    rows = list(Entitlement.objects.filter(term=term).order_by("pk"))
    assert rows, "the registry cast prices at least one entitlement"
    return rows


def test_every_status_has_a_row_and_paid_and_cancelled_are_final() -> None:
    assert set(TRANSITIONS) == set(S.values)
    assert TRANSITIONS[S.PAID] == frozenset() and TRANSITIONS[S.CANCELLED] == frozenset()
    assert not allowed(S.COMPUTED, S.APPROVED)
    assert allowed(S.FAILED, S.IN_BATCH)


def test_a_step_the_table_allows_is_recorded_with_who_and_why(registry_cast: RegistryCast) -> None:
    row = _priced(registry_cast)[0]
    officer = registry_cast.cast.user("school_officer")
    moved = entitlement_transition(entitlement_id=row.pk, to=S.SCHOOL_CONFIRMED, actor=officer, reason="ok")
    assert moved.status == S.SCHOOL_CONFIRMED
    event = EntitlementEvent.objects.get(entitlement=row)
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        S.COMPUTED,
        S.SCHOOL_CONFIRMED,
        officer,
        "ok",
    )


def test_a_skipped_step_is_refused_and_nothing_moves(registry_cast: RegistryCast) -> None:
    rows = _priced(registry_cast)
    with pytest.raises(TransitionRefused):
        entitlements_transition(ids=[r.pk for r in rows], to=S.APPROVED, actor=None)
    assert set(Entitlement.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)) == {
        S.COMPUTED
    }
    assert not EntitlementEvent.objects.exists()


def test_rejecting_needs_a_reason(registry_cast: RegistryCast) -> None:
    row = _priced(registry_cast)[0]
    with pytest.raises(TransitionRefused):
        entitlement_transition(entitlement_id=row.pk, to=S.REJECTED, actor=None, reason="  ")
    entitlement_transition(entitlement_id=row.pk, to=S.REJECTED, actor=None, reason="已转学")
    assert Entitlement.objects.get(pk=row.pk).status == S.REJECTED


def test_a_row_someone_else_moved_first_is_refused_not_moved_twice(registry_cast: RegistryCast) -> None:
    row = _priced(registry_cast)[0]
    entitlement_transition(entitlement_id=row.pk, to=S.SCHOOL_CONFIRMED, actor=None)
    with pytest.raises(TransitionRefused):
        entitlements_transition(ids=[row.pk], to=S.SCHOOL_CONFIRMED, actor=None, expect=[S.COMPUTED])
    assert EntitlementEvent.objects.filter(entitlement=row).count() == 1


def test_the_database_refuses_an_unknown_status(registry_cast: Any) -> None:
    from django.db import IntegrityError, transaction

    row = _priced(registry_cast)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.filter(pk=row.pk).update(status="paid_twice")
