"""The home panel's timeliness is counted in the database: same figures as the Python computation,
and a number of queries that does not grow with the entitlements and payments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from eduaid.aid.models import Entitlement
from eduaid.conftest import RegistryCast
from eduaid.payments import selectors
from eduaid.payments.models import LineStatus, PaymentBatch, PaymentLine
from eduaid.payments.tests import factories as f

pytestmark = pytest.mark.django_db

# Before the term began (day 0), within 60 days, after 60 days, and a paid line without a date.
PAID_ON = [dt.date(2023, 8, 20), dt.date(2023, 10, 1), dt.date(2023, 12, 20), None]


def _pay_some(cash: list[Entitlement], term: Any) -> None:
    batch = PaymentBatch.objects.create(term=term, number=f"{term.code}-901", created_by_name="test")
    for serial, entitlement in enumerate(cash[::2], start=1):
        PaymentLine.objects.create(
            batch=batch,
            serial=serial,
            entitlement=entitlement,
            person=entitlement.person,
            term=term,
            item_code=entitlement.item_code,
            school_id=entitlement.school_id,
            amount_fen=entitlement.amount_fen or 1,
            holder_name="x",
            holder_id_number="x",
            bank="x",
            account_number="x",
            memo="x",
            status=LineStatus.PAID,
            processed_on=PAID_ON[serial % len(PAID_ON)],
        )


def _figures(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.school_id, r.school_name, r.due, r.paid, r.on_time) for r in rows]


def test_the_sql_counts_equal_the_python_computation_in_every_scope(registry_cast: RegistryCast) -> None:
    cash = f.approved_with_accounts(registry_cast)
    _pay_some(cash, registry_cast.autumn)
    users = [None] + [registry_cast.cast.user(role) for role in ("township_officer", "school_officer")]
    for user in users:
        for days in (0, 30, 60, 120):
            python = selectors.timeliness_by_school(user, registry_cast.autumn, days)
            sql = selectors.timeliness_counts_by_school(user, registry_cast.autumn, days)
            assert _figures(sql) == _figures(python)
    county = selectors.timeliness_counts_by_school(None, registry_cast.autumn, 60)
    assert sum(r.paid for r in county) > sum(r.on_time for r in county) > 0


def _home_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("core:home")).status_code == 200
    return len(ctx.captured_queries)


def test_the_aid_centres_home_does_not_query_per_entitlement(
    client: Any, registry_cast: RegistryCast
) -> None:
    client.force_login(registry_cast.cast.user("aid_center"))
    cash = f.approved_with_accounts(registry_cast)
    _home_queries(client)
    few = _home_queries(client)
    _pay_some(cash, registry_cast.autumn)
    f.priced(registry_cast, registry_cast.spring)
    assert Entitlement.objects.count() > len(cash)
    assert _home_queries(client) == few
