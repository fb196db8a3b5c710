"""The money ledger: approvals and payment outcomes are chained; the database refuses to change it."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from eduaid.conftest import RegistryCast
from eduaid.payments import chain, ledger
from eduaid.payments.models import LedgerEntry
from eduaid.payments.services_batches import batch_build, return_apply, return_upload
from eduaid.payments.tests import factories as f


def _verify_json() -> tuple[int, dict[str, Any]]:
    out = StringIO()
    try:
        call_command("ledger", "verify", "--json", stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def _drop_triggers() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute('DROP TRIGGER payments_ledger_refuse_change ON "payments_ledgerentry"')
        else:
            cursor.execute('DROP TRIGGER "payments_ledger_refuse_update"')
            cursor.execute('DROP TRIGGER "payments_ledger_refuse_delete"')


@pytest.fixture
def paid_term(registry_cast: RegistryCast) -> Any:
    before = LedgerEntry.objects.count()
    cash = f.approved_with_accounts(registry_cast)
    batch = batch_build(term=registry_cast.autumn, actor=None)
    assert batch is not None
    upload = return_upload(
        batch=batch,
        filename="r.xlsx",
        content=f.return_file(batch, {1: "账户冻结"}),
        processed_on=dt.date(2023, 10, 9),
        actor=None,
    )
    return_apply(upload=upload, actor=None)
    return before, cash, batch


def test_approvals_and_outcomes_are_appended_in_order(paid_term: Any) -> None:
    before, cash, batch = paid_term
    entries = list(LedgerEntry.objects.filter(sequence__gt=before).order_by("sequence"))
    kinds = [e.kind for e in entries]
    assert kinds.count("approved") == len(cash)
    assert kinds.count("failed") == 1
    assert kinds.count("paid") == batch.line_count - 1
    assert kinds.index("paid") > kinds.index("approved")
    failed = next(e for e in entries if e.kind == "failed")
    line = batch.lines.get(serial=1)
    assert failed.entitlement_ref == line.entitlement_id
    assert failed.payload["reason"] == "账户冻结"
    assert failed.payload["batch"] == batch.number and failed.payload["serial"] == 1
    assert failed.payload["amount_fen"] == line.amount_fen
    assert {"entitlement", "person", "item", "term", "amount_fen", "actor", "time"} <= set(failed.payload)
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.hash
        assert entry.sequence == previous.sequence + 1


def test_verify_reports_an_intact_chain(paid_term: Any) -> None:
    code, result = _verify_json()
    assert code == 0
    assert result == {"entries": LedgerEntry.objects.count(), "ok": True}


@pytest.mark.parametrize("statement", ["UPDATE", "DELETE"])
def test_the_database_refuses_to_change_the_ledger(paid_term: Any, statement: str) -> None:
    entry = LedgerEntry.objects.order_by("sequence").last()
    assert entry is not None
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        if statement == "UPDATE":
            cursor.execute(
                'UPDATE "payments_ledgerentry" SET "kind" = %s WHERE "sequence" = %s',
                ["paid", entry.sequence],
            )
        else:
            cursor.execute('DELETE FROM "payments_ledgerentry" WHERE "sequence" = %s', [entry.sequence])
    assert LedgerEntry.objects.filter(sequence=entry.sequence, kind=entry.kind).exists()


def test_the_orm_cannot_delete_an_entry_either(paid_term: Any) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.all().delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="TRUNCATE exists on PostgreSQL only")
def test_postgresql_refuses_to_truncate_the_ledger(paid_term: Any) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute('TRUNCATE "payments_ledgerentry"')


def test_a_tampered_amount_is_detected(paid_term: Any) -> None:
    before, _cash, _batch = paid_term
    target = LedgerEntry.objects.filter(sequence__gt=before, kind="paid").order_by("sequence").first()
    assert target is not None
    _drop_triggers()
    payload = dict(target.payload, amount_fen=target.payload["amount_fen"] * 10)
    LedgerEntry.objects.filter(sequence=target.sequence).update(payload=payload)
    code, result = _verify_json()
    assert code == 1
    assert result == {"entries": LedgerEntry.objects.count(), "ok": False, "broken_at": target.sequence}


def test_a_removed_entry_is_detected(paid_term: Any) -> None:
    before, _cash, _batch = paid_term
    target = LedgerEntry.objects.filter(sequence__gt=before).order_by("sequence")[2]
    _drop_triggers()
    LedgerEntry.objects.filter(sequence=target.sequence).delete()
    assert ledger.verify().broken_at == target.sequence + 1


def test_the_chain_rules_are_pure() -> None:
    first = chain.entry_hash(
        sequence=1, kind="approved", payload={"b": 1, "a": "张"}, prev_hash=chain.GENESIS
    )
    assert first == chain.entry_hash(
        sequence=1, kind="approved", payload={"a": "张", "b": 1}, prev_hash=chain.GENESIS
    )
    second = chain.entry_hash(sequence=2, kind="paid", payload={"a": 1}, prev_hash=first)
    good = [
        chain.Entry(1, "approved", {"a": "张", "b": 1}, chain.GENESIS, first),
        chain.Entry(2, "paid", {"a": 1}, first, second),
    ]
    assert chain.verify(good) == chain.Verdict(entries=2, ok=True)
    bad = [good[0], chain.Entry(2, "paid", {"a": 2}, first, second)]
    assert chain.verify(bad).as_dict() == {"entries": 2, "ok": False, "broken_at": 2}
    assert chain.verify([good[1]]).broken_at == 2
    assert chain.verify([]).as_dict() == {"entries": 0, "ok": True}
