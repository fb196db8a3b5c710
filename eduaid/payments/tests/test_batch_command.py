"""`eduaid payments batch|bankfile` and `eduaid import_accounts`, and the set-wise batch they use."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.payments import bankfile
from eduaid.payments.models import BankAccount, PaymentBatch, PaymentLine
from eduaid.payments.services_batches import batch_build
from eduaid.payments.tests import factories as f
from eduaid.review.models import EntitlementEvent

S = EntitlementStatus


def _run(*args: str) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_batch_command_builds_the_batch_and_writes_its_bank_file(
    registry_cast: RegistryCast, tmp_path: Path
) -> None:
    f.approved_with_accounts(registry_cast)
    out = tmp_path / "bank.xlsx"
    result = _run("payments", "batch", "--term", registry_cast.autumn.code, "--out", str(out))
    batch = PaymentBatch.objects.get()
    assert result["batch"] == batch.number
    assert result["lines"] == batch.line_count == result["file_rows"] > 0
    assert result["total_fen"] == batch.total_fen == sum(batch.lines.values_list("amount_fen", flat=True))
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[0] == bankfile.HEADERS
    assert len(rows) == batch.line_count + 1
    assert AuditEvent.objects.filter(kind=AuditKind.PAYMENT_BATCH).count() == 1
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT, detail__export="bank_file").count() == 1
    assert _run("ledger", "verify") == {"entries": result_entries(), "ok": True}


def result_entries() -> int:
    from eduaid.payments.models import LedgerEntry

    return LedgerEntry.objects.count()


def test_batch_lines_follow_school_name_person_and_item(registry_cast: RegistryCast) -> None:
    f.approved_with_accounts(registry_cast)
    batch = batch_build(term=registry_cast.autumn, actor=None)
    assert batch is not None
    lines = list(batch.lines.select_related("school", "person", "entitlement__item").order_by("serial"))
    assert [line.serial for line in lines] == list(range(1, len(lines) + 1))
    keys = [
        (line.school.code if line.school else "", line.person.name, line.person_id, line.item_code)
        for line in lines
    ]
    schooled = [key for key in keys if key[0]]
    assert schooled == sorted(schooled)
    for line in lines:
        account = BankAccount.objects.get(person=line.person)
        assert (line.holder_name, line.holder_id_number, line.account_number, line.bank) == (
            account.holder_name,
            account.holder_id_number,
            account.number,
            account.bank,
        )
        assert line.amount_fen == line.entitlement.amount_fen
        assert (
            line.memo == f"{registry_cast.autumn.code} {line.entitlement.item.name}"
        )  # the student holds it
    moved = EntitlementEvent.objects.filter(to_status=S.IN_BATCH)
    assert moved.count() == len(lines)
    assert set(moved.values_list("from_status", flat=True)) == {S.APPROVED}


def test_the_memo_names_the_student_when_someone_else_holds_the_card(registry_cast: RegistryCast) -> None:
    f.approved_with_accounts(registry_cast)
    account = BankAccount.objects.order_by("pk").first()
    assert account is not None
    BankAccount.objects.filter(pk=account.pk).update(
        holder_id_number="411728198001010000", holder_name="某某"
    )
    batch = batch_build(term=registry_cast.autumn, actor=None)
    assert batch is not None
    line = batch.lines.filter(person_id=account.person_id).first()
    assert line is not None
    assert line.memo.endswith(f"（学生：{account.person.name}）")
    assert line.holder_name == "某某"


def test_moving_in_chunks_keeps_every_row(
    registry_cast: RegistryCast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eduaid.payments import services_batches

    f.approved_with_accounts(registry_cast)
    monkeypatch.setattr(services_batches, "TRANSITION_CHUNK", 2)
    batch = batch_build(term=registry_cast.autumn, actor=None)
    assert batch is not None and batch.line_count > 2
    ids = set(batch.lines.values_list("entitlement_id", flat=True))
    assert set(Entitlement.objects.filter(pk__in=ids).values_list("status", flat=True)) == {S.IN_BATCH}
    assert EntitlementEvent.objects.filter(to_status=S.IN_BATCH).count() == len(ids)


def test_csv_bank_file_and_writing_it_again(registry_cast: RegistryCast, tmp_path: Path) -> None:
    f.approved_with_accounts(registry_cast)
    first = tmp_path / "bank.csv"
    result = _run("payments", "batch", "--term", registry_cast.autumn.code, "--out", str(first))
    again = tmp_path / "again.csv"
    repeat = _run("payments", "bankfile", "--batch", result["batch"], "--out", str(again))
    assert repeat["file_rows"] == result["lines"]
    rows = _csv_rows(first)
    assert rows == _csv_rows(again)
    assert rows[0] == bankfile.HEADERS
    line = PaymentLine.objects.get(serial=1)
    assert rows[1][:4] == ["1", line.holder_name, line.holder_id_number, line.account_number]
    assert rows[1][5] == f"{line.amount_fen // 100}.{line.amount_fen % 100:02d}"
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT, detail__export="bank_file").count() == 2


def test_a_long_batch_continues_on_further_sheets(registry_cast: RegistryCast, tmp_path: Path) -> None:
    f.approved_with_accounts(registry_cast)
    batch = batch_build(term=registry_cast.autumn, actor=None)
    assert batch is not None and batch.line_count >= 3
    path = tmp_path / "bank.xlsx"
    assert bankfile.write_xlsx(batch, path, sheet_rows=2) == batch.line_count
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names[0] == batch.number
    assert book.sheet_names[1] == f"{batch.number}-2"
    data = []
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name).to_python()
        assert sheet[0] == bankfile.HEADERS
        assert 1 <= len(sheet) - 1 <= 2
        data += sheet[1:]
    assert [row[0] for row in data] == [str(n) for n in range(1, batch.line_count + 1)]


def test_unknown_term_and_nothing_to_pay_are_misuse(registry_cast: RegistryCast, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as unknown:
        call_command("payments", "batch", "--term", "2031-2032-1", "--out", str(tmp_path / "a.xlsx"))
    assert unknown.value.returncode == 2
    f.priced(registry_cast)  # priced, nothing approved
    with pytest.raises(CommandError) as nothing:
        call_command(
            "payments", "batch", "--term", registry_cast.autumn.code, "--out", str(tmp_path / "b.xlsx")
        )
    assert nothing.value.returncode == 2
    assert not PaymentBatch.objects.exists()
    with pytest.raises(CommandError) as suffix:
        call_command(
            "payments", "batch", "--term", registry_cast.autumn.code, "--out", str(tmp_path / "c.txt")
        )
    assert suffix.value.returncode == 2
    with pytest.raises(CommandError) as no_batch:
        call_command("payments", "bankfile", "--batch", "nope", "--out", str(tmp_path / "d.xlsx"))
    assert no_batch.value.returncode == 2


def test_a_school_officer_may_not_build_from_the_command_line(
    registry_cast: RegistryCast, tmp_path: Path
) -> None:
    f.approved_with_accounts(registry_cast)
    officer = registry_cast.cast.user("school_officer")
    with pytest.raises(CommandError) as refused:
        call_command(
            "payments", "batch", "--term", registry_cast.autumn.code, "--user", officer.username,
            "--out", str(tmp_path / "a.xlsx"),
        )  # fmt: skip
    assert refused.value.returncode == 2
    assert not PaymentBatch.objects.exists()


def test_import_accounts_command(registry_cast: RegistryCast, tmp_path: Path) -> None:
    f.priced(registry_cast)
    person = next(e.person for e in f.county_cash(registry_cast.autumn) if e.person.id_number)
    path = tmp_path / "accounts.xlsx"
    path.write_bytes(
        f.xlsx(
            ["姓名", "身份证号", "持卡人姓名", "持卡人身份证号", "开户行", "账号"],
            [[person.name, person.id_number, person.name, person.id_number, "某银行", f.card_number(5)]],
        )
    )
    result = _run("import_accounts", str(path))
    assert (result["rows"], result["created"], result["rejected"]) == (1, 1, 0)
    assert BankAccount.objects.get(person=person).number == f.card_number(5)
