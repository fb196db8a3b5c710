"""The 留守儿童 register: who may enter a child, the under-16 and rural rules, guardians, care records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from eduaid.care import services
from eduaid.care.models import CareRecord, LeftBehindChild
from eduaid.care.selectors import left_behind_visible_to
from eduaid.conftest import RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.org.models import Village

GUARDIAN = {"guardian_name": "张奶奶", "guardian_relation": "祖母", "guardian_phone": "13912345678"}


def _register(actor: Any, person: Any, **kwargs: Any) -> LeftBehindChild:
    kwargs.setdefault("situation", "both_away")
    return services.left_behind_register(actor=actor, person=person, **{**GUARDIAN, **kwargs})


def test_a_school_officer_registers_a_pupil_with_the_household_village_and_school(
    registry_cast: RegistryCast,
) -> None:
    officer = registry_cast.cast.user("school_officer")
    child = _register(officer, registry_cast.person("poor_kid"))
    assert child.village == registry_cast.cast.village_a
    assert child.school == registry_cast.cast.school_a
    assert child.registered_on == dt.date(2024, 3, 15)
    assert child.guardian_name == "张奶奶"


def test_a_child_of_16_is_refused_on_the_id_birth_date(registry_cast: RegistryCast) -> None:
    with pytest.raises(ValidationError, match="16"):
        _register(registry_cast.cast.user("township_officer"), registry_cast.person("college_kid"))


def test_a_child_without_a_resident_id_is_refused(registry_cast: RegistryCast) -> None:
    with pytest.raises(ValidationError):
        _register(registry_cast.cast.user("school_officer"), registry_cast.person("no_id_kid"))


def test_one_parent_away_needs_the_reason_the_other_cannot_care(registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("school_officer")
    with pytest.raises(ValidationError):
        _register(officer, registry_cast.person("poor_kid"), situation="one_away")
    child = _register(
        officer, registry_cast.person("poor_kid"), situation="one_away", unable_reason="母亲重病卧床"
    )
    assert child.unable_reason == "母亲重病卧床"


def test_an_urban_community_child_is_refused(registry_cast: RegistryCast) -> None:
    urban = Village.objects.get(code="411728001001")
    with pytest.raises(ValidationError, match="urban|城"):
        _register(registry_cast.cast.user("school_officer"), registry_cast.person("plain_kid"), village=urban)


def test_a_child_in_no_household_needs_a_village(registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("school_officer")
    with pytest.raises(ValidationError):
        _register(officer, registry_cast.person("plain_kid"))
    child = _register(officer, registry_cast.person("plain_kid"), village=registry_cast.cast.village_a)
    assert child.village == registry_cast.cast.village_a


def test_a_child_is_registered_once_while_the_entry_is_open(registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("school_officer")
    child = _register(officer, registry_cast.person("poor_kid"))
    with pytest.raises(ValidationError):
        _register(officer, registry_cast.person("poor_kid"))
    with transaction.atomic(), pytest.raises(IntegrityError):
        LeftBehindChild.objects.create(
            person=child.person,
            village=child.village,
            situation="both_away",
            registered_on=child.registered_on,
            registered_by=officer,
            **GUARDIAN,
        )
    services.left_behind_end(actor=officer, child=child, ended_on=dt.date(2024, 3, 15), reason="父亲返乡就业")
    assert _register(officer, registry_cast.person("poor_kid")).pk != child.pk


@pytest.mark.parametrize("role", ["teacher", "village_team", "leader"])
def test_roles_that_do_not_keep_the_register_may_not_register(registry_cast: RegistryCast, role: str) -> None:
    with pytest.raises(PermissionDenied):
        _register(registry_cast.cast.user(role), registry_cast.person("poor_kid"))


def test_care_records_by_kind_with_date_and_who(client: Any, registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("school_officer")
    child = _register(officer, registry_cast.person("poor_kid"))
    client.force_login(officer)
    url = reverse("care:care_record_add", kwargs={"pk": child.pk})
    response = client.post(
        url,
        {
            "kind": "psychological",
            "cared_on": "2024-03-14",
            "carer": "心理老师 李芳",
            "content": "谈心，情绪稳定",
        },
    )
    assert response.status_code == 302
    services.care_record_add(
        actor=officer,
        child=child,
        kind="academic",
        cared_on=dt.date(2024, 3, 15),
        carer="",
        content="作业辅导",
    )
    records = list(CareRecord.objects.order_by("cared_on").values_list("kind", "carer", "content"))
    assert records == [
        ("psychological", "心理老师 李芳", "谈心，情绪稳定"),
        ("academic", officer.full_name, "作业辅导"),
    ]
    page = client.get(reverse("care:left_behind_detail", kwargs={"pk": child.pk})).content.decode()
    assert "谈心，情绪稳定" in page and "13912345678" in page


def test_the_register_page_registers_by_id_number(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("township_officer"))
    kid = registry_cast.person("unstable_kid")
    response = client.post(
        reverse("care:left_behind_new"),
        {"id_number": kid.id_number.lower(), "situation": "both_away", **GUARDIAN},
    )
    assert response.status_code == 302
    assert LeftBehindChild.objects.get().person == kid
    outside = registry_cast.person("hardship_kid")
    response = client.post(
        reverse("care:left_behind_new"),
        {"id_number": outside.id_number, "situation": "both_away", **GUARDIAN},
    )
    assert response.status_code == 200
    assert LeftBehindChild.objects.count() == 1


def test_the_list_is_scoped_and_filtered(client: Any, registry_cast: RegistryCast) -> None:
    from eduaid.care.tests.factories import outside_left_behind

    officer = registry_cast.cast.user("township_officer")
    mine = _register(officer, registry_cast.person("unstable_kid"))
    other = _register(
        officer, registry_cast.person("poor_kid"), situation="one_away", unable_reason="母亲残疾"
    )
    outside = outside_left_behind(registry_cast)
    assert set(left_behind_visible_to(officer)) == {mine, other}
    assert set(left_behind_visible_to(registry_cast.cast.user("school_officer"))) == {other}
    assert set(left_behind_visible_to(registry_cast.cast.user("village_team"))) == {mine, other}
    assert set(left_behind_visible_to(registry_cast.cast.user("teacher"))) == set()
    assert set(left_behind_visible_to(registry_cast.cast.user("leader"))) == {mine, other, outside}
    client.force_login(officer)
    page = client.get(reverse("care:left_behind_list"), {"situation": "one_away"}).content.decode()
    assert page.count('data-testid="left-behind-row"') == 1
    assert registry_cast.person("poor_kid").name in page


def test_the_school_home_page_counts_its_left_behind_children(
    client: Any, registry_cast: RegistryCast
) -> None:
    officer = registry_cast.cast.user("school_officer")
    _register(officer, registry_cast.person("poor_kid"))
    _register(officer, registry_cast.person("marginal_kid"))
    client.force_login(officer)
    home = client.get(reverse("core:home")).content.decode()
    assert 'data-care-count="left-behind">2<' in home


def test_a_child_who_turned_16_in_the_register_is_flagged_for_ending(
    client: Any, registry_cast: RegistryCast
) -> None:
    officer = registry_cast.cast.user("township_officer")
    child = _register(officer, registry_cast.person("unstable_kid"))  # born 2010-09-12
    client.force_login(officer)
    assert 'data-testid="aged-out"' not in client.get(reverse("care:left_behind_list")).content.decode()
    with frozen_today(dt.date(2026, 9, 12)):
        page = client.get(reverse("care:left_behind_list")).content.decode()
        assert 'data-testid="aged-out"' in page
        detail = client.get(reverse("care:left_behind_detail", kwargs={"pk": child.pk})).content.decode()
        assert "2026-09-12" in detail
