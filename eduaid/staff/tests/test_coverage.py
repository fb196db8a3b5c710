"""Who must have a responsible teacher (eligible students, open dropout cases) and who still has none."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from eduaid.matching.models import FindingKind
from eduaid.staff.selectors import current_run, needs_of, totals, unassigned_rows
from eduaid.staff.services import responsibility_assign
from eduaid.staff.tests.conftest import StaffCast


def _keys(staff_cast: StaffCast, ids: Any) -> set[str]:
    names = {p.pk: key for key, p in staff_cast.reg.persons.items()}
    return {names[i] for i in ids}


def test_the_children_to_cover_are_eligible_pupils_and_open_cases(staff_cast: StaffCast) -> None:
    run = current_run()
    assert run == staff_cast.reg.spring_run
    eligible = set(
        run.findings.filter(kind=FindingKind.ELIGIBLE, school__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    needs = {n.person_id for n in needs_of(None, run)}
    assert eligible <= needs
    # the college student has no county school; out_kid and dropped_kid are open dropout cases
    assert _keys(staff_cast, needs) == {"poor_kid", "unstable_kid", "hardship_kid", "dropped_kid", "out_kid"}


def test_each_scope_covers_its_own(staff_cast: StaffCast) -> None:
    run = current_run()
    cast = staff_cast.cast
    school = {n.person_id for n in needs_of(cast.user("school_officer"), run)}
    township = {n.person_id for n in needs_of(cast.user("township_officer"), run)}
    assert _keys(staff_cast, school) == {"poor_kid"}
    assert _keys(staff_cast, township) == {"poor_kid", "unstable_kid", "out_kid"}
    assert needs_of(cast.user("teacher"), run) == []


def test_assigning_removes_a_child_from_the_unassigned(staff_cast: StaffCast) -> None:
    run = current_run()
    user = staff_cast.cast.user("township_officer")
    assert totals(needs_of(user, run)).unassigned == 3
    responsibility_assign(person=staff_cast.person("poor_kid"), teacher=staff_cast.head, actor=None)
    assert totals(needs_of(user, run)).unassigned == 2
    assert _keys(staff_cast, (n.person_id for n in unassigned_rows(needs_of(user, run)))) == {
        "unstable_kid",
        "out_kid",
    }


def test_the_coverage_page_lists_the_unassigned_in_scope(client: Any, staff_cast: StaffCast) -> None:
    responsibility_assign(person=staff_cast.person("poor_kid"), teacher=staff_cast.head, actor=None)
    client.force_login(staff_cast.cast.user("township_officer"))
    html = client.get(reverse("staff:coverage")).content.decode()
    listed = re.findall(r'data-testid="unassigned-row" data-person="(\d+)"', html)
    assert _keys(staff_cast, map(int, listed)) == {"unstable_kid", "out_kid"}
    assert re.search(r'data-count="unassigned">2<', html)
    by_school = client.get(
        reverse("staff:coverage") + f"?school={staff_cast.cast.school_a2.pk}"
    ).content.decode()
    listed = re.findall(r'data-testid="unassigned-row" data-person="(\d+)"', by_school)
    assert _keys(staff_cast, map(int, listed)) == {"unstable_kid"}


def test_the_county_sees_every_township_on_the_coverage_page(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("leader"))
    html = client.get(reverse("staff:coverage")).content.decode()
    assert 'data-testid="coverage-townships"' in html
    assert re.search(r'data-count="total">5<', html)
    assert 'data-testid="assign-one"' not in html  # a leader reads


def test_the_home_page_of_a_school_shows_its_coverage(client: Any, staff_cast: StaffCast) -> None:
    client.force_login(staff_cast.cast.user("school_officer"))
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="home-coverage"' in html and 'data-staff="unassigned"' in html
