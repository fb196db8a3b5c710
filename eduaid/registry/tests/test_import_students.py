"""`eduaid import_students`: what is read, rejected, warned about, and how a file becomes a snapshot."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from stdnum.cn import ric

from eduaid.core.idnumbers import synthetic
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.core.tests.import_helpers import counts, errors, run_import_command
from eduaid.org.models import School, SchoolClass
from eduaid.registry.models import Enrolment, Person, Snapshot, SnapshotKind, valid_on
from eduaid.registry.services import enrolments
from eduaid.registry.tests.fixtures.make_student_fixtures import IDS, J_NUMBER, L_NUMBER

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = ["姓名", "身份证号", "学籍号", "性别", "学校标识码", "学段", "年级", "班级", "是否住校", "学籍状态"]
LOST_DIGITS = (
    "The value was stored as a number and has lost digits: format the column as text and export again."
)
PRIMARY_A, JUNIOR_A, PRIMARY_B = "2141000001", "3141000002", "2141000003"
KINDERGARTEN, NINE_YEAR = "1141000004", "2141000005"

pytestmark = pytest.mark.django_db


def pid(born: str, sequence: int) -> str:
    return synthetic("411728", dt.date.fromisoformat(born), sequence)


GIRL = pid("2015-06-01", 2)  # 8 on 2023-08-31: a primary pupil
BOY = pid("2011-03-01", 11)  # 12: a junior pupil
OTHER_GIRL = pid("2015-09-09", 4)


def row(name: str, id_number: str, **cells: str) -> list[str]:
    """A row of HEADER: a girl in 三年级 1班 at 东营小学 unless `cells` say otherwise."""
    values = {
        "姓名": name,
        "身份证号": id_number,
        "学籍号": "G" + id_number if id_number else "",
        "性别": "",
        "学校标识码": PRIMARY_A,
        "学段": "小学",
        "年级": "三年级",
        "班级": "1班",
        "是否住校": "否",
        "学籍状态": "在读",
    }
    values.update(cells)
    return [values[column] for column in HEADER]


@pytest.fixture(autouse=True)
def _county(settings: Any, cast: Any) -> Iterator[None]:
    """The cast's three schools, a kindergarten and a nine-year school; messages in English."""
    settings.EDUAID_COUNTY = "411728"
    township = cast.township_a
    School.objects.create(
        code=KINDERGARTEN,
        name="文城乡中心幼儿园",
        township=township,
        school_type="kindergarten",
        ownership="public",
        urban_rural="rural",
    )
    School.objects.create(
        code=NINE_YEAR,
        name="文城乡一贯制学校",
        township=township,
        school_type="nine_year",
        ownership="public",
        urban_rural="rural",
    )
    with translation.override("en"):
        yield


def write_xlsx(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER, name: str = "s") -> Path:
    """A one-sheet workbook, header on row 1, every value written as text."""
    path = tmp_path / f"{name}.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("学生")
    sheet.write_row(0, 0, header)
    for number, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            sheet.write_string(number, col, value)
    book.close()
    return path


