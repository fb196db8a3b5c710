"""The lists cost a fixed number of queries whatever the page holds: a query per row (a lazy
relation read in the template, a category looked up per student) would multiply at 50 rows a page."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from eduaid.conftest import RegistryCast
from eduaid.registry.models import Enrolment, Person, Snapshot


def _add_students(school: Any, n: int) -> None:
    snapshot = Snapshot.objects.filter(kind="students").get()
    for i in range(n):
        person = Person.objects.create(student_key=f"L{school.pk:03d}{i:05d}", name=f"加{i:03d}")
        Enrolment.objects.create(
            person=person, school=school, stage="primary", grade=2, status="studying", snapshot=snapshot
        )


def _queries(client: Any, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_student_list_costs_the_same_queries_for_more_rows(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    url = reverse("registry:student_list")
    roles = ("aid_center", "township_officer", "school_officer")
    before = {}
    for role in roles:
        client.force_login(rc.cast.user(role))
        before[role] = _queries(client, url)
    _add_students(rc.cast.school_a, 12)
    for role in roles:
        client.force_login(rc.cast.user(role))
        count, html = _queries(client, url)
        assert (
            html.count('data-testid="student-row"') >= before[role][1].count('data-testid="student-row"') + 12
        )
        assert count == before[role][0], role


def test_the_student_list_links_each_row_to_its_profile(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    client.force_login(rc.cast.user("aid_center"))
    html = client.get(reverse("registry:student_list")).content.decode()
    for key in ("poor_kid", "plain_kid"):
        pk = rc.person(key).pk
        link = reverse("registry:student_detail", args=[pk])
        assert f'data-person="{pk}">\n    <td><a href="{link}" data-testid="student-link">' in html


def test_the_household_list_costs_the_same_queries_for_more_rows(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    client.force_login(rc.cast.user("aid_center"))
    url = reverse("registry:household_list")
    few, html = _queries(client, url)
    filtered, html_one = _queries(client, url + "?q=" + rc.households["poor"].code)
    assert html.count('data-testid="household-row"') > html_one.count('data-testid="household-row"') == 1
    assert few == filtered
    link = reverse("registry:household_detail", args=[rc.households["poor"].pk])
    assert f'<a href="{link}">' in html_one


def test_the_household_list_notes_a_risk_eliminated_by_today(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    client.force_login(rc.cast.user("aid_center"))
    html = client.get(reverse("registry:household_list")).content.decode()
    row = html.split(f'data-household="{rc.households["marginal"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'<span class="small text-secondary">\([^<]*2024-02-20[^<]*\)</span>', row)
    assert 'data-category="none"' in row  # not eligible any more
    poor = html.split(f'data-household="{rc.households["poor"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert "text-secondary small" not in poor and 'class="small text-secondary"' not in poor
