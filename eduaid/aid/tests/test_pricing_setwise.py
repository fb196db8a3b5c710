"""Pricing writes its new entitlements set-wise: the same rows as model instances saved one by one would
give, in the same order, and a number of queries that does not grow with the students."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eduaid.aid.models import Entitlement
from eduaid.aid.services import entitlements_compute, entitlements_due
from eduaid.aid.tests.helpers import AUTUMN, SPRING, START, STUDENTS, Registry
from eduaid.registry.models import Term

UNCOMPARED = {"id", "created_at", "updated_at"}  # the database's and the clock's, not pricing's


def stored(term: Term) -> list[dict[str, Any]]:
    """The term's entitlements in insertion order, every column but the id and the timestamps."""
    names = [f.attname for f in Entitlement._meta.concrete_fields if f.attname not in UNCOMPARED]
    return list(Entitlement.objects.filter(term=term).order_by("pk").values(*names))


def add_students(registry: Registry, times: int) -> None:
    for round_ in range(times):
        for key, (stage, boarding, in_province, freshman) in STUDENTS.items():
            registry.student(
                f"{key}-{round_}", stage, boarding=boarding, in_province=in_province, freshman=freshman
            )


@pytest.mark.django_db
def test_new_rows_equal_model_instances_saved_with_their_defaults(county: Registry) -> None:
    add_students(county, 1)
    county.enrol(county.persons["primary_day"], "primary", school=county.cast.school_b)  # held: two 在读
    term = Term.objects.create(code=AUTUMN, start_date=START)
    before = timezone.now()
    entitlements_compute(term=term, actor=None)
    setwise = stored(term)
    stamps = set(Entitlement.objects.filter(term=term).values_list("created_at", "updated_at"))
    assert len(stamps) == 1 and before <= min(stamps)[0] == min(stamps)[1]

    Entitlement.objects.filter(term=term).delete()
    due = entitlements_due(term)
    Entitlement.objects.bulk_create(
        Entitlement(person_id=person_id, term=term, item_code=code, **want)
        for (person_id, code), want in due.items()
    )
    assert setwise == stored(term)
    assert any(row["held"] for row in setwise) and any(row["one_time"] for row in setwise)
    assert any(row["amount_fen"] is None for row in setwise)  # items without an amount stay NULL


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_students(county: Registry) -> None:
    autumn = Term.objects.create(code=AUTUMN, start_date=START)
    with CaptureQueriesContext(connection) as few:
        entitlements_compute(term=autumn, actor=None)
    add_students(county, 4)
    spring = Term.objects.create(code=SPRING, start_date=dt.date(2024, 3, 1))
    with CaptureQueriesContext(connection) as many:
        entitlements_compute(term=spring, actor=None)
    rows = Entitlement.objects.filter
    assert rows(term=spring).count() > 3 * rows(term=autumn).count()
    assert len(many) == len(few)
