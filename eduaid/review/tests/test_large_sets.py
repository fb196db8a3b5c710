"""A county's term moves more entitlements at once than SQLite takes parameters in one statement
(32,766): the review reads and locks them in slices, with the same result as in one piece."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.utils import timezone

from eduaid.aid.models import Entitlement
from eduaid.conftest import RegistryCast
from eduaid.core import bulkwork, idnumbers
from eduaid.core.bulkwrite import insert_rows
from eduaid.core.clock import frozen_today
from eduaid.payments import ledger
from eduaid.payments.models import LedgerEntry
from eduaid.registry.models import Person
from eduaid.review import services
from eduaid.review.models import EntitlementEvent
from eduaid.review.tests.helpers import AFTER_END, S, price_spring, published

SQLITE_DEFAULT_LIMIT = 32_766  # parameters per statement as sqlite.org builds it (Debian's allows 250,000)
MORE_THAN_SQLITE_TAKES = 33_000


@contextmanager
def sqlite_default_limit() -> Iterator[None]:
    """On SQLite, the connection takes no more parameters a statement than SQLite's own default."""
    if connection.vendor != "sqlite":
        yield
        return
    raw = connection.connection
    before = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_DEFAULT_LIMIT)
    try:
        yield
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


def _copies_of(template: Entitlement, count: int) -> list[int]:
    """`count` new students, each with a copy of `template` (computed); the copies' ids."""
    persons = []
    for seq in range(count):
        born = dt.date(2012, 1, 1) + dt.timedelta(days=seq // 1000)
        persons.append((idnumbers.synthetic("411729", born, seq % 1000), f"学生{seq}", "M", born))
    insert_rows(Person, ("id_number", "name", "gender", "birth_date"), persons)
    new_persons = Person.objects.filter(id_number__startswith="411729")
    skip = {"id", "person_id", "created_at", "updated_at", "status"}
    names = [f.attname for f in Entitlement._meta.concrete_fields if f.attname not in skip]
    now = timezone.now()
    values = [getattr(template, name) for name in names]
    rows = [(pk, *values, S.COMPUTED, now, now) for pk in new_persons.values_list("pk", flat=True)]
    insert_rows(Entitlement, ("person_id", *names, "status", "created_at", "updated_at"), rows)
    copies = Entitlement.objects.filter(person__id_number__startswith="411729")
    return list(copies.values_list("pk", flat=True))


@pytest.mark.django_db
def test_one_transition_of_more_entitlements_than_sqlite_takes_parameters(
    registry_cast: RegistryCast,
) -> None:
    template = price_spring(registry_cast)[0]
    ids = _copies_of(template, MORE_THAN_SQLITE_TAKES)
    with sqlite_default_limit():
        moved = services.entitlements_transition(
            ids=ids, to=S.SCHOOL_CONFIRMED, actor=None, expect=[S.COMPUTED]
        )
    assert [row.pk for row in moved] == sorted(ids)
    assert set(Entitlement.objects.filter(pk__in=ids[:100]).values_list("status", flat=True)) == {
        S.SCHOOL_CONFIRMED
    }
    assert Entitlement.objects.filter(status=S.SCHOOL_CONFIRMED).count() == len(ids)
    assert EntitlementEvent.objects.filter(to_status=S.SCHOOL_CONFIRMED).count() == len(ids)


def test_the_review_in_slices_of_two(registry_cast: RegistryCast, monkeypatch: pytest.MonkeyPatch) -> None:
    """Publish, close and approve with every `IN (…)` cut into slices of two rows: each row is moved,
    checked against its notice and written to the ledger once, as in one piece."""
    monkeypatch.setattr(bulkwork, "IN_CHUNK", 2)
    notice = published(registry_cast)
    ids = list(notice.entries.order_by("entitlement_id").values_list("entitlement_id", flat=True))
    assert len(ids) > 2
    with frozen_today(AFTER_END):
        services.notices_close()
        approved = services.entitlements_approve(ids=ids, actor=registry_cast.cast.user("aid_center"))
    assert [row.pk for row in approved] == ids
    assert set(Entitlement.objects.filter(pk__in=ids).values_list("status", flat=True)) == {S.APPROVED}
    assert LedgerEntry.objects.count() == len(ids)
    assert ledger.verify().ok
