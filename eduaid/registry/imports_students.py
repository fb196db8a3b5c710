"""Importing the 学籍 export (`eduaid import_students FILE`): one row per enrolment (DESIGN §4).

A row names its student by 身份证号 — or, for a student without a valid ID, by a 学籍号 starting with
J or L — and its school by 学校标识码 or 学校名称, or (a college student) by 就读院校. The 学段 may be
left out where the 年级 and the school's type tell it. Every row is judged here, without writing;
`students_import` applies the accepted ones as a snapshot of the schools the file contains.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from eduaid.core import clock, idnumbers
from eduaid.core.idnumbers import IdProblem
from eduaid.core.importing import Applied, ImportReport, Judged, number_lost_digits_message, run_import
from eduaid.core.tabular import Column, Row, clean_name, compact
from eduaid.org import rules
from eduaid.org.models import School, SchoolType
from eduaid.registry import grades, stages, terms
from eduaid.registry.imports_registry import id_problem_message, refused_date
from eduaid.registry.models import Enrolment, EnrolmentStatus, Gender, Person, SnapshotKind, Stage
from eduaid.registry.services.enrolments import EnrolmentData, students_import

NAME, ID, NUMBER, GENDER = "姓名", "身份证号", "学籍号", "性别"
CODE, SCHOOL, COLLEGE = "学校标识码", "学校名称", "就读院校"
STAGE, GRADE, CLASS, BOARDING, STATUS = "学段", "年级", "班级", "是否住校", "学籍状态"
IN_PROVINCE, FRESHMAN = "是否省内", "是否新生"

COLUMNS = (
    Column(NAME, ("学生姓名",)),
    Column(ID, ("证件号码", "身份证件号", "身份证号码", "身份证件号码", "公民身份号码")),
    Column(NUMBER, ("全国学籍号", "学籍号码"), required=False),
    Column(GENDER, (), required=False),
    Column(CODE, ("学校代码", "标识码"), one_of="school"),
    Column(SCHOOL, ("学校", "就读学校"), one_of="school"),
    Column(COLLEGE, ("就读高校", "所在院校", "院校名称", "高校名称"), one_of="school"),
    Column(STAGE, ("学习阶段",), required=False),
    Column(GRADE, ("所在年级",), required=False),
    Column(CLASS, ("所在班级", "班级名称"), required=False),
    Column(BOARDING, ("住校", "是否寄宿", "是否寄宿生", "寄宿"), required=False),
    Column(STATUS, ("学生状态", "在校状态"), required=False),
    Column(IN_PROVINCE, ("是否省内高校", "省内外"), required=False),
    Column(FRESHMAN, ("是否当年新生", "新生"), required=False),
)

YES_NO = {"是": True, "否": False, "TRUE": True, "FALSE": False, "1": True, "0": False}
BOARDING_VALUES = {**YES_NO, "住校": True, "寄宿": True, "走读": False, "非寄宿": False}
IN_PROVINCE_VALUES = {**YES_NO, "省内": True, "省外": False}
STATUSES = {
    "在读": EnrolmentStatus.STUDYING,
    "在校": EnrolmentStatus.STUDYING,
    "休学": EnrolmentStatus.SUSPENDED,
    "辍学": EnrolmentStatus.DROPPED_OUT,
    "转出": EnrolmentStatus.TRANSFERRED_OUT,
    "毕业": EnrolmentStatus.GRADUATED,
    "已毕业": EnrolmentStatus.GRADUATED,
}
GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE, "男性": Gender.MALE, "女性": Gender.FEMALE}
CHOICES_SHOWN = {
    STAGE: grades.STAGE_CHOICES_SHOWN,
    BOARDING: "是、否",
    STATUS: "在读、休学、辍学、转出、毕业",
    GENDER: "男、女",
    IN_PROVINCE: "是、否",
    FRESHMAN: "是、否",
}
NAME_MAX = Person._meta.get_field("name").max_length or 50
NUMBER_MAX = Enrolment._meta.get_field("student_number").max_length or 19
CLASS_MAX = Enrolment._meta.get_field("class_name").max_length or 30
COLLEGE_MAX = Enrolment._meta.get_field("college").max_length or 100
WITHOUT_ID_PREFIXES = ("J", "L")


@dataclass(frozen=True)
class SchoolRef:
    pk: int
    code: str
    name: str
    school_type: str

    @property
    def type_label(self) -> str:
        return str(SchoolType(self.school_type).label)


@dataclass(frozen=True)
class Context:
    by_code: dict[str, SchoolRef]
    by_name: dict[str, list[SchoolRef]]
    today: dt.date
    age_day: dt.date  # ages are counted on 31 August of the school year of the file's date
    language: str | None  # of the messages (read once: `get_language` per row was a tenth of the judging)
    # Where the school and grade cells put a student, by the texts of those cells: a county's file
    # repeats a few thousand combinations over 100,000 rows (see `_where`).
    placements: dict[Hashable, Where] = field(default_factory=dict)


def load_context(as_of: dt.date) -> Context:
    by_code: dict[str, SchoolRef] = {}
    by_name: dict[str, list[SchoolRef]] = defaultdict(list)
    for row in School.objects.values_list("pk", "code", "name", "school_type"):
        school = SchoolRef(*row)
        by_code[school.code] = school
        by_name[clean_name(school.name)].append(school)
    age_day = terms.age_reference_day(terms.code_for(as_of))
    return Context(
        by_code=by_code,
        by_name=dict(by_name),
        today=clock.today(),
        age_day=age_day,
        language=get_language(),
    )


def import_students(
    source: bytes | Path,
    *,
    actor: Any,
    as_of: dt.date | None = None,
    filename: str = "",
    strict: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Judge every row of the file, then apply the accepted ones as of `as_of` (default today)."""
    day = as_of or clock.today()
    name = filename or (source.name if isinstance(source, Path) else "")
    refused = refused_date(SnapshotKind.STUDENTS, day, strict=strict, dry_run=dry_run)
    if refused is not None:
        return refused
    context = load_context(day)

    def apply(values: Sequence[EnrolmentData], *, dry_run: bool, report: ImportReport) -> Applied:
        detail = {"rows": report.rows, "rejected": report.rejected, "duplicates": report.duplicates}
        outcome = students_import(
            rows=values, as_of=day, actor=actor, dry_run=dry_run, filename=name, detail=detail
        )
        return outcome.applied

    return run_import(
        source,
        columns=COLUMNS,
        judge=lambda row: judge_student(row, context),
        key_column=ID,
        apply=apply,
        filename=filename,
        strict=strict,
        dry_run=dry_run,
    )


