"""The student and household lists at scale: pages without counting the table, previous/next links
that keep the filters, search by name prefix or exact normalised number, and scope on every page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from eduaid.conftest import RegistryCast
from eduaid.core import idnumbers
from eduaid.registry.models import Enrolment, Person, Snapshot
from eduaid.registry.views import PAGE_SIZE


def _students(rc: RegistryCast, school: Any, n: int, prefix: str) -> list[Person]:
    snapshot = Snapshot.objects.filter(kind="students").get()
    made = []
    for i in range(n):
        person = Person.objects.create(student_key=f"L{school.pk:03d}{i:05d}", name=f"{prefix}{i:03d}")
        Enrolment.objects.create(
            person=person, school=school, stage="primary", grade=2, status="studying", snapshot=snapshot
        )
        made.append(person)
    return made


def _get(client: Any, rc: RegistryCast, role: str, query: dict[str, Any]) -> tuple[str, list[str]]:
    client.force_login(rc.cast.user(role))
    url = reverse("registry:student_list")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def _listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-person="(\d+)"', html)]


def _link(html: str, which: str) -> str | None:
    found = re.search(rf'data-testid="page-{which}" href="\?([^"]*)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _counts_over(sql: list[str], table: str) -> list[str]:
    """Django's `QuerySet.count()` (what `Paginator` runs): `SELECT COUNT(*) AS "__count" ...`."""
    return [q for q in sql if '"__count"' in q and table in q]


def test_student_list_pages_without_counting_and_keeps_the_filters(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    school = rc.cast.school_a
    ours = _students(rc, school, PAGE_SIZE + 10, "批量")
    in_school = Person.objects.filter(enrolments__school=school).distinct().count()
    query = {"school": str(school.pk), "stage": "primary"}
    html, sql = _get(client, rc, "aid_center", query)
    assert not _counts_over(sql, "registry_person") and not _counts_over(sql, "registry_enrolment")
    first = _listed(html)
    assert len(first) == PAGE_SIZE
    assert _link(html, "previous") is None
    following = _link(html, "next")
    assert following == f"school={school.pk}&stage=primary&page=2"
    html, sql = _get(client, rc, "aid_center", dict(pair.split("=") for pair in following.split("&")))
    assert not _counts_over(sql, "registry_person")
    second = _listed(html)
    assert len(second) == in_school - PAGE_SIZE  # the end of the list: the rest, and no next link
    assert _link(html, "next") is None
    assert _link(html, "previous") == f"school={school.pk}&stage=primary&page=1"
    assert set(first) | set(second) >= {p.pk for p in ours} and not set(first) & set(second)


def test_a_page_past_the_end_is_empty_with_a_way_back(client: Any, registry_cast: RegistryCast) -> None:
    html, _sql = _get(client, registry_cast, "aid_center", {"page": "40"})
    assert _listed(html) == []
    assert _link(html, "first") == "page=1" and _link(html, "next") is None


def test_a_school_officer_cannot_page_into_another_schools_students(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    _students(rc, rc.cast.school_a, PAGE_SIZE, "甲校")
    others = {p.pk for p in _students(rc, rc.cast.school_b, PAGE_SIZE * 2, "乙校")}
    seen: list[int] = []
    for number in (1, 2, 3, 4):
        html, _sql = _get(client, rc, "school_officer", {"page": str(number)})
        seen += _listed(html)
    mine = set(
        Enrolment.objects.filter(school=rc.cast.school_a, valid_to__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    assert set(seen) == mine and not set(seen) & others
    assert len(seen) == len(set(seen))


def test_name_search_finds_the_start_of_a_name_not_the_middle(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    snapshot = Snapshot.objects.filter(kind="students").get()
    for i, name in enumerate(["冼小明", "小冼", "冼", "洗洋"]):
        person = Person.objects.create(student_key=f"L9{i:07d}", name=name)
        Enrolment.objects.create(
            person=person, school=rc.cast.school_a, stage="primary", status="studying", snapshot=snapshot
        )
    html, _sql = _get(client, rc, "aid_center", {"q": "冼"})
    names = set(Person.objects.filter(pk__in=_listed(html)).values_list("name", flat=True))
    assert names == {"冼小明", "冼"}


def _with_x_check_digit() -> str:
    born = dt.date(2014, 5, 6)
    return next(
        number for seq in range(1000) if (number := idnumbers.synthetic("411728", born, seq)).endswith("X")
    )


@pytest.mark.parametrize("typed", ["as stored", "lower-case x", "full-width"])
def test_id_search_is_exact_after_normalising(client: Any, registry_cast: RegistryCast, typed: str) -> None:
    rc = registry_cast
    number = _with_x_check_digit()
    snapshot = Snapshot.objects.filter(kind="students").get()
    person = Person.objects.create(id_number=number, name="赵一")
    Enrolment.objects.create(
        person=person, school=rc.cast.school_a, stage="primary", status="studying", snapshot=snapshot
    )
    text = {
        "as stored": number,
        "lower-case x": number.lower(),
        "full-width": number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}),
    }[typed]
    html, _sql = _get(client, rc, "aid_center", {"q": text})
    assert _listed(html) == [person.pk]
    html, _sql = _get(client, rc, "aid_center", {"q": number[:-1]})  # not a prefix search on numbers
    assert person.pk not in _listed(html)


def test_student_number_search_is_exact_and_scoped(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    poor = rc.person("poor_kid")
    number = "g" + poor.id_number.lower()  # typed in lower case: normalised
    html, _sql = _get(client, rc, "school_officer", {"q": number})
    assert _listed(html) == [poor.pk]
    hardship = rc.person("hardship_kid")  # at school_b, outside the school officer's scope
    html, _sql = _get(client, rc, "school_officer", {"q": "G" + hardship.id_number})
    assert _listed(html) == []


def test_household_list_pages_without_counting(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    client.force_login(rc.cast.user("aid_center"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("registry:household_list"))
    assert response.status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not _counts_over(sql, "registry_householdversion") and not _counts_over(sql, "registry_household")
    assert 'data-testid="household-row"' in response.content.decode()


def test_home_counts_once_per_scope_and_recounts_after_an_import(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    client.force_login(rc.cast.user("school_officer"))

    def home() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(reverse("core:home")).content.decode()
        found = re.search(r'data-count="students">(\d+)<', html)
        return int(found.group(1)) if found else 0, [q["sql"] for q in ctx.captured_queries]

    def students_counted(sql: list[str]) -> bool:
        return any(q.startswith('SELECT COUNT(*) AS "__count" FROM "registry_person"') for q in sql)

    before, sql = home()
    assert students_counted(sql)
    again, sql = home()
    assert again == before and not students_counted(sql)  # a million rows: not on every view
    _students(rc, rc.cast.school_a, 3, "新生")
    Snapshot.objects.create(kind="students", as_of=dt.date(2024, 3, 1), actor_name="test")  # an import
    after, sql = home()
    assert after == before + 3 and students_counted(sql)
