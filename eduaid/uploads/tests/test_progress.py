"""`run_import` reports its progress every 500 judged rows, to an argument or an installed reporter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eduaid.core.importing import Applied, ImportReport, Judged, reporting_progress, run_import
from eduaid.core.tabular import Column, Row

COLUMNS = (Column("编号"),)


def csv(rows: int) -> bytes:
    return ("编号\n" + "".join(f"{n}\n" for n in range(1, rows + 1))).encode()


def judge(row: Row) -> Judged[str]:
    judged: Judged[str] = Judged(row)
    judged.value = row.raw("编号")
    judged.key = judged.value
    return judged


def apply(values: Sequence[str], *, dry_run: bool, report: ImportReport) -> Applied:
    return Applied(unchanged=len(values))


def run(source: bytes, **kwargs: Any) -> ImportReport:
    return run_import(
        source, columns=COLUMNS, judge=judge, key_column="编号", apply=apply, filename="x.csv", **kwargs
    )


def test_progress_is_reported_every_500_rows_and_at_the_end() -> None:
    calls: list[tuple[int, int]] = []
    report = run(csv(1201), progress=lambda done, total: calls.append((done, total)))
    assert report.rows == 1201
    assert calls == [(0, 1201), (500, 1201), (1000, 1201), (1201, 1201)]


def test_repeated_rows_count_as_judged() -> None:
    calls: list[tuple[int, int]] = []
    run(b"\xe7\xbc\x96\xe5\x8f\xb7\n1\n1\n2\n", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (3, 3)]


def test_an_installed_reporter_hears_an_import_that_was_given_none() -> None:
    calls: list[tuple[int, int]] = []
    with reporting_progress(lambda done, total: calls.append((done, total))):
        run(csv(3))
    run(csv(3))  # outside the block nobody listens
    assert calls == [(0, 3), (3, 3)]


def test_an_unreadable_file_reports_no_progress() -> None:
    calls: list[tuple[int, int]] = []
    report = run(b"", progress=lambda done, total: calls.append((done, total)))
    assert report.errors and calls == []