# --- one row -------------------------------------------------------------------------------------


def judge_student(row: Row, context: Context) -> Judged[EnrolmentData]:
    """One row as an enrolment, or the reasons it cannot be one (one per bad cell)."""
    judged: Judged[EnrolmentData] = Judged(row)
    name = _name(judged)
    number = _student_number(judged)
    person = _person(judged, number, context.today)
    place, placement = _where(judged, context)
    class_name = _text(judged, CLASS, CLASS_MAX)
    boarding = _flag(judged, BOARDING, BOARDING_VALUES)
    in_province = _flag(judged, IN_PROVINCE, IN_PROVINCE_VALUES)
    freshman = _flag(judged, FRESHMAN, YES_NO)
    status = _choice(judged, STATUS, STATUSES) or EnrolmentStatus.STUDYING
    gender = _choice(judged, GENDER, GENDERS) or ""
    if judged.rejected or name is None or person is None or place is None or placement is None:
        return judged
    id_number, student_key = person
    school, college = place
    college_row = school is None
    judged.value = EnrolmentData(
        id_number=id_number,
        student_key=student_key,
        name=name,
        school_id=None if school is None else school.pk,
        college=college,
        stage=placement.stage,
        grade=placement.grade,
        class_name=class_name or "",
        boarding=bool(boarding),
        status=status,
        student_number=number or "",
        in_province=in_province if college_row else None,
        freshman=freshman if college_row else None,
        declared_gender=gender,
    )
    judged.key = judged.value.key
    _warnings(judged, judged.value, school, context)
    return judged


def _cell_text(judged: Judged[Any], column: str) -> str:
    cell = judged.row.get(column)
    return "" if cell is None else cell.text


def _name(judged: Judged[Any]) -> str | None:
    name = _clean_name(_cell_text(judged, NAME))
    if not name:
        judged.reject(NAME, _("A value is required."))
        return None
    if len(name) > NAME_MAX:
        judged.reject(NAME, _too_long(NAME_MAX))
        return None
    return name


_clean_name = functools.lru_cache(maxsize=1 << 17)(clean_name)  # names repeat across a county


def _too_long(limit: int) -> str:
    return _("Longer than %(max)s characters.") % {"max": limit}


def _student_number(judged: Judged[Any]) -> str | None:
    number = idnumbers.normalize(_cell_text(judged, NUMBER))
    if len(number) > NUMBER_MAX:
        judged.reject(NUMBER, _too_long(NUMBER_MAX))
        return None
    return number


def _text(judged: Judged[Any], column: str, limit: int) -> str | None:
    text = _cell_text(judged, column)
    if len(text) > limit:
        judged.reject(column, _too_long(limit))
        return None
    return text


