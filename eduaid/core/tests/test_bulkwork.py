import gc

import pytest
from django.db import connection

from eduaid.core.bulkwork import BULK_THRESHOLDS, fewer_collections


def test_thresholds_raised_within_and_restored_after_an_error():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold() == BULK_THRESHOLDS
        assert gc.get_freeze_count() > 0
        raise RuntimeError("stop")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_as_a_decorator_each_call_gets_its_own_block():
    seen = []

    @fewer_collections()
    def work():
        seen.append(gc.get_threshold())

    before = gc.get_threshold()
    work()
    work()
    assert seen == [BULK_THRESHOLDS, BULK_THRESHOLDS]
    assert gc.get_threshold() == before


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite keeps no planner statistics")
def test_refresh_statistics_tells_the_planner_the_new_size():
    import datetime as dt

    from eduaid.core import idnumbers
    from eduaid.core.bulkwork import refresh_statistics
    from eduaid.registry.models import Person

    born = dt.date(2012, 5, 1)
    Person.objects.bulk_create(
        Person(id_number=idnumbers.synthetic("411728", born, n), name=f"学生{n}", birth_date=born)
        for n in range(300)
    )

    def estimated_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Person._meta.db_table])
            return float(cursor.fetchone()[0])

    assert estimated_rows() < 300  # never analysed: -1 (unknown) on PostgreSQL 14+
    refresh_statistics(Person)
    assert estimated_rows() == 300


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's page cache")
def test_sqlite_connections_keep_a_large_page_cache():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        pages = cursor.fetchone()[0]
    assert pages <= -65536  # negative: KiB, so at least 64 MiB (SQLite's default is 2 MiB)
