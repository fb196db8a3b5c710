"""The bank file of a batch (.xlsx): 序号, 姓名, 身份证号, 账号, 开户行, 金额, 摘要.

姓名 and 身份证号 are the account holder's (the bank pays the holder); 金额 is yuan with two decimals,
written as text like every other cell, so that neither Excel nor the bank's importer rounds it or turns
an account number into a float.
"""

from __future__ import annotations

import io

import xlsxwriter

from eduaid.aid.pricing import yuan
from eduaid.payments.models import PaymentBatch

HEADERS = ["序号", "姓名", "身份证号", "账号", "开户行", "金额", "摘要"]
WIDTHS = [8, 12, 22, 24, 28, 12, 44]


def bank_file(batch: PaymentBatch) -> bytes:
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    book = xlsxwriter.Workbook(buffer, options)
    sheet = book.add_worksheet(batch.number[:31])
    text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True})
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width, text)
    sheet.write_row(0, 0, HEADERS, bold)
    for row, line in enumerate(batch.lines.order_by("serial"), start=1):
        values = [
            str(line.serial),
            line.holder_name,
            line.holder_id_number,
            line.account_number,
            line.bank,
            yuan(line.amount_fen),
            line.memo,
        ]
        for col, value in enumerate(values):
            sheet.write_string(row, col, value, text)
    book.close()
    return buffer.getvalue()


def filename(batch: PaymentBatch) -> str:
    return f"发放批次_{batch.number}.xlsx"