def run(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    return run_import_command("import_students", path, *args)


def warnings(report: dict[str, Any]) -> list[tuple[Any, str, str, str]]:
    return [(w["row"], w["column"], w["value"], w["reason"]) for w in report["warnings"]]


def enrolment(id_number: str, school_code: str = PRIMARY_A) -> Enrolment:
    return Enrolment.objects.get(person__id_number=id_number, school__code=school_code, valid_to__isnull=True)


# --- reading real files --------------------------------------------------------------------------


def test_two_sheet_workbook_below_title_rows_imports_every_enrolment() -> None:
    code, report = run(FIXTURES / "students_two_sheets.xlsx")
    assert code == 0
    assert counts(report) == (9, 8, 0, 0, 1, 0)
    assert report["errors"] == []
    assert [(w["sheet"], w["row"], w["column"]) for w in report["warnings"]] == [
        ("小学", 7, "身份证号"),  # 赵小丽: invalid ID, kept under her L 学籍号
        ("初中", 6, ""),  # exact repeat of 刘小华
    ]
    ming = enrolment(IDS["张小明"])
    assert (ming.stage, ming.grade, ming.class_name, ming.boarding, ming.status) == (
        "primary",
        3,
        "1班",
        False,
        "studying",
    )
    assert (ming.declared_gender, ming.student_number, ming.valid_from) == ("M", "G" + IDS["张小明"], None)
    hong = enrolment(IDS["李小红"])
    assert (hong.stage, hong.grade, hong.class_name) == ("primary", 3, "(2)班")  # 学段 derived, （） folded
    hua = enrolment(IDS["刘小华"], JUNIOR_A)  # found by 学校名称
    assert (hua.stage, hua.grade, hua.boarding) == ("junior", 7, True)
    assert enrolment(IDS["孙小燕"], JUNIOR_A).boarding is False  # 走读
    jun = Person.objects.get(id_number=IDS["陈小军"])
    assert sorted(jun.enrolments.values_list("school__code", "status", "stage", "grade")) == [
        (PRIMARY_B, "suspended", "primary", 6),
        (JUNIOR_A, "transferred_out", "junior", 7),
    ]
    assert (jun.name, jun.gender, jun.birth_date) == ("陈小军", "M", dt.date(2011, 9, 3))


def test_students_without_a_valid_id_are_kept_under_a_j_or_l_student_number() -> None:
    code, report = run(FIXTURES / "students_two_sheets.xlsx")
    assert code == 0
    gang = Person.objects.get(student_key=J_NUMBER)
    assert (gang.name, gang.id_number, gang.gender, gang.birth_date) == ("王小刚", None, "M", None)
    li = Person.objects.get(student_key=L_NUMBER)
    assert (li.name, li.id_number) == ("赵小丽", None)
    assert li.enrolments.get().student_number == L_NUMBER
    assert report["warnings"][0]["reason"] == (
        "The last character (the check digit) does not fit the other 17: compare it with the ID card. "
        "The row is kept under its 学籍号."
    )


def test_xls_derives_stage_from_grade_and_school_type_and_rejects_an_id_stored_as_number() -> None:
    code, report = run(FIXTURES / "students.xls")
    assert code == 1
    assert counts(report) == (4, 3, 0, 0, 0, 1)
    assert errors(report) == [(6, "身份证号", "4.11728E+17", LOST_DIGITS)]
    placed = {
        name: enrolment(IDS[name], school)
        for name, school in (("周小宝", KINDERGARTEN), ("吴小满", NINE_YEAR), ("郑小雨", NINE_YEAR))
    }
    assert {name: (e.stage, e.grade, e.class_name) for name, e in placed.items()} == {
        "周小宝": ("preschool", 2, "中二班"),
        "吴小满": ("junior", 7, "七(1)班"),
        "郑小雨": ("primary", 1, "一(2)班"),
    }
    assert placed["吴小满"].boarding is True


def test_csv_files_from_excel_on_windows_and_with_bom() -> None:
    code, report = run(FIXTURES / "students_gb18030.csv")
    assert code == 1
    assert counts(report) == (3, 2, 0, 0, 0, 1)
    assert errors(report) == [(3, "身份证号", "4.11728E+17", LOST_DIGITS)]
    duo = enrolment(IDS["钱小多"], PRIMARY_B)  # written with a lower-case x
    assert (duo.stage, duo.grade, duo.class_name, duo.boarding, duo.status) == (
        "primary",
        4,
        "3班",
        False,
        "studying",
    )
    assert enrolment(IDS["曹小雪"], PRIMARY_B).grade == 2
    code, report = run(FIXTURES / "students_utf8_bom.csv")
    assert (code, counts(report)) == (0, (2, 2, 0, 0, 0, 0))
    assert enrolment(IDS["华小青"], PRIMARY_B).grade == 5


def test_college_sheet_imports_college_enrolments() -> None:
    code, report = run(FIXTURES / "students_college.xlsx")
    assert (code, counts(report), report["warnings"]) == (0, (3, 3, 0, 0, 0, 0), [])
    rows = Enrolment.objects.filter(school__isnull=True).order_by("college")
    assert [(e.college, e.stage, e.grade, e.in_province, e.freshman) for e in rows] == [
        ("北京大学", "master", 1, False, False),
        ("郑州大学", "undergraduate", 1, True, True),
        ("黄淮学院", "junior_college", 2, True, False),
    ]


def test_school_classes_named_by_the_file_are_created_once() -> None:
    run(FIXTURES / "students_two_sheets.xlsx")
    classes = set(SchoolClass.objects.values_list("school__code", "grade", "name"))
    assert classes == {
        (PRIMARY_A, 1, "1班"),
        (PRIMARY_A, 2, "1班"),
        (PRIMARY_A, 3, "1班"),  # the cast's class, not made twice
        (PRIMARY_A, 3, "(2)班"),
        (PRIMARY_B, 3, "1班"),  # the cast's
        (PRIMARY_B, 6, "2班"),
        (JUNIOR_A, 7, "1班"),
        (JUNIOR_A, 8, "2班"),
    }
    created = SchoolClass.history.filter(history_type="+", history_change_reason="import")
    assert set(created.values_list("id", "school_id", "grade", "name")) == set(
        SchoolClass.objects.exclude(name__in=["1班"], grade=3).values_list("id", "school_id", "grade", "name")
    )
    run(FIXTURES / "students_two_sheets.xlsx")
    assert SchoolClass.objects.count() == len(classes)


# --- rejections ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (GIRL[:-1], "An ID number has 18 characters; this one has 17."),
        (GIRL[:-1] + ("1" if GIRL[-1] != "1" else "2"), "The last character (the check digit) does not fit"),
        ("", "An ID number is required; a student without one needs a 学籍号 starting with J or L."),
    ],
)
def test_import_rejects_an_invalid_id(tmp_path: Path, number: str, reason: str) -> None:
    code, report = run(
        write_xlsx(
            tmp_path, [row("张三", BOY, 学校标识码=JUNIOR_A, 学段="初中", 年级="初二"), row("李四", number)]
        )
    )
    assert (code, counts(report)) == (1, (2, 1, 0, 0, 0, 1))
    [(line, column, value, why)] = errors(report)
    assert (line, column, value) == (3, "身份证号", number)
    assert why.startswith(reason)
    assert not Person.objects.filter(name="李四").exists()


