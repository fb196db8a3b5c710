"""Stages and grades as 学籍 exports write them, and where a student sits. Pure: no database.

Grades are numbered as the demo county and the class lists number them: preschool 1–3 (小班, 中班,
大班), then school years 1–12 across stages (primary 1–6, junior 7–9, senior and vocational 10–12),
and a college year 1–6 for college stages. A file writes a grade as 初二, 八年级, 高一, 中职一年级,
大一, 小班, or a plain number; a plain number counts school years (7 is 初一) — except that where the
stage is known and the number only fits as a year within it (初中, 年级 2), it is that year (初二).
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from eduaid.core.tabular import compact
from eduaid.org.models import SchoolType
from eduaid.registry.models import COLLEGE_STAGES, Stage

# The grades of each stage, as stored.
STAGE_GRADES: dict[Stage, range] = {
    Stage.PRESCHOOL: range(1, 4),
    Stage.PRIMARY: range(1, 7),
    Stage.JUNIOR: range(7, 10),
    Stage.SENIOR: range(10, 13),
    Stage.VOCATIONAL: range(10, 13),
    Stage.JUNIOR_COLLEGE: range(1, 6),
    Stage.UNDERGRADUATE: range(1, 6),
    Stage.MASTER: range(1, 4),
    Stage.DOCTOR: range(1, 7),
}

# The stages each school type teaches. A special-education school may have any school stage.
SCHOOL_TYPE_STAGES: dict[str, frozenset[Stage]] = {
    SchoolType.KINDERGARTEN: frozenset({Stage.PRESCHOOL}),
    SchoolType.PRIMARY: frozenset({Stage.PRIMARY}),
    SchoolType.JUNIOR: frozenset({Stage.JUNIOR}),
    SchoolType.NINE_YEAR: frozenset({Stage.PRIMARY, Stage.JUNIOR}),
    SchoolType.COMPLETE_SECONDARY: frozenset({Stage.JUNIOR, Stage.SENIOR}),
    SchoolType.SENIOR: frozenset({Stage.SENIOR}),
    SchoolType.VOCATIONAL: frozenset({Stage.VOCATIONAL}),
    SchoolType.SPECIAL: frozenset({Stage.PRESCHOOL, Stage.PRIMARY, Stage.JUNIOR, Stage.VOCATIONAL}),
}
COLLEGE = frozenset(COLLEGE_STAGES)

# How files write a stage (compared after `compact`).
STAGE_NAMES: dict[str, Stage] = {
    "学前": Stage.PRESCHOOL,
    "学前教育": Stage.PRESCHOOL,
    "幼儿园": Stage.PRESCHOOL,
    "小学": Stage.PRIMARY,
    "初中": Stage.JUNIOR,
    "初级中学": Stage.JUNIOR,
    "高中": Stage.SENIOR,
    "普通高中": Stage.SENIOR,
    "中职": Stage.VOCATIONAL,
    "中等职业教育": Stage.VOCATIONAL,
    "中专": Stage.VOCATIONAL,
    "职高": Stage.VOCATIONAL,
    "专科": Stage.JUNIOR_COLLEGE,
    "大专": Stage.JUNIOR_COLLEGE,
    "高职": Stage.JUNIOR_COLLEGE,
    "高职专科": Stage.JUNIOR_COLLEGE,
    "本科": Stage.UNDERGRADUATE,
    "硕士": Stage.MASTER,
    "硕士研究生": Stage.MASTER,
    "博士": Stage.DOCTOR,
    "博士研究生": Stage.DOCTOR,
}
STAGE_CHOICES_SHOWN = "学前、小学、初中、高中、中职、专科、本科、硕士、博士"

_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"(\d{1,2}|十[一二]?|[一二三四五六七八九])"
_PRESCHOOL = {"小班": 1, "中班": 2, "大班": 3}
# (pattern, the stages the spelling names, the grade of its year 1); None: a plain school year.
_SPELLINGS: tuple[tuple[re.Pattern[str], frozenset[Stage] | None, int], ...] = (
    (re.compile(rf"^(?:小学){_NUMBER}年级$"), frozenset({Stage.PRIMARY}), 1),
    (re.compile(rf"^(?:初中|初){_NUMBER}(?:年级)?$"), frozenset({Stage.JUNIOR}), 7),
    (re.compile(rf"^(?:高中|高){_NUMBER}(?:年级)?$"), frozenset({Stage.SENIOR}), 10),
    (re.compile(rf"^(?:中职|职高|中专){_NUMBER}(?:年级)?$"), frozenset({Stage.VOCATIONAL}), 10),
    (
        re.compile(rf"^(?:大学|大){_NUMBER}(?:年级)?$"),
        frozenset({Stage.JUNIOR_COLLEGE, Stage.UNDERGRADUATE}),
        1,
    ),
    (re.compile(rf"^(?:研究生|研){_NUMBER}(?:年级)?$"), frozenset({Stage.MASTER}), 1),
    (re.compile(rf"^(?:博士|博){_NUMBER}(?:年级)?$"), frozenset({Stage.DOCTOR}), 1),
    (re.compile(rf"^{_NUMBER}(?:年级)?$"), None, 1),
)


@dataclass(frozen=True)
class Grade:
    """A grade as written: its number, and the stages its spelling names (None for 三年级 or 3)."""

    number: int
    stages: frozenset[Stage] | None = None


@dataclass(frozen=True)
class Placement:
    stage: Stage
    grade: int | None


class PlacementProblem(enum.StrEnum):
    STAGE_NOT_TAUGHT = "stage_not_taught"  # the school (or a college) has no such stage
    GRADE_NOT_IN_STAGE = "grade_not_in_stage"  # 学段 初中, 年级 高一
    GRADE_NOT_TAUGHT = "grade_not_taught"  # no 学段, and the school has no stage with this grade
    STAGE_NEEDED = "stage_needed"  # no 学段, and the grade fits several of the school's stages


@functools.lru_cache(maxsize=4096)
def parse_stage(text: str) -> Stage | None:
    return STAGE_NAMES.get(compact(text))


def _numeral(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + _NUMERALS.get(text[1:], 0)
    return _NUMERALS[text]


@functools.lru_cache(maxsize=4096)
def parse_grade(text: str) -> Grade | None:
    """一年级, 初二, 高三, 中职一年级, 大一, 小班, 7 …; None when the text is no grade."""
    key = compact(text)
    if key in _PRESCHOOL:
        return Grade(_PRESCHOOL[key], frozenset({Stage.PRESCHOOL}))
    for pattern, stages, first in _SPELLINGS:
        match = pattern.match(key)
        if match is None:
            continue
        year = _numeral(match.group(1))
        if stages is None:
            return Grade(year) if 1 <= year <= 12 else None
        number = first + year - 1
        return Grade(number, stages) if year >= 1 and _fits_any(number, stages) else None
    return None


def _fits_any(number: int, stages: Iterable[Stage]) -> bool:
    return any(number in STAGE_GRADES[stage] for stage in stages)


def _grade_in(stage: Stage, grade: Grade, *, lenient: bool) -> int | None:
    """The stored grade of `grade` within `stage`, or None when it does not belong there.

    `lenient`: the stage is certain, so a plain number that is too small reads as a year within it.
    """
    grades = STAGE_GRADES[stage]
    if grade.stages is not None:
        return grade.number if stage in grade.stages else None
    if grade.number in grades:
        return grade.number
    if lenient and grade.number <= len(grades):
        return grades[grade.number - 1]
    return None


def place(
    *, stage: Stage | None, grade: Grade | None, allowed: frozenset[Stage]
) -> Placement | PlacementProblem:
    """Where a student sits, from the 学段 and 年级 written (either may be absent) and the stages the
    school (or, for `COLLEGE`, a college) teaches."""
    if stage is None:
        return _derive(grade, allowed)
    if stage not in allowed:
        return PlacementProblem.STAGE_NOT_TAUGHT
    if grade is None:
        return Placement(stage, None)
    number = _grade_in(stage, grade, lenient=True)
    return PlacementProblem.GRADE_NOT_IN_STAGE if number is None else Placement(stage, number)


def _derive(grade: Grade | None, allowed: frozenset[Stage]) -> Placement | PlacementProblem:
    """The stage from the grade and the school: 7 at a 九年一贯制 school is junior, 2 at a kindergarten
    is 中班. Plain numbers never mean preschool, except at a school that teaches nothing else."""
    only = next(iter(allowed)) if len(allowed) == 1 else None
    if grade is None:
        return Placement(only, None) if only is not None else PlacementProblem.STAGE_NEEDED
    if grade.stages is not None:
        candidates = grade.stages & allowed
    else:
        candidates = frozenset(s for s in allowed if s != Stage.PRESCHOOL and grade.number in STAGE_GRADES[s])
    if len(candidates) == 1:
        (stage,) = candidates
        return Placement(stage, grade.number)
    if candidates:
        return PlacementProblem.STAGE_NEEDED
    if only is not None and (number := _grade_in(only, grade, lenient=True)) is not None:
        return Placement(only, number)
    return PlacementProblem.GRADE_NOT_TAUGHT
