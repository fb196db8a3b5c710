"""The database keeps one successful payment per student, item and term, and one open line per entitlement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from eduaid.conftest import RegistryCast
from eduaid.payments.models import LineStatus, PaymentBatch, PaymentLine
from eduaid.payments.services_batches import batch_build
from eduaid.payments.tests import factories as f


def _copy(line: PaymentLine, batch: PaymentBatch, **changes: object) -> PaymentLine:
    fields = {
        name: getattr(line, name)
        for name in (
            "entitlement", "person", "term", "item_code", "amount_fen", "holder_name",
            "holder_id_number", "bank", "account_number", "memo",
        )
    }  # fmt: skip
    return PaymentLine(batch=batch, serial=1, **{**fields, **changes})


def test_a_second_successful_payment_is_refused(registry_cast: RegistryCast) -> None:
    f.approved_with_accounts(registry_cast)
    batch = batch_build(term=registry_cast.autumn, actor=None)
    assert batch is not None
    line = batch.lines.get(serial=1)
    PaymentLine.objects.filter(pk=line.pk).update(status=LineStatus.PAID, processed_on=dt.date(2023, 10, 1))
    other = PaymentBatch.objects.create(term=registry_cast.autumn, number="X-1", created_by_name="test")
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(line, other, status=LineStatus.PAID, processed_on=dt.date(2023, 10, 2)).save()


def test_an_entitlement_has_one_open_line(registry_cast: RegistryCast) -> None:
    f.approved_with_accounts(registry_cast)
    batch = batch_build(term=registry_cast.autumn, actor=None)
    assert batch is not None
    other = PaymentBatch.objects.create(term=registry_cast.autumn, number="X-2", created_by_name="test")
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(batch.lines.get(serial=1), other).save()


def test_a_serial_is_unique_in_its_batch(registry_cast: RegistryCast) -> None:
    f.approved_with_accounts(registry_cast)
    batch = batch_build(term=registry_cast.autumn, actor=None)
    assert batch is not None
    second = batch.lines.get(serial=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.filter(pk=second.pk).update(serial=1)