def test_import_rejects_an_impossible_or_future_birth_date(tmp_path: Path) -> None:
    body = "41172820150231" + "002"
    no_date = body + ric.calc_check_digit(body + "0")
    unborn = pid("2024-04-01", 2)
    code, report = run(write_xlsx(tmp_path, [row("张三", no_date), row("李四", unborn)]))
    assert (code, counts(report)) == (1, (2, 0, 0, 0, 0, 2))
    assert errors(report) == [
        (
            2,
            "身份证号",
            no_date,
            "Characters 7–14 of an ID number are the birth date, and 20150231 is not a date.",
        ),
        (3, "身份证号", unborn, "The birth date in the ID number (2024-04-01) lies in the future."),
    ]


def test_j_or_l_student_number_keeps_a_row_without_a_valid_id(tmp_path: Path) -> None:
    bad = GIRL[:-1] + ("1" if GIRL[-1] != "1" else "2")
    rows = [
        row("张三", bad, 学籍号="J411728201506010021"),
        row("李四", "", 学籍号="l2024000001"),  # lower case, as typed
        row("王五", bad, 学籍号="G" + GIRL),  # a G number does not save an invalid ID
        row("赵六", "", 学籍号=""),
    ]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (4, 2, 0, 0, 0, 2))
    assert warnings(report) == [
        (
            2,
            "身份证号",
            bad,
            "The last character (the check digit) does not fit the other 17: compare it with the ID card. "
            "The row is kept under its 学籍号.",
        )
    ]
    assert [(line, column) for line, column, _value, _why in errors(report)] == [
        (4, "身份证号"),
        (5, "身份证号"),
    ]
    assert sorted(Person.objects.values_list("student_key", "id_number", "name")) == [
        ("J411728201506010021", None, "张三"),
        ("L2024000001", None, "李四"),
    ]


