"""The 比对 rules of DESIGN §3 and §5 on plain facts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from eduaid.matching import engine
from eduaid.matching.engine import EnrolmentFact, Facts, HouseholdFact, PersonFact

START = dt.date(2023, 9, 1)
AGE_DAY = dt.date(2023, 8, 31)


def household(hid: int, **kw: Any) -> HouseholdFact:
    base: dict[str, Any] = {
        "household_type": "ordinary",
        "monitoring_category": "",
        "enjoys_policy": True,
        "monitored_since": None,
        "risk_eliminated_on": None,
        "village_id": 1,
    }
    base.update(kw)
    return HouseholdFact(household_id=hid, **base)


def person(pid: int, born: dt.date = dt.date(2014, 5, 1), **kw: Any) -> PersonFact:
    base: dict[str, Any] = {"id_number": f"ID{pid}", "student_key": None, "gender": "F", "birth_date": born}
    base.update(kw)
    return PersonFact(person_id=pid, **base)


def enrol(pid: int, school: int | None = 10, **kw: Any) -> EnrolmentFact:
    base: dict[str, Any] = {
        "college": "",
        "stage": "primary",
        "status": "studying",
        "student_number": f"GID{pid}",
        "declared_gender": "",
    }
    base.update(kw)
    return EnrolmentFact(person_id=pid, school_id=school, **base)


def facts(
    households: list[HouseholdFact],
    members: dict[int, int],
    persons: list[PersonFact],
    enrolments: list[EnrolmentFact],
    **kw: Any,
) -> Facts:
    return Facts(
        day=START,
        age_day=AGE_DAY,
        households={h.household_id: h for h in households},
        members=members,
        persons={p.person_id: p for p in persons},
        enrolments=enrolments,
        population=kw.get("population", {}),
        junior_graduates=kw.get("junior_graduates", set()),
        school_township={10: 100, 11: 101},
        village_township={1: 100, 2: 101},
    )


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"household_type": "poverty_exited"}, "poverty_exited"),
        ({"household_type": "poverty_exited", "enjoys_policy": False}, None),
        ({"monitoring_category": "marginal"}, "marginal"),
        ({"monitoring_category": "marginal", "monitored_since": START}, "marginal"),
        ({"monitoring_category": "marginal", "monitored_since": START + dt.timedelta(days=1)}, None),
        (
            {"monitoring_category": "sudden_hardship", "risk_eliminated_on": START - dt.timedelta(days=1)},
            None,
        ),
        ({"monitoring_category": "sudden_hardship", "risk_eliminated_on": START}, None),
        (
            {"monitoring_category": "sudden_hardship", "risk_eliminated_on": START + dt.timedelta(days=1)},
            "sudden_hardship",
        ),
        # a risk-eliminated 脱贫不稳定户 stays a 脱贫户
        (
            {
                "household_type": "poverty_exited",
                "monitoring_category": "unstable_exited",
                "risk_eliminated_on": START,
            },
            "poverty_exited",
        ),
        ({"household_type": "poverty_exited", "monitoring_category": "unstable_exited"}, "unstable_exited"),
        ({}, None),
    ],
)
def test_category_on_the_start_date(kw: dict[str, Any], expected: str | None) -> None:
    assert engine.category_on(household(1, **kw), START) == expected


def test_only_studying_students_of_eligible_households_are_eligible() -> None:
    f = facts(
        [household(1, household_type="poverty_exited"), household(2)],
        {1: 1, 2: 1, 3: 2, 4: 1},
        [person(1), person(2), person(3), person(4)],
        [enrol(1), enrol(2, status="suspended"), enrol(3), enrol(4, school=10), enrol(4, school=11)],
    )
    eligible = [x for x in engine.match(f) if x.kind == "eligible"]
    assert sorted(x.person_id for x in eligible) == [1, 4]
    summary = engine.summarise("2023-2024-1", engine.match(f), priced=False)
    assert summary["eligible"] == 2 and summary["by_category"]["poverty_exited"] == 2
    assert summary["missed"] is None and summary["wrong"] is None


def test_two_active_schools_are_a_duplicate_but_a_transfer_is_not() -> None:
    f = facts(
        [],
        {},
        [person(1), person(2), person(3)],
        [
            enrol(1, school=10),
            enrol(1, school=11, status="suspended"),
            enrol(2, school=10, status="transferred_out"),
            enrol(2, school=11),
            enrol(3, school=10, status="graduated"),
            enrol(3, school=11),
        ],
    )
    found = engine.match(f)
    assert {x.person_id for x in found if x.kind == "duplicate"} == {1}
    assert engine.summarise("t", found, priced=False)["duplicates"] == 1


def test_two_ids_with_one_student_number() -> None:
    f = facts(
        [], {}, [person(1), person(2)], [enrol(1, student_number="L123"), enrol(2, student_number="L123")]
    )
    dup = [x for x in engine.match(f) if x.kind == "duplicate"]
    assert {x.person_id for x in dup} == {1, 2}
    assert dup[0].code == "shared_student_number"


def test_identity_problems() -> None:
    f = facts(
        [],
        {},
        [
            person(1, id_number=None, student_key="J4117282014"),
            person(2),
            person(3, gender="M"),
            person(4, born=dt.date(2000, 1, 1)),
            person(5),
        ],
        [
            enrol(1, student_number="J4117282014"),
            enrol(2, student_number="GXXXX"),
            enrol(3, declared_gender="F"),
            enrol(4),
            enrol(5),
        ],
    )
    codes = {(x.person_id, x.code) for x in engine.match(f) if x.kind == "identity"}
    assert codes == {
        (1, "no_id"),
        (2, "student_number_mismatch"),
        (3, "gender_mismatch"),
        (4, "age_outside_band"),
    }


@pytest.mark.parametrize(
    ("born", "suspected"),
    [
        (dt.date(2017, 8, 31), True),  # 6 on 31 August 2023
        (dt.date(2017, 9, 1), False),  # still 5
        (dt.date(2007, 9, 1), True),  # 15
        (dt.date(2007, 8, 31), False),  # 16
    ],
)
def test_compulsory_age_is_counted_on_31_august(born: dt.date, suspected: bool) -> None:
    f = facts([household(1)], {1: 1}, [person(1, born=born)], [])
    assert any(x.kind == "suspected_dropout" for x in engine.match(f)) is suspected


def test_enrolled_suspended_or_junior_graduates_are_not_suspected() -> None:
    f = facts(
        [household(1)],
        {1: 1, 2: 1, 3: 1},
        [person(1), person(2), person(3, born=dt.date(2008, 1, 1)), person(4)],
        [enrol(1), enrol(2, status="suspended")],
        junior_graduates={3},
        population={4: 2},
    )
    suspected = [x for x in engine.match(f) if x.kind == "suspected_dropout"]
    assert [x.person_id for x in suspected] == [4]
    assert suspected[0].township_id == 101 and suspected[0].village_id == 2


def test_dropped_out_status_enters_the_dropout_ledger_once() -> None:
    f = facts(
        [household(1)],
        {1: 1},
        [person(1), person(2, born=dt.date(2005, 1, 1))],
        [enrol(1, status="dropped_out"), enrol(2, stage="senior", status="dropped_out")],
    )
    found = engine.match(f)
    assert [(x.kind, x.person_id) for x in found if "dropout" in x.kind] == [("dropout", 1)]
    assert engine.summarise("t", found, priced=False)["suspected_dropouts"] == 1
