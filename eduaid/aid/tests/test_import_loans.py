"""`eduaid import_loans FILE`: rows judged as on the page, valid ones recorded at once, idempotent."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.management import call_command

from eduaid.aid.models import LoanApplication
from eduaid.aid.tests.helpers import Registry
from eduaid.core.models import AuditEvent

HEADER = ["证件号码", "姓名", "学年", "就读院校", "层次", "申请金额（元）"]


def _xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["2023-2024学年生源地信用助学贷款申请汇总"])
    sheet.write_row(1, 0, HEADER)
    for index, row in enumerate(rows, start=2):
        for col, value in enumerate(row):
            if isinstance(value, (int, float)):
                sheet.write_number(index, col, value)
            else:
                sheet.write_string(index, col, value)
    book.close()
    return path


def _run(path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    try:
        call_command("import_loans", str(path), "--json", *extra, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(out.getvalue())


@pytest.mark.django_db
def test_valid_rows_are_recorded_and_bad_rows_name_row_column_and_reason(
    county: Registry, tmp_path: Path
) -> None:
    p = county.persons
    path = _xlsx(
        tmp_path / "贷款.xlsx",
        [
            [p["undergraduate"].id_number, p["undergraduate"].name, "2023-2024", "郑州大学", "本科", "8000"],
            [p["master"].id_number, "", "2023-2024", "", "", 16000],  # level and college from the enrolment
            [p["doctor"].id_number, p["doctor"].name, "2023-2024", "郑州大学", "博士", "16000.01"],
            [p["senior"].id_number, p["senior"].name, "2023-2024", "郑州大学", "本科", "1000"],
            [p["college_fresh_out"].id_number, "别人", "2023-2024", "河南大学", "本科", "1000"],
        ],
    )
    code, report = _run(path)
    assert code == 1
    assert (report["rows"], report["created"], report["rejected"]) == (5, 2, 3)
    errors = {(e["row"], e["column"]) for e in report["errors"]}
    assert errors == {(5, "申请金额（元）"), (6, "证件号码"), (7, "姓名")}
    cap_error = next(e for e in report["errors"] if e["row"] == 5)
    assert "16000.00" in cap_error["reason"]
    master = LoanApplication.objects.get(person=p["master"])
    assert (master.stage, master.college, master.amount_fen) == ("master", "郑州大学", 1600000)
    assert AuditEvent.objects.filter(kind="loan").count() == 2

    code, again = _run(path)
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert LoanApplication.objects.count() == 2


@pytest.mark.django_db
def test_strict_and_dry_run_write_nothing(county: Registry, tmp_path: Path) -> None:
    p = county.persons
    path = _xlsx(
        tmp_path / "loans.xlsx",
        [
            [p["undergraduate"].id_number, "", "2023-2024", "", "", "5000"],
            [p["master"].id_number, "", "2023-2025", "", "", "5000"],
        ],
    )
    assert _run(path, "--dry-run")[1]["created"] == 1
    code, strict = _run(path, "--strict")
    assert code == 1 and strict["errors"][0]["column"] == "学年"
    assert not LoanApplication.objects.exists()


@pytest.mark.django_db
def test_an_id_stored_as_a_number_is_refused(county: Registry, tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "n.xlsx", [[4.11728e17, "", "2023-2024", "", "", "5000"]])
    code, report = _run(path)
    assert code == 1 and report["errors"][0]["column"] == "证件号码"
