"""Unexcused absences in a row and a school's report open suspected cases; 16-year-olds close."""

from __future__ import annotations

import datetime as dt

import pytest

from eduaid.conftest import RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.dropout.models import CaseSource, CaseStatus, CloseReason, DropoutCase
from eduaid.dropout.services import CaseRefused, absence_record, case_report, cases_age_out, settings_update


def test_three_unexcused_working_days_in_a_row_flag_the_student(registry_cast: RegistryCast) -> None:
    kid, school = registry_cast.person("poor_kid"), registry_cast.cast.school_a
    officer = registry_cast.cast.user("school_officer")
    assert (
        absence_record(person=kid, school=school, on=dt.date(2024, 3, 7), excused=False, actor=officer)
        is None
    )
    assert (
        absence_record(person=kid, school=school, on=dt.date(2024, 3, 8), excused=False, actor=officer)
        is None
    )
    case = absence_record(person=kid, school=school, on=dt.date(2024, 3, 11), excused=False, actor=officer)
    assert case is not None
    assert case.status == CaseStatus.SUSPECTED
    assert case.source == CaseSource.ABSENCE
    assert case.school == school
    assert case.village == registry_cast.cast.village_a  # where the child's registry household lives
    assert "2024-03-07" in case.note
    # a fourth day opens nothing more: one case per child
    assert (
        absence_record(person=kid, school=school, on=dt.date(2024, 3, 12), excused=False, actor=officer)
        is None
    )
    assert DropoutCase.objects.filter(person=kid).count() == 1


def test_an_excused_day_breaks_the_run_and_the_threshold_is_configurable(registry_cast: RegistryCast) -> None:
    kid, school = registry_cast.person("poor_kid"), registry_cast.cast.school_a
    absence_record(person=kid, school=school, on=dt.date(2024, 3, 7), excused=False, actor=None)
    absence_record(person=kid, school=school, on=dt.date(2024, 3, 8), excused=True, actor=None)
    assert (
        absence_record(person=kid, school=school, on=dt.date(2024, 3, 11), excused=False, actor=None) is None
    )
    settings_update(verify_days=10, attempt_days=30, absence_days=1, actor=None)
    assert (
        absence_record(person=kid, school=school, on=dt.date(2024, 3, 12), excused=False, actor=None)
        is not None
    )


def test_a_school_reports_a_child(registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("school_officer")
    kid = registry_cast.person("plain_kid")
    case = case_report(person=kid, school=registry_cast.cast.school_a, note="连续一周未到校", actor=officer)
    assert case.source == CaseSource.REPORT
    assert case.stage == "primary"
    with pytest.raises(CaseRefused):
        case_report(person=kid, school=registry_cast.cast.school_a, note="again", actor=officer)


def test_a_case_closes_when_the_child_turns_sixteen(registry_cast: RegistryCast) -> None:
    kid = registry_cast.person("dropped_kid")  # born 2012-07-07
    kid.birth_date = dt.date(2008, 4, 1)
    kid.save()
    assert cases_age_out() == 0
    with frozen_today(dt.date(2024, 4, 1)):
        assert cases_age_out() == 1
    case = DropoutCase.objects.get(person=kid)
    assert case.status == CaseStatus.CLOSED
    assert case.close_reason == CloseReason.AGED_OUT
