"""`eduaid import_registry`: reading real files, judging each row, and the registry as of each date."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import python_calamine
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
from eduaid.org.models import Township, Village
from eduaid.registry.dates import DateError, parse_date
from eduaid.registry.models import (
    Household,
    HouseholdVersion,
    Membership,
    Person,
    Snapshot,
    valid_on,
)
from eduaid.registry.services import households as household_services

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = [
    *["户编号", "姓名", "证件号码", "与户主关系", "户类型", "监测对象类别", "是否享受政策"],
    *["纳入监测日期", "风险是否消除", "风险消除日期", "乡镇", "行政村"],
]
FIELDS = (
    *("code", "name", "id", "relation", "type", "category", "policy"),
    *("since", "gone", "gone_on", "township", "village"),
)
LOST_DIGITS = (
    "The value was stored as a number and has lost digits: format the column as text and export again."
)
BAD_DATE = "Not a date: write dates like 2023-05-01."
H1, H2 = "411728209213001", "411728001009004"

pytestmark = pytest.mark.django_db


def pid(born: str, sequence: int) -> str:
    """A synthetic ID of 遂平县 (area 412823 before 2000, 411728 since)."""
    day = dt.date.fromisoformat(born)
    return synthetic("411728" if day.year >= 2000 else "412823", day, sequence)


A1, A2 = pid("1980-01-01", 11), pid("2012-09-01", 31)
B1, B2 = pid("1985-08-08", 71), pid("2015-03-03", 73)


def row(**values: str) -> list[str]:
    """A member row of household H1 (脱贫户 in 文城乡 东营村), with `values` overriding its cells."""
    base = dict.fromkeys(FIELDS, "")
    base.update(code=H1, name="张德明", id=A1, relation="户主", type="脱贫户", township="文城乡")
    base.update(village="东营村")
    base.update(values)
    return [base[name] for name in FIELDS]


def h2(**values: str) -> list[str]:
    """A member row of household H2: 一般农户, 边缘易致贫户 since 2022-06-15, in 瞿阳街道 马庄."""
    facts = {"code": H2, "type": "一般农户", "category": "边缘易致贫户", "since": "2022-06-15", "gone": "否"}
    return row(**{**facts, "township": "瞿阳街道", "village": "马庄", **values})


def base_rows() -> list[list[str]]:
    return [
        row(),
        row(name="张浩", id=A2, relation="之子"),
        h2(name="赵强", id=B1),
        h2(name="赵子轩", id=B2, relation="之子"),
    ]


@pytest.fixture(autouse=True)
def _county(settings: Any) -> Iterator[None]:
    settings.EDUAID_COUNTY = "411728"
    assert Township.objects.filter(county__code="411728").count() == 18
    with translation.override("en"):
        yield


def write_xlsx(
    tmp_path: Path, rows: list[list[Any]], header: list[str] = HEADER, name: str = "r.xlsx"
) -> Path:
    """A one-sheet workbook, header on row 1; strings as text, numbers as numbers."""
    path = tmp_path / name
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("户")
    sheet.write_row(0, 0, header)
    for number, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(number, col, value)
            else:
                sheet.write_number(number, col, value)
    book.close()
    return path


def run(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    return run_import_command("import_registry", path, *args)


def version(code: str, day: dt.date | None = None) -> HouseholdVersion:
    rows = HouseholdVersion.objects.filter(household__code=code)
    return rows.get(valid_on(day)) if day else rows.get(valid_to__isnull=True)


def village(code: str) -> Village:
    return Village.objects.get(code=code)


def nothing_written() -> bool:
    models = (Person, Household, HouseholdVersion, Membership, Snapshot)
    return (
        not any(model.objects.exists() for model in models)
        and not AuditEvent.objects.filter(kind=AuditKind.IMPORT).exists()
    )


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2023-05-01",
        "2023/5/1",
        "2023.5.1",
        "20230501",
        "2023年5月1日",
        "２０２３年５月１日",
        "45047",
        "2023-05-01 08:30",
    ],
)
def test_parse_date_reads_the_ways_dates_are_written(text: str) -> None:
    assert parse_date(text) == dt.date(2023, 5, 1)


@pytest.mark.parametrize("text", ["2023-13-01", "2023-02-30", "5/1/2023", "2023", "明年", "2023年5月"])
def test_parse_date_refuses_what_is_not_a_date(text: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_date(text)
    assert caught.value.message == BAD_DATE


def test_parse_date_of_a_blank_or_missing_cell_is_none() -> None:
    assert parse_date(None) is None
    assert parse_date("  ") is None


# --- reading real files --------------------------------------------------------------------------


def test_import_reads_two_sheets_below_title_rows_with_merged_cells() -> None:
    code, report = run(FIXTURES / "registry_two_sheets.xlsx", "--as-of", "2024-03-01")
    assert (code, counts(report)) == (0, (11, 11, 0, 0, 0, 0))
    assert report["errors"] == [] and report["warnings"] == []
    assert Household.objects.count() == 5 and Membership.objects.count() == 11
    poor = version("411728209213001")
    assert (poor.household_type, poor.monitoring_category, poor.enjoys_policy) == ("poverty_exited", "", True)
    assert poor.village == village("411728209213")  # 东营村
    marginal = version("411728209213002")  # written 东营村委会, 纳入监测日期 a date cell
    assert (marginal.monitoring_category, marginal.monitored_since) == ("marginal", dt.date(2022, 6, 15))
    assert marginal.village == village("411728209213")
    unstable = version("411728209200003")  # township written 文城; 2021/4/1 as text
    assert (unstable.household_type, unstable.monitoring_category) == ("poverty_exited", "unstable_exited")
    assert (unstable.monitored_since, unstable.risk_eliminated_on) == (
        dt.date(2021, 4, 1),
        dt.date(2023, 11, 30),
    )
    sudden = version("411728001009004")  # 马庄 in 瞿阳街道 is 马庄居委会, not 文城乡's 马庄村
    assert (sudden.monitoring_category, sudden.monitored_since) == ("sudden_hardship", dt.date(2023, 5, 1))
    assert sudden.village == village("411728001009")
    assert version("411728001001005").enjoys_policy is False  # 是否享受政策 否; written 灈阳街道
    head = Person.objects.get(id_number=pid("1978-03-12", 11))
    assert (head.name, head.gender, head.birth_date) == ("张德明", "M", dt.date(1978, 3, 12))
    assert head.memberships.get().relation == "户主"


def test_xls_file_with_alias_headers_numbers_and_date_cells() -> None:
    code, report = run(FIXTURES / "registry_excel97.xls")
    assert (code, counts(report)) == (0, (5, 5, 0, 0, 0, 0))
    chen = version("411728103200006")  # 户编号 stored as a number: 15 digits survive
    assert (chen.monitored_since, chen.risk_eliminated_on) == (dt.date(2023, 2, 1), dt.date(2024, 1, 10))
    assert chen.village == village("411728103200")  # 嵖岈山镇 竹园村 → 查岈山镇
    han = version("411728103205007")  # 韩楼村委会 and 韩楼: one village; no 是否享受政策 column
    assert (han.village, han.enjoys_policy) == (village("411728103205"), True)
    assert version("411728103207008").monitored_since == dt.date(2023, 5, 1)  # serial number 45047


def test_gb18030_csv_with_full_width_digits_lower_case_x_and_chinese_dates() -> None:
    code, report = run(FIXTURES / "registry_gb18030.csv")
    assert (code, counts(report)) == (0, (4, 4, 0, 0, 0, 0))
    assert Person.objects.get(id_number=pid("1979-05-05", 121)).name == "马国强"
    assert Person.objects.filter(id_number=pid("2013-02-14", 7)).exists()  # ends in X, written x
    ma = version("411728209205009")
    assert (ma.monitored_since, ma.village) == (dt.date(2023, 5, 1), village("411728209205"))
    wu = version("411728209214010")
    assert (wu.monitored_since, wu.risk_eliminated_on) == (dt.date(2022, 3, 15), dt.date(2023, 12, 1))


def test_single_category_column_holds_all_four_categories() -> None:
    code, report = run(FIXTURES / "registry_combined.xlsx")
    assert (code, counts(report)) == (0, (4, 4, 0, 0, 0, 0))
    kinds = {
        v.household.code: (v.household_type, v.monitoring_category, v.risk_eliminated_on, v.village.code)
        for v in HouseholdVersion.objects.select_related("household", "village")
    }
    assert kinds == {
        "411728102204011": ("poverty_exited", "", None, "411728102204"),
        "411728102204012": ("poverty_exited", "unstable_exited", dt.date(2023, 10, 1), "411728102204"),
        "411728105219013": ("ordinary", "marginal", None, "411728105219"),  # 和兴镇's 火龙庙村
        "411728105219014": ("ordinary", "sudden_hardship", None, "411728105219"),
    }


@pytest.mark.parametrize("heading", ["户类型", "监测对象类别", "家庭类别", "人口类别"])
def test_single_category_column_may_have_any_of_its_headings(tmp_path: Path, heading: str) -> None:
    header = ["户编号", "姓名", "证件号码", heading, "乡镇", "行政村"]
    rows = [
        ["H1", "甲", A1, "脱贫不稳定户", "文城乡", "东营村"],
        ["H2", "乙", B1, "边缘易致贫户", "文城乡", "东营村"],
        ["H3", "丙", pid("1990-02-02", 5), "脱贫户", "文城乡", "东营村"],
    ]
    code, report = run(write_xlsx(tmp_path, rows, header))
    assert (code, report["created"]) == (0, 3)
    assert (version("H1").household_type, version("H1").monitoring_category) == (
        "poverty_exited",
        "unstable_exited",
    )
    assert (version("H2").household_type, version("H2").monitoring_category) == ("ordinary", "marginal")
    assert (version("H3").household_type, version("H3").monitoring_category) == ("poverty_exited", "")


def test_missing_category_column_names_the_alternatives(tmp_path: Path) -> None:
    header = ["户编号", "姓名", "证件号码", "乡镇", "行政村"]
    code, report = run(write_xlsx(tmp_path, [["H1", "甲", A1, "文城乡", "东营村"]], header))
    assert (code, counts(report)) == (1, (0, 0, 0, 0, 0, 0))
    assert errors(report) == [
        (
            None,
            "",
            "",
            "No sheet has all the required columns. Missing: 户类型/监测对象类别/家庭类别. "
            "Columns found: 户编号、姓名、证件号码、乡镇、行政村. "
            "Columns expected: 户编号、姓名、证件号码、户类型/监测对象类别/家庭类别、乡镇、行政村.",
        )
    ]
    assert nothing_written()


# --- rejections ----------------------------------------------------------------------------------


def test_import_rejects_id_stored_as_number(tmp_path: Path) -> None:
    as_number = row(name="李四")
    as_number[2] = 411728201209010318  # type: ignore[call-overload]
    code, report = run(write_xlsx(tmp_path, [row(), as_number]))
    assert (code, counts(report)) == (1, (2, 1, 0, 0, 0, 1))
    assert errors(report) == [(3, "证件号码", "4.11728E+17", LOST_DIGITS)]


def test_import_rejects_id_in_scientific_notation_in_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    lines = [",".join(HEADER), ",".join(row(id="4.11728E+17"))]
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    code, report = run(path)
    assert (code, errors(report)) == (1, [(2, "证件号码", "4.11728E+17", LOST_DIGITS)])


def test_import_rejects_invalid_id_numbers(tmp_path: Path) -> None:
    wrong_check = A1[:-1] + ("0" if A1[-1] != "0" else "1")
    bad_month = "411728201513010" + "01"
    bad_month += ric.calc_check_digit(bad_month + "0")
    unborn = synthetic("411728", dt.date(2024, 6, 1), 1)
    rows = [
        row(id=wrong_check),
        row(id=bad_month),
        row(id=A1[:17]),
        row(id=unborn),
        row(id="4117282015O6010023"),
        row(id="990000" + A2[6:17] + ric.calc_check_digit("990000" + A2[6:17] + "0")),
        row(id=""),
    ]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (7, 0, 0, 0, 0, 7))
    assert [(e[0], e[3]) for e in errors(report)] == [
        (2, "The last character (the check digit) does not fit the other 17: compare it with the ID card."),
        (3, "Characters 7–14 of an ID number are the birth date, and 20151301 is not a date."),
        (4, "An ID number has 18 characters; this one has 17."),
        (5, "The birth date in the ID number (2024-06-01) lies in the future."),
        (6, "An ID number is 17 digits followed by a digit or X."),
        (7, "The first six digits of the ID number are not a known area code."),
        (8, "A value is required."),
    ]
    assert {e["column"] for e in report["errors"]} == {"证件号码"}
    assert nothing_written()


def test_import_rejects_unknown_township_and_village(tmp_path: Path) -> None:
    rows = [
        row(township="火星乡"),
        row(id=A2, village="火星村"),
        row(id=B1, village="铁西"),  # a village of 瞿阳街道, not of 文城乡
        row(id=B2, township="县直"),
    ]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (4, 0, 0, 0, 0, 4))
    unknown_village = (
        "文城乡 has no village of this name: write it as the county's list of villages of 文城乡 does, "
        "or correct 乡镇 if the village lies in another township."
    )
    assert errors(report) == [
        (
            2,
            "乡镇",
            "火星乡",
            "No township of this county has this name: write it as the county's list of townships does.",
        ),
        (3, "行政村", "火星村", unknown_village),
        (4, "行政村", "铁西", unknown_village),
        (5, "乡镇", "县直", "县直 is for county-level schools: write the township where the person lives."),
    ]


def test_import_rejects_category_values_outside_their_lists(tmp_path: Path) -> None:
    rows = [
        row(type="贫困户"),
        row(id=A2, category="重点户"),
        row(id=B1, policy="可能"),
        row(id=B2, type="一般农户", category="脱贫不稳定户"),
        row(id=pid("1990-02-02", 5), type="", category=""),
    ]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (5, 0, 0, 0, 0, 5))
    assert errors(report) == [
        (2, "户类型", "贫困户", "Not one of the allowed values: 脱贫户、一般农户."),
        (
            3,
            "监测对象类别",
            "重点户",
            "Not one of the allowed values: 脱贫不稳定户、边缘易致贫户、突发严重困难户.",
        ),
        (4, "是否享受政策", "可能", "Not one of the allowed values: 是、否."),
        (5, "监测对象类别", "脱贫不稳定户", "A 脱贫不稳定户 can only be a 脱贫户, but 户类型 says 一般农户."),
        (6, "户类型", "", "A value is required."),
    ]


def test_empty_household_type_follows_from_the_monitoring_category(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, [row(type="", category="边缘易致贫户")]))
    assert (code, report["created"]) == (0, 1)
    assert (version(H1).household_type, version(H1).monitoring_category) == ("ordinary", "marginal")


def test_risk_elimination_needs_a_date_and_a_date_needs_yes(tmp_path: Path) -> None:
    monitored = {"type": "一般农户", "category": "边缘易致贫户", "since": "2022-06-15"}
    rows = [
        row(**monitored, gone="是"),
        row(**monitored, id=A2, code="H9", gone="否", gone_on="2023-10-01"),
        row(**monitored, id=B1, code="H8", gone="是", gone_on="2022-01-01"),
        row(**monitored, id=B2, code="H7", gone="", gone_on="2023-10-01"),
    ]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (4, 1, 0, 0, 0, 3))
    assert errors(report) == [
        (2, "风险消除日期", "", "风险是否消除 is 是: write the date in 风险消除日期."),
        (
            3,
            "风险消除日期",
            "2023-10-01",
            "风险是否消除 is 否, yet a date is given: clear the date or write 是.",
        ),
        (
            4,
            "风险消除日期",
            "2022-01-01",
            "The risk cannot be eliminated before the household was identified for monitoring (2022-06-15).",
        ),
    ]
    assert version("H7").risk_eliminated_on == dt.date(2023, 10, 1)  # a date alone means 是


def test_risk_columns_of_a_household_that_is_not_monitored_are_ignored(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, [row(gone="是", since="2022-01-01")]))
    assert (code, report["created"]) == (0, 1)
    assert (version(H1).monitored_since, version(H1).risk_eliminated_on) == (None, None)


def test_import_rejects_bad_and_future_dates(tmp_path: Path) -> None:
    monitored = {"type": "一般农户", "category": "突发严重困难户"}
    rows = [row(**monitored, since="2023-13-01"), row(**monitored, id=A2, code="H9", since="2024-12-01")]
    code, report = run(write_xlsx(tmp_path, rows))
    assert errors(report) == [
        (2, "纳入监测日期", "2023-13-01", BAD_DATE),
        (3, "纳入监测日期", "2024-12-01", "The date lies in the future."),
    ]


def test_same_id_in_two_households_rejects_both_rows(tmp_path: Path) -> None:
    rows = [row(), row(name="张浩", id=A2, relation="之子"), h2(name="张德明", id=A1)]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (3, 1, 0, 0, 0, 2))
    assert errors(report) == [
        (2, "证件号码", A1, "Also in row 4 with different content."),
        (4, "证件号码", A1, "Also in row 2 with different content."),
    ]
    assert list(Person.objects.values_list("id_number", flat=True)) == [A2]


def test_household_rows_that_disagree_with_the_others_are_rejected(tmp_path: Path) -> None:
    rows = [
        row(),
        row(id=A2, category="突发严重困难户", since="2023-01-01"),
        row(id=pid("2014-01-01", 21), relation="之女"),
        row(id=pid("2016-01-01", 41), relation="之女", township="瞿阳街道", village="马庄"),
    ]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (4, 2, 0, 0, 0, 2))
    empty = "Row 2 of the same household leaves it empty: all rows of a household must agree."
    assert errors(report) == [
        (3, "监测对象类别", "突发严重困难户", empty),
        (3, "纳入监测日期", "2023-01-01", empty),
        (
            5,
            "乡镇",
            "瞿阳街道",
            "Row 2 of the same household says “文城乡”: all rows of a household must agree.",
        ),
    ]
    assert version(H1).monitoring_category == ""


def test_household_split_in_two_halves_rejects_every_row(tmp_path: Path) -> None:
    rows = [row(), row(id=A2, village="文城村")]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (2, 0, 0, 0, 0, 2))
    assert errors(report) == [
        (
            2,
            "行政村",
            "东营村",
            "Row 3 of the same household says “文城村”: all rows of a household must agree.",
        ),
        (
            3,
            "行政村",
            "文城村",
            "Row 2 of the same household says “东营村”: all rows of a household must agree.",
        ),
    ]
    assert nothing_written()


def test_a_later_row_can_settle_a_household_that_was_split(tmp_path: Path) -> None:
    rows = [row(), row(id=A2, village="文城村"), row(id=B1, village="东营村委会")]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (3, 2, 0, 0, 0, 1))
    assert [(e[0], e[1]) for e in errors(report)] == [(3, "行政村")]


def test_exact_repeat_is_counted_once_with_a_warning(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, [row(), row(id=A2), [f" {v} " for v in row()]]))
    assert (code, counts(report)) == (0, (3, 2, 0, 0, 1, 0))
    assert report["warnings"] == [
        {"row": 4, "column": "", "value": "", "reason": "Exact repeat of row 2; counted once."}
    ]


def test_gender_that_disagrees_with_the_id_number_is_a_warning(tmp_path: Path) -> None:
    header = [*HEADER, "性别"]
    rows = [[*row(), "女"], [*row(id=A2), "男"], [*row(id=B1), "未知"]]
    code, report = run(write_xlsx(tmp_path, rows, header))
    assert (code, counts(report)) == (0, (3, 3, 0, 0, 0, 0))
    assert [(w["row"], w["column"], w["value"], w["reason"]) for w in report["warnings"]] == [
        (2, "性别", "女", "The ID number (its 17th digit) says 男."),
        (4, "性别", "未知", "Not one of the allowed values: 男、女."),
    ]
    assert Person.objects.get(id_number=A1).gender == "M"


def test_name_is_required_and_fits_the_database(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, [row(name=""), row(id=A2, name="名" * 51)]))
    assert errors(report) == [
        (2, "姓名", "", "A value is required."),
        (3, "姓名", "名" * 51, "Longer than 50 characters."),
    ]


def test_unknown_village_rejection_reads_in_chinese(tmp_path: Path) -> None:
    with translation.override("zh-hans"):
        code, report = run(write_xlsx(tmp_path, [row(village="火星村")]))
    assert report["errors"][0]["reason"] == (
        "文城乡没有叫这个名字的行政村：请按本县行政区划中文城乡的村名填写；如果该村属于其他乡镇，请更正“乡镇”。"
    )


# --- the registry as of each date ----------------------------------------------------------------


def test_first_snapshot_stands_for_all_earlier_dates(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, base_rows()), "--as-of", "2023-09-01")
    assert (code, counts(report)) == (0, (4, 4, 0, 0, 0, 0))
    assert set(HouseholdVersion.objects.values_list("valid_from", "valid_to")) == {(None, None)}
    assert set(Membership.objects.values_list("valid_from", "valid_to")) == {(None, None)}
    assert HouseholdVersion.objects.filter(valid_on(dt.date(2000, 1, 1))).count() == 2
    snapshot = Snapshot.objects.get()
    assert (snapshot.kind, snapshot.as_of, snapshot.actor, snapshot.actor_name) == (
        "registry",
        dt.date(2023, 9, 1),
        None,
        "命令行",
    )
    assert (snapshot.filename, snapshot.report["created"], snapshot.report["rows"]) == ("r.xlsx", 4, 4)


def test_later_snapshot_ends_dropped_household_and_versions_a_changed_category(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()), "--as-of", "2023-09-01")
    changed = {"category": "脱贫不稳定户", "since": "2024-01-05"}
    later = [row(**changed), row(**changed, name="张浩", id=A2, relation="之子")]
    code, report = run(write_xlsx(tmp_path, later), "--as-of", "2024-03-01")
    assert (code, counts(report)) == (0, (2, 0, 2, 0, 0, 0))
    old, new = HouseholdVersion.objects.filter(household__code=H1).order_by("pk")
    assert (old.valid_from, old.valid_to, old.monitoring_category) == (None, dt.date(2024, 3, 1), "")
    assert (new.valid_from, new.valid_to, new.monitoring_category) == (
        dt.date(2024, 3, 1),
        None,
        "unstable_exited",
    )
    assert new.snapshot.as_of == dt.date(2024, 3, 1)
    dropped = HouseholdVersion.objects.get(household__code=H2)
    assert (dropped.valid_from, dropped.valid_to) == (None, dt.date(2024, 3, 1))
    assert set(Membership.objects.filter(household__code=H2).values_list("valid_to", flat=True)) == {
        dt.date(2024, 3, 1)
    }
    before, on = dt.date(2024, 2, 29), dt.date(2024, 3, 1)
    assert (
        version(H1, before).monitoring_category == ""
        and version(H1, on).monitoring_category == "unstable_exited"
    )
    assert version(H2, before).monitoring_category == "marginal"
    assert not HouseholdVersion.objects.filter(valid_on(on), household__code=H2).exists()
    assert Membership.objects.filter(valid_on(before)).count() == 4
    assert Membership.objects.filter(valid_on(on)).count() == 2
    assert Snapshot.objects.get(as_of=on).report["households_ended"] == 1


def test_older_as_of_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()), "--as-of", "2024-03-01")
    code, report = run(write_xlsx(tmp_path, [row(name="改名")]), "--as-of", "2024-01-01")
    assert (code, counts(report)) == (1, (0, 0, 0, 0, 0, 0))
    assert errors(report) == [
        (
            None,
            "",
            "",
            "A newer snapshot (as of 2024-03-01) is already imported; this file is as of 2024-01-01.",
        )
    ]
    assert Snapshot.objects.count() == 1 and Person.objects.get(id_number=A1).name == "张德明"


def test_as_of_after_today_is_refused(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, base_rows()), "--as-of", "2024-03-16")
    assert code == 1
    assert errors(report) == [
        (None, "", "", "The file's date 2024-03-16 lies in the future: give the day the file was exported.")
    ]
    assert nothing_written()


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, base_rows())
    run(path, "--as-of", "2023-09-01")
    for as_of in ("2023-09-01", "2024-03-01"):
        code, report = run(path, "--as-of", as_of)
        assert (code, counts(report)) == (0, (4, 0, 0, 4, 0, 0))
    assert HouseholdVersion.objects.count() == 2 and Membership.objects.count() == 4
    assert Person.history.count() == 4


def test_as_of_defaults_to_today(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()))
    assert Snapshot.objects.get().as_of == dt.date(2024, 3, 15)  # the frozen clock


def test_same_day_reimport_corrects_the_first_snapshot(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()), "--as-of", "2024-03-01")
    corrected = [row(category="突发严重困难户"), row(name="张浩", id=A2, category="突发严重困难户")]
    code, report = run(write_xlsx(tmp_path, corrected), "--as-of", "2024-03-01")
    assert (code, counts(report)) == (0, (2, 0, 2, 0, 0, 0))
    only = HouseholdVersion.objects.get()  # corrected in place; H2 withdrawn
    assert (only.household.code, only.valid_from, only.monitoring_category) == (H1, None, "sudden_hardship")
    assert Membership.objects.count() == 2


def test_member_moving_to_another_household_ends_the_old_membership(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()), "--as-of", "2023-09-01")
    moved = [*base_rows()[:1], h2(name="张浩", id=A2, relation="之孙"), *base_rows()[2:]]
    code, report = run(write_xlsx(tmp_path, moved), "--as-of", "2024-03-01")
    assert (code, counts(report)) == (0, (4, 0, 1, 3, 0, 0))
    old, new = Membership.objects.filter(person__id_number=A2).order_by("pk")
    assert (old.household.code, old.valid_to) == (H1, dt.date(2024, 3, 1))
    assert (new.household.code, new.valid_from, new.relation) == (H2, dt.date(2024, 3, 1), "之孙")


def test_renamed_person_is_updated_with_history(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()), "--as-of", "2023-09-01")
    renamed = [row(name="张德民"), *base_rows()[1:]]
    code, report = run(write_xlsx(tmp_path, renamed), "--as-of", "2024-03-01")
    assert (code, counts(report)) == (0, (4, 0, 1, 3, 0, 0))
    person = Person.objects.get(id_number=A1)
    assert [h.name for h in person.history.order_by("history_date")] == ["张德明", "张德民"]
    assert Membership.objects.filter(person=person).count() == 1


def test_rejected_row_leaves_its_household_and_person_as_they_were(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()), "--as-of", "2023-09-01")
    broken = h2(name="赵强", id=B1[:-1] + ("0" if B1[-1] != "0" else "1"))
    code, report = run(write_xlsx(tmp_path, [*base_rows()[:2], broken]), "--as-of", "2024-03-01")
    assert (code, counts(report)) == (1, (3, 0, 0, 2, 0, 1))
    assert version(H2).valid_to is None  # not ended: its row may be fixed and imported again
    assert Membership.objects.filter(valid_to__isnull=True).count() == 4


# --- all or nothing ------------------------------------------------------------------------------


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    code, report = run(FIXTURES / "registry_two_sheets.xlsx", "--dry-run")
    assert (code, counts(report)) == (0, (11, 11, 0, 0, 0, 0))
    assert (report["applied"], report["dry_run"]) == (False, True)
    assert nothing_written()


def test_dry_run_counts_a_later_snapshot_like_a_real_run(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()), "--as-of", "2023-09-01")
    later = [
        row(category="突发严重困难户"),
        row(name="张浩", id=A2, relation="之子", category="突发严重困难户"),
        h2(name="新成员", id=pid("2017-07-07", 81)),
    ]
    code, report = run(write_xlsx(tmp_path, later), "--as-of", "2024-03-01", "--dry-run")
    assert (code, counts(report)) == (0, (3, 1, 2, 0, 0, 0))
    assert Snapshot.objects.count() == 1 and HouseholdVersion.objects.count() == 2


def test_strict_applies_nothing_when_a_row_is_rejected(tmp_path: Path) -> None:
    code, report = run(
        write_xlsx(tmp_path, [*base_rows(), row(id=pid("1999-01-01", 9), village="火星村")]), "--strict"
    )
    assert (code, counts(report)) == (1, (5, 4, 0, 0, 0, 1))  # what would have been created
    assert report["applied"] is False
    assert nothing_written()


def test_a_database_error_mid_apply_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = household_services.write_plan
    calls: list[str] = []

    def fail_second(model: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(model.__name__)
        if len(calls) > 1:
            raise RuntimeError("the database went away")
        real(model, *args, **kwargs)

    monkeypatch.setattr(household_services, "write_plan", fail_second)
    with pytest.raises(RuntimeError):
        call_command(
            "import_registry", str(write_xlsx(tmp_path, base_rows())), "--json", stdout=io.StringIO()
        )
    assert calls == ["HouseholdVersion", "Membership"]
    assert nothing_written()


def test_file_without_a_valid_row_ends_nothing(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()), "--as-of", "2023-09-01")
    code, report = run(write_xlsx(tmp_path, [row(village="火星村")]), "--as-of", "2024-03-01")
    assert (code, counts(report)) == (1, (1, 0, 0, 0, 0, 1))
    assert Snapshot.objects.count() == 1
    assert HouseholdVersion.objects.filter(valid_to__isnull=True).count() == 2


def test_queries_do_not_grow_with_the_number_of_rows(tmp_path: Path) -> None:
    """Each import ends the previous file's households and creates its own: only the size differs."""

    def queries(households: int, sequence: int, day: str) -> list[str]:
        born = dt.date(2010, 1, 1)
        rows = [
            row(code=f"Q{sequence}-{n}", id=synthetic("411728", born + dt.timedelta(n), sequence))
            for n in range(households)
        ]
        with CaptureQueriesContext(connection) as captured:
            run(write_xlsx(tmp_path, rows, name=f"q{sequence}.xlsx"), "--as-of", day)
        return [re.sub(r"\d+", "N", query["sql"][:70]) for query in captured]  # savepoint names vary

    queries(1, 1, "2024-01-01")
    few, many = queries(3, 2, "2024-02-01"), queries(30, 3, "2024-03-01")
    assert few == many


