"""The ledgers follow the 比对: cases open from its findings, are never duplicated, close on re-enrolment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from eduaid.conftest import RegistryCast
from eduaid.dropout.models import CaseEvent, CaseSource, CaseStatus, CloseReason, DropoutCase
from eduaid.dropout.services import cases_sync
from eduaid.matching.services import match_run
from eduaid.registry.models import Enrolment, Snapshot


def _case(r: RegistryCast, key: str) -> DropoutCase:
    return DropoutCase.objects.get(person=r.person(key))


def test_a_match_of_the_current_term_opens_the_cases(registry_cast: RegistryCast) -> None:
    out = _case(registry_cast, "out_kid")
    assert out.status == CaseStatus.SUSPECTED
    assert out.source == CaseSource.MATCH
    assert out.ledger == "suspected"
    assert out.village == registry_cast.cast.village_a
    assert out.township == registry_cast.cast.township_a
    assert out.opened_on == dt.date(2024, 3, 15)
    assert out.due_on == dt.date(2024, 3, 25)
    dropped = _case(registry_cast, "dropped_kid")
    assert dropped.status == CaseStatus.CONFIRMED  # 学籍 status 辍学 enters the 辍学 ledger directly
    assert dropped.ledger == "dropout"
    assert dropped.school == registry_cast.cast.school_b
    assert dropped.confirmed_on == dt.date(2024, 3, 15)
    assert DropoutCase.objects.count() == 2


def test_a_second_run_does_not_duplicate_a_case(registry_cast: RegistryCast) -> None:
    before = list(DropoutCase.objects.order_by("pk").values_list("pk", "status"))
    match_run(term=registry_cast.spring)
    assert list(DropoutCase.objects.order_by("pk").values_list("pk", "status")) == before
    assert CaseEvent.objects.count() == 2


def test_a_run_of_a_past_term_changes_nothing(registry_cast: RegistryCast) -> None:
    DropoutCase.objects.all().delete()
    counts = cases_sync(run=registry_cast.autumn_run)
    assert counts["opened"] == 0
    assert not DropoutCase.objects.exists()


def test_a_child_who_enrols_closes_the_suspected_case_with_the_reason(registry_cast: RegistryCast) -> None:
    students = Snapshot.objects.create(kind="students", as_of=dt.date(2024, 3, 10), actor_name="test")
    Enrolment.objects.create(
        person=registry_cast.person("out_kid"),
        school=registry_cast.cast.school_a2,
        stage="junior",
        grade=7,
        status="studying",
        snapshot=students,
        valid_from=dt.date(2024, 3, 10),
    )
    match_run(term=registry_cast.spring)
    case = _case(registry_cast, "out_kid")
    assert case.status == CaseStatus.FALSE_ALARM
    assert case.close_reason == CloseReason.ENROLLED
    assert case.closed_on == dt.date(2024, 3, 15)
    last = case.events.order_by("pk").last()
    assert last is not None and "文城乡第一初级中学" in last.reason


def test_a_dropout_back_at_school_is_marked_returned(registry_cast: RegistryCast) -> None:
    row: Any = Enrolment.objects.get(person=registry_cast.person("dropped_kid"))
    row.status = "studying"
    row.save()
    match_run(term=registry_cast.spring)
    case = _case(registry_cast, "dropped_kid")
    assert case.status == CaseStatus.RETURNED
    assert case.is_open  # 销号 is the school's step once the child is seen at school
