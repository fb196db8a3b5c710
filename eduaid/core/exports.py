"""Standard tables written by `eduaid export NAME --out FILE`: CSV (UTF-8 with BOM) or .xlsx.

Each export is a function `(term_code, user) -> Table` registered in EXPORTS by dotted path, so the
command knows every name without importing every app at start-up.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import xlsxwriter

EXPORTS: dict[str, str] = {
    "findings": "eduaid.matching.exports:findings",
    "entitlements": "eduaid.aid.exports:entitlements",
    "dropout_cases": "eduaid.dropout.exports:dropout_cases",
    "yulu_referrals": "eduaid.aid.exports:yulu_referrals",
    "payments": "eduaid.payments.exports:payments",
}


@dataclass
class Table:
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    needs_term: bool = False


class ExportError(ValueError):
    pass


def exporter(name: str) -> Any:
    module, _sep, func = EXPORTS[name].partition(":")
    return getattr(import_module(module), func)


def write_table(table: Table, path: Path) -> int:
    """Write the table; returns the number of data rows. Every cell is written as text."""
    if path.suffix.lower() == ".xlsx":
        return _write_xlsx(table, path)
    return _write_csv(table, path)


def _write_csv(table: Table, path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.headers)
        for row in table.rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count


def _write_xlsx(table: Table, path: Path) -> int:
    options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    book = xlsxwriter.Workbook(str(path), options)
    sheet = book.add_worksheet()
    text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True})
    sheet.set_column(0, len(table.headers) - 1, 18, text)
    sheet.write_row(0, 0, table.headers, bold)
    count = 0
    for count, row in enumerate(table.rows, start=1):
        for col, value in enumerate(row):
            sheet.write_string(count, col, "" if value is None else str(value), text)
    book.close()
    return count
