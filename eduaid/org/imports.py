"""Importing the county's schools (`eduaid import_schools FILE`, and the upload page).

Columns: 学校标识码, 学校名称, 乡镇, 学校类型, 办学性质, 城乡, 是否寄宿制 (optional). A school is
known by its 学校标识码: a row creates the school or updates it; schools absent from the file are
left alone. When the file has no 是否寄宿制 column, an existing school keeps its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from eduaid.core.importing import Applied, ImportReport, Judged, number_lost_digits_message, run_import
from eduaid.core.tabular import Column, Row, clean_name, compact
from eduaid.org import rules
from eduaid.org.models import Ownership, School, SchoolType, Township, UrbanRural
from eduaid.org.services import SchoolData, schools_import

CODE, NAME, TOWNSHIP, TYPE, OWNERSHIP, URBAN_RURAL, BOARDING = (
    "学校标识码",
    "学校名称",
    "乡镇",
    "学校类型",
    "办学性质",
    "城乡",
    "是否寄宿制",
)

COLUMNS = (
    Column(CODE, ("学校代码", "标识码")),
    Column(NAME, ("学校", "名称")),
    Column(TOWNSHIP, ("乡镇（街道）", "所属乡镇", "乡镇街道", "所属乡镇（街道）")),
    Column(TYPE, ("办学类型",)),
    Column(OWNERSHIP, ()),
    Column(URBAN_RURAL, ("城乡类型", "城乡分类")),
    Column(BOARDING, ("寄宿制", "是否寄宿", "是否寄宿制学校"), required=False),
)

SCHOOL_TYPES: dict[str, str] = {
    "幼儿园": SchoolType.KINDERGARTEN,
    "学前": SchoolType.KINDERGARTEN,
    "小学": SchoolType.PRIMARY,
    "初中": SchoolType.JUNIOR,
    "初级中学": SchoolType.JUNIOR,
    "独立初中": SchoolType.JUNIOR,
    "九年一贯制": SchoolType.NINE_YEAR,
    "九年一贯制学校": SchoolType.NINE_YEAR,
    "完全中学": SchoolType.COMPLETE_SECONDARY,
    "高中": SchoolType.SENIOR,
    "高级中学": SchoolType.SENIOR,
    "普通高中": SchoolType.SENIOR,
    "中职": SchoolType.VOCATIONAL,
    "中等职业学校": SchoolType.VOCATIONAL,
    "职业高中": SchoolType.VOCATIONAL,
    "职高": SchoolType.VOCATIONAL,
    "中专": SchoolType.VOCATIONAL,
    "特殊教育": SchoolType.SPECIAL,
    "特殊教育学校": SchoolType.SPECIAL,
    "特教学校": SchoolType.SPECIAL,
    "特教": SchoolType.SPECIAL,
}
OWNERSHIPS: dict[str, str] = {
    "公办": Ownership.PUBLIC,
    "公立": Ownership.PUBLIC,
    "民办": Ownership.PRIVATE,
    "私立": Ownership.PRIVATE,
}
# The three classes of the school statistics, and the names of the NBS urban-rural codes under them.
URBAN_RURAL_NAMES: dict[str, str] = {
    "城区": UrbanRural.URBAN,
    "城市": UrbanRural.URBAN,
    "主城区": UrbanRural.URBAN,
    "城乡结合区": UrbanRural.URBAN,
    "镇区": UrbanRural.TOWN,
    "县镇": UrbanRural.TOWN,
    "镇": UrbanRural.TOWN,
    "镇中心区": UrbanRural.TOWN,
    "镇乡结合区": UrbanRural.TOWN,
    "乡村": UrbanRural.RURAL,
    "农村": UrbanRural.RURAL,
    "乡中心区": UrbanRural.RURAL,
    "村庄": UrbanRural.RURAL,
}
YES_NO: dict[str, bool] = {"是": True, "否": False, "TRUE": True, "FALSE": False, "1": True, "0": False}
NAME_MAX_LENGTH = School._meta.get_field("name").max_length or 100
CHOICES_SHOWN: dict[str, str] = {
    TYPE: "幼儿园、小学、初中、九年一贯制、完全中学、高中、中职、特殊教育",
    OWNERSHIP: "公办、民办",
    URBAN_RURAL: "城区、镇区、乡村",
    BOARDING: "是、否",
}


@dataclass(frozen=True)
class Context:
    townships: rules.TownshipNames
    province: str


def context_for(county_code: str) -> Context:
    townships = Township.objects.filter(county__code=county_code).values_list("pk", "name")
    return Context(townships=rules.TownshipNames(townships), province=county_code[:2])


def import_schools(
    source: bytes | Path,
    *,
    actor: Any,
    filename: str = "",
    strict: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Judge every row of the file, then create or update its schools in one transaction."""
    context = context_for(settings.EDUAID_COUNTY)
    name = filename or (source.name if isinstance(source, Path) else "")

    def apply(values: Sequence[SchoolData], *, dry_run: bool, report: ImportReport) -> Applied:
        detail = {"file": name, "rows": report.rows, "rejected": report.rejected}
        return schools_import(rows=values, actor=actor, dry_run=dry_run, detail=detail)

    return run_import(
        source,
        columns=COLUMNS,
        judge=lambda row: judge_school(row, context),
        key_column=CODE,
        apply=apply,
        filename=filename,
        strict=strict,
        dry_run=dry_run,
    )