def _not_in_list(column: str) -> str:
    return _("Not one of the allowed values: %(choices)s.") % {"choices": CHOICES_SHOWN[column]}


def _flag(judged: Judged[Any], column: str, table: dict[str, bool]) -> bool | None:
    """Yes or no; None for a blank cell or a missing column (and for a rejected value)."""
    text = _cell_text(judged, column)
    if not text:
        return None
    value = table.get(compact(text).upper())
    if value is None:
        judged.reject(column, _not_in_list(column))
    return value


def _choice(judged: Judged[Any], column: str, table: Mapping[str, str]) -> str | None:
    text = _cell_text(judged, column)
    if not text:
        return None
    value = table.get(compact(text))
    if value is None:
        judged.reject(column, _not_in_list(column))
    return value


# --- the person ----------------------------------------------------------------------------------


def _id_message(problem: IdProblem, number: str) -> str:
    if problem == IdProblem.EMPTY:
        return _("An ID number is required; a student without one needs a 学籍号 starting with J or L.")
    return id_problem_message(problem, number)


def _person(judged: Judged[Any], number: str | None, today: dt.date) -> tuple[str | None, str | None] | None:
    """(ID number, None), or (None, 学籍号) for a student kept without ID; None when rejected."""
    cell = judged.row.get(ID)
    raw = "" if cell is None else cell.raw
    if cell is not None and cell.is_number and not compact(raw).isdigit():
        judged.reject(ID, number_lost_digits_message())
        return None
    id_number = idnumbers.normalize(raw)
    problem = idnumbers.problem(id_number, today=today)
    if problem is None:
        return id_number, None
    if number and number.startswith(WITHOUT_ID_PREFIXES):
        if problem != IdProblem.EMPTY:
            judged.warn(
                ID,
                _("%(reason)s The row is kept under its 学籍号.")
                % {"reason": _id_message(problem, id_number)},
            )
        return None, number
    judged.reject(ID, _id_message(problem, id_number))
    return None


# --- the school ----------------------------------------------------------------------------------

PLACE_COLUMNS = (CODE, SCHOOL, COLLEGE, STAGE, GRADE)


@dataclass(frozen=True)
class Where:
    """The school (or college) and the placement a row's cells give, and the rejections on the way."""

    place: tuple[SchoolRef | None, str] | None
    placement: grades.Placement | None
    rejections: tuple[tuple[str, str], ...]


class _Rejections:
    """Stands in for a row's `Judged` while its place is worked out once per distinct cell texts."""

    def __init__(self, row: Row) -> None:
        self.row = row
        self.found: list[tuple[str, str]] = []

    def reject(self, column: str, reason: str) -> None:
        self.found.append((column, reason))


def _where(judged: Judged[Any], context: Context) -> tuple[Any, grades.Placement | None]:
    """`_place` and `_placement`, remembered by the texts of the cells they read (and which of those
    columns the sheet has), with their rejections replayed onto this row."""
    row = judged.row
    key = tuple(None if (cell := row.get(column)) is None else cell.text for column in PLACE_COLUMNS)
    where = context.placements.get(key)
    if where is None:
        notes = _Rejections(row)
        place = _place(cast(Judged[Any], notes), context)
        placement = _placement(cast(Judged[Any], notes), place)
        where = context.placements[key] = Where(place, placement, tuple(notes.found))
    for column, reason in where.rejections:
        judged.reject(column, reason)
    return where.place, where.placement


def _place(judged: Judged[Any], context: Context) -> tuple[SchoolRef | None, str] | None:
    """(school, "") or (None, college name); None when rejected."""
    code = compact(_cell_text(judged, CODE))
    if code:
        return _school_by_code(judged, code, context)
    name = clean_name(_cell_text(judged, SCHOOL))
    if name:
        return _school_by_name(judged, name, context)
    college = clean_name(_cell_text(judged, COLLEGE))
    if college:
        if len(college) > COLLEGE_MAX:
            judged.reject(COLLEGE, _too_long(COLLEGE_MAX))
            return None
        return None, college
    present = [column for column in (CODE, SCHOOL, COLLEGE) if judged.row.get(column) is not None]
    judged.reject(
        present[0] if present else CODE,
        _("A value is required: the school (学校标识码 or 学校名称) or, for a college student, 就读院校."),
    )
    return None


def _school_by_code(judged: Judged[Any], code: str, context: Context) -> tuple[SchoolRef, str] | None:
    school = context.by_code.get(code)
    if school is None:
        judged.reject(CODE, _("No school of this county has this code: import the school list first."))
        return None
    return school, ""


