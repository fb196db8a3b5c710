"""The bank accounts sheet (一人一卡): 姓名, 身份证号, 持卡人姓名, 持卡人身份证号, 开户行, 账号, and
optionally 监护人姓名, 监护人身份证号, 与学生关系 (a guardian recorded with the account).

Read with the project's import machinery: every row is judged first (errors in Chinese with row,
column, value and what to do), then the accepted rows are written in one transaction. A school officer
may import only the accounts of its own students.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from eduaid.core import clock, idnumbers
from eduaid.core.idnumbers import IdProblem
from eduaid.core.importing import Applied, ImportReport, Judged, number_lost_digits_message, run_import
from eduaid.core.tabular import Column, Row, clean_name, compact
from eduaid.payments import rules
from eduaid.payments.selectors import students_for_accounts
from eduaid.payments.services import AccountData, account_number_message, accounts_import

NAME, ID, HOLDER, HOLDER_ID, BANK, NUMBER = (
    "姓名",
    "身份证号",
    "持卡人姓名",
    "持卡人身份证号",
    "开户行",
    "账号",
)
GUARDIAN, GUARDIAN_ID, RELATION = "监护人姓名", "监护人身份证号", "与学生关系"

COLUMNS = (
    Column(NAME, ("学生姓名",)),
    Column(ID, ("学生身份证号", "证件号码", "身份证号码")),
    Column(HOLDER, ("户名", "持卡人", "账户名称")),
    Column(HOLDER_ID, ("持卡人证件号码", "持卡人身份证号码")),
    Column(BANK, ("开户银行", "银行", "开户行名称")),
    Column(NUMBER, ("银行账号", "卡号", "银行卡号", "账户")),
    Column(GUARDIAN, ("监护人",), required=False),
    Column(GUARDIAN_ID, ("监护人证件号码",), required=False),
    Column(RELATION, ("关系",), required=False),
)


def import_accounts(
    source: bytes | Path, *, actor: Any, filename: str = "", strict: bool = False, dry_run: bool = False
) -> Any:
    """Judge every row of the sheet, then create or correct the accounts in one transaction."""
    rows = students_for_accounts(actor).exclude(id_number=None).values_list("id_number", "pk", "name")
    students = {str(number): pk for number, pk, _name in rows}
    names = {str(number): name for number, _pk, name in rows}
    today = clock.today()

    def apply(values: Sequence[AccountData], *, dry_run: bool, report: ImportReport) -> Applied:
        return accounts_import(rows=values, actor=actor, dry_run=dry_run, report=report, filename=filename)

    return run_import(
        source,
        columns=COLUMNS,
        judge=lambda row: judge_account(row, students, names, today),
        key_column=ID,
        apply=apply,
        filename=filename,
        strict=strict,
        dry_run=dry_run,
    )


def _text(judged: Judged[Any], column: str, limit: int, *, required: bool = True) -> str:
    text = clean_name(judged.row.raw(column))
    if not text and required:
        judged.reject(column, _("A value is required."))
    elif len(text) > limit:
        judged.reject(column, _("Longer than %(max)s characters.") % {"max": limit})
        return ""
    return text


def _id(judged: Judged[Any], column: str, today: dt.date, *, required: bool = True) -> str:
    cell = judged.row.get(column)
    if cell is None or cell.is_blank:
        if required:
            judged.reject(column, _("A value is required."))
        return ""
    number = idnumbers.normalize(cell.raw)
    if cell.is_number and not number.isdigit():
        judged.reject(column, number_lost_digits_message())
        return ""
    problem = idnumbers.problem(number, today=today)
    if problem is not None:
        judged.reject(column, _id_message(problem))
        return ""
    return number


def _id_message(problem: IdProblem) -> str:
    if problem == IdProblem.CHECKSUM:
        return _("The check digit is wrong: compare the ID number with the ID card.")
    if problem == IdProblem.FUTURE_BIRTH:
        return _("The birth date in the ID number lies in the future: check the number.")
    return _("Not a valid 18-character resident ID number: check the number.")


def _number(judged: Judged[Any]) -> str:
    cell = judged.row.get(NUMBER)
    if cell is not None and cell.is_number and not compact(cell.raw).isdigit():
        judged.reject(NUMBER, number_lost_digits_message())
        return ""
    number = rules.normalize_account_number(cell.raw if cell else "")
    problem = rules.account_number_problem(number)
    if problem is not None:
        judged.reject(NUMBER, account_number_message(problem))
        return ""
    if not rules.luhn_ok(number):
        judged.warn(
            NUMBER,
            _("The number fails the bank-card check (a passbook or 社保卡 may): compare it with the card."),
        )
    return number


def judge_account(
    row: Row, students: dict[str, int], names: dict[str, str], today: dt.date
) -> Judged[AccountData]:
    judged: Judged[AccountData] = Judged(row)
    name = _text(judged, NAME, 50)
    student_id = _id(judged, ID, today)
    person_id = students.get(student_id) if student_id else None
    if student_id and person_id is None:
        judged.reject(
            ID,
            _(
                "No student with this ID number in your scope: check the number, "
                "or import the enrolment first."
            ),
        )
    elif person_id is not None and name and names[student_id] != name:
        judged.reject(
            NAME, _("The registry names this student %(name)s: check the row.") % {"name": names[student_id]}
        )
    holder = _text(judged, HOLDER, 50)
    holder_id = _id(judged, HOLDER_ID, today)
    bank = _text(judged, BANK, 100)
    number = _number(judged)
    guardian = _text(judged, GUARDIAN, 50, required=False)
    guardian_id = _id(judged, GUARDIAN_ID, today, required=False)
    relation = _text(judged, RELATION, 20, required=False)
    judged.key = student_id or None
    if judged.rejected or person_id is None:
        return judged
    judged.value = AccountData(
        person_id=person_id,
        holder_name=holder,
        holder_id_number=holder_id,
        bank=bank,
        number=number,
        guardian_name=guardian,
        guardian_id_number=guardian_id,
        guardian_relation=relation,
    )
    return judged
