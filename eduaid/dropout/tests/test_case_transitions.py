"""Cases move only by the allowed steps, through one service that locks the row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.dropout.models import CaseStatus, CloseReason, DropoutCase
from eduaid.dropout.services import CaseRefused, attempt_log, case_transition, legal_step_log
from eduaid.dropout.transitions import TRANSITIONS


def _case(r: RegistryCast, key: str) -> DropoutCase:
    return DropoutCase.objects.get(person=r.person(key))


def test_every_status_is_in_the_table() -> None:
    assert set(TRANSITIONS) == set(CaseStatus.values)
    assert TRANSITIONS[CaseStatus.FALSE_ALARM] == frozenset()
    assert TRANSITIONS[CaseStatus.CLOSED] == frozenset()


def test_a_false_alarm_needs_one_of_the_reasons(registry_cast: RegistryCast) -> None:
    case = _case(registry_cast, "out_kid")
    officer = registry_cast.cast.user("township_officer")
    case_transition(case_id=case.pk, to=CaseStatus.VERIFYING, actor=officer)
    with pytest.raises(CaseRefused):
        case_transition(case_id=case.pk, to=CaseStatus.FALSE_ALARM, actor=officer)
    with pytest.raises(CaseRefused):
        case_transition(
            case_id=case.pk, to=CaseStatus.FALSE_ALARM, actor=officer, close_reason=CloseReason.OTHER
        )
    case = case_transition(
        case_id=case.pk,
        to=CaseStatus.FALSE_ALARM,
        actor=officer,
        close_reason=CloseReason.ELSEWHERE,
        reason="在郑州就读",
    )
    assert case.status == CaseStatus.FALSE_ALARM
    assert case.closed_on == dt.date(2024, 3, 15)
    assert case.due_on is None
    assert case.close_reason == CloseReason.ELSEWHERE
    assert "在郑州就读" in case.events.order_by("pk").last().reason
    assert AuditEvent.objects.filter(kind=AuditKind.CASE, object_id=str(case.pk)).count() >= 3


def test_a_step_outside_the_table_is_refused(registry_cast: RegistryCast) -> None:
    case = _case(registry_cast, "out_kid")
    with pytest.raises(CaseRefused):
        case_transition(case_id=case.pk, to=CaseStatus.RETURNED, actor=None)
    with pytest.raises(CaseRefused):
        case_transition(case_id=case.pk, to=CaseStatus.CONFIRMED, actor=None)  # without a reason
    case.refresh_from_db()
    assert case.status == CaseStatus.SUSPECTED


def test_a_move_someone_else_made_first_is_refused(registry_cast: RegistryCast) -> None:
    case = _case(registry_cast, "out_kid")
    case_transition(case_id=case.pk, to=CaseStatus.VERIFYING, actor=None, expect=CaseStatus.SUSPECTED)
    with pytest.raises(CaseRefused):
        case_transition(case_id=case.pk, to=CaseStatus.VERIFYING, actor=None, expect=CaseStatus.SUSPECTED)


def test_failed_persuasion_does_not_close_the_case(registry_cast: RegistryCast) -> None:
    case = _case(registry_cast, "dropped_kid")
    attempt_log(
        case_id=case.pk,
        on=dt.date(2024, 3, 15),
        by="王老师",
        method="home_visit",
        outcome="家长拒绝",
        actor=None,
    )
    case = case_transition(case_id=case.pk, to=CaseStatus.REPORTED, actor=None, reason="三次劝返无效")
    with pytest.raises(CaseRefused):
        case_transition(case_id=case.pk, to=CaseStatus.CLOSED, actor=None)
    step = legal_step_log(
        case_id=case.pk, on=dt.date(2024, 3, 15), kind="order", note="责令监护人限期送学", actor=None
    )
    assert step.case_id == case.pk
    case = case_transition(case_id=case.pk, to=CaseStatus.RETURNED, actor=None)
    case = case_transition(case_id=case.pk, to=CaseStatus.CLOSED, actor=None)
    assert case.close_reason == CloseReason.RESOLVED


def test_legal_steps_follow_the_report_only(registry_cast: RegistryCast) -> None:
    case = _case(registry_cast, "dropped_kid")
    with pytest.raises(CaseRefused):
        legal_step_log(case_id=case.pk, on=dt.date(2024, 3, 15), kind="order", note="x", actor=None)


def test_the_database_refuses_a_second_open_case_for_a_child(registry_cast: RegistryCast) -> None:
    case = _case(registry_cast, "out_kid")
    with pytest.raises(IntegrityError), transaction.atomic():
        DropoutCase.objects.create(
            person=case.person, status=CaseStatus.SUSPECTED, source="report", opened_on=dt.date(2024, 3, 15)
        )


def test_the_database_refuses_a_closed_case_without_a_reason(registry_cast: RegistryCast) -> None:
    case = _case(registry_cast, "out_kid")
    with pytest.raises(IntegrityError), transaction.atomic():
        DropoutCase.objects.filter(pk=case.pk).update(
            status=CaseStatus.CLOSED, closed_on=dt.date(2024, 3, 15)
        )
