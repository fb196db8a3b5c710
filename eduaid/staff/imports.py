"""Importing a staff sheet (`eduaid import_teachers FILE`, or the teachers page):
姓名, 身份证号, 手机号, 学校标识码 or 学校名称, 班级 (the classes taught), 是否班主任.

A teacher's natural key is the ID number. Re-importing a sheet updates name, phone and classes; a
班主任 heads the first class the row lists. A school officer imports only their school's teachers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from eduaid.core import clock
from eduaid.core.importing import Applied, ImportReport, Judged, run_import
from eduaid.core.tabular import Column, Row, clean_name, compact
from eduaid.org.models import School, SchoolClass
from eduaid.registry.imports_registry import id_number, person_name
from eduaid.staff.classes import ClassTextError, parse_classes
from eduaid.staff.models import Teacher
from eduaid.staff.services import TeacherData, may_manage_school, teachers_import

NAME, ID, PHONE, CODE, SCHOOL, CLASSES, HEAD = (
    "姓名",
    "身份证号",
    "手机号",
    "学校标识码",
    "学校名称",
    "班级",
    "是否班主任",
)
COLUMNS = (
    Column(NAME, ("教师姓名",)),
    Column(ID, ("证件号码", "身份证号码", "公民身份号码")),
    Column(PHONE, ("手机号码", "联系电话", "电话"), required=False),
    Column(CODE, ("学校代码", "标识码"), one_of="school"),
    Column(SCHOOL, ("学校", "所在学校", "任教学校"), one_of="school"),
    Column(CLASSES, ("任教班级", "所教班级"), required=False),
    Column(HEAD, ("班主任",), required=False),
)
YES_NO = {"是": True, "否": False, "": False, "Y": True, "N": False, "1": True, "0": False}
PHONE_PATTERN = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")
PHONE_MAX = Teacher._meta.get_field("phone").max_length or 20


@dataclass(frozen=True)
class Context:
    by_code: dict[str, School]
    by_name: dict[str, list[School]]
    classes: dict[int, dict[tuple[int, str], int]]  # school -> (grade, name) -> class id
    owners: dict[str, int]  # ID number -> school of the teacher already holding it
    actor: Any


def load_context(actor: Any) -> Context:
    by_code: dict[str, School] = {}
    by_name: dict[str, list[School]] = defaultdict(list)
    for school in School.objects.all():
        by_code[school.code] = school
        by_name[clean_name(school.name)].append(school)
    classes: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
    for pk, school_id, grade, name in SchoolClass.objects.values_list("pk", "school_id", "grade", "name"):
        classes[school_id][(grade, name)] = pk
    owners = dict(Teacher.objects.exclude(id_number="").values_list("id_number", "school_id"))
    return Context(by_code, dict(by_name), dict(classes), owners, actor)


def import_teachers(
    source: bytes | Path, *, actor: Any, filename: str = "", strict: bool = False, dry_run: bool = False
) -> ImportReport:
    """Judge every row, then create or update the teachers of the accepted ones at once."""
    context = load_context(actor)

    def apply(values: Sequence[TeacherData], *, dry_run: bool, report: ImportReport) -> Applied:
        return teachers_import(actor=actor, values=values, dry_run=dry_run, report=report)

    return run_import(
        source,
        columns=COLUMNS,
        judge=lambda row: judge_teacher(row, context),
        key_column=ID,
        apply=apply,
        filename=filename,
        strict=strict,
        dry_run=dry_run,
    )


def judge_teacher(row: Row, context: Context) -> Judged[TeacherData]:
    judged: Judged[TeacherData] = Judged(row)
    name = person_name(judged, NAME)
    number = id_number(judged, ID, clock.today())
    phone = _phone(judged)
    school = _school(judged, context)
    if school is not None and number is not None:
        owner = context.owners.get(number)
        if (
            owner is not None
            and owner != school.pk
            and not may_manage_school(context.actor, _school_of(owner))
        ):
            judged.reject(
                ID, _("A teacher of another school has this ID number; that school must release them first.")
            )
    classes = _classes(judged, school, context)
    head = _head(judged)
    if head and classes is not None and not classes:
        judged.reject(CLASSES, _("A head teacher (班主任) must have their class in 班级."))
    judged.key = number
    if not judged.rejected and name and number and school and classes is not None and phone is not None:
        judged.value = TeacherData(number, name, phone, school.pk, tuple(classes), bool(head))
    return judged


def _school_of(pk: int) -> School:
    return School.objects.get(pk=pk)


def _text(row: Row, column: str) -> str:
    cell = row.get(column)
    return "" if cell is None else cell.text


def _phone(judged: Judged[Any]) -> str | None:
    cell = judged.row.get(PHONE)
    if cell is None or cell.is_blank:
        return ""
    if cell.is_number and len(compact(cell.raw)) != 11:
        judged.reject(PHONE, _("The phone number was stored as a number: format the column as text."))
        return None
    phone = compact(cell.raw)
    if not PHONE_PATTERN.match(phone) or len(phone) > PHONE_MAX:
        judged.reject(PHONE, _("Not a phone number: 11 digits starting with 1, or an area code and number."))
        return None
    return phone


def _school(judged: Judged[Any], context: Context) -> School | None:
    code = compact(_text(judged.row, CODE))
    name = clean_name(_text(judged.row, SCHOOL))
    if code:
        school = context.by_code.get(code)
        if school is None:
            judged.reject(CODE, _("No school of this county has this code."))
            return None
        column = CODE
    elif name:
        schools = context.by_name.get(name, [])
        if len(schools) != 1:
            judged.reject(
                SCHOOL,
                _("Several schools have this name: give the 学校标识码.")
                if schools
                else _("No school of this county has this name: check it, or give the 学校标识码."),
            )
            return None
        school, column = schools[0], SCHOOL
    else:
        present = CODE if judged.row.get(CODE) is not None else SCHOOL
        judged.reject(present, _("A value is required: 学校标识码 or 学校名称."))
        return None
    if not may_manage_school(context.actor, school):
        judged.reject(column, _("You may import only the teachers of your own school."))
        return None
    return school


def _classes(judged: Judged[Any], school: School | None, context: Context) -> list[int] | None:
    text = _text(judged.row, CLASSES)
    if not text:
        return []
    try:
        parsed = parse_classes(text)
    except ClassTextError as exc:
        judged.reject(
            CLASSES,
            _("“%(part)s” is not a class: write grade and class, such as 3年级1班, separated by 、.")
            % {"part": exc.part},
        )
        return None
    if school is None:
        return None
    known = context.classes.get(school.pk, {})
    missing = [f"{grade}年级{name}" for grade, name in parsed if (grade, name) not in known]
    if missing:
        judged.reject(
            CLASSES,
            _("The school has no class %(classes)s in the class list.") % {"classes": "、".join(missing)},
        )
        return None
    return [known[key] for key in parsed]


def _head(judged: Judged[Any]) -> bool | None:
    value = compact(_text(judged.row, HEAD)).upper()
    if value not in YES_NO:
        judged.reject(HEAD, _("Write 是 or 否."))
        return None
    return YES_NO[value]