def test_id_stored_as_number_is_rejected_even_with_a_j_number(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, [row("张三", "4.11728E+17", 学籍号="J411728201506010021")]))
    assert code == 1
    assert errors(report) == [(2, "身份证号", "4.11728E+17", LOST_DIGITS)]


def test_import_rejects_unknown_and_ambiguous_schools(tmp_path: Path, cast: Any) -> None:
    School.objects.create(
        code="2141000006",
        name="东营小学",  # a second school of that name
        township=cast.township_b,
        school_type="primary",
        ownership="public",
        urban_rural="rural",
    )
    header = ["姓名", "身份证号", "学校标识码", "学校名称", "就读院校", "年级"]
    rows = [
        ["张三", GIRL, "2141099999", "", "", "三年级"],
        ["李四", OTHER_GIRL, "", "火星小学", "", "三年级"],
        ["王五", BOY, "", "东营小学", "", "六年级"],
        ["赵六", pid("2015-01-01", 6), "", "", "", "三年级"],
        ["钱七", pid("2015-01-01", 8), "", "瞿阳街道第一小学", "", "三年级"],
    ]
    code, report = run(write_xlsx(tmp_path, rows, header))
    assert (code, counts(report)) == (1, (5, 1, 0, 0, 0, 4))
    assert errors(report) == [
        (
            2,
            "学校标识码",
            "2141099999",
            "No school of this county has this code: import the school list first.",
        ),
        (
            3,
            "学校名称",
            "火星小学",
            "No school of this county has this name: check it, or give the 学校标识码.",
        ),
        (
            4,
            "学校名称",
            "东营小学",
            "Several schools have this name (2141000001、2141000006): give the 学校标识码.",
        ),
        (
            5,
            "学校标识码",
            "",
            "A value is required: the school (学校标识码 or 学校名称) or, for a college student, 就读院校.",
        ),
    ]
    assert enrolment(pid("2015-01-01", 8), PRIMARY_B).grade == 3


def test_file_without_any_school_column_names_the_alternatives(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, [["张三", GIRL, "三年级"]], ["姓名", "身份证号", "年级"]))
    assert code == 1
    assert errors(report) == [
        (
            None,
            "",
            "",
            "No sheet has all the required columns. Missing: 学校标识码/学校名称/就读院校. "
            "Columns found: 姓名、身份证号、年级. "
            "Columns expected: 姓名、身份证号、学校标识码/学校名称/就读院校.",
        )
    ]


def test_import_rejects_stage_and_grade_that_do_not_fit(tmp_path: Path) -> None:
    rows = [
        row("甲", pid("2019-01-01", 2), 学校标识码=KINDERGARTEN, 学段="初中", 年级="1"),
        row("乙", pid("2015-01-01", 2), 学段="", 年级="7"),
        row("丙", pid("2015-02-01", 2), 学段="小学", 年级="高一"),
        row("丁", pid("2015-03-01", 2), 学校标识码=NINE_YEAR, 学段="", 年级=""),
        row("戊", pid("2015-04-01", 2), 学段="大学"),
        row("己", pid("2015-05-01", 2), 年级="初四"),
    ]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (6, 0, 0, 0, 0, 6))
    assert errors(report) == [
        (2, "学段", "初中", "文城乡中心幼儿园 (Kindergarten) does not teach 初中."),
        (3, "年级", "7", "东营小学 (Primary school) does not teach this grade."),
        (4, "年级", "高一", "This grade does not belong to the 学段 小学."),
        (5, "学段", "", "The 学段 is required here: the 年级 does not tell it at this school."),
        (
            6,
            "学段",
            "大学",
            "Not one of the allowed values: 学前、小学、初中、高中、中职、专科、本科、硕士、博士.",
        ),
        (
            7,
            "年级",
            "初四",
            "Not a grade: write for example 一年级, 初二, 高三, 中职一年级, 小班, 大一, "
            "or a number from 1 to 12.",
        ),
    ]


