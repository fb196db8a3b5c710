"""`eduaid import_population`: the 户籍 children list, judged row by row and kept as of each date."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.management import call_command
from django.utils import translation

from eduaid.core.idnumbers import synthetic
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.core.tests.import_helpers import counts, errors, run_import_command
from eduaid.org.models import Village
from eduaid.registry.models import Person, PopulationEntry, Snapshot, valid_on

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = ["姓名", "身份证号", "乡镇", "行政村"]
LOST_DIGITS = (
    "The value was stored as a number and has lost digits: format the column as text and export again."
)
C1 = synthetic("411728", dt.date(2015, 4, 1), 202)
C2 = synthetic("411728", dt.date(2012, 10, 1), 201)
C3 = synthetic("411728", dt.date(2017, 6, 6), 212)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _county(settings: Any) -> Iterator[None]:
    settings.EDUAID_COUNTY = "411728"
    with translation.override("en"):
        yield


def write_xlsx(tmp_path: Path, rows: list[list[Any]], name: str = "p.xlsx") -> Path:
    path = tmp_path / name
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("儿童")
    sheet.write_row(0, 0, HEADER)
    for number, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(number, col, value)
            else:
                sheet.write_number(number, col, value)
    book.close()
    return path


def run(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    return run_import_command("import_population", path, *args)


def base_rows() -> list[list[Any]]:
    return [
        ["黄子涵", C1, "文城乡", "东营村"],
        ["黄宇", C2, "文城乡", "东营村"],
        ["林一诺", C3, "瞿阳街道", "马庄"],
    ]


def village_of(number: str, day: dt.date | None = None) -> str:
    entries = PopulationEntry.objects.filter(person__id_number=number)
    entry = entries.get(valid_on(day)) if day else entries.get(valid_to__isnull=True)
    return entry.village.code


def test_import_reads_an_xlsx_below_a_title_row_with_a_gender_column() -> None:
    code, report = run(FIXTURES / "population_title_row.xlsx")
    assert (code, counts(report)) == (0, (4, 4, 0, 0, 0, 0))
    assert report["warnings"] == []
    assert village_of(C1) == "411728209213"  # 文城乡 东营村
    assert village_of(C3) == "411728001009"  # 瞿阳街道 马庄居委会
    assert village_of(synthetic("411728", dt.date(2010, 2, 28), 221)) == "411728103207"  # 嵖岈山镇 土山村
    child = Person.objects.get(id_number=C1)
    assert (child.name, child.gender, child.birth_date) == ("黄子涵", "F", dt.date(2015, 4, 1))
    entry = PopulationEntry.objects.get(person=child)
    assert (entry.valid_from, entry.valid_to, entry.snapshot.kind) == (None, None, "population")


def test_gb18030_csv_with_alias_header_and_lower_case_x() -> None:
    code, report = run(FIXTURES / "population_gb18030.csv")
    assert (code, counts(report)) == (0, (2, 2, 0, 0, 0, 0))
    assert village_of(synthetic("411728", dt.date(2013, 2, 14), 15)) == "411728002002"  # 八里杨社区


def test_import_rejects_id_stored_as_number_and_unknown_village(tmp_path: Path) -> None:
    rows = [
        *base_rows(),
        ["某某", 411728201504010000, "文城乡", "东营村"],
        ["某", C1[:-1] + "Y", "文城乡", "月亮村"],
    ]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (5, 3, 0, 0, 0, 2))
    assert errors(report) == [
        (5, "身份证号", "4.11728E+17", LOST_DIGITS),
        (
            6,
            "身份证号",
            C1[:-1] + "Y",
            "The last character (the check digit) does not fit the other 17: compare it with the ID card.",
        ),
        (
            6,
            "行政村",
            "月亮村",
            "文城乡 has no village of this name: write it as the county's list of villages of 文城乡 does, "
            "or correct 乡镇 if the village lies in another township.",
        ),
    ]


def test_same_child_in_two_villages_rejects_both_rows(tmp_path: Path) -> None:
    rows = [*base_rows(), ["黄子涵", C1, "文城乡", "文城村"]]
    code, report = run(write_xlsx(tmp_path, rows))
    assert (code, counts(report)) == (1, (4, 2, 0, 0, 0, 2))
    assert [(e[0], e[3]) for e in errors(report)] == [
        (2, "Also in row 5 with different content."),
        (5, "Also in row 2 with different content."),
    ]


def test_later_list_ends_a_child_no_longer_listed_and_moves_another(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()), "--as-of", "2023-09-01")
    later = [["黄子涵", C1, "文城乡", "文城村"], ["黄宇", C2, "文城乡", "东营村"]]
    code, report = run(write_xlsx(tmp_path, later), "--as-of", "2024-03-01")
    assert (code, counts(report)) == (0, (2, 0, 1, 1, 0, 0))
    before, on = dt.date(2024, 2, 29), dt.date(2024, 3, 1)
    assert (village_of(C1, before), village_of(C1, on)) == ("411728209213", "411728209200")
    gone = PopulationEntry.objects.get(person__id_number=C3)
    assert (gone.valid_from, gone.valid_to) == (None, on)
    assert PopulationEntry.objects.filter(valid_on(on)).count() == 2
    assert Snapshot.objects.get(as_of=on).report["entries_ended"] == 1


def test_reimport_changes_nothing_and_older_lists_are_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, base_rows())
    run(path, "--as-of", "2024-01-01")
    assert counts(run(path, "--as-of", "2024-02-01")[1]) == (3, 0, 0, 3, 0, 0)
    code, report = run(path, "--as-of", "2023-12-01")
    assert code == 1
    assert errors(report) == [
        (
            None,
            "",
            "",
            "A newer snapshot (as of 2024-02-01) is already imported; this file is as of 2023-12-01.",
        )
    ]
    assert PopulationEntry.objects.count() == 3 and Snapshot.objects.count() == 2


def test_a_child_of_the_registry_is_the_same_person(tmp_path: Path) -> None:
    registry = tmp_path / "registry.csv"
    header = "户编号,姓名,证件号码,户类型,乡镇,行政村"
    registry.write_text(f"{header}\r\nH1,黄子涵,{C1},脱贫户,文城乡,东营村\r\n", encoding="utf-8")
    call_command("import_registry", str(registry), "--json", stdout=io.StringIO())
    code, report = run(write_xlsx(tmp_path, base_rows()))
    assert (code, counts(report)) == (0, (3, 3, 0, 0, 0, 0))
    assert Person.objects.count() == 3
    assert Person.objects.get(id_number=C1).memberships.count() == 1


def test_dry_run_and_strict_write_nothing(tmp_path: Path) -> None:
    code, report = run(write_xlsx(tmp_path, base_rows()), "--dry-run")
    assert (code, counts(report), report["applied"]) == (0, (3, 3, 0, 0, 0, 0), False)
    bad = [*base_rows(), ["某", C1[:-1] + "Y", "文城乡", "东营村"]]
    code, report = run(write_xlsx(tmp_path, bad, name="bad.xlsx"), "--strict")
    assert (code, report["applied"]) == (1, False)
    assert not Person.objects.exists() and not PopulationEntry.objects.exists()
    assert not Snapshot.objects.exists() and not AuditEvent.objects.filter(kind=AuditKind.IMPORT).exists()


def test_import_is_audited_and_attributed(tmp_path: Path) -> None:
    run(write_xlsx(tmp_path, base_rows()))
    event = AuditEvent.objects.get(kind=AuditKind.IMPORT)
    assert (event.username, event.detail["import"], event.detail["created"]) == ("命令行", "population", 3)
    assert Snapshot.objects.get().as_of == dt.date(2024, 3, 15)
    assert Village.objects.get(code="411728209213").name == "东营村民委员会"
