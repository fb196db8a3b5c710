"""对账: the bank's return file is applied all or nothing; failures go back for a corrected account."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.conftest import RegistryCast
from eduaid.payments.models import BatchStatus, LineStatus, PaymentBatch, PaymentLine
from eduaid.payments.services import AccountData, account_save
from eduaid.payments.services_batches import batch_build, return_apply, return_upload
from eduaid.payments.tests import factories as f

S = EntitlementStatus
PAID_ON = dt.date(2023, 10, 20)


@pytest.fixture
def batch(registry_cast: RegistryCast) -> PaymentBatch:
    f.approved_with_accounts(registry_cast)
    built = batch_build(term=registry_cast.autumn, actor=None)
    assert built is not None and built.line_count >= 2
    return built


def _upload(r: RegistryCast, batch: PaymentBatch, content: bytes) -> Any:
    return return_upload(
        batch=batch,
        filename="回盘.xlsx",
        content=content,
        processed_on=PAID_ON,
        actor=r.cast.user("aid_center"),
    )


def _statuses(batch: PaymentBatch) -> set[str]:
    return set(batch.lines.values_list("status", flat=True))


def test_success_and_failure_are_applied(registry_cast: RegistryCast, batch: PaymentBatch) -> None:
    upload = _upload(registry_cast, batch, f.return_file(batch, {2: "账户已销户"}))
    assert upload.ok and upload.applied_at is None
    assert _statuses(batch) == {LineStatus.PENDING}  # the check writes nothing
    check = return_apply(upload=upload, actor=registry_cast.cast.user("aid_center"))
    assert check.ok
    failed = batch.lines.get(serial=2)
    assert failed.status == LineStatus.FAILED and failed.failure_reason == "账户已销户"
    assert failed.entitlement.status == S.FAILED
    assert failed.entitlement.events.last().reason == "账户已销户"
    paid = batch.lines.exclude(serial=2)
    assert set(paid.values_list("status", flat=True)) == {LineStatus.PAID}
    assert set(Entitlement.objects.filter(payment_lines__in=paid).values_list("status", flat=True)) == {
        S.PAID
    }
    assert all(line.processed_on == PAID_ON and line.return_row for line in batch.lines.all())
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RECONCILED


@pytest.mark.parametrize(
    ("change", "column"),
    [
        (lambda rows: rows[0].__setitem__(0, "999"), "序号"),  # unknown serial
        (lambda rows: rows[1].__setitem__(0, rows[0][0]), "序号"),  # the same serial twice
        (lambda rows: rows[0].__setitem__(1, "6217000000000000000"), "账号"),
        (lambda rows: rows[0].__setitem__(3, "1.00"), "金额"),
        (lambda rows: rows[0].__setitem__(4, "不知道"), "处理结果"),
    ],
)
def test_a_bad_line_rejects_the_whole_file(
    registry_cast: RegistryCast, batch: PaymentBatch, change: Any, column: str
) -> None:
    rows = f.return_rows(batch)
    change(rows)
    upload = _upload(registry_cast, batch, f.xlsx(f.RETURN_HEADERS, rows))
    assert not upload.ok
    errors = upload.report["errors"]
    assert errors and all(e["row"] and e["reason"] for e in errors)
    assert column in {e["column"] for e in errors}
    check = return_apply(upload=upload, actor=None)
    assert not check.ok
    assert _statuses(batch) == {LineStatus.PENDING}
    assert set(Entitlement.objects.filter(payment_lines__batch=batch).values_list("status", flat=True)) == {
        S.IN_BATCH
    }


def test_a_file_applied_once_cannot_be_applied_again(
    registry_cast: RegistryCast, batch: PaymentBatch
) -> None:
    content = f.return_file(batch)
    return_apply(upload=_upload(registry_cast, batch, content), actor=None)
    again = _upload(registry_cast, batch, content)
    assert not again.ok
    assert {e["column"] for e in again.report["errors"]} == {"序号"}


def test_a_partial_return_leaves_the_other_lines_waiting(
    registry_cast: RegistryCast, batch: PaymentBatch
) -> None:
    rows = f.return_rows(batch)[:1]
    upload = _upload(registry_cast, batch, f.xlsx(f.RETURN_HEADERS, rows))
    assert upload.report["waiting"] == batch.line_count - 1
    return_apply(upload=upload, actor=None)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PARTLY
    assert batch.lines.filter(status=LineStatus.PENDING).count() == batch.line_count - 1


def test_a_failed_payment_is_reissued_after_the_account_is_corrected(
    registry_cast: RegistryCast, batch: PaymentBatch
) -> None:
    return_apply(upload=_upload(registry_cast, batch, f.return_file(batch, {1: "户名不符"})), actor=None)
    failed = batch.lines.get(serial=1)
    # Not re-issued to the same account before someone checks or corrects it.
    assert batch_build(term=registry_cast.autumn, actor=None) is None
    person = failed.person
    account_save(
        data=AccountData(
            person_id=person.pk,
            holder_name=person.name,
            holder_id_number=person.id_number or "",
            bank="中国邮政储蓄银行遂平县支行",
            number=f.card_number(777),
        ),
        actor=registry_cast.cast.user("school_officer"),
    )
    second = batch_build(term=registry_cast.autumn, actor=None)
    assert second is not None and second.line_count == 1
    new = second.lines.get()
    failed.refresh_from_db()
    assert failed.status == LineStatus.REISSUED and failed.reissued_as == new
    assert new.account_number == f.card_number(777) and failed.account_number != new.account_number
    assert new.entitlement.status == S.IN_BATCH
    return_apply(upload=_upload(registry_cast, second, f.return_file(second)), actor=None)
    assert PaymentLine.objects.filter(entitlement=failed.entitlement, status=LineStatus.PAID).count() == 1
