"""Every case has one responsible teacher where one can be found; the others are listed as unassigned."""

from __future__ import annotations

from eduaid.conftest import RegistryCast
from eduaid.dropout.models import DropoutCase
from eduaid.dropout.selectors import cases_visible_to, ledger_counts
from eduaid.dropout.services import cases_assign_missing
from eduaid.dropout.tests.helpers import map_catchment, teacher_of
from eduaid.matching.services import match_run
from eduaid.staff.selectors import responsible_teacher_for


def test_without_teachers_the_cases_are_unassigned(registry_cast: RegistryCast) -> None:
    county = registry_cast.cast.user("county_admin")
    assert ledger_counts(county)["unassigned"] == 2


def test_an_unenrolled_child_falls_to_a_teacher_of_the_village_catchment_school(
    registry_cast: RegistryCast,
) -> None:
    cast = registry_cast.cast
    teacher = teacher_of(cast)
    teacher_of(cast, user=False, name="李老师")  # no login: picked after the one who can see the case
    map_catchment(cast)
    assert cases_assign_missing() == 1
    case = DropoutCase.objects.get(person=registry_cast.person("out_kid"))
    assert case.school == cast.school_a
    assert case.stage == "junior"
    assert responsible_teacher_for(case.person) == teacher
    assert list(cases_visible_to(cast.user("teacher"))) == [case]


def test_a_later_match_assigns_the_cases_still_unassigned(registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    teacher = teacher_of(cast)
    map_catchment(cast)
    match_run(term=registry_cast.spring)
    assert responsible_teacher_for(registry_cast.person("out_kid")) == teacher
    # school_b has no teacher: its case stays unassigned, and is counted as such
    assert ledger_counts(cast.user("county_admin"))["unassigned"] == 1


def test_the_teacher_already_responsible_keeps_the_child(registry_cast: RegistryCast) -> None:
    from eduaid.staff.services import responsibility_assign

    cast = registry_cast.cast
    first = teacher_of(cast, user=False, name="赵老师")
    teacher_of(cast)
    responsibility_assign(person=registry_cast.person("out_kid"), teacher=first, actor=None)
    map_catchment(cast)
    cases_assign_missing()
    assert responsible_teacher_for(registry_cast.person("out_kid")) == first
