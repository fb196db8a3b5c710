"""Blank workbooks to fill in, one per kind of import: the Chinese headers and one made-up example row.

The headers are the import's own column names (the tests import each template to prove it reads).
Code and ID columns are formatted as text, so that Excel keeps all 18 digits of an ID number.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import xlsxwriter
from django.utils.translation import gettext as _

from eduaid.core import idnumbers
from eduaid.org import imports as schools
from eduaid.registry import imports_population as population
from eduaid.registry import imports_registry as registry
from eduaid.registry import imports_students as students
from eduaid.uploads.models import ImportKind

AREA = "411728"  # 遂平县: the example children are born there
OLD_AREA = "412828"  # 遂平县 under the former 驻马店地区: the code of IDs issued before 2000
EXAMPLE_SCHOOL = ("2141011001", "示例小学")


@dataclass(frozen=True)
class Template:
    filename: str  # without extension
    sheet: str
    columns: tuple[tuple[str, str], ...]  # (header, example value)
    text_columns: frozenset[str]  # codes and IDs: formatted as text


def _id(born: dt.date, sequence: int) -> str:
    return idnumbers.synthetic(AREA if born.year >= 2000 else OLD_AREA, born, sequence)


HEAD_ID = _id(dt.date(1978, 5, 12), 11)
CHILD_ID = _id(dt.date(2014, 6, 1), 21)
POPULATION_ID = _id(dt.date(2017, 2, 3), 32)

TEMPLATES: dict[str, Template] = {
    ImportKind.SCHOOLS: Template(
        "学校名单模板",
        "学校名单",
        (
            (schools.CODE, EXAMPLE_SCHOOL[0]),
            (schools.NAME, EXAMPLE_SCHOOL[1]),
            (schools.TOWNSHIP, "文城乡"),
            (schools.TYPE, "小学"),
            (schools.OWNERSHIP, "公办"),
            (schools.URBAN_RURAL, "乡村"),
            (schools.BOARDING, "否"),
        ),
        frozenset({schools.CODE}),
    ),
    ImportKind.REGISTRY: Template(
        "防返贫监测户模板",
        "监测户成员",
        (
            (registry.CODE, "4117282092130001"),
            (registry.NAME, "张建国"),
            (registry.ID, HEAD_ID),
            (registry.RELATION, "户主"),
            (registry.TYPE, "脱贫户"),
            (registry.CATEGORY, "脱贫不稳定户"),
            (registry.POLICY, "是"),
            (registry.RISK_GONE, "否"),
            (registry.RISK_DATE, ""),
            (registry.SINCE, "2023-04-10"),
            (registry.TOWNSHIP, "文城乡"),
            (registry.VILLAGE, "东营村"),
        ),
        frozenset({registry.CODE, registry.ID}),
    ),
    ImportKind.STUDENTS: Template(
        "学籍模板",
        "学籍",
        (
            (students.NAME, "张小明"),
            (students.ID, CHILD_ID),
            (students.NUMBER, "G" + CHILD_ID),
            (students.GENDER, "男"),
            (students.CODE, EXAMPLE_SCHOOL[0]),
            (students.SCHOOL, EXAMPLE_SCHOOL[1]),
            (students.STAGE, "小学"),
            (students.GRADE, "三年级"),
            (students.CLASS, "1班"),
            (students.BOARDING, "否"),
            (students.STATUS, "在读"),
            (students.COLLEGE, ""),
            (students.IN_PROVINCE, ""),
            (students.FRESHMAN, ""),
        ),
        frozenset({students.ID, students.NUMBER, students.CODE}),
    ),
    ImportKind.POPULATION: Template(
        "户籍人口模板",
        "户籍人口",
        (
            (population.NAME, "张小红"),
            (population.ID, POPULATION_ID),
            (population.TOWNSHIP, "文城乡"),
            (population.VILLAGE, "东营村"),
        ),
        frozenset({population.ID}),
    ),
}


def template_xlsx(kind: str) -> bytes:
    """The workbook: a note on row 1, the headers on row 2, the example on row 3."""
    template = TEMPLATES[kind]
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    book = xlsxwriter.Workbook(buffer, options)
    note = book.add_format({"italic": True, "font_color": "#8f1d17", "text_wrap": True, "valign": "top"})
    bold = book.add_format({"bold": True, "bg_color": "#f1f3f5", "border": 1})
    text = book.add_format({"num_format": "@"})
    example = book.add_format({"num_format": "@", "font_color": "#6c757d", "italic": True})
    sheet = book.add_worksheet(template.sheet)
    last = len(template.columns) - 1
    sheet.merge_range(0, 0, 0, last, _template_note(), note)
    sheet.set_row(0, 36)
    for col, (header, value) in enumerate(template.columns):
        width = 22 if header in template.text_columns else 14
        sheet.set_column(col, col, width, text if header in template.text_columns else None)
        sheet.write_string(1, col, header, bold)
        sheet.write_string(2, col, value, example)
    sheet.freeze_panes(2, 0)
    book.close()
    return buffer.getvalue()


def _template_note() -> str:
    return _(
        "Row 3 is a made-up example: delete it before importing. Code and ID columns are formatted as "
        "text; keep them so, or Excel loses digits."
    )
