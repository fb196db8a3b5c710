"""`eduaid match` and `eduaid export findings` over registry rows as they stood on the start date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from eduaid.conftest import Cast
from eduaid.core import idnumbers
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.matching import engine
from eduaid.matching.loaders import load_facts
from eduaid.matching.models import Finding, MatchRun
from eduaid.matching.selectors import findings_visible_to
from eduaid.registry.models import (
    Enrolment,
    Household,
    HouseholdVersion,
    Membership,
    Person,
    Snapshot,
    Term,
)

SPRING = dt.date(2024, 3, 1)


def _person(seq: int, born: dt.date) -> Person:
    number = idnumbers.synthetic("411728", born, seq)
    return Person.objects.create(
        id_number=number, name=f"学生{seq}", gender="M" if seq % 2 else "F", birth_date=born
    )


@pytest.fixture
def county(cast: Cast) -> dict[str, Any]:
    """Two households; one is risk-eliminated from the spring snapshot on."""
    first = Snapshot.objects.create(kind="registry", as_of=dt.date(2023, 8, 1), actor_name="t")
    second = Snapshot.objects.create(kind="registry", as_of=SPRING, actor_name="t")
    students = Snapshot.objects.create(kind="students", as_of=dt.date(2023, 8, 1), actor_name="t")
    poor, marginal = Household.objects.create(code="H1"), Household.objects.create(code="H2")
    HouseholdVersion.objects.create(
        household=poor, household_type="poverty_exited", village=cast.village_a, snapshot=first
    )
    HouseholdVersion.objects.create(
        household=marginal,
        household_type="ordinary",
        monitoring_category="marginal",
        village=cast.village_b,
        snapshot=first,
        valid_to=SPRING,
    )
    HouseholdVersion.objects.create(
        household=marginal,
        household_type="ordinary",
        monitoring_category="marginal",
        risk_eliminated_on=dt.date(2024, 2, 20),
        village=cast.village_b,
        snapshot=second,
        valid_from=SPRING,
    )
    a, b = _person(1, dt.date(2015, 3, 1)), _person(3, dt.date(2014, 3, 1))
    out_of_school = _person(5, dt.date(2012, 3, 1))
    for p, h in ((a, poor), (b, marginal), (out_of_school, poor)):
        Membership.objects.create(person=p, household=h, snapshot=first)
    Enrolment.objects.create(
        person=a,
        school=cast.school_a,
        stage="primary",
        grade=3,
        status="studying",
        student_number="G" + (a.id_number or ""),
        snapshot=students,
    )
    Enrolment.objects.create(
        person=b,
        school=cast.school_b,
        stage="primary",
        grade=4,
        status="studying",
        student_number="G" + (b.id_number or ""),
        snapshot=students,
    )
    return {"a": a, "b": b, "out": out_of_school}


def _match(term: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("match", "--term", term, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_autumn_is_judged_on_the_first_snapshot(county: dict[str, Any]) -> None:
    summary = _match("2023-2024-1")
    assert summary == {
        "term": "2023-2024-1",
        "priced": False,
        "eligible": 2,
        "by_category": {"poverty_exited": 1, "unstable_exited": 0, "marginal": 1, "sudden_hardship": 0},
        "missed": None,
        "wrong": None,
        "duplicates": 0,
        "identity_problems": 0,
        "suspected_dropouts": 1,
    }
    assert Term.objects.get(code="2023-2024-1").start_date == dt.date(2023, 9, 1)


def test_spring_sees_the_risk_eliminated(county: dict[str, Any]) -> None:
    summary = _match("2023-2024-2")
    assert summary["eligible"] == 1
    assert summary["by_category"]["marginal"] == 0


def test_findings_are_kept_per_run_and_audited(county: dict[str, Any]) -> None:
    _match("2023-2024-1")
    _match("2023-2024-1")
    runs = MatchRun.objects.all()
    assert runs.count() == 2
    assert Finding.objects.filter(run=runs[0], kind="eligible").count() == 2
    assert AuditEvent.objects.filter(kind=AuditKind.MATCH).count() == 2


def test_findings_are_scoped(cast: Cast, county: dict[str, Any]) -> None:
    _match("2023-2024-1")
    seen = set(findings_visible_to(cast.user("school_officer")).values_list("person_id", flat=True))
    assert seen == {county["a"].pk}
    township = set(findings_visible_to(cast.user("township_officer")).values_list("person_id", flat=True))
    assert township == {county["a"].pk, county["out"].pk}  # its school, and a child living in its village
    assert not findings_visible_to(cast.user("teacher")).exists()


def test_export_findings_writes_full_ids(county: dict[str, Any], tmp_path: Path) -> None:
    _match("2023-2024-1")
    out = tmp_path / "findings.csv"
    call_command("export", "findings", "--out", str(out), stdout=io.StringIO())
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["身份证号", "姓名", "学校标识码", "发现类型", "说明"]
    ids = {r[0] for r in rows[1:]}
    assert county["a"].id_number in ids and county["out"].id_number in ids
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT).exists()


def test_bad_term_is_misuse(db: Any) -> None:
    with pytest.raises(CommandError) as info:
        call_command("match", "--term", "2023-2025-1")
    assert info.value.returncode == 2


def test_stored_findings_are_the_engines_with_their_detail(cast: Cast, county: dict[str, Any]) -> None:
    """The findings are written as plain rows: every field, the JSON detail included, as the engine
    gave it (a student's age outside the band, a suspected dropout's age, the schools of a duplicate)."""
    Enrolment.objects.create(  # the same student at a second school: a duplicate with a detail
        person=county["a"],
        school=cast.school_b,
        stage="primary",
        grade=3,
        status="studying",
        student_number="",
        snapshot=Snapshot.objects.get(kind="students"),
    )
    _match("2023-2024-1")
    run = MatchRun.objects.get()
    facts = load_facts(run.term)
    fields = ("kind", "code", "person_id", "school_id", "township_id", "village_id", "category", "stage")
    expected = sorted(
        (*(getattr(f, name) for name in fields), json.dumps(f.detail, sort_keys=True))
        for f in engine.match(facts)
    )
    rows = run.findings.values_list(*fields, "detail")
    stored = sorted((*row[:-1], json.dumps(row[-1], sort_keys=True)) for row in rows)
    assert stored == expected
    assert {kind for kind, *_rest in stored} >= {"eligible", "duplicate", "suspected_dropout"}
    assert any(detail != "{}" for *_rest, detail in stored)
