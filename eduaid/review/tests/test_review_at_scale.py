"""Publishing and closing notices stay set-wise at a county's or a city's size: closing does the same
queries whatever the number of rows, and on PostgreSQL the planner sees the rows publishing moved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eduaid.aid.models import Entitlement
from eduaid.conftest import RegistryCast
from eduaid.core import idnumbers
from eduaid.core.clock import frozen_today
from eduaid.registry.models import Person
from eduaid.review import services
from eduaid.review.models import NoticeEntry
from eduaid.review.tests.helpers import AFTER_END, S, published, school_rows

only_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="SQLite keeps no planner statistics"
)


def _more_rows_like(template: Entitlement, count: int) -> None:
    """`count` more students of the template's school, each with a computed copy of its row."""
    born = dt.date(2011, 7, 1)
    persons = Person.objects.bulk_create(
        Person(id_number=idnumbers.synthetic("411726", born, n), name=f"学生{n}", birth_date=born)
        for n in range(count)
    )
    skip = {"id", "person_id", "status", "created_at", "updated_at"}
    values = {
        f.attname: getattr(template, f.attname)
        for f in Entitlement._meta.concrete_fields
        if f.attname not in skip
    }
    Entitlement.objects.bulk_create(Entitlement(person_id=p.pk, **values) for p in persons)


def _publish_school_b(registry_cast: RegistryCast, starts_on: dt.date) -> Any:
    school = registry_cast.cast.school_b
    rows = [r for r in school_rows(registry_cast, school) if not r.held and r.status == S.COMPUTED]
    services.entitlements_confirm(ids=[r.pk for r in rows], actor=None)
    with frozen_today(starts_on):
        return services.notice_publish(
            term=registry_cast.spring, school=school, starts_on=starts_on, actor=None
        )


def _close_queries(day: dt.date) -> tuple[int, int]:
    with frozen_today(day), CaptureQueriesContext(connection) as queries:
        moved = services.notices_close()
    return moved, len(queries)


def test_closing_does_the_same_queries_for_many_rows_as_for_few(registry_cast: RegistryCast) -> None:
    small = published(registry_cast)
    few, small_queries = _close_queries(AFTER_END)
    template = school_rows(registry_cast, registry_cast.cast.school_b)[0]
    _more_rows_like(template, 120)
    large = _publish_school_b(registry_cast, AFTER_END)
    many, large_queries = _close_queries(large.ends_on + dt.timedelta(days=1))
    assert few == small.entries.count()
    assert many == large.entries.count() > few + 100
    assert large_queries == small_queries


@only_postgresql
def test_publishing_many_rows_refreshes_the_statistics_the_close_is_planned_on(
    registry_cast: RegistryCast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MANY_ROWS", 1)
    notice = published(registry_cast)
    assert _estimated_rows(NoticeEntry) == NoticeEntry.objects.count() == notice.entries.count()
    assert S.IN_NOTICE in _common_statuses()


@only_postgresql
def test_closing_refreshes_the_statistics_once_per_closing(
    registry_cast: RegistryCast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MANY_ROWS", 1)
    published(registry_cast)
    with frozen_today(AFTER_END), CaptureQueriesContext(connection) as first:
        assert services.notices_close() > 0
    assert S.NOTICE_PASSED in _common_statuses()
    # The approval page closes notices on every view: once closed, no ANALYZE again.
    with frozen_today(AFTER_END), CaptureQueriesContext(connection) as again:
        assert services.notices_close() == 0
    assert _analyses(first) == 2
    assert _analyses(again) == 0


def _analyses(queries: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith("ANALYZE") for q in queries.captured_queries)


def _estimated_rows(model: Any) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [model._meta.db_table])
        return float(cursor.fetchone()[0])


def _common_statuses() -> list[str]:
    """The statuses the planner believes common among entitlements."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_vals::text::text[] FROM pg_stats WHERE tablename = %s AND attname = 'status'",
            [Entitlement._meta.db_table],
        )
        row = cursor.fetchone()
    return list(row[0]) if row and row[0] else []