def test_college_rows_need_a_college_stage(tmp_path: Path) -> None:
    header = ["姓名", "身份证号", "学段", "年级", "就读院校", "是否省内", "是否新生"]
    rows = [
        ["何一", pid("2005-01-01", 2), "高中", "高三", "郑州大学", "是", "是"],
        ["何二", pid("2005-01-02", 2), "", "大一", "郑州大学", "是", "是"],
        ["何三", pid("2005-01-03", 2), "本科", "大一", "郑州大学", "也许", "是"],
    ]
    code, report = run(write_xlsx(tmp_path, rows, header))
    assert (code, counts(report)) == (1, (3, 0, 0, 0, 0, 3))
    assert errors(report) == [
        (2, "学段", "高中", "A college student's 学段 is 专科, 本科, 硕士 or 博士."),
        (3, "学段", "", "The 学段 is required here: the 年级 does not tell it at this school."),
        (4, "是否省内", "也许", "Not one of the allowed values: 是、否."),
    ]


def test_import_rejects_values_outside_their_lists_one_error_per_cell(tmp_path: Path) -> None:
    cells = {"性别": "未知", "是否住校": "有时", "学籍状态": "在逃", "班级": "班" * 31, "学段": "初中"}
    code, report = run(write_xlsx(tmp_path, [row("名" * 51, GIRL, **cells)]))
    assert (code, counts(report)) == (1, (1, 0, 0, 0, 0, 1))
    assert [(column, why) for _line, column, _value, why in errors(report)] == [
        ("姓名", "Longer than 50 characters."),
        ("学段", "东营小学 (Primary school) does not teach 初中."),
        ("班级", "Longer than 30 characters."),
        ("是否住校", "Not one of the allowed values: 是、否."),
        ("学籍状态", "Not one of the allowed values: 在读、休学、辍学、转出、毕业."),
        ("性别", "Not one of the allowed values: 男、女."),
    ]


def test_same_enrolment_twice_with_different_content_rejects_both_rows(tmp_path: Path) -> None:
    rows = [row("张三", GIRL), row("李四", OTHER_GIRL), row("张三", GIRL, 班级="2班")]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (3, 1, 0, 0, 0, 2))
    assert errors(report) == [
        (2, "身份证号", GIRL, "Also in row 4 with different content."),
        (4, "身份证号", GIRL, "Also in row 2 with different content."),
    ]


# --- accepted: repeats, one ID at two schools, warnings ------------------------------------------


def test_exact_repeat_is_counted_once_and_one_id_at_two_schools_is_accepted(tmp_path: Path) -> None:
    rows = [row("张三", GIRL), row("张三", GIRL), row("张三", GIRL, 学校标识码=PRIMARY_B, 班级="2班")]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (0, (3, 2, 0, 0, 1, 0))
    assert warnings(report) == [(3, "", "", "Exact repeat of row 2; counted once.")]
    person = Person.objects.get(id_number=GIRL)
    assert sorted(person.enrolments.values_list("school__code", "class_name")) == [
        (PRIMARY_A, "1班"),
        (PRIMARY_B, "2班"),
    ]


def test_things_to_check_are_warnings_and_the_row_is_kept(tmp_path: Path) -> None:
    School.objects.create(
        code="3441000010",
        name="文城乡第二初级中学",
        school_type="junior",
        ownership="public",
        urban_rural="rural",
    )
    rows = [
        row("老大", pid("2005-01-01", 2)),  # 18 in primary
        row("老二", BOY, 学校标识码="3441000010", 学段="", 年级="初一"),  # 34 is a senior school's digits
        row("老三", GIRL, 学籍号="G" + OTHER_GIRL),
        row("老四", OTHER_GIRL, 性别="男"),
    ]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (0, (4, 4, 0, 0, 0, 0))
    assert warnings(report) == [
        (
            2,
            "身份证号",
            pid("2005-01-01", 2),
            "Age 18 on 2023-08-31 is outside the usual 5–13 years of the stage Primary.",
        ),
        (
            3,
            "学校标识码",
            "3441000010",
            "The type digits 34 of the school code do not fit the school type Junior high school.",
        ),
        (4, "学籍号", "G" + OTHER_GIRL, "The 学籍号 is G followed by another ID number than this row's."),
        (5, "性别", "男", "The ID number (its 17th digit) says 女."),
    ]
    assert enrolment(OTHER_GIRL).declared_gender == "M"  # kept as declared, for the match