# --- output and attribution ----------------------------------------------------------------------


def test_json_report_has_the_design_shape(tmp_path: Path) -> None:
    rows = [*base_rows(), row(), row(id=pid("1999-01-01", 9), village="火星村")]
    code, report = run(write_xlsx(tmp_path, rows))
    assert code == 1
    assert {"rows", "created", "updated", "unchanged", "rejected", "duplicates", "errors", "warnings"} <= set(
        report
    )
    assert report["rows"] == sum(
        report[key] for key in ("created", "updated", "unchanged", "rejected", "duplicates")
    )
    assert counts(report) == (6, 4, 0, 0, 1, 1)
    assert set(report["errors"][0]) == {"row", "column", "value", "reason"}


def test_command_line_actor_and_user_option_are_recorded(tmp_path: Path, cast: Any) -> None:
    path = write_xlsx(tmp_path, base_rows())
    run(path, "--as-of", "2023-09-01")
    admin = cast.user("county_admin")
    run(path, "--as-of", "2024-03-01", "--user", admin.username)
    first, second = AuditEvent.objects.filter(kind=AuditKind.IMPORT).order_by("pk")
    assert (first.actor, first.username, first.detail["import"], first.detail["as_of"]) == (
        None,
        "命令行",
        "registry",
        "2023-09-01",
    )
    assert (second.actor, second.detail["unchanged"]) == (admin, 4)
    assert Snapshot.objects.get(as_of=dt.date(2024, 3, 1)).actor == admin
    assert Person.history.filter(history_user__isnull=True).count() == 4


def test_bad_as_of_is_misuse(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Not a date"):
        call_command("import_registry", str(write_xlsx(tmp_path, base_rows())), "--as-of", "2024-13-01")
    assert nothing_written()


def test_rejected_rows_download_as_xlsx_with_a_reason_column(tmp_path: Path) -> None:
    target = tmp_path / "rejected.xlsx"
    bad = row(id=A2, village="火星村")
    run(write_xlsx(tmp_path, [row(), bad]), "--rejected-out", str(target))
    sheet = python_calamine.CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0)
    assert sheet.to_python()[1][:-1] == bad
    assert sheet.to_python()[1][-1].startswith("行政村: 文城乡 has no village of this name")


def test_text_output_is_a_summary_and_one_line_per_error(tmp_path: Path) -> None:
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "import_registry", str(write_xlsx(tmp_path, [row(), row(id=A2, township="火星乡")])), stdout=out
        )
    assert (
        out.getvalue().splitlines()[0]
        == "Rows: 2; created 1, updated 0, unchanged 0, duplicates 0, rejected 1"
    )
