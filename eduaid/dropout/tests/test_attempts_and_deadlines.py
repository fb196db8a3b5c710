"""Persuasion attempts move a confirmed case on; deadlines flag overdue cases; settings move the deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from eduaid.conftest import RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.dropout.models import CaseStatus, DropoutCase
from eduaid.dropout.selectors import ledger_counts, overdue_cases
from eduaid.dropout.services import CaseRefused, attempt_log, settings_update


def _case(r: RegistryCast, key: str) -> DropoutCase:
    return DropoutCase.objects.get(person=r.person(key))


def test_the_first_attempt_moves_a_confirmed_case_to_persuasion(registry_cast: RegistryCast) -> None:
    case = _case(registry_cast, "dropped_kid")
    attempt_log(
        case_id=case.pk,
        on=dt.date(2024, 3, 15),
        by="王老师",
        method="home_visit",
        outcome="家长答应下周送学",
        actor=None,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.PERSUADING
    assert case.last_attempt_on == dt.date(2024, 3, 15)
    assert case.due_on == dt.date(2024, 4, 14)
    assert [e.to_status for e in case.events.order_by("pk")] == ["confirmed", "persuading"]


def test_attempts_are_refused_on_a_case_not_yet_confirmed_and_in_the_future(
    registry_cast: RegistryCast,
) -> None:
    with pytest.raises(CaseRefused):
        attempt_log(
            case_id=_case(registry_cast, "out_kid").pk,
            on=dt.date(2024, 3, 15),
            by="x",
            method="phone",
            outcome="x",
            actor=None,
        )
    with pytest.raises(CaseRefused):
        attempt_log(
            case_id=_case(registry_cast, "dropped_kid").pk,
            on=dt.date(2024, 3, 16),
            by="x",
            method="phone",
            outcome="x",
            actor=None,
        )


def test_a_case_not_verified_in_ten_days_is_overdue(registry_cast: RegistryCast) -> None:
    county = registry_cast.cast.user("county_admin")
    assert ledger_counts(county)["overdue"] == 0
    with frozen_today(dt.date(2024, 3, 26)):
        assert [c.person.name for c in overdue_cases(county)] == ["张小红"]
    with frozen_today(dt.date(2024, 4, 15)):
        assert ledger_counts(county)["overdue"] == 2  # and no attempt on the dropout for a month


def test_changing_the_deadlines_moves_the_due_dates_of_open_cases(registry_cast: RegistryCast) -> None:
    settings_update(verify_days=3, attempt_days=14, absence_days=5, actor=None)
    assert _case(registry_cast, "out_kid").due_on == dt.date(2024, 3, 18)
    assert _case(registry_cast, "dropped_kid").due_on == dt.date(2024, 3, 29)
    with pytest.raises(CaseRefused):
        settings_update(verify_days=0, attempt_days=14, absence_days=5, actor=None)