# --- snapshots -----------------------------------------------------------------------------------


def facts_on(day: dt.date) -> dict[str, tuple[str, int | None]]:
    rows = Enrolment.objects.filter(valid_on(day)).values_list("person__name", "school__code", "grade")
    return {name: (school, grade) for name, school, grade in rows}


def test_later_snapshot_of_a_school_ends_and_starts_enrolments_on_its_date(tmp_path: Path) -> None:
    third = pid("2015-03-03", 6)
    first_file = [
        row("甲", GIRL),
        row("乙", OTHER_GIRL),
        row("丙", third),
        row("丁", BOY, 学校标识码=PRIMARY_B, 年级="六年级"),
    ]
    assert run(write_xlsx(tmp_path, first_file, name="autumn"), "--as-of", "2023-09-01")[0] == 0
    later_file = [row("乙", OTHER_GIRL, 年级="四年级"), row("丙", third)]
    code, report = run(write_xlsx(tmp_path, later_file, name="spring"), "--as-of", "2024-03-01")
    assert (code, counts(report)) == (0, (2, 0, 1, 1, 0, 0))
    march = dt.date(2024, 3, 1)
    assert list(Person.objects.get(name="甲").enrolments.values_list("valid_from", "valid_to")) == [
        (None, march)
    ]
    assert list(
        Person.objects.get(name="乙").enrolments.order_by("pk").values_list("valid_from", "valid_to", "grade")
    ) == [(None, march, 3), (march, None, 4)]
    assert list(Person.objects.get(name="丙").enrolments.values_list("valid_from", "valid_to")) == [
        (None, None)
    ]
    assert list(Person.objects.get(name="丁").enrolments.values_list("valid_from", "valid_to")) == [
        (None, None)
    ]
    assert facts_on(dt.date(2023, 12, 1)) == {
        "甲": (PRIMARY_A, 3),
        "乙": (PRIMARY_A, 3),
        "丙": (PRIMARY_A, 3),
        "丁": (PRIMARY_B, 6),
    }
    assert facts_on(dt.date(2024, 3, 10)) == {
        "乙": (PRIMARY_A, 4),
        "丙": (PRIMARY_A, 3),
        "丁": (PRIMARY_B, 6),
    }
    snapshot = Snapshot.objects.filter(kind=SnapshotKind.STUDENTS).first()
    assert (snapshot.as_of, snapshot.report["ended"], snapshot.filename) == (march, 1, "spring.xlsx")


def test_school_seen_for_the_first_time_stands_for_earlier_dates(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [row("甲", GIRL)], name="a"), "--as-of", "2023-09-01")
    newcomer = row("乙", OTHER_GIRL)
    first_at_b = row("丙", BOY, 学校标识码=PRIMARY_B, 年级="六年级")
    run(write_xlsx(tmp_path, [row("甲", GIRL), newcomer, first_at_b], name="b"), "--as-of", "2024-03-01")
    assert Person.objects.get(name="乙").enrolments.get().valid_from == dt.date(2024, 3, 1)
    assert Person.objects.get(name="丙").enrolments.get().valid_from is None


def test_same_day_reimport_corrects_in_place(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [row("甲", GIRL), row("乙", OTHER_GIRL)], name="a"), "--as-of", "2023-09-01")
    spring = [row("甲", GIRL, 年级="四年级"), row("乙", OTHER_GIRL)]
    run(write_xlsx(tmp_path, spring, name="b"), "--as-of", "2024-03-01")
    corrected = [row("甲", GIRL, 年级="五年级")]
    code, report = run(write_xlsx(tmp_path, corrected, name="c"), "--as-of", "2024-03-01")
    assert (code, counts(report)) == (0, (1, 0, 1, 0, 0, 0))
    march = dt.date(2024, 3, 1)
    assert list(
        Person.objects.get(name="甲").enrolments.order_by("pk").values_list("valid_from", "valid_to", "grade")
    ) == [(None, march, 3), (march, None, 5)]
    assert list(Person.objects.get(name="乙").enrolments.values_list("valid_from", "valid_to")) == [
        (None, march)
    ]


