"""随迁子女: admission requests, placement or refusal, and the 零障碍 figure per school and county."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from eduaid.care import services
from eduaid.care.models import MigrantRequest
from eduaid.care.selectors import migrant_requests_visible_to, zero_barrier_figures
from eduaid.care.tests.factories import migrant_id, outside_migrant
from eduaid.conftest import RegistryCast


def _request(actor: Any, school: Any, seq: int, applied: dt.date) -> MigrantRequest:
    return services.migrant_request_create(
        actor=actor,
        child_name=f"随迁{seq}",
        child_id_number=migrant_id(seq),
        guardian_name="务工家长",
        residence_permit=f"41172800{seq:04d}",
        applied_on=applied,
        school_requested=school,
    )


def test_a_placed_request_counts_its_days(registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("school_officer")
    item = _request(officer, registry_cast.cast.school_a, 1, dt.date(2024, 2, 20))
    placed = services.migrant_request_place(
        actor=officer, request=item, school_placed=registry_cast.cast.school_a, placed_on=dt.date(2024, 2, 23)
    )
    assert (placed.status, placed.days_to_place) == ("placed", 3)
    with pytest.raises(ValidationError):
        services.migrant_request_refuse(
            actor=officer, request=placed, reason="学位已满", decided_on=dt.date(2024, 3, 1)
        )


def test_a_refusal_needs_its_reason(registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("township_officer")
    item = _request(officer, registry_cast.cast.school_a2, 2, dt.date(2024, 3, 1))
    with pytest.raises(ValidationError):
        services.migrant_request_refuse(
            actor=officer, request=item, reason=" ", decided_on=dt.date(2024, 3, 5)
        )
    refused = services.migrant_request_refuse(
        actor=officer, request=item, reason="居住证已过期", decided_on=dt.date(2024, 3, 5)
    )
    assert (refused.status, refused.refusal_reason) == ("refused", "居住证已过期")


def test_impossible_states_are_refused_by_the_database(registry_cast: RegistryCast) -> None:
    item = outside_migrant(registry_cast)
    with transaction.atomic(), pytest.raises(IntegrityError):
        MigrantRequest.objects.filter(pk=item.pk).update(status="placed")  # no school, no date
    with transaction.atomic(), pytest.raises(IntegrityError):
        MigrantRequest.objects.filter(pk=item.pk).update(
            status="placed", school_placed=registry_cast.cast.school_b, placed_on=dt.date(2024, 2, 1)
        )  # before applying
    with transaction.atomic(), pytest.raises(IntegrityError):
        MigrantRequest.objects.filter(pk=item.pk).update(status="refused")  # no reason


def test_a_request_is_checked_before_it_is_written(registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("school_officer")
    valid = migrant_id(3)
    bad = valid[:-1] + ("1" if valid.endswith("0") else "0")
    with pytest.raises(ValidationError):  # a wrong check digit
        services.migrant_request_create(
            actor=officer,
            child_name="甲",
            child_id_number=bad,
            guardian_name="乙",
            residence_permit="1",
            applied_on=dt.date(2024, 3, 1),
            school_requested=registry_cast.cast.school_a,
        )
    with pytest.raises(ValidationError):  # a school outside the scope
        _request(officer, registry_cast.cast.school_b, 4, dt.date(2024, 3, 1))
    _request(officer, registry_cast.cast.school_a, 5, dt.date(2024, 3, 1))
    with pytest.raises(ValidationError):  # the same child pending twice
        _request(officer, registry_cast.cast.school_a, 5, dt.date(2024, 3, 2))
    assert MigrantRequest.objects.count() == 1


@pytest.mark.parametrize("role", ["teacher", "village_team", "leader", "aid_center"])
def test_only_township_and_school_officers_enter_requests(registry_cast: RegistryCast, role: str) -> None:
    with pytest.raises(PermissionDenied):
        _request(registry_cast.cast.user(role), registry_cast.cast.school_a, 6, dt.date(2024, 3, 1))


def test_zero_barrier_figures_per_school_and_county(client: Any, registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    township = cast.user("township_officer")
    for seq, (school, applied, placed) in enumerate(
        [
            (cast.school_a, dt.date(2024, 2, 26), dt.date(2024, 2, 28)),
            (cast.school_a, dt.date(2024, 2, 26), dt.date(2024, 3, 1)),
            (cast.school_a, dt.date(2024, 1, 2), dt.date(2024, 2, 26)),  # the slow one: 55 days
            (cast.school_a2, dt.date(2024, 2, 26), dt.date(2024, 2, 27)),
        ],
        start=10,
    ):
        item = _request(township, school, seq, applied)
        services.migrant_request_place(actor=township, request=item, school_placed=school, placed_on=placed)
    refused = _request(township, cast.school_a2, 20, dt.date(2024, 3, 1))
    services.migrant_request_refuse(
        actor=township, request=refused, reason="非本学区", decided_on=dt.date(2024, 3, 4)
    )
    _request(township, cast.school_a, 21, dt.date(2024, 3, 14))  # pending
    outside_migrant(registry_cast)  # school_b, pending, outside the township

    overall, per_school = zero_barrier_figures(township)
    assert (overall.requests, overall.placed, overall.refused, overall.pending) == (6, 4, 1, 1)
    assert overall.share_placed == Fraction(4, 5)
    assert (overall.median_days, overall.max_days) == (3, 55)  # 1, 2, 4 (a leap February) and 55 days
    by_code = {f.school.code: f.figure for f in per_school}
    assert (by_code[cast.school_a.code].median_days, by_code[cast.school_a.code].max_days) == (4, 55)
    assert by_code[cast.school_a2.code].share_placed == Fraction(1, 2)

    county, county_schools = zero_barrier_figures(cast.user("leader"))
    assert county.requests == 7 and len(county_schools) == 3
    school_only, _rows = zero_barrier_figures(cast.user("school_officer"))
    assert school_only.requests == 4

    client.force_login(cast.user("leader"))
    page = client.get(reverse("care:migrant_list")).content.decode()
    assert page.count('data-testid="school-figure"') == 3
    assert 'data-cell="max">55<' in page


def test_requests_are_seen_by_the_school_requested_or_placed(registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    township = cast.user("township_officer")
    item = _request(township, cast.school_a2, 30, dt.date(2024, 3, 1))
    services.migrant_request_place(
        actor=township, request=item, school_placed=cast.school_a, placed_on=dt.date(2024, 3, 4)
    )
    assert list(migrant_requests_visible_to(cast.user("school_officer"))) == [item]
    assert not migrant_requests_visible_to(cast.user("teacher")).exists()
    assert not migrant_requests_visible_to(cast.user("village_team")).exists()


@pytest.mark.parametrize("role", ["teacher", "village_team"])
def test_the_migrant_pages_are_not_for_teachers_or_village_teams(client: Any, cast: Any, role: str) -> None:
    client.force_login(cast.user(role))
    assert client.get(reverse("care:migrant_list")).status_code == 403
    assert client.get(reverse("care:migrant_new")).status_code == 403


def test_the_request_form_places_a_child_through_the_pages(client: Any, registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    client.force_login(cast.user("school_officer"))
    response = client.post(
        reverse("care:migrant_new"),
        {
            "child_name": "刘小雨",
            "child_id_number": migrant_id(40),
            "guardian_name": "刘强",
            "residence_permit": "411728202300123",
            "applied_on": "2024-03-11",
            "school_requested": cast.school_a.pk,
        },
    )
    assert response.status_code == 302
    item = MigrantRequest.objects.get()
    response = client.post(
        reverse("care:migrant_place", kwargs={"pk": item.pk}),
        {"school_placed": cast.school_a.pk, "placed_on": "2024-03-13"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.days_to_place == 2
    detail = client.get(reverse("care:migrant_detail", kwargs={"pk": item.pk})).content.decode()
    assert migrant_id(40) not in detail  # masked
