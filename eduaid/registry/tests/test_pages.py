"""The student and household pages: scope, filters, masking, the audited reveal, bounded queries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from eduaid.conftest import REGISTRY_PEOPLE, RegistryCast
from eduaid.core import idnumbers
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.registry.models import Enrolment, Household, Membership, Person, Snapshot


def _get(client: Any, rc: RegistryCast, role: str, name: str, **kw: Any) -> str:
    client.force_login(rc.cast.user(role))
    query = kw.pop("query", None)
    response = client.get(reverse(name, kwargs=kw), query)
    assert response.status_code == 200
    return response.content.decode()


def _listed(html: str, attr: str = "data-person") -> set[int]:
    return {int(pk) for pk in re.findall(rf'{attr}="(\d+)"', html)}


def _pks(rc: RegistryCast, *keys: str) -> set[int]:
    return {rc.person(k).pk for k in keys}


def _assert_private(rc: RegistryCast, html: str) -> None:
    """No full ID number (nor a 学籍号 carrying one), and no birth date, anywhere in the page."""
    for person in Person.objects.all():
        if person.id_number:
            assert person.id_number not in html, f"full ID of {person.name} shown"
        if person.student_key:
            assert person.student_key not in html, f"full student number of {person.name} shown"
        if person.birth_date:
            assert person.birth_date.isoformat() not in html
            assert f"{person.birth_date:%Y%m%d}" not in html
    for number in Enrolment.objects.exclude(student_number="").values_list("student_number", flat=True):
        assert number[1:] not in html


# ---- student list ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "keys"),
    [
        ("school_officer", {"poor_kid", "marginal_kid", "cross_kid", "plain_kid", "no_id_kid"}),
        (
            "township_officer",
            {"poor_kid", "marginal_kid", "cross_kid", "plain_kid", "no_id_kid", "unstable_kid"},
        ),
        ("teacher", set()),
        ("village_team", set()),
    ],
)
def test_student_list_shows_the_scope(
    client: Any, registry_cast: RegistryCast, role: str, keys: set[str]
) -> None:
    html = _get(client, registry_cast, role, "registry:student_list")
    assert _listed(html) == _pks(registry_cast, *keys)
    if not keys:
        assert 'data-testid="student-empty"' in html


def test_county_student_list_masks_ids_and_shows_every_column(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    html = _get(client, rc, "aid_center", "registry:student_list")
    assert len(_listed(html)) == 9
    _assert_private(rc, html)
    poor = rc.person("poor_kid")
    assert idnumbers.mask(poor.id_number) in html
    assert "J411728********0011" in html  # the student without an ID, by masked 学籍号
    row = re.search(rf'data-person="{poor.pk}".*?</tr>', html, re.S).group(0)
    assert rc.cast.school_a.name in row and "1班" in row
    assert 'data-category="poverty_exited"' in row and 'data-status="studying"' in row
    college = re.search(rf'data-person="{rc.person("college_kid").pk}".*?</tr>', html, re.S).group(0)
    assert "郑州大学" in college


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ({"q": "张"}, {"poor_kid"}),
        ({"q": "李"}, {"unstable_kid", "college_kid"}),
        ({"status": "dropped_out"}, {"dropped_kid"}),
        ({"stage": "junior"}, {"unstable_kid"}),
        ({"category": "sudden_hardship"}, {"hardship_kid", "dropped_kid"}),
        ({"category": "none", "school": "SCHOOL_A"}, {"marginal_kid", "cross_kid", "plain_kid", "no_id_kid"}),
        ({"township": "TOWNSHIP_B", "status": "suspended"}, {"plain_kid"}),
        ({"status": "nonsense", "stage": "x"}, set(REGISTRY_PEOPLE) - {"head", "out_kid"} | {"no_id_kid"}),
    ],
)
def test_student_list_filters_and_search(
    client: Any, registry_cast: RegistryCast, query: dict[str, str], keys: set[str]
) -> None:
    rc = registry_cast
    ids = {"SCHOOL_A": str(rc.cast.school_a.pk), "TOWNSHIP_B": str(rc.cast.township_b.pk)}
    query = {k: ids.get(v, v) for k, v in query.items()}
    html = _get(client, rc, "leader", "registry:student_list", query=query)
    assert _listed(html) == _pks(rc, *keys)


def test_search_by_full_id_number_finds_the_student_but_does_not_echo_it(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    number = rc.person("marginal_kid").id_number
    html = _get(client, rc, "school_officer", "registry:student_list", query={"q": number})
    assert _listed(html) == _pks(rc, "marginal_kid")
    # the search box keeps what was typed: that is the user's own input, not a disclosure
    assert html.count(number) == 1 and f'value="{number}"' in html


def _more_students(rc: RegistryCast, n: int) -> None:
    snapshot = Snapshot.objects.filter(kind="students").get()
    registry = Snapshot.objects.filter(kind="registry").earliest("as_of")
    household = rc.households["poor"]
    for i in range(n):
        person = Person.objects.create(
            id_number=idnumbers.synthetic("411728", dt.date(2014, 1, 1) + dt.timedelta(days=i), 101),
            name=f"批量{i:03d}",
        )
        Membership.objects.create(person=person, household=household, snapshot=registry)
        Enrolment.objects.create(
            person=person,
            school=rc.cast.school_a,
            stage="primary",
            grade=2,
            status="studying",
            snapshot=snapshot,
        )


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("role", "name"),
    [
        ("aid_center", "registry:student_list"),
        ("school_officer", "registry:student_list"),
        ("township_officer", "registry:household_list"),
        ("aid_center", "registry:household_list"),
    ],
)
def test_lists_make_a_bounded_number_of_queries(
    client: Any, registry_cast: RegistryCast, django_assert_max_num_queries: Any, role: str, name: str
) -> None:
    rc = registry_cast
    client.force_login(rc.cast.user(role))
    url = reverse(name)
    client.get(url)  # warm the session
    few = _queries(client, url)
    _more_students(rc, 40)
    assert _queries(client, url) == few  # no query per row
    with django_assert_max_num_queries(12):
        client.get(url)


# ---- student profile ------------------------------------------------------------------------------


def test_profile_shows_identity_masked_enrolments_household_and_findings(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    kid = rc.person("marginal_kid")
    html = _get(client, rc, "school_officer", "registry:student_detail", pk=kid.pk)
    _assert_private(rc, html)
    assert f'data-testid="masked-id">{idnumbers.mask(kid.id_number)}<' in html
    assert 'data-testid="reveal-id"' in html
    assert html.count('data-testid="enrolment"') == 1
    # the household and its category history: marginal since the first snapshot, then risk-eliminated
    assert reverse("registry:household_detail", kwargs={"pk": rc.households["marginal"].pk}) in html
    assert html.count('data-testid="household-version"') == 2
    assert "2024-03-01" in html and "2024-02-20" in html
    assert 'data-category="none"' in html  # not eligible today


def test_profile_lists_the_last_runs_findings_in_scope_with_masked_numbers(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    cross = rc.person("cross_kid")
    html = _get(client, rc, "school_officer", "registry:student_detail", pk=cross.pk)
    assert re.findall(r'data-testid="finding" data-kind="(\w+)"', html) == ["identity"]
    assert "G411728********0649" in html  # the mismatching 学籍号, masked in the finding's text
    _assert_private(rc, html)
    plain = _get(client, rc, "school_officer", "registry:student_detail", pk=rc.person("plain_kid").pk)
    assert plain.count('data-kind="duplicate"') == 1  # the other school's row is outside the scope
    assert 'data-testid="no-household"' in plain
    county = _get(client, rc, "aid_center", "registry:student_detail", pk=rc.person("plain_kid").pk)
    assert county.count('data-kind="duplicate"') == 2
    assert county.count('data-testid="enrolment"') == 2


def test_profile_of_a_household_member_who_is_not_a_student(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    html = _get(client, rc, "village_team", "registry:student_detail", pk=rc.person("out_kid").pk)
    assert re.findall(r'data-testid="finding" data-kind="(\w+)"', html) == ["suspected_dropout"]
    assert "table-empty" in html  # no enrolment on record


def test_reveal_shows_the_full_id_once_and_is_audited(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    kid = rc.person("poor_kid")
    officer = rc.cast.user("school_officer")
    client.force_login(officer)
    url = reverse("registry:student_reveal", kwargs={"pk": kid.pk})
    response = client.post(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert f'data-testid="full-id">{kid.id_number}<' in html
    event = AuditEvent.objects.get(kind=AuditKind.VIEW_FULL_ID)
    assert (event.actor, event.object_type, event.object_id) == (officer, "person", str(kid.pk))
    assert kid.id_number not in str(event.detail)
    # the next visit is masked again; a GET does not reveal
    again = client.get(reverse("registry:student_detail", kwargs={"pk": kid.pk})).content.decode()
    assert kid.id_number not in again
    assert client.get(url).status_code == 405
    assert AuditEvent.objects.filter(kind=AuditKind.VIEW_FULL_ID).count() == 1


def test_reveal_of_a_student_without_id_shows_the_student_number(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    client.force_login(rc.cast.user("school_officer"))
    html = client.post(
        reverse("registry:student_reveal", kwargs={"pk": rc.person("no_id_kid").pk})
    ).content.decode()
    assert 'data-testid="full-id">J411728201409090011<' in html


def test_reveal_outside_the_scope_is_404_and_not_audited(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    client.force_login(rc.cast.user("school_officer"))
    url = reverse("registry:student_reveal", kwargs={"pk": rc.person("hardship_kid").pk})
    assert client.post(url).status_code == 404
    assert not AuditEvent.objects.filter(kind=AuditKind.VIEW_FULL_ID).exists()


# ---- households -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "keys"),
    [
        ("village_team", {"poor", "unstable", "marginal"}),
        ("township_officer", {"poor", "unstable", "marginal"}),
        ("school_officer", {"poor", "marginal", "no_policy"}),
        ("teacher", set()),
        ("inspector", {"poor", "unstable", "marginal", "hardship", "no_policy"}),
    ],
)
def test_household_list_shows_the_scope(
    client: Any, registry_cast: RegistryCast, role: str, keys: set[str]
) -> None:
    rc = registry_cast
    html = _get(client, rc, role, "registry:household_list")
    assert _listed(html, "data-household") == {rc.households[k].pk for k in keys}
    _assert_private(rc, html)


def test_household_list_columns_and_filters(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    html = _get(client, rc, "aid_center", "registry:household_list")
    poor = re.search(rf'data-household="{rc.households["poor"].pk}".*?</tr>', html, re.S).group(0)
    assert rc.households["poor"].code in poor and rc.cast.village_a.name in poor
    assert rc.cast.township_a.name in poor and 'data-category="poverty_exited"' in poor
    assert re.search(r'<td class="text-end">3</td>', poor)
    marginal = re.search(rf'data-household="{rc.households["marginal"].pk}".*?</tr>', html, re.S).group(0)
    assert "2024-02-20" in marginal and 'data-category="none"' in marginal
    filtered = _get(
        client,
        rc,
        "aid_center",
        "registry:household_list",
        query={"category": "none", "village": rc.cast.village_b.pk},
    )
    assert _listed(filtered, "data-household") == {rc.households["no_policy"].pk}


def test_household_detail_members_masked_and_history_dated(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    household = rc.households["poor"]
    html = _get(client, rc, "village_team", "registry:household_detail", pk=household.pk)
    _assert_private(rc, html)
    assert html.count('data-testid="member"') == 3
    for key in ("head", "poor_kid", "out_kid"):
        assert idnumbers.mask(rc.person(key).id_number) in html
        assert reverse("registry:student_detail", kwargs={"pk": rc.person(key).pk}) in html
    assert html.count('data-testid="household-version"') == 1
    assert 'data-category="poverty_exited"' in html
    marginal = _get(
        client, rc, "township_officer", "registry:household_detail", pk=rc.households["marginal"].pk
    )
    versions = re.findall(r'data-testid="household-version">(.*?)</tr>', marginal, re.S)
    assert len(versions) == 2
    assert "2024-03-01" in versions[0] and "2024-03-01" in versions[1] and "2024-02-20" in versions[1]


def test_an_ended_household_is_shown_to_the_county_as_no_longer_in_the_registry(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    household = rc.households["hardship"]
    household.versions.update(valid_to=dt.date(2024, 3, 10))
    html = _get(client, rc, "aid_center", "registry:household_detail", pk=household.pk)
    assert 'data-testid="household-ended"' in html
    assert "2024-03-10" in html
    assert household.pk not in _listed(
        _get(client, rc, "aid_center", "registry:household_list"), "data-household"
    )
    assert Household.objects.filter(pk=household.pk).exists()