def test_file_older_than_the_newest_snapshot_is_refused(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [row("甲", GIRL)], name="a"), "--as-of", "2024-03-01")
    code, report = run(write_xlsx(tmp_path, [row("乙", OTHER_GIRL)], name="b"), "--as-of", "2024-02-01")
    assert (code, counts(report)) == (1, (0, 0, 0, 0, 0, 0))
    assert errors(report) == [
        (
            None,
            "",
            "",
            "A newer snapshot (as of 2024-03-01) is already imported; this file is as of 2024-02-01.",
        )
    ]
    assert not Person.objects.filter(name="乙").exists()


def test_a_file_dated_in_the_future_is_refused(tmp_path: Path) -> None:
    """It would block every later file until that day; the registry imports refuse it the same way."""
    code, report = run(write_xlsx(tmp_path, [row("甲", GIRL)]), "--as-of", "2024-03-16")
    assert (code, counts(report)) == (1, (0, 0, 0, 0, 0, 0))
    assert [e[0] for e in errors(report)] == [None]
    assert "2024-03-16" in errors(report)[0][3]
    assert not Snapshot.objects.exists()


def test_as_of_defaults_to_today_and_must_be_a_date(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [row("甲", GIRL)]))
    assert Snapshot.objects.get().as_of == dt.date(2024, 3, 15)
    with pytest.raises(CommandError) as caught:
        call_command("import_students", str(write_xlsx(tmp_path, [])), "--as-of", "2024/13/01")
    assert caught.value.returncode == 2


# --- idempotence, dry run, strict, all or nothing ------------------------------------------------


def test_reimporting_the_same_file_changes_nothing() -> None:
    run(FIXTURES / "students_two_sheets.xlsx")
    enrolments_before = list(Enrolment.objects.values_list("pk", "valid_from", "valid_to"))
    history_before = Person.history.count()
    code, report = run(FIXTURES / "students_two_sheets.xlsx")
    assert (code, counts(report)) == (0, (9, 0, 0, 8, 1, 0))
    assert list(Enrolment.objects.values_list("pk", "valid_from", "valid_to")) == enrolments_before
    assert Person.history.count() == history_before


def test_changed_name_updates_the_person_and_keeps_its_history(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [row("张三", GIRL)], name="a"))
    code, report = run(write_xlsx(tmp_path, [row("张叁", GIRL)], name="b"))
    assert (code, counts(report)) == (0, (1, 0, 1, 0, 0, 0))
    person = Person.objects.get(id_number=GIRL)
    assert [h.name for h in person.history.order_by("history_date")] == ["张三", "张叁"]
    assert person.enrolments.count() == 1


def test_dry_run_counts_like_a_real_run_and_writes_nothing(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [row("甲", GIRL), row("乙", OTHER_GIRL)], name="a"), "--as-of", "2023-09-01")
    written = (Person.objects.count(), Enrolment.objects.count(), Snapshot.objects.count())
    audits = AuditEvent.objects.filter(kind=AuditKind.IMPORT).count()
    later = [
        row("甲", GIRL, 年级="四年级"),
        row("丙", BOY, 学校标识码=JUNIOR_A, 学段="", 年级="初一", 班级="9班"),
    ]
    code, report = run(write_xlsx(tmp_path, later, name="b"), "--dry-run")
    assert (code, counts(report), report["applied"], report["dry_run"]) == (
        0,
        (2, 1, 1, 0, 0, 0),
        False,
        True,
    )
    assert (Person.objects.count(), Enrolment.objects.count(), Snapshot.objects.count()) == written
    assert AuditEvent.objects.filter(kind=AuditKind.IMPORT).count() == audits
    assert not SchoolClass.objects.filter(name="9班").exists()
    assert enrolment(GIRL).grade == 3


