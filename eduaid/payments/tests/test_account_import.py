"""The accounts sheet is read with the project's import machinery: row errors with row, column, value."""

from __future__ import annotations

from typing import Any

from eduaid.conftest import RegistryCast
from eduaid.payments.imports import import_accounts
from eduaid.payments.models import BankAccount
from eduaid.payments.tests import factories as f

HEADERS = ["姓名", "身份证号", "持卡人姓名", "持卡人身份证号", "开户行", "账号"]


def _row(person: Any, number: str, holder: Any = None) -> list[str]:
    holder = holder or person
    return [person.name, person.id_number, holder.name, holder.id_number, "中国农业银行遂平县支行", number]


def test_valid_rows_are_written_and_bad_cells_are_listed(registry_cast: RegistryCast) -> None:
    kid, other = registry_cast.person("poor_kid"), registry_cast.person("marginal_kid")
    rows = [
        _row(kid, f.card_number(1), other),
        _row(other, f.card_number(2, valid=False)),
        [other.name, "411728201411200461", other.name, other.id_number, "农行", f.card_number(3)],
        _row(registry_cast.person("cross_kid"), "12345"),
    ]
    report = import_accounts(f.xlsx(HEADERS, rows), actor=None, filename="卡号.xlsx")
    assert (report.rows, report.created, report.rejected) == (4, 2, 2)
    errors = {(e.row, e.column) for e in report.errors}
    assert (4, "身份证号") in errors and (5, "账号") in errors
    assert all(e.value and e.reason for e in report.errors)
    assert [(w.row, w.column) for w in report.warnings] == [(3, "账号")]  # fails the card check
    assert BankAccount.objects.get(person=kid).holder_name == other.name
    assert BankAccount.objects.get(person=other).luhn_ok is False


def test_a_dry_run_writes_nothing(registry_cast: RegistryCast) -> None:
    kid = registry_cast.person("poor_kid")
    report = import_accounts(f.xlsx(HEADERS, [_row(kid, f.card_number(1))]), actor=None, dry_run=True)
    assert report.created == 1 and not BankAccount.objects.exists()


def test_a_school_officer_imports_only_its_own_students(registry_cast: RegistryCast) -> None:
    ours, theirs = registry_cast.person("poor_kid"), registry_cast.person("hardship_kid")
    content = f.xlsx(HEADERS, [_row(ours, f.card_number(1)), _row(theirs, f.card_number(2))])
    report = import_accounts(content, actor=registry_cast.cast.user("school_officer"))
    assert report.created == 1
    assert [(e.row, e.column) for e in report.errors] == [(3, "身份证号")]
    assert not BankAccount.objects.filter(person=theirs).exists()
