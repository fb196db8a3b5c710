"""Reading 学段 and 年级 as 学籍 exports write them, and placing a student at a school. No database."""

from __future__ import annotations

import pytest

from eduaid.org.models import SchoolType
from eduaid.registry.grades import (
    COLLEGE,
    SCHOOL_TYPE_STAGES,
    STAGE_GRADES,
    Grade,
    Placement,
    PlacementProblem,
    parse_grade,
    parse_stage,
    place,
)
from eduaid.registry.models import Stage

P = Stage.PRIMARY
J = Stage.JUNIOR
S = Stage.SENIOR
V = Stage.VOCATIONAL


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("学前", Stage.PRESCHOOL),
        ("小学", P),
        (" 初中 ", J),
        ("高中", S),
        ("中职", V),
        ("专科", Stage.JUNIOR_COLLEGE),
        ("本科", Stage.UNDERGRADUATE),
        ("硕士", Stage.MASTER),
        ("博士研究生", Stage.DOCTOR),
        ("大学", None),
        ("", None),
    ],
)
def test_parse_stage(text: str, stage: Stage | None) -> None:
    assert parse_stage(text) == stage


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("小班", Grade(1, frozenset({Stage.PRESCHOOL}))),
        ("大班", Grade(3, frozenset({Stage.PRESCHOOL}))),
        ("一年级", Grade(1)),
        ("六年级", Grade(6)),
        ("七年级", Grade(7)),
        ("九年级", Grade(9)),
        ("小学三年级", Grade(3, frozenset({P}))),
        ("初一", Grade(7, frozenset({J}))),
        ("初三", Grade(9, frozenset({J}))),
        ("初中二年级", Grade(8, frozenset({J}))),
        ("高一", Grade(10, frozenset({S}))),
        ("高３", Grade(12, frozenset({S}))),  # full-width digit
        ("中职一年级", Grade(10, frozenset({V}))),
        ("职高三年级", Grade(12, frozenset({V}))),
        ("大一", Grade(1, frozenset({Stage.JUNIOR_COLLEGE, Stage.UNDERGRADUATE}))),
        ("研二", Grade(2, frozenset({Stage.MASTER}))),
        ("1", Grade(1)),
        ("12", Grade(12)),
        ("十二年级", Grade(12)),
        ("8年级", Grade(8)),
    ],
)
def test_parse_grade_accepts_the_usual_spellings(text: str, grade: Grade) -> None:
    assert parse_grade(text) == grade


@pytest.mark.parametrize("text", ["0", "13", "初四", "高零", "七班", "2023级", "小学七年级", "学前班", ""])
def test_parse_grade_refuses_what_is_no_grade(text: str) -> None:
    assert parse_grade(text) is None


def placed(stage: Stage | None, grade: str | None, school_type: str) -> Placement | PlacementProblem:
    allowed = COLLEGE if school_type == "college" else SCHOOL_TYPE_STAGES[school_type]
    return place(stage=stage, grade=None if grade is None else parse_grade(grade), allowed=allowed)


@pytest.mark.parametrize(
    ("grade", "school_type", "expected"),
    [
        ("3", SchoolType.PRIMARY, Placement(P, 3)),
        ("7", SchoolType.NINE_YEAR, Placement(J, 7)),
        ("六年级", SchoolType.NINE_YEAR, Placement(P, 6)),
        ("初二", SchoolType.NINE_YEAR, Placement(J, 8)),
        ("高一", SchoolType.COMPLETE_SECONDARY, Placement(S, 10)),
        ("2", SchoolType.KINDERGARTEN, Placement(Stage.PRESCHOOL, 2)),
        ("中班", SchoolType.KINDERGARTEN, Placement(Stage.PRESCHOOL, 2)),
        ("1", SchoolType.JUNIOR, Placement(J, 7)),  # the only stage: a year within it
        ("3", SchoolType.SENIOR, Placement(S, 12)),
        ("11", SchoolType.VOCATIONAL, Placement(V, 11)),
        ("1", SchoolType.SPECIAL, Placement(P, 1)),  # a plain number is not preschool
        (None, SchoolType.PRIMARY, Placement(P, None)),
        ("研一", "college", Placement(Stage.MASTER, 1)),
    ],
)
def test_stage_is_derived_from_grade_and_school_type(
    grade: str | None, school_type: str, expected: Placement
) -> None:
    assert placed(None, grade, school_type) == expected


