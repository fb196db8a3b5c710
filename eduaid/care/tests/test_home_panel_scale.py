"""The care home panel at scale: visits are checked one by one against the scope (not by listing every
visible person), with exactly the same result, and a query count that does not grow with the visits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from eduaid.care.models import FollowUp, Visit
from eduaid.care.selectors import follow_ups_visible_to, visits_visible_to
from eduaid.conftest import RegistryCast
from eduaid.registry.selectors import households_visible_to, persons_visible_to

pytestmark = pytest.mark.django_db

ROLES = ("county_admin", "township_officer", "school_officer", "teacher", "village_team", "aid_center")
KIDS = {
    "poor_kid": "poor",
    "out_kid": "poor",
    "unstable_kid": "unstable",
    "marginal_kid": "marginal",
    "hardship_kid": "hardship",
    "dropped_kid": "hardship",
    "cross_kid": "no_policy",
}


def _visits(r: RegistryCast) -> None:
    """Per student: a talk (student only), a home visit (student and household), a household visit."""
    author = r.cast.user("county_admin")
    for key, household_key in KIDS.items():
        person, household = r.person(key), r.households[household_key]
        for fields in (
            {"person": person},
            {"person": person, "household": household},
            {"household": household},
        ):
            visit = Visit.objects.create(
                visited_on=dt.date(2024, 3, 1), kind="home_visit", recorded_by=author, findings="x", **fields
            )
            FollowUp.objects.create(visit=visit, action="联系")


def _old_visible(user: Any) -> set[int]:
    """The former form: `IN (every visible person) OR IN (every visible household)`."""
    where = Q(person__in=persons_visible_to(user).values("pk")) | Q(
        household__in=households_visible_to(user).values("pk")
    )
    return set(Visit.objects.filter(where).values_list("pk", flat=True))


def test_each_role_sees_the_same_visits_as_before(registry_cast: RegistryCast) -> None:
    _visits(registry_cast)
    seen_by_someone = False
    for role in ROLES:
        user = registry_cast.cast.user(role)
        visible = set(visits_visible_to(user).values_list("pk", flat=True))
        if role != "county_admin":
            assert visible == _old_visible(user), role
            seen_by_someone |= 0 < len(visible) < Visit.objects.count()
        follow_ups = set(follow_ups_visible_to(user).values_list("visit_id", flat=True))
        assert follow_ups <= visible
    assert seen_by_someone


def _home_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("core:home")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["township_officer", "school_officer"])
def test_the_home_page_does_not_query_per_visit(client: Any, registry_cast: RegistryCast, role: str) -> None:
    client.force_login(registry_cast.cast.user(role))
    _home_queries(client)
    before = _home_queries(client)
    _visits(registry_cast)
    assert _home_queries(client) == before