def judge_school(row: Row, context: Context) -> Judged[SchoolData]:
    """One row as a school, or the reasons it cannot be one (one per bad cell)."""
    judged: Judged[SchoolData] = Judged(row)
    code = _code(judged, context.province)
    name = _name(judged)
    township = _township(judged, context.townships)
    school_type = _choice(judged, TYPE, SCHOOL_TYPES)
    ownership = _choice(judged, OWNERSHIP, OWNERSHIPS)
    urban_rural = _choice(judged, URBAN_RURAL, URBAN_RURAL_NAMES)
    boarding = _boarding(judged)
    judged.key = code
    if code and school_type and not rules.type_digits_agree(code, school_type):
        judged.warn(
            CODE,
            _("The type digits %(digits)s of the school code do not fit the school type %(type)s.")
            % {"digits": code[:2], "type": row.raw(TYPE).strip()},
        )
    if judged.rejected or not (code and name and school_type and ownership and urban_rural):
        return judged
    judged.value = SchoolData(code, name, township, school_type, ownership, urban_rural, boarding)
    return judged


def _required(judged: Judged[Any], column: str) -> str | None:
    cell = judged.row.get(column)
    if cell is None or cell.is_blank:
        judged.reject(column, _("A value is required."))
        return None
    return cell.text


def _name(judged: Judged[Any]) -> str | None:
    text = _required(judged, NAME)
    if text is None:
        return None
    name = clean_name(text)
    if len(name) > NAME_MAX_LENGTH:
        judged.reject(NAME, _("Longer than %(max)s characters.") % {"max": NAME_MAX_LENGTH})
        return None
    return name


def _code(judged: Judged[Any], province: str) -> str | None:
    cell = judged.row.get(CODE)
    if _required(judged, CODE) is None or cell is None:
        return None
    code = compact(cell.raw)
    if cell.is_number and not code.isdigit():
        judged.reject(CODE, number_lost_digits_message())
        return None
    problem = rules.school_code_problem(code, province=province)
    if problem is not None:
        judged.reject(CODE, _code_problem_message(problem, code, province))
        return None
    return code


def _code_problem_message(problem: rules.CodeProblem, code: str, province: str) -> str:
    if problem == rules.CodeProblem.NOT_TEN_DIGITS:
        return _("A school code has exactly 10 digits.")
    if problem == rules.CodeProblem.UNKNOWN_TYPE:
        return _("The type digits %(digits)s of the school code are not a known school type.") % {
            "digits": code[:2]
        }
    return _(
        "The province digits %(digits)s of the school code are not this county's province %(province)s."
    ) % {"digits": code[2:4], "province": province}


def _township(judged: Judged[Any], townships: rules.TownshipNames) -> int | None:
    """The township's id; None for 县直, and when the row is rejected for it."""
    text = _required(judged, TOWNSHIP)
    if text is None:
        return None
    try:
        return townships.resolve(text)
    except rules.TownshipNotFound as exc:
        if exc.candidates:
            reason = _("The name fits several townships: %(names)s.") % {"names": "、".join(exc.candidates)}
        else:
            reason = _("No township of this county has this name (write 县直 for a county-level school).")
        judged.reject(TOWNSHIP, reason)
        return None


def _choice(judged: Judged[Any], column: str, table: dict[str, str]) -> str | None:
    text = _required(judged, column)
    if text is None:
        return None
    value = table.get(compact(text))
    if value is None:
        judged.reject(column, _not_in_list_message(column))
    return value


def _not_in_list_message(column: str) -> str:
    return _("Not one of the allowed values: %(choices)s.") % {"choices": CHOICES_SHOWN[column]}


def _boarding(judged: Judged[Any]) -> bool | None:
    cell = judged.row.get(BOARDING)
    if cell is None:
        return None
    if cell.is_blank:
        return False
    value = YES_NO.get(compact(cell.raw).upper())
    if value is None:
        judged.reject(BOARDING, _not_in_list_message(BOARDING))
    return value