@pytest.mark.parametrize(
    ("grade", "school_type", "problem"),
    [
        ("7", SchoolType.PRIMARY, PlacementProblem.GRADE_NOT_TAUGHT),
        ("高一", SchoolType.JUNIOR, PlacementProblem.GRADE_NOT_TAUGHT),
        ("4", SchoolType.KINDERGARTEN, PlacementProblem.GRADE_NOT_TAUGHT),
        ("小班", SchoolType.PRIMARY, PlacementProblem.GRADE_NOT_TAUGHT),
        ("高一", SchoolType.SPECIAL, PlacementProblem.GRADE_NOT_TAUGHT),
        (None, SchoolType.NINE_YEAR, PlacementProblem.STAGE_NEEDED),
        ("大一", "college", PlacementProblem.STAGE_NEEDED),
        ("1", "college", PlacementProblem.STAGE_NEEDED),
    ],
)
def test_stage_cannot_be_derived(grade: str | None, school_type: str, problem: PlacementProblem) -> None:
    assert placed(None, grade, school_type) == problem


@pytest.mark.parametrize(
    ("stage", "grade", "school_type", "expected"),
    [
        (J, "初二", SchoolType.NINE_YEAR, Placement(J, 8)),
        (J, "8", SchoolType.NINE_YEAR, Placement(J, 8)),
        (J, "2", SchoolType.NINE_YEAR, Placement(J, 8)),  # 学段 初中 says which year 2 is
        (P, "2", SchoolType.NINE_YEAR, Placement(P, 2)),
        (V, "中职二年级", SchoolType.VOCATIONAL, Placement(V, 11)),
        (V, "一年级", SchoolType.VOCATIONAL, Placement(V, 10)),
        (Stage.UNDERGRADUATE, "大一", "college", Placement(Stage.UNDERGRADUATE, 1)),
        (Stage.UNDERGRADUATE, None, "college", Placement(Stage.UNDERGRADUATE, None)),
        (Stage.PRESCHOOL, "大班", SchoolType.KINDERGARTEN, Placement(Stage.PRESCHOOL, 3)),
    ],
)
def test_written_stage_places_the_grade(
    stage: Stage, grade: str | None, school_type: str, expected: Placement
) -> None:
    assert placed(stage, grade, school_type) == expected


@pytest.mark.parametrize(
    ("stage", "grade", "school_type", "problem"),
    [
        (J, "1", SchoolType.KINDERGARTEN, PlacementProblem.STAGE_NOT_TAUGHT),
        (S, "高一", SchoolType.NINE_YEAR, PlacementProblem.STAGE_NOT_TAUGHT),
        (P, "高一", SchoolType.PRIMARY, PlacementProblem.GRADE_NOT_IN_STAGE),
        (J, "5", SchoolType.JUNIOR, PlacementProblem.GRADE_NOT_IN_STAGE),
        (J, "初二", SchoolType.PRIMARY, PlacementProblem.STAGE_NOT_TAUGHT),
        (S, "高一", "college", PlacementProblem.STAGE_NOT_TAUGHT),
        (Stage.UNDERGRADUATE, "1", SchoolType.SENIOR, PlacementProblem.STAGE_NOT_TAUGHT),
        (Stage.MASTER, "大一", "college", PlacementProblem.GRADE_NOT_IN_STAGE),
    ],
)
def test_written_stage_that_contradicts_school_or_grade(
    stage: Stage, grade: str, school_type: str, problem: PlacementProblem
) -> None:
    assert placed(stage, grade, school_type) == problem


def test_every_school_type_has_stages_and_every_stage_grades() -> None:
    assert set(SCHOOL_TYPE_STAGES) == set(SchoolType)
    assert set(STAGE_GRADES) == set(Stage)
