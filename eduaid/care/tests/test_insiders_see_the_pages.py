"""The other side of the scope test: a user inside the scope opens every care page with an id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from eduaid.care import services
from eduaid.care.tests.factories import migrant_id
from eduaid.conftest import RegistryCast


def _visit(r: RegistryCast) -> dict[str, Any]:
    visit = services.visit_record(
        actor=r.cast.user("school_officer"),
        person=r.person("poor_kid"),
        visited_on=dt.date(2024, 3, 1),
        kind="home_visit",
        findings="好",
    )
    return {"pk": visit.pk}


def _left_behind(r: RegistryCast) -> dict[str, Any]:
    child = services.left_behind_register(
        actor=r.cast.user("township_officer"),
        person=r.person("unstable_kid"),
        situation="both_away",
        guardian_name="李爷爷",
        guardian_relation="祖父",
        guardian_phone="13800000000",
    )
    return {"pk": child.pk}


def _migrant(r: RegistryCast) -> dict[str, Any]:
    item = services.migrant_request_create(
        actor=r.cast.user("school_officer"),
        child_name="随迁",
        child_id_number=migrant_id(70),
        guardian_name="家长",
        residence_permit="1",
        applied_on=dt.date(2024, 3, 1),
        school_requested=r.cast.school_a,
    )
    return {"pk": item.pk}


PAGES: list[tuple[str, str, Callable[[RegistryCast], dict[str, Any]]]] = [
    ("care:visit_detail", "village_team", _visit),  # a home visit to a child of its village
    ("care:visit_detail", "leader", _visit),
    ("care:visit_new_for_student", "school_officer", lambda r: {"pk": r.person("poor_kid").pk}),
    ("care:visit_new_for_household", "village_team", lambda r: {"pk": r.households["poor"].pk}),
    ("care:visit_new_for_household", "township_officer", lambda r: {"pk": r.households["marginal"].pk}),
    ("care:left_behind_detail", "township_officer", _left_behind),
    ("care:left_behind_detail", "inspector", _left_behind),
    ("care:migrant_detail", "school_officer", _migrant),
    ("care:migrant_detail", "township_officer", _migrant),
    ("care:migrant_detail", "aid_center", _migrant),
    ("care:team_detail", "village_team", lambda r: {"pk": r.cast.team.pk}),
    ("care:team_detail", "township_officer", lambda r: {"pk": r.cast.team.pk}),
    ("care:team_activity_new", "village_team", lambda r: {"pk": r.cast.team.pk}),
    ("care:help_new", "village_team", lambda r: {"pk": r.households["unstable"].pk}),
]


@pytest.mark.parametrize(("name", "role", "target"), PAGES)
def test_insider_opens_the_page(
    client: Any,
    registry_cast: RegistryCast,
    name: str,
    role: str,
    target: Callable[[RegistryCast], dict[str, Any]],
) -> None:
    kwargs = target(registry_cast)
    client.force_login(registry_cast.cast.user(role))
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 200


@pytest.mark.parametrize(
    "name", ["care:index", "care:visit_list", "care:left_behind_list", "care:team_list", "care:migrant_list"]
)
@pytest.mark.parametrize("role", ["county_admin", "leader", "township_officer", "school_officer"])
def test_the_lists_open_for_every_reading_role(client: Any, cast: Any, name: str, role: str) -> None:
    client.force_login(cast.user(role))
    assert client.get(reverse(name)).status_code == 200