def _school_by_name(judged: Judged[Any], name: str, context: Context) -> tuple[SchoolRef, str] | None:
    schools = context.by_name.get(name, [])
    if len(schools) == 1:
        return schools[0], ""
    if schools:
        codes = "、".join(sorted(school.code for school in schools))
        judged.reject(
            SCHOOL, _("Several schools have this name (%(codes)s): give the 学校标识码.") % {"codes": codes}
        )
    else:
        judged.reject(SCHOOL, _("No school of this county has this name: check it, or give the 学校标识码."))
    return None


# --- stage and grade -----------------------------------------------------------------------------


def _placement(judged: Judged[Any], place: tuple[SchoolRef | None, str] | None) -> grades.Placement | None:
    """Stage and grade, from what the row writes and what its school teaches; None when rejected."""
    stage_text, grade_text = _cell_text(judged, STAGE), _cell_text(judged, GRADE)
    stage = grades.parse_stage(stage_text) if stage_text else None
    grade = grades.parse_grade(grade_text) if grade_text else None
    if stage_text and stage is None:
        judged.reject(STAGE, _not_in_list(STAGE))
    if grade_text and grade is None:
        judged.reject(
            GRADE,
            _(
                "Not a grade: write for example 一年级, 初二, 高三, 中职一年级, 小班, 大一, "
                "or a number from 1 to 12."
            ),
        )
    if place is None or (stage_text and stage is None) or (grade_text and grade is None):
        return None
    school, _college = place
    allowed = grades.COLLEGE if school is None else grades.SCHOOL_TYPE_STAGES[school.school_type]
    placed = grades.place(stage=stage, grade=grade, allowed=allowed)
    if isinstance(placed, grades.PlacementProblem):
        column, reason = _placement_problem(placed, school, stage_text)
        judged.reject(column, reason)
        return None
    return placed


def _placement_problem(
    problem: grades.PlacementProblem, school: SchoolRef | None, stage: str
) -> tuple[str, str]:
    where = {"school": school.name, "type": school.type_label} if school is not None else {}
    if problem == grades.PlacementProblem.STAGE_NOT_TAUGHT:
        if school is None:
            return STAGE, _("A college student's 学段 is 专科, 本科, 硕士 or 博士.")
        return STAGE, _("%(school)s (%(type)s) does not teach %(stage)s.") % {**where, "stage": stage}
    if problem == grades.PlacementProblem.GRADE_NOT_IN_STAGE:
        return GRADE, _("This grade does not belong to the 学段 %(stage)s.") % {"stage": stage}
    if problem == grades.PlacementProblem.GRADE_NOT_TAUGHT:
        if school is None:
            return GRADE, _("Not a college grade.")
        return GRADE, _("%(school)s (%(type)s) does not teach this grade.") % where
    return STAGE, _("The 学段 is required here: the 年级 does not tell it at this school.")


# --- warnings ------------------------------------------------------------------------------------


def _warnings(judged: Judged[Any], data: EnrolmentData, school: SchoolRef | None, context: Context) -> None:
    """Accepted, but worth a look: the match reports these again as identity problems."""
    code = compact(_cell_text(judged, CODE))
    if school is not None and code and not rules.type_digits_agree(code, school.school_type):
        judged.warn(
            CODE,
            _("The type digits %(digits)s of the school code do not fit the school type %(type)s.")
            % {"digits": code[:2], "type": school.type_label},
        )
    if data.id_number is None:
        return
    if data.student_number.startswith("G") and data.student_number[1:] != data.id_number:
        judged.warn(NUMBER, _("The 学籍号 is G followed by another ID number than this row's."))
    if data.declared_gender and data.declared_gender != _gender_of(data.id_number):
        said = "男" if _gender_of(data.id_number) == Gender.MALE else "女"
        judged.warn(GENDER, _("The ID number (its 17th digit) says %(gender)s.") % {"gender": said})
    warning = _age_warning(data.id_number[6:14], str(data.stage), context.age_day, context.language)
    if warning:
        judged.warn(ID, warning)


@functools.lru_cache(maxsize=1 << 16)
def _age_warning(born: str, stage: str, day: dt.date, language: str | None) -> str:
    """The warning for a birth date (YYYYMMDD of the ID) outside the stage's usual ages; "" if none.
    (`language` keys the cache: the message is in the language of the import.)"""
    age = idnumbers.age_on(f"000000{born}", day)
    if stages.age_fits(stage, age):
        return ""
    low, high = stages.AGE_BANDS[stage]
    return _("Age %(age)s on %(day)s is outside the usual %(low)s–%(high)s years of the stage %(stage)s.") % {
        "age": age,
        "day": day,
        "low": low,
        "high": high,
        "stage": Stage(stage).label,
    }


def _gender_of(id_number: str) -> str:
    return Gender.MALE if idnumbers.is_male(id_number) else Gender.FEMALE
