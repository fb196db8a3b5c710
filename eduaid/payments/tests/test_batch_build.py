"""The aid centre builds a batch from approved county cash whose student has a usable account."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from python_calamine import CalamineWorkbook

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.conftest import RegistryCast
from eduaid.payments.bankfile import HEADERS, bank_file
from eduaid.payments.models import LineStatus, PaymentLine
from eduaid.payments.services_batches import batch_build
from eduaid.payments.tests import factories as f

S = EntitlementStatus


def test_batch_takes_approved_county_cash_with_accounts(registry_cast: RegistryCast) -> None:
    cash = f.approved_with_accounts(registry_cast)
    batch = batch_build(term=registry_cast.autumn, actor=registry_cast.cast.user("aid_center"))
    assert batch is not None
    payable = [e for e in cash if e.person.id_number]  # the J-number pupil has no ID, hence no account
    assert batch.line_count == len(payable) > 0
    lines = list(batch.lines.order_by("serial"))
    assert [line.serial for line in lines] == list(range(1, len(lines) + 1))
    assert batch.total_fen == sum(e.amount_fen or 0 for e in payable)
    assert {line.entitlement_id for line in lines} == {e.pk for e in payable}
    moved = Entitlement.objects.filter(pk__in=[e.pk for e in payable]).values_list("status", flat=True)
    assert set(moved) == {S.IN_BATCH}
    assert all(line.status == LineStatus.PENDING for line in lines)


def test_items_that_are_not_county_cash_stay_approved(registry_cast: RegistryCast) -> None:
    f.priced(registry_cast)
    others = list(Entitlement.objects.filter(term=registry_cast.autumn).exclude(item__kind="cash"))
    assert others
    f.approve([e.pk for e in others])
    for n, e in enumerate({e.person for e in others}):
        if e.id_number:
            f.give_account(e, n + 1)
    assert batch_build(term=registry_cast.autumn, actor=None) is None
    assert not PaymentLine.objects.exists()


def test_a_student_without_an_account_waits(registry_cast: RegistryCast) -> None:
    f.priced(registry_cast)
    cash = f.county_cash(registry_cast.autumn)
    f.approve([e.pk for e in cash])
    assert batch_build(term=registry_cast.autumn, actor=None) is None
    assert set(Entitlement.objects.filter(pk__in=[e.pk for e in cash]).values_list("status", flat=True)) == {
        S.APPROVED
    }


def test_a_second_build_finds_nothing_left(registry_cast: RegistryCast) -> None:
    f.approved_with_accounts(registry_cast)
    assert batch_build(term=registry_cast.autumn, actor=None) is not None
    assert batch_build(term=registry_cast.autumn, actor=None) is None


@pytest.mark.parametrize("role", ["school_officer", "leader", "township_officer"])
def test_only_the_aid_centre_builds_batches(registry_cast: RegistryCast, role: str) -> None:
    f.approved_with_accounts(registry_cast)
    with pytest.raises(PermissionDenied):
        batch_build(term=registry_cast.autumn, actor=registry_cast.cast.user(role))


def test_bank_file_has_the_bank_columns_and_yuan_with_two_decimals(
    registry_cast: RegistryCast, tmp_path: Any
) -> None:
    f.approved_with_accounts(registry_cast)
    batch = batch_build(term=registry_cast.autumn, actor=None)
    assert batch is not None
    path = tmp_path / "bank.xlsx"
    path.write_bytes(bank_file(batch))
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0] == HEADERS
    first = batch.lines.get(serial=1)
    assert rows[1][0] == "1"
    assert rows[1][1] == first.holder_name
    assert rows[1][2] == first.holder_id_number
    assert rows[1][3] == first.account_number
    assert rows[1][5] == f"{first.amount_fen // 100}.{first.amount_fen % 100:02d}"
    assert str(rows[1][6]).startswith(registry_cast.autumn.code)
    assert len(rows) == batch.line_count + 1
