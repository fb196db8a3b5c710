"""Checking the bank's return file against a batch (对账), all lines or none.

Columns: 序号, 账号, 户名, 金额, 处理结果, 失败原因. Every line must match a line of the batch by 序号,
then by account and amount; a line whose 序号 is unknown, repeated, or already reconciled, or whose
account or amount differ, rejects the whole file, and every reason is listed (row, column, value).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from eduaid.aid.pricing import yuan
from eduaid.core.importing import Issue
from eduaid.core.tabular import Column, Row, TabularError, clean_name, compact, read_table
from eduaid.payments import rules
from eduaid.payments.models import LineStatus, PaymentBatch, PaymentLine

SERIAL, ACCOUNT, HOLDER, AMOUNT, RESULT, REASON = "序号", "账号", "户名", "金额", "处理结果", "失败原因"

COLUMNS = (
    Column(SERIAL, ("编号", "序列号")),
    Column(ACCOUNT, ("卡号", "银行账号", "账户", "收款账号")),
    Column(HOLDER, ("姓名", "账户名称", "收款人", "户主姓名"), required=False),
    Column(AMOUNT, ("发放金额", "交易金额", "金额（元）", "金额(元)")),
    Column(RESULT, ("结果", "状态", "交易状态", "处理状态")),
    Column(REASON, ("原因", "失败描述", "备注", "错误信息"), required=False),
)

SUCCESS = frozenset({"成功", "交易成功", "成功入账", "已入账", "入账成功", "处理成功", "已发放"})
FAILURE = frozenset({"失败", "交易失败", "入账失败", "处理失败", "退票", "已退回", "退回"})


@dataclass(frozen=True)
class Match:
    row: int
    serial: int
    success: bool
    result: str
    reason: str


@dataclass
class Check:
    rows: int = 0
    matched: list[Match] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    waiting: int = 0  # lines of the batch the file does not mention (still waiting for the bank)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.matched)

    @property
    def paid(self) -> int:
        return sum(1 for m in self.matched if m.success)

    @property
    def failed(self) -> int:
        return sum(1 for m in self.matched if not m.success)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "paid": self.paid,
            "failed": self.failed,
            "waiting": self.waiting,
            "ok": self.ok,
            "errors": [issue.as_dict() for issue in self.errors],
            "warnings": [issue.as_dict() for issue in self.warnings],
        }


def _issue(row: Row, column: str, reason: str) -> Issue:
    return Issue(
        row=row.number,
        column=row.header_of(column) if column else "",
        value=row.raw(column).strip() if column else "",
        reason=reason,
        sheet=row.sheet,
    )


def _serial(row: Row, check: Check) -> int | None:
    text = compact(row.raw(SERIAL))
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit():
        check.errors.append(_issue(row, SERIAL, _("A serial number is a whole number from the bank file.")))
        return None
    return int(text)


def _judge(row: Row, line: PaymentLine, check: Check) -> Match | None:
    ok = True
    if line.status != LineStatus.PENDING:
        when = line.processed_on.isoformat() if line.processed_on else ""
        check.errors.append(
            _issue(
                row,
                SERIAL,
                _("This line was already reconciled (%(when)s): remove it from the file.") % {"when": when},
            )
        )
        ok = False
    cell = row.get(ACCOUNT)
    number = rules.normalize_account_number(cell.raw if cell else "")
    if cell is not None and cell.is_number and number != line.account_number:
        check.errors.append(
            _issue(
                row,
                ACCOUNT,
                _(
                    "The account number was stored as a number and has lost digits: "
                    "format the column as text."
                ),
            )
        )
        ok = False
    elif number != line.account_number:
        check.errors.append(
            _issue(
                row,
                ACCOUNT,
                _(
                    "The account differs from line %(serial)s of the batch (%(expected)s): "
                    "check the file is this batch's."
                )
                % {"serial": line.serial, "expected": rules.mask_account(line.account_number)},
            )
        )
        ok = False
    amount = rules.parse_yuan(row.raw(AMOUNT))
    if amount is None:
        check.errors.append(_issue(row, AMOUNT, _("Not an amount in yuan with at most two decimals.")))
        ok = False
    elif amount != line.amount_fen:
        check.errors.append(
            _issue(
                row,
                AMOUNT,
                _("The amount differs from line %(serial)s of the batch (%(expected)s yuan).")
                % {"serial": line.serial, "expected": yuan(line.amount_fen)},
            )
        )
        ok = False
    result = compact(row.raw(RESULT))
    if result not in SUCCESS and result not in FAILURE:
        check.errors.append(_issue(row, RESULT, _("Write 成功 or 失败.")))
        ok = False
    holder = clean_name(row.raw(HOLDER))
    if holder and holder != line.holder_name:
        check.warnings.append(
            _issue(
                row,
                HOLDER,
                _("The name differs from the account holder %(name)s.") % {"name": line.holder_name},
            )
        )
    reason = clean_name(row.raw(REASON))
    if result in FAILURE and not reason:
        check.warnings.append(_issue(row, REASON, _("The bank gave no reason for the failure.")))
    if not ok:
        return None
    return Match(row=row.number, serial=line.serial, success=result in SUCCESS, result=result, reason=reason)


def check(batch: PaymentBatch, content: bytes, filename: str = "") -> Check:
    """Judge every line of the file against the batch; nothing is written."""
    result = Check()
    try:
        table = read_table(content, columns=COLUMNS, filename=filename)
    except TabularError as exc:
        result.errors.append(Issue(row=None, column="", value="", reason=exc.message))
        return result
    rows = list(table.rows)
    result.rows = len(rows)
    lines = {line.serial: line for line in batch.lines.all()}
    serials = {id(row): _serial(row, result) for row in rows}
    counts = Counter(s for s in serials.values() if s is not None)
    for row in rows:
        serial = serials[id(row)]
        if serial is None:
            continue
        if counts[serial] > 1:
            others = "、".join(
                str(other.number) for other in rows if serials[id(other)] == serial and other is not row
            )
            result.errors.append(
                _issue(row, SERIAL, _("The same serial number is also in row %(rows)s.") % {"rows": others})
            )
            continue
        line = lines.get(serial)
        if line is None:
            result.errors.append(
                _issue(
                    row,
                    SERIAL,
                    _("No line of batch %(batch)s has this serial number.") % {"batch": batch.number},
                )
            )
            continue
        match = _judge(row, line, result)
        if match is not None:
            result.matched.append(match)
    if not rows:
        result.errors.append(Issue(row=None, column="", value="", reason=_("The file has no lines.")))
    if result.errors:
        result.matched = []
    mentioned = {s for s in serials.values() if s is not None}
    result.waiting = sum(
        1 for serial, line in lines.items() if line.status == LineStatus.PENDING and serial not in mentioned
    )
    result.errors.sort(key=lambda issue: issue.row or 0)
    return result
