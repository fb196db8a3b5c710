"""Reading uploaded tables: formats, header detection, row numbers, numbers, clear errors."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import pytest
import xlsxwriter
from django.utils import translation

from eduaid.core.tabular import (
    Cell,
    CellKind,
    Column,
    Table,
    TabularError,
    clean,
    clean_name,
    compact,
    number_text,
    read_table,
)

FIXTURES = Path(__file__).resolve().parents[2] / "org" / "tests" / "fixtures"
SCHOOL_COLUMNS = (
    Column("学校标识码", ("学校代码", "标识码")),
    Column("学校名称", ("学校", "名称")),
    Column("乡镇", ("乡镇（街道）", "所属乡镇")),
    Column("学校类型", ("办学类型",)),
    Column("是否寄宿制", (), required=False),
)
ID_COLUMNS = (Column("姓名"), Column("身份证号", ("证件号码",)), Column("年级", required=False))


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _codes(table: Table) -> list[tuple[str, int, str]]:
    return [(row.sheet, row.number, row.raw("学校标识码")) for row in table.rows]


def _error(path: Path, columns: tuple[Column, ...] = SCHOOL_COLUMNS) -> TabularError:
    with pytest.raises(TabularError) as caught:
        read_table(path, columns=columns)
    return caught.value


def test_xlsx_skips_title_rows_and_reads_every_sheet_with_a_header() -> None:
    table = read_table(FIXTURES / "schools_two_sheets.xlsx", columns=SCHOOL_COLUMNS)
    assert [(sheet.name, sheet.header_row) for sheet in table.sheets] == [("小学", 3), ("中学", 2)]
    assert _codes(table) == [
        ("小学", 4, "2141011001"),
        ("小学", 5, "2141011002"),
        ("小学", 7, "2141011003"),  # row 6 is blank: skipped, numbering kept
        ("小学", 8, "1141011004"),
        ("中学", 3, "3141011005"),
        ("中学", 4, "3141011006"),
        ("中学", 5, "3441011007"),
    ]


def test_merged_header_cell_is_read_from_its_top_left_cell() -> None:
    table = read_table(FIXTURES / "schools_two_sheets.xlsx", columns=SCHOOL_COLUMNS)
    secondary = table.sheets[1]
    assert secondary.columns["学校名称"] == "学校名称"
    assert secondary.rows[0].raw("学校名称") == "遂平县第二初级中学"
    assert secondary.rows[0].raw("乡镇") == "县直"


def test_header_is_kept_as_written_when_an_alias_matches() -> None:
    table = read_table(FIXTURES / "schools_two_sheets.xlsx", columns=SCHOOL_COLUMNS)
    row = table.sheets[0].rows[0]
    assert table.sheets[0].columns["乡镇"] == "乡镇（街道）"
    assert row.header_of("乡镇") == "乡镇（街道）"
    assert row.raw("乡镇") == "县直"


def test_xls_reads_a_code_stored_as_a_number_in_whole_digits() -> None:
    table = read_table(FIXTURES / "schools.xls", columns=SCHOOL_COLUMNS)
    rows = list(table.rows)
    assert [row.number for row in rows] == [3, 4, 5]
    first = rows[0].get("学校标识码")
    assert first is not None
    assert (first.raw, first.kind) == ("2141011008", CellKind.NUMBER)
    assert rows[1].get("学校标识码").kind == CellKind.TEXT  # type: ignore[union-attr]


def test_gb18030_csv_reads_chinese_headers() -> None:
    raw = (FIXTURES / "schools_gb18030.csv").read_bytes()
    assert b"\r\n" in raw and raw.decode("gb18030").startswith("学校标识码,")
    table = read_table(FIXTURES / "schools_gb18030.csv", columns=SCHOOL_COLUMNS)
    assert table.sheets[0].columns == {
        "学校标识码": "学校标识码",
        "学校名称": "学校名称",
        "乡镇": "乡镇",
        "学校类型": "学校类型",
        "是否寄宿制": "是否寄宿制",
    }
    rows = list(table.rows)
    assert [(row.number, row.raw("学校名称")) for row in rows] == [
        (2, "车站街道实验小学"),
        (3, "和兴镇中心幼儿园"),
        (4, " 槐树乡  中心小学 "),
    ]
    assert rows[2].get("学校标识码").text == "2141011013"  # type: ignore[union-attr]


def test_utf8_bom_csv_reads_aliased_headers_without_the_bom() -> None:
    assert (FIXTURES / "schools_utf8_bom.csv").read_bytes().startswith(codecs.BOM_UTF8)
    table = read_table(FIXTURES / "schools_utf8_bom.csv", columns=SCHOOL_COLUMNS)
    assert table.sheets[0].columns["学校标识码"] == "学校代码"
    assert table.sheets[0].columns["乡镇"] == "所属乡镇"
    assert _codes(table) == [("", 2, "3141011014")]


def test_utf16_tab_separated_text_is_read() -> None:
    text = "姓名\t身份证号\r\n王五\t41172820150601002X\r\n"
    table = read_table(
        codecs.BOM_UTF16_LE + text.encode("utf-16-le"), columns=ID_COLUMNS, filename="学生.txt"
    )
    assert [(row.number, row.raw("身份证号")) for row in table.rows] == [(2, "41172820150601002X")]


def test_id_stored_as_number_in_a_workbook_is_marked_as_a_number() -> None:
    rows = list(read_table(FIXTURES / "ids_as_numbers.xlsx", columns=ID_COLUMNS).rows)
    lost, kept = rows[0].get("身份证号"), rows[1].get("身份证号")
    assert lost is not None and kept is not None
    assert (lost.raw, lost.kind) == ("4.11728E+17", CellKind.NUMBER)
    assert (kept.raw, kept.kind) == ("41172820150601002X", CellKind.TEXT)
    assert rows[0].get("年级") == Cell("3", CellKind.NUMBER)
    assert rows[0].cells[3].raw == "2021-09-01" and rows[0].cells[3].kind == CellKind.DATE


def test_scientific_notation_in_csv_is_marked_as_a_number() -> None:
    rows = list(read_table(FIXTURES / "ids_scientific.csv", columns=ID_COLUMNS).rows)
    cell = rows[0].get("身份证号")
    assert cell is not None and cell.is_number and cell.raw == "4.11728E+17"


def test_encrypted_workbook_gets_clear_message() -> None:
    error = _error(FIXTURES / "schools_encrypted.xlsx")
    assert error.message == "The file is encrypted: remove its password and upload it again."


def test_corrupt_workbook_gets_clear_message() -> None:
    error = _error(FIXTURES / "schools_corrupt.xlsx")
    assert error.message.startswith("The file is damaged and cannot be read")


@pytest.mark.parametrize("name", ["not_a_spreadsheet.txt", "picture.png"])
def test_file_that_is_not_a_spreadsheet_is_refused(name: str) -> None:
    assert _error(FIXTURES / name).message == (
        "The file is not a spreadsheet: upload an .xlsx, .xls or .csv file."
    )


def test_picture_named_like_a_workbook_is_refused() -> None:
    data = (FIXTURES / "picture.png").read_bytes()
    with pytest.raises(TabularError, match="not a spreadsheet"):
        read_table(data, columns=SCHOOL_COLUMNS, filename="学校.xlsx")


def test_web_page_saved_as_xls_is_refused_with_advice() -> None:
    with pytest.raises(TabularError, match="save it as .xlsx"):
        read_table(
            b"<html><table><tr><td>1</td></tr></table></html>", columns=SCHOOL_COLUMNS, filename="a.xls"
        )


def test_empty_file_is_refused() -> None:
    with pytest.raises(TabularError, match="The file is empty."):
        read_table(b"", columns=SCHOOL_COLUMNS, filename="a.csv")


def test_missing_column_names_found_and_expected() -> None:
    error = _error(FIXTURES / "schools_missing_township.xlsx")
    assert error.found == ["学校标识码", "学校名称", "学校类型", "办学性质", "城乡"]
    assert error.expected == ["学校标识码", "学校名称", "乡镇", "学校类型"]
    assert error.message == (
        "No sheet has all the required columns. Missing: 乡镇. "
        "Columns found: 学校标识码、学校名称、学校类型、办学性质、城乡. "
        "Columns expected: 学校标识码、学校名称、乡镇、学校类型."
    )


def _csv_with_header_at(line: int) -> bytes:
    lines = [f"标题{n}" for n in range(1, line)] + ["姓名,身份证号", "张三,41172820150601002X"]
    return "\r\n".join(lines).encode("utf-8")


def test_header_within_the_first_ten_rows_is_found() -> None:
    table = read_table(_csv_with_header_at(10), columns=ID_COLUMNS, filename="a.csv")
    assert [row.number for row in table.rows] == [11]


def test_header_below_the_tenth_row_is_not_found() -> None:
    with pytest.raises(TabularError, match="Missing: 姓名、身份证号"):
        read_table(_csv_with_header_at(11), columns=ID_COLUMNS, filename="a.csv")


def test_header_repeated_below_and_blank_rows_are_not_data(tmp_path: Path) -> None:
    path = tmp_path / "students.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["*姓名", "身份证号"])  # templates mark required columns with *
    sheet.write_row(1, 0, ["张三", "41172820150601002X"])
    sheet.write_row(3, 0, ["   ", ""])
    sheet.write_row(4, 0, ["*姓名", "身份证号"])
    sheet.write_row(5, 0, ["李四", "411728201506010031"])
    book.close()
    table = read_table(path, columns=ID_COLUMNS)
    assert [(row.number, row.raw("姓名")) for row in table.rows] == [(2, "张三"), (6, "李四")]
    assert table.sheets[0].columns["姓名"] == "*姓名"


def test_sheet_without_the_required_header_is_skipped_but_others_read(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write(0, 0, "填表说明")
    book.add_worksheet("名单").write_row(0, 0, ["证件号码", "姓名"])
    book.get_worksheet_by_name("名单").write_row(1, 0, ["41172820150601002X", "张三"])
    book.close()
    table = read_table(path, columns=ID_COLUMNS)
    assert [sheet.name for sheet in table.sheets] == ["名单"]
    assert list(table.rows)[0].header_of("身份证号") == "证件号码"


def test_normalisation_folds_full_width_and_trims() -> None:
    assert clean("  ４１１７２８ ２０１５\u3000x ") == "411728 2015 x"
    assert compact(" 乡镇（街道）\n") == "乡镇(街道)"
    assert clean_name(" 槐树乡  中心小学 ") == "槐树乡中心小学"
    assert clean_name("Li   Ming") == "Li Ming"
    assert clean("\ufeff学校代码") == "学校代码"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.0, "3"),
        (2141011008.0, "2141011008"),
        (411728209200.0, "411728209200"),
        (0.5, "0.5"),
        (411728201506010023, "4.11728E+17"),
        (4e17, "4E+17"),
    ],
)
def test_numbers_read_as_excel_shows_them(value: float, text: str) -> None:
    assert number_text(value) == text


def test_scientific_notation_typed_as_text_in_a_workbook_is_a_number(tmp_path: Path) -> None:
    path = tmp_path / "pasted.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet().write_row(0, 0, ["姓名", "身份证号"])
    book.get_worksheet_by_name("Sheet1").write_row(1, 0, ["张三", "4.11728E+17"])
    book.close()
    cell = next(read_table(path, columns=ID_COLUMNS).rows).get("身份证号")
    assert cell == Cell("4.11728E+17", CellKind.NUMBER)
