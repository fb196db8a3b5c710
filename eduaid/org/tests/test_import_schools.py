"""`eduaid import_schools`: what is created, updated, rejected, warned about, and what is never written."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import python_calamine
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from eduaid.core.models import AuditEvent, AuditKind
from eduaid.core.tests.import_helpers import counts, run_import_command
from eduaid.org import rules
from eduaid.org.models import School, SchoolType, Township

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = ["学校标识码", "学校名称", "乡镇", "学校类型", "办学性质", "城乡", "是否寄宿制"]
GOOD = ["2141011001", "遂平县第一小学", "县直", "小学", "公办", "城区", "否"]
OTHER = ["2141011002", "瞿阳街道中心小学", "瞿阳街道", "小学", "公办", "城区", "否"]

UNKNOWN_TOWNSHIP = "No township of this county has this name (write 县直 for a county-level school)."
LOST_DIGITS = (
    "The value was stored as a number and has lost digits: format the column as text and export again."
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _county(settings: Any) -> Iterator[None]:
    settings.EDUAID_COUNTY = "411728"
    assert Township.objects.filter(county__code="411728").count() == 18  # loaded by the migration
    with translation.override("en"):
        yield


def write_xlsx(tmp_path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    """A one-sheet workbook, header on row 1, every value written as text."""
    path = tmp_path / "schools.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("学校")
    sheet.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            sheet.write_string(number, col, value)
    book.close()
    return path


def run(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    return run_import_command("import_schools", path, *args)


# --- reading real files --------------------------------------------------------------------------


def test_import_creates_schools_from_two_sheets_below_title_rows() -> None:
    code, report = run(FIXTURES / "schools_two_sheets.xlsx")
    assert code == 0
    assert counts(report) == (7, 7, 0, 0, 0, 0)
    assert report["errors"] == [] and report["warnings"] == [] and report["applied"] is True
    schools = {s.code: s for s in School.objects.select_related("township")}
    assert schools["2141011001"].township is None  # 县直
    assert schools["2141011003"].township.name == "文城乡"  # written 文城
    assert schools["1141011004"].township.name == "查岈山镇"  # written 嵖岈山镇
    assert schools["3141011005"].school_type == SchoolType.JUNIOR  # written 初级中学
    nine_year = schools["3141011006"]
    assert (nine_year.school_type, nine_year.urban_rural, nine_year.boarding) == ("nine_year", "rural", True)
    assert schools["3441011007"].urban_rural == "urban"  # written 城市


def test_xls_and_csv_files_import_with_normalised_values() -> None:
    assert counts(run(FIXTURES / "schools.xls")[1]) == (3, 3, 0, 0, 0, 0)
    assert counts(run(FIXTURES / "schools_gb18030.csv")[1]) == (3, 3, 0, 0, 0, 0)
    assert counts(run(FIXTURES / "schools_utf8_bom.csv")[1]) == (1, 1, 0, 0, 0, 0)
    assert School.objects.get(code="2141011008").name == "常庄镇中心小学"  # code stored as a number in .xls
    assert School.objects.get(code="5141011010").school_type == SchoolType.SPECIAL  # written 特教学校
    huaishu = School.objects.get(code="2141011013")  # full-width digits in the file
    assert (huaishu.name, huaishu.township.name) == ("槐树乡中心小学", "槐树乡")
    assert School.objects.get(code="1141011012").boarding is False  # empty 是否寄宿制
    assert School.objects.get(code="2141011011").ownership == "private"
    assert School.objects.get(code="3141011014").township.name == "沈寨镇"  # header 所属乡镇


def test_reimport_changes_nothing() -> None:
    run(FIXTURES / "schools_two_sheets.xlsx")
    code, report = run(FIXTURES / "schools_two_sheets.xlsx")
    assert code == 0
    assert counts(report) == (7, 0, 0, 7, 0, 0)
    assert School.history.count() == 7


def test_changed_row_updates_the_school_and_keeps_its_history(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [GOOD, OTHER]))
    renamed = [*GOOD[:1], "遂平县实验小学", *GOOD[2:6], "是"]
    code, report = run(write_xlsx(tmp_path, [renamed, OTHER]))
    assert (code, counts(report)) == (0, (2, 0, 1, 1, 0, 0))
    school = School.objects.get(code="2141011001")
    assert (school.name, school.boarding) == ("遂平县实验小学", True)
    assert [h.name for h in school.history.order_by("history_date")] == ["遂平县第一小学", "遂平县实验小学"]


def test_file_without_boarding_column_keeps_existing_value(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [[*GOOD[:6], "是"]]))
    code, report = run(write_xlsx(tmp_path, [GOOD[:6]], header=HEADER[:6]))
    assert counts(report) == (1, 0, 0, 1, 0, 0)
    assert School.objects.get(code="2141011001").boarding is True


# --- rejections ----------------------------------------------------------------------------------


def test_import_rejects_unknown_township(tmp_path: Path) -> None:
    bad = ["2141011003", "火星小学", "火星乡", "小学", "公办", "乡村", "否"]
    code, report = run(write_xlsx(tmp_path, [GOOD, bad]))
    assert code == 1
    assert counts(report) == (2, 1, 0, 0, 0, 1)
    assert report["errors"] == [{"row": 3, "column": "乡镇", "value": "火星乡", "reason": UNKNOWN_TOWNSHIP}]
    assert list(School.objects.values_list("code", flat=True)) == ["2141011001"]


def test_import_rejects_values_outside_their_lists_one_error_per_cell(tmp_path: Path) -> None:
    bad = ["2141011003", "某学校", "文城乡", "大学", "合办", "郊区", "有时"]
    code, report = run(write_xlsx(tmp_path, [bad]))
    assert (code, counts(report)) == (1, (1, 0, 0, 0, 0, 1))
    assert [(e["row"], e["column"], e["value"]) for e in report["errors"]] == [
        (2, "学校类型", "大学"),
        (2, "办学性质", "合办"),
        (2, "城乡", "郊区"),
        (2, "是否寄宿制", "有时"),
    ]
    assert report["errors"][1]["reason"] == "Not one of the allowed values: 公办、民办."
    assert report["errors"][2]["reason"] == "Not one of the allowed values: 城区、镇区、乡村."


def test_import_rejects_invalid_school_codes(tmp_path: Path) -> None:
    rows = [
        ["214101100", "短码小学", "县直", "小学", "公办", "城区", "否"],
        ["9941011001", "怪码小学", "县直", "小学", "公办", "城区", "否"],
        ["2142011001", "外省小学", "县直", "小学", "公办", "城区", "否"],
        ["", "无码小学", "县直", "小学", "公办", "城区", "否"],
    ]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (4, 0, 0, 0, 0, 4))
    assert [(e["row"], e["value"], e["reason"]) for e in report["errors"]] == [
        (2, "214101100", "A school code has exactly 10 digits."),
        (3, "9941011001", "The type digits 99 of the school code are not a known school type."),
        (4, "2142011001", "The province digits 42 of the school code are not this county's province 41."),
        (5, "", "A value is required."),
    ]
    assert not School.objects.exists()


def test_import_rejects_a_name_too_long_for_the_database(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, [[GOOD[0], "校" * 101, *GOOD[2:]]]))
    assert code == 1
    assert [(e["column"], e["reason"]) for e in report["errors"]] == [
        ("学校名称", "Longer than 100 characters.")
    ]


def test_code_in_scientific_notation_is_rejected_as_a_number(tmp_path: Path) -> None:
    path = tmp_path / "schools.csv"
    path.write_bytes(
        ("\r\n".join([",".join(HEADER), "2.14101E+09,第一小学,县直,小学,公办,城区,否"])).encode("gb18030")
    )
    code, report = run(path)
    assert code == 1
    assert report["errors"] == [
        {"row": 2, "column": "学校标识码", "value": "2.14101E+09", "reason": LOST_DIGITS}
    ]


def test_same_code_twice_with_different_content_rejects_both_rows(tmp_path: Path) -> None:
    twin = [GOOD[0], "遂平县第一小学（南校区）", *GOOD[2:]]
    code, report = run(write_xlsx(tmp_path, [GOOD, OTHER, twin]))
    assert (code, counts(report)) == (1, (3, 1, 0, 0, 0, 2))
    assert report["errors"] == [
        {
            "row": 2,
            "column": "学校标识码",
            "value": "2141011001",
            "reason": "Also in row 4 with different content.",
        },
        {
            "row": 4,
            "column": "学校标识码",
            "value": "2141011001",
            "reason": "Also in row 2 with different content.",
        },
    ]
    assert list(School.objects.values_list("code", flat=True)) == ["2141011002"]


def test_same_code_on_two_sheets_names_the_other_sheet(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, row in (("小学", GOOD), ("初中", [GOOD[0], "另一个名字", *GOOD[2:]])):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, HEADER)
        sheet.write_row(1, 0, row)
    book.close()
    code, report = run(path)
    assert code == 1
    assert [(e["sheet"], e["row"], e["reason"]) for e in report["errors"]] == [
        ("小学", 2, "Also in row 2 (sheet “初中”) with different content."),
        ("初中", 2, "Also in row 2 (sheet “小学”) with different content."),
    ]


# --- warnings ------------------------------------------------------------------------------------


def test_exact_repeat_row_is_counted_once_with_a_warning(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, [GOOD, OTHER, [f" {v} " for v in GOOD]]))
    assert (code, counts(report)) == (0, (3, 2, 0, 0, 1, 0))
    assert report["warnings"] == [
        {"row": 4, "column": "", "value": "", "reason": "Exact repeat of row 2; counted once."}
    ]


def test_repeat_under_another_serial_number_or_header_spelling_is_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(str(path))
    first = book.add_worksheet("一")
    first.write_row(0, 0, ["序号", *HEADER])
    first.write_row(1, 0, ["1", *GOOD])
    second = book.add_worksheet("二")
    second.write_row(0, 0, ["序号", "学校代码", "学校", "乡镇（街道）", *HEADER[3:]])
    second.write_row(1, 0, ["7", *GOOD])
    book.close()
    code, report = run(path)
    assert (code, counts(report)) == (0, (2, 1, 0, 0, 1, 0))
    assert report["warnings"] == [
        {
            "sheet": "二",
            "row": 2,
            "column": "",
            "value": "",
            "reason": "Exact repeat of row 2 (sheet “一”); counted once.",
        }
    ]


def test_code_type_digits_disagreeing_with_school_type_is_a_warning(tmp_path: Path) -> None:
    junior_with_primary_digits = [GOOD[0], "遂平县第一初级中学", "县直", "初中", "公办", "城区", "否"]
    code, report = run(write_xlsx(tmp_path, [junior_with_primary_digits]))
    assert (code, counts(report)) == (0, (1, 1, 0, 0, 0, 0))
    assert report["warnings"] == [
        {
            "row": 2,
            "column": "学校标识码",
            "value": "2141011001",
            "reason": "The type digits 21 of the school code do not fit the school type 初中.",
        }
    ]
    assert School.objects.get().school_type == SchoolType.JUNIOR


def test_combined_schools_accept_either_stage_digits(tmp_path: Path) -> None:
    rows = [
        ["2141011001", "一贯制甲", "县直", "九年一贯制", "公办", "城区", "是"],
        ["3141011002", "一贯制乙", "县直", "九年一贯制", "公办", "城区", "是"],
        ["3441011003", "完中甲", "县直", "完全中学", "公办", "城区", "是"],
        ["3141011004", "完中乙", "县直", "完全中学", "公办", "城区", "是"],
    ]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, report["created"], report["warnings"]) == (0, 4, [])


# --- all or nothing ------------------------------------------------------------------------------


def test_strict_applies_nothing_when_a_row_is_rejected(tmp_path: Path) -> None:
    bad = ["2141011003", "火星小学", "火星乡", "小学", "公办", "乡村", "否"]
    code, report = run(write_xlsx(tmp_path, [GOOD, bad]), "--strict")
    assert code == 1
    assert counts(report) == (2, 1, 0, 0, 0, 1)  # what would have been created
    assert report["applied"] is False
    assert not School.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditKind.IMPORT).exists()


def test_strict_applies_a_fully_valid_file(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, [GOOD, OTHER]), "--strict")
    assert (code, report["applied"], School.objects.count()) == (0, True, 2)


def test_dry_run_writes_nothing() -> None:
    code, report = run(FIXTURES / "schools_two_sheets.xlsx", "--dry-run")
    assert code == 0
    assert counts(report) == (7, 7, 0, 0, 0, 0)
    assert (report["applied"], report["dry_run"]) == (False, True)
    assert not School.objects.exists()
    assert not School.history.exists()
    assert not AuditEvent.objects.filter(kind=AuditKind.IMPORT).exists()


def test_dry_run_counts_updates_like_a_real_run(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [GOOD]))
    changed = [*GOOD[:5], "镇区", "否"]
    code, report = run(write_xlsx(tmp_path, [changed, OTHER]), "--dry-run")
    assert counts(report) == (2, 1, 1, 0, 0, 0)
    assert School.objects.get().urban_rural == "urban"


# --- files that cannot be read -------------------------------------------------------------------


def test_encrypted_workbook_gets_clear_message() -> None:
    code, report = run(FIXTURES / "schools_encrypted.xlsx")
    assert code == 1
    assert counts(report) == (0, 0, 0, 0, 0, 0)
    assert report["errors"] == [
        {
            "row": None,
            "column": "",
            "value": "",
            "reason": "The file is encrypted: remove its password and upload it again.",
        }
    ]


def test_missing_column_names_found_and_expected() -> None:
    code, report = run(FIXTURES / "schools_missing_township.xlsx")
    assert code == 1
    [error] = report["errors"]
    assert error["row"] is None
    assert error["reason"] == (
        "No sheet has all the required columns. Missing: 乡镇. "
        "Columns found: 学校标识码、学校名称、学校类型、办学性质、城乡. "
        "Columns expected: 学校标识码、学校名称、乡镇、学校类型、办学性质、城乡."
    )
    assert not School.objects.exists()


@pytest.mark.parametrize("name", ["schools_corrupt.xlsx", "not_a_spreadsheet.txt", "picture.png"])
def test_unreadable_file_is_one_file_level_rejection(name: str) -> None:
    code, report = run(FIXTURES / name)
    assert code == 1
    assert len(report["errors"]) == 1 and report["errors"][0]["row"] is None
    assert report["rows"] == 0


def test_missing_file_is_misuse(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("import_schools", str(tmp_path / "nope.xlsx"))
    assert caught.value.returncode == 2


def test_unknown_user_is_misuse() -> None:
    with pytest.raises(CommandError, match="Unknown user: nobody") as caught:
        call_command("import_schools", str(FIXTURES / "schools.xls"), "--user", "nobody")
    assert caught.value.returncode == 2
    assert not School.objects.exists()


# --- attribution and output ----------------------------------------------------------------------


def test_command_line_actor_is_audited(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [GOOD, OTHER]))
    event = AuditEvent.objects.get(kind=AuditKind.IMPORT)
    assert (event.actor, event.username) == (None, "命令行")
    assert event.detail == {
        "import": "schools",
        "file": "schools.xlsx",
        "rows": 2,
        "rejected": 0,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }


def test_user_option_attributes_history_and_audit(tmp_path: Path, cast: Any) -> None:
    admin = cast.user("county_admin")
    code, _report = run(write_xlsx(tmp_path, [GOOD]), "--user", admin.username)
    assert code == 0
    school = School.objects.get(code=GOOD[0])
    assert school.history.get().history_user == admin
    event = AuditEvent.objects.get(kind=AuditKind.IMPORT)
    assert (event.actor, event.username) == (admin, admin.username)


def test_text_output_lists_each_error_by_row_column_and_value(tmp_path: Path) -> None:
    bad = ["2141011003", "火星小学", "火星乡", "小学", "公办", "乡村", "否"]
    out = io.StringIO()
    with pytest.raises(SystemExit) as caught:
        call_command("import_schools", str(write_xlsx(tmp_path, [GOOD, bad, GOOD])), stdout=out)
    assert caught.value.code == 1
    assert out.getvalue().splitlines() == [
        "Rows: 3; created 1, updated 0, unchanged 0, duplicates 1, rejected 1",
        f"Row 3, column “乡镇”, value “火星乡”: {UNKNOWN_TOWNSHIP}",
        "Warning: Row 4: Exact repeat of row 2; counted once.",
    ]


def test_rejected_rows_download_as_xlsx_with_a_reason_column(tmp_path: Path) -> None:
    bad = ["2141011003", "火星小学", "火星乡", "小学", "公办", "乡村", "否"]
    target = tmp_path / "rejected.xlsx"
    run(write_xlsx(tmp_path, [GOOD, bad]), "--rejected-out", str(target))
    sheet = python_calamine.CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0)
    assert sheet.name == "学校"
    assert sheet.to_python() == [[*HEADER, "Reason"], [*bad, f"乡镇: {UNKNOWN_TOWNSHIP}"]]


# --- the pure rules ------------------------------------------------------------------------------


def test_school_code_rules() -> None:
    assert rules.school_code_problem("2141011001", province="41") is None
    assert rules.school_code_problem("21410110011", province="41") == rules.CodeProblem.NOT_TEN_DIGITS
    assert rules.school_code_problem("2141O11001", province="41") == rules.CodeProblem.NOT_TEN_DIGITS
    assert rules.school_code_problem("1241011001", province="41") == rules.CodeProblem.UNKNOWN_TYPE
    assert rules.school_code_problem("2141011001", province="42") == rules.CodeProblem.WRONG_PROVINCE
    assert rules.type_digits_agree("3641011001", SchoolType.VOCATIONAL)
    assert not rules.type_digits_agree("3441011001", SchoolType.JUNIOR)


def test_township_names_resolve_by_folded_name_or_unique_stem() -> None:
    names = rules.TownshipNames(
        [(1, "文城乡"), (2, "瞿阳街道"), (3, "东风乡"), (4, "东风镇"), (5, "查岈山镇")]
    )
    assert names.resolve("文城乡") == 1
    assert names.resolve(" 文城 ") == 1
    assert names.resolve("灈阳街道办事处") == 2
    assert names.resolve("嵖岈山镇") == 5
    assert names.resolve("县直") is None
    assert names.resolve("东风镇") == 4
    with pytest.raises(rules.TownshipNotFound) as ambiguous:
        names.resolve("东风")
    assert ambiguous.value.candidates == ("东风乡", "东风镇")
    with pytest.raises(rules.TownshipNotFound) as unknown:
        names.resolve("火星乡")
    assert unknown.value.candidates == ()
