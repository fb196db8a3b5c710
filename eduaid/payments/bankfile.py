"""The bank file of a batch: 序号, 姓名, 身份证号, 账号, 开户行, 金额, 摘要, as .xlsx or CSV.

姓名 and 身份证号 are the account holder's (the bank pays the holder); 金额 is yuan with two decimals,
written as text like every other cell, so that neither Excel nor the bank's importer rounds it or turns
an account number into a float.

Both forms stream: the lines are read from the database a chunk at a time and the .xlsx is written in
XlsxWriter's `constant_memory` mode, so a province's batch needs no more memory than a school's. An
.xlsx sheet holds 1,048,576 rows: a longer batch continues on a second sheet (`…-2`), each with the
header row; a CSV file has no such limit (UTF-8 with BOM, as every file the commands write).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import xlsxwriter

from eduaid.aid.pricing import yuan
from eduaid.payments.models import PaymentBatch

HEADERS = ["序号", "姓名", "身份证号", "账号", "开户行", "金额", "摘要"]
WIDTHS = [8, 12, 22, 24, 28, 12, 44]
SHEET_ROWS = 1_048_575  # data rows of one .xlsx sheet, below its header
CHUNK = 5_000


def rows(batch: PaymentBatch) -> Iterator[list[str]]:
    """The data rows in serial order, read a chunk at a time."""
    lines = batch.lines.order_by("serial").values_list(
        "serial", "holder_name", "holder_id_number", "account_number", "bank", "amount_fen", "memo"
    )
    for serial, holder, holder_id, number, bank, amount_fen, memo in lines.iterator(chunk_size=CHUNK):
        yield [str(serial), holder, holder_id, number, bank, yuan(amount_fen), memo]


def sheet_name(batch: PaymentBatch, index: int) -> str:
    """The first sheet is named after the batch; the ones after it get `-2`, `-3` …"""
    suffix = "" if index == 1 else f"-{index}"
    return batch.number[: 31 - len(suffix)] + suffix


def write_xlsx(batch: PaymentBatch, target: str | Path | IO[bytes], *, sheet_rows: int = SHEET_ROWS) -> int:
    """Write the .xlsx bank file; returns the number of data rows."""
    options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    book = xlsxwriter.Workbook(target, options)
    text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True})
    count = 0
    sheet = None
    row_index = 0
    for values in rows(batch):
        if sheet is None or row_index > sheet_rows:
            sheet = book.add_worksheet(sheet_name(batch, count // sheet_rows + 1))
            for col, width in enumerate(WIDTHS):
                sheet.set_column(col, col, width, text)
            sheet.write_row(0, 0, HEADERS, bold)
            row_index = 1
        for col, value in enumerate(values):
            sheet.write_string(row_index, col, value, text)
        row_index += 1
        count += 1
    if sheet is None:  # an empty batch still gets its header
        sheet = book.add_worksheet(sheet_name(batch, 1))
        sheet.write_row(0, 0, HEADERS, bold)
    book.close()
    return count


def write_csv(batch: PaymentBatch, handle: IO[str]) -> int:
    """Write the CSV bank file (the handle is opened with encoding utf-8-sig); the number of data rows."""
    writer = csv.writer(handle)
    writer.writerow(HEADERS)
    count = 0
    for values in rows(batch):
        writer.writerow(values)
        count += 1
    return count


def write(batch: PaymentBatch, path: Path) -> int:
    """The bank file at `path`, .csv or .xlsx by its extension; the number of data rows."""
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            return write_csv(batch, handle)
    return write_xlsx(batch, path)


def bank_file(batch: PaymentBatch) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(batch, buffer)
    return buffer.getvalue()


def filename(batch: PaymentBatch) -> str:
    return f"发放批次_{batch.number}.xlsx"