def test_strict_applies_nothing_while_a_row_is_rejected(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, [row("甲", GIRL), row("乙", "123")]), "--strict")
    assert (code, counts(report), report["applied"]) == (1, (2, 1, 0, 0, 0, 1), False)
    assert not Person.objects.exists() and not Snapshot.objects.exists()
    code, report = run(write_xlsx(tmp_path, [row("甲", GIRL)]), "--strict")
    assert (code, report["applied"], Enrolment.objects.count()) == (0, True, 1)


def test_a_database_error_mid_apply_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(enrolments, "write_plan", fail)
    with pytest.raises(RuntimeError, match="went away"):
        call_command(
            "import_students", str(write_xlsx(tmp_path, [row("甲", GIRL)])), "--json", stdout=io.StringIO()
        )
    assert not Person.objects.exists()
    assert not Person.history.exists()
    assert not Snapshot.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditKind.IMPORT).exists()


def test_queries_do_not_grow_with_the_rows(tmp_path: Path) -> None:
    """Bulk loads and writes: 400 rows take a handful of statements more than 4, not 400 more."""

    def statements(rows: int, name: str, as_of: str) -> int:
        file = [row(f"学生{n}", pid_n(n)) for n in range(rows)]
        with CaptureQueriesContext(connection) as queries:
            assert run(write_xlsx(tmp_path, file, name=name), "--as-of", as_of)[0] == 0
        return len(queries)

    few, many = statements(4, "few", "2023-09-01"), statements(400, "many", "2023-09-02")
    assert many - few < 40


def pid_n(n: int) -> str:
    return pid((dt.date(2015, 1, 1) + dt.timedelta(days=n // 500)).isoformat(), n % 500 * 2)


# --- output and attribution ----------------------------------------------------------------------


def test_json_report_has_the_documented_shape_and_its_counts_add_up(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [row("甲", GIRL), row("乙", OTHER_GIRL)], name="a"), "--as-of", "2023-09-01")
    rows = [
        row("甲", GIRL),
        row("甲", GIRL),
        row("乙", OTHER_GIRL, 班级="3班"),
        row("丙", BOY),
        row("丁", "1"),
    ]
    code, report = run(write_xlsx(tmp_path, rows, name="b"))
    assert code == 1
    assert set(report) >= {
        "rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "duplicates",
        "errors",
        "warnings",
    }
    assert counts(report) == (5, 1, 1, 1, 1, 1)
    assert report["rows"] == sum(
        report[k] for k in ("created", "updated", "unchanged", "rejected", "duplicates")
    )
    assert set(report["errors"][0]) == {"row", "column", "value", "reason"}


def test_import_is_audited_and_attributed_to_the_user(tmp_path: Path, cast: Any) -> None:
    admin = cast.user("county_admin")
    code, _report = run(write_xlsx(tmp_path, [row("甲", GIRL)]), "--user", admin.username)
    assert code == 0
    snapshot = Snapshot.objects.get()
    assert (snapshot.kind, snapshot.actor, snapshot.actor_name) == ("students", admin, admin.username)
    assert Person.objects.get().history.get().history_user == admin
    event = AuditEvent.objects.get(kind=AuditKind.IMPORT)
    assert (event.actor, event.object_id) == (admin, str(snapshot.pk))
    assert event.detail == {
        "import": "students",
        "file": "s.xlsx",
        "as_of": "2024-03-15",
        "rows": 1,
        "rejected": 0,
        "duplicates": 0,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "ended": 0,
        "persons_created": 1,
        "classes_created": 0,
    }


def test_command_line_actor_without_user(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, [row("甲", GIRL)]))
    assert Snapshot.objects.get().actor_name == "命令行"
    assert AuditEvent.objects.get(kind=AuditKind.IMPORT).username == "命令行"


def test_rejection_reads_in_chinese(tmp_path: Path) -> None:
    with translation.override("zh-hans"):
        code, report = run(write_xlsx(tmp_path, [row("甲", ""), row("乙", OTHER_GIRL, 学段="初中")]))
    assert code == 1
    assert [e["reason"] for e in report["errors"]] == [
        "缺少身份证号；没有身份证号的学生须填写以 J 或 L 开头的学籍号。",
        "东营小学（小学）没有“初中”学段。",
    ]
