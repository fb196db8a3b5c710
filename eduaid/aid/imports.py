"""`eduaid import_loans FILE`: 生源地信用助学贷款 applications from the aid centre's spreadsheet.

Columns: 身份证号 (证件号码), 姓名 (optional, checked against the registry), 学年 (2023-2024), 就读院校,
层次 (专科, 本科, 硕士, 博士; optional: the student's college enrolment tells it), 申请金额 (yuan).
Every row is judged by `services_loans.check_application`, as on the page; the valid rows are then
recorded in one transaction. Re-importing a file changes nothing: a row that matches the student's
application of that year (same amount) is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from eduaid.aid.forms import parse_yuan
from eduaid.aid.services_loans import (
    LoanError,
    check_application,
    college_enrolment,
    loan_apply,
    open_application,
)
from eduaid.core import clock
from eduaid.core.importing import Applied, ImportReport, Judged, run_import
from eduaid.core.tabular import Column, Row
from eduaid.registry.imports_registry import id_number
from eduaid.registry.models import Person

ID, NAME, YEAR, COLLEGE, LEVEL, AMOUNT = "身份证号", "姓名", "学年", "就读院校", "层次", "申请金额"
COLUMNS = [
    Column(ID, ("证件号码", "身份证号码", "公民身份号码")),
    Column(NAME, (), required=False),
    Column(YEAR, ("申请学年", "贷款学年")),
    Column(COLLEGE, ("院校", "学校名称", "高校名称"), required=False),
    Column(LEVEL, ("学段", "学历层次"), required=False),
    Column(AMOUNT, ("申请金额（元）", "申请金额(元)", "贷款金额", "贷款金额（元）", "金额")),
]
LEVELS = {"专科": "junior_college", "高职": "junior_college", "本科": "undergraduate", "硕士": "master",
          "博士": "doctor"}  # fmt: skip


@dataclass(frozen=True)
class LoanRow:
    person_id: int
    school_year: str
    college: str
    stage: str
    amount_fen: int
    unchanged: bool  # the same application is already recorded


def _amount(judged: Judged[Any]) -> int | None:
    cell = judged.row.get(AMOUNT)
    try:
        return parse_yuan(cell.text if cell is not None else "")
    except ValidationError as error:
        judged.reject(AMOUNT, " ".join(error.messages))
        return None


def judge_loan(row: Row) -> Judged[LoanRow]:
    day = clock.today()
    judged: Judged[LoanRow] = Judged(row)
    number = id_number(judged, ID, day)
    amount = _amount(judged)
    year = row.raw(YEAR).strip()
    judged.key = (number, year)
    person = Person.objects.filter(id_number=number).first() if number else None
    if number and person is None:
        judged.reject(ID, _("No student with this ID number in the registry."))
    name = row.raw(NAME).strip()
    if person is not None and name and name != person.name:
        judged.reject(NAME, _("The registry names this ID number %(name)s.") % {"name": person.name})
    if person is None or amount is None or judged.rejected:
        return judged
    enrolment = college_enrolment(person, day)
    level = row.raw(LEVEL).strip()
    stage = LEVELS.get(level) if level else (enrolment.stage if enrolment else "")
    if level and stage is None:
        judged.reject(LEVEL, _("Write 专科, 本科, 硕士 or 博士."))
        return judged
    college = row.raw(COLLEGE).strip() or (enrolment.college if enrolment else "")
    existing = open_application(person, year)
    if existing is not None and existing.amount_fen == amount:
        judged.value = LoanRow(person.pk, year, college, existing.stage, amount, unchanged=True)
        return judged
    try:
        check_application(person=person, school_year=year, stage=stage or "", amount_fen=amount, day=day)
    except LoanError as error:
        columns = {"amount": AMOUNT, "school_year": YEAR, "stage": LEVEL if level else ID}
        judged.reject(columns.get(error.field, ID), str(error))
        return judged
    judged.value = LoanRow(person.pk, year, college[:100], stage or "", amount, unchanged=False)
    return judged


def import_loans(
    source: bytes | Path, *, actor: Any, filename: str = "", strict: bool = False, dry_run: bool = False
) -> ImportReport:
    def apply(values: Sequence[LoanRow], *, dry_run: bool, report: ImportReport) -> Applied:
        new = [v for v in values if not v.unchanged]
        if not dry_run:
            with transaction.atomic():
                persons = Person.objects.in_bulk([v.person_id for v in new])
                for v in new:
                    loan_apply(
                        person=persons[v.person_id],
                        school_year=v.school_year,
                        college=v.college,
                        stage=v.stage,
                        amount_fen=v.amount_fen,
                        actor=actor,
                        note=_("imported"),
                    )
        return Applied(created=len(new), unchanged=len(values) - len(new))

    return run_import(
        source,
        columns=COLUMNS,
        judge=judge_loan,
        key_column=ID,
        apply=apply,
        filename=filename,
        strict=strict,
        dry_run=dry_run,
    )
