"""Writes of payment batches (发放批次) and of the bank's return file (对账).

Every status change of an entitlement goes through `review.services.entitlements_transition`, which
locks the rows in primary-key order and refuses a row another officer moved first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.core import clock
from eduaid.core.audit import record
from eduaid.core.bulkwork import refresh_statistics
from eduaid.core.models import AuditKind
from eduaid.payments import returns
from eduaid.payments.models import (
    AccountFlag,
    BatchStatus,
    LineStatus,
    PaymentBatch,
    PaymentLine,
    PaymentUpload,
    UploadKind,
)
from eduaid.payments.services import _user, actor_name
from eduaid.registry.models import Term
from eduaid.review.services import entitlements_transition

S = EntitlementStatus
NO_REASON_GIVEN = "银行未说明原因"


def _require_aid_centre(actor: Any) -> None:
    """Batches and the bank's return are the aid centre's (the command line may do them too)."""
    user = _user(actor)
    if user is None:
        return
    if not (user.is_superuser or user.role in {"aid_center", "county_admin"}):
        raise PermissionDenied


def county_cash() -> Q:
    return Q(item__kind="cash", item__paid_by="county", amount_fen__gt=0)


def payable(term: Term) -> QuerySet[Entitlement]:
    """County cash of the term that may go into a batch now: approved, or failed with the account
    checked or corrected since the failure; with an account and no open flag on it."""
    open_flags = AccountFlag.objects.filter(
        account__person_id=OuterRef("person_id"), resolved_at__isnull=True
    )
    corrected = PaymentLine.objects.filter(
        entitlement=OuterRef("pk"),
        status=LineStatus.FAILED,
        return_file__applied_at__lt=OuterRef("person__bank_account__updated_at"),
    )
    return (
        Entitlement.objects.filter(county_cash(), term=term, person__bank_account__isnull=False)
        .filter(Q(status=S.APPROVED) | Q(Q(status=S.FAILED) & Exists(corrected)))
        .exclude(Exists(open_flags))
    )


def _next_number(term: Term) -> str:
    count = PaymentBatch.objects.filter(term=term).count()
    return f"{term.code}-{count + 1:03d}"


# Rows moved to in_batch per call of the transition service: its checks and events stay exactly the
# same, and a province's term never sits in memory as model instances all at once.
TRANSITION_CHUNK = 20_000


@transaction.atomic
def batch_build(*, term: Term, actor: Any) -> PaymentBatch | None:
    """Put every payable entitlement of the term into a new batch; None when there is nothing to pay.

    The term row is locked first, so two officers building at once queue: the second one sees the rows
    the first took as `in_batch` and leaves them out. The lines are written by one INSERT … SELECT from
    the payable rows (serials by school code, name, person and item), then the transition service moves
    their entitlements to `in_batch` in primary-key order, checking each row again under its own lock;
    the database keeps one open line per entitlement. Memory does not grow with the batch.
    """
    _require_aid_centre(actor)
    Term.objects.select_for_update().get(pk=term.pk)
    if not payable(term).exists():
        return None
    _refresh_statistics()
    batch = PaymentBatch.objects.create(
        term=term,
        number=_next_number(term),
        created_by=_user(actor),
        created_by_name=actor_name(actor),
        created_at=timezone.now(),
    )
    _insert_lines(batch, term)
    count, total = _totals(batch)
    if not count:  # pragma: no cover (payable rows were there a moment ago, under the term's lock)
        batch.delete()
        return None
    for ids in _entitlement_chunks(batch):
        entitlements_transition(
            ids=ids,
            to=S.IN_BATCH,
            actor=actor,
            expect=[S.APPROVED, S.FAILED],
            reason=_("Put into a payment batch."),
        )
    _mark_reissued(batch)
    batch.line_count, batch.total_fen = count, total
    batch.save(update_fields=["line_count", "total_fen"])
    record(
        AuditKind.PAYMENT_BATCH,
        actor=_user(actor),
        username=actor_name(actor),
        obj=batch,
        detail={
            "action": "build",
            "term": term.code,
            "lines": batch.line_count,
            "total_fen": batch.total_fen,
        },
    )
    return batch


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _refresh_statistics() -> None:
    """Fresh statistics for the batch's INSERT … SELECT (see `refresh_statistics`): right after a
    county's accounts were imported and its term approved, PostgreSQL planned it for a handful of rows
    and the county's batch took a minute instead of half a second."""
    from eduaid.payments.models import BankAccount
    from eduaid.registry.models import Person

    refresh_statistics(Entitlement, BankAccount, AccountFlag, PaymentLine, Person)


def _insert_lines(batch: PaymentBatch, term: Term) -> None:
    """One INSERT … SELECT: a line per payable entitlement, copying the account it is paid to.

    The memo is the term, the item and — when the holder is not the student — the student's name,
    cut to 100 characters (a holder's ID equal to the student's means the student holds the card).
    """
    from eduaid.aid.models import PolicyItem
    from eduaid.org.models import School
    from eduaid.payments.models import BankAccount
    from eduaid.registry.models import Person

    payable_sql, payable_params = payable(term).order_by().values("pk").query.sql_with_params()
    columns = (
        "batch_id, serial, entitlement_id, person_id, term_id, item_code, school_id, amount_fen, "
        "holder_name, holder_id_number, bank, account_number, memo, status, bank_result, failure_reason"
    )
    sql = (  # table names come from the models; every value is bound
        f"INSERT INTO {_table(PaymentLine)} ({columns}) "  # noqa: S608
        "SELECT %s, ROW_NUMBER() OVER (ORDER BY s.code, p.name, p.id, e.item_code), "
        "e.id, e.person_id, e.term_id, e.item_code, e.school_id, e.amount_fen, "
        "a.holder_name, a.holder_id_number, a.bank, a.number, "
        "SUBSTR(t.code || ' ' || i.name || CASE WHEN a.holder_id_number = p.id_number THEN '' "
        "ELSE '（学生：' || p.name || '）' END, 1, 100), %s, '', '' "
        f"FROM {_table(Entitlement)} e "
        f"JOIN {_table(Person)} p ON p.id = e.person_id "
        f"JOIN {_table(BankAccount)} a ON a.person_id = e.person_id "
        f"JOIN {_table(PolicyItem)} i ON i.id = e.item_id "
        f"JOIN {_table(Term)} t ON t.id = e.term_id "
        f"LEFT JOIN {_table(School)} s ON s.id = e.school_id "
        f"WHERE e.id IN ({payable_sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch.pk, LineStatus.PENDING, *payable_params])


def _totals(batch: PaymentBatch) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM {_table(PaymentLine)} "  # noqa: S608
            "WHERE batch_id = %s",
            [batch.pk],
        )
        count, total = cursor.fetchone()
    return int(count), int(total)


def _entitlement_chunks(batch: PaymentBatch) -> Iterator[list[int]]:
    """The batch's entitlement ids in ascending order, a chunk at a time (keyset pagination)."""
    last = 0
    lines = PaymentLine.objects.filter(batch=batch).order_by("entitlement_id")
    while True:
        ids = list(
            lines.filter(entitlement_id__gt=last).values_list("entitlement_id", flat=True)[:TRANSITION_CHUNK]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _mark_reissued(batch: PaymentBatch) -> None:
    """The failed line of each re-issued entitlement now points at its new line (已重发)."""
    table = _table(PaymentLine)
    sql = (  # table names come from the models; every value is bound
        f"UPDATE {table} SET status = %s, reissued_as_id = ("  # noqa: S608
        f"SELECT n.id FROM {table} n WHERE n.batch_id = %s AND n.entitlement_id = {table}.entitlement_id) "
        f"WHERE status = %s AND entitlement_id IN (SELECT entitlement_id FROM {table} WHERE batch_id = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [LineStatus.REISSUED, batch.pk, LineStatus.FAILED, batch.pk])


def _write_outcomes(lines: list[PaymentLine]) -> None:
    """One UPDATE per line, sent in one go (a CASE per column, as `bulk_update` builds, is far slower
    for a county's thousands of lines). The lines are locked by the caller."""
    table = PaymentLine._meta.db_table
    sql = (
        f'UPDATE "{table}" SET "status" = %s, "bank_result" = %s, "failure_reason" = %s, '  # noqa: S608
        '"processed_on" = %s, "return_file_id" = %s, "return_row" = %s WHERE "id" = %s'
    )
    params = [
        (
            line.status,
            line.bank_result,
            line.failure_reason,
            line.processed_on,
            line.return_file_id,
            line.return_row,
            line.pk,
        )
        for line in lines
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def bank_file_downloaded(*, batch: PaymentBatch, actor: Any) -> None:
    """The bank file holds full ID and account numbers: every download is audited."""
    _require_aid_centre(actor)
    PaymentBatch.objects.filter(pk=batch.pk).update(exported_at=timezone.now())
    record(
        AuditKind.EXPORT,
        actor=_user(actor),
        username=actor_name(actor),
        obj=batch,
        detail={"export": "bank_file", "batch": batch.number, "rows": batch.line_count, "full_ids": True},
    )


# ---- 对账: the bank's return file --------------------------------------------------------------


def return_upload(
    *, batch: PaymentBatch, filename: str, content: bytes, processed_on: dt.date, actor: Any
) -> PaymentUpload:
    """Store the return file and check it (a dry run: nothing is written to the lines)."""
    _require_aid_centre(actor)
    if processed_on > clock.today():
        raise ValidationError(_("The bank's processing date cannot be in the future."), code="processed_on")
    check = returns.check(batch, content, filename)
    upload = PaymentUpload.objects.create(
        kind=UploadKind.BANK_RETURN,
        batch=batch,
        filename=filename[:255],
        content=content,
        processed_on=processed_on,
        report=check.as_dict(),
        ok=check.ok,
        uploaded_by=_user(actor),
        uploaded_by_name=actor_name(actor),
    )
    record(
        AuditKind.RECONCILIATION,
        actor=_user(actor),
        username=actor_name(actor),
        obj=upload,
        detail={
            "action": "check",
            "batch": batch.number,
            "file": filename,
            "sha256": hashlib.sha256(content).hexdigest(),
            "ok": check.ok,
            "errors": len(check.errors),
        },
    )
    return upload


@transaction.atomic
def return_apply(*, upload: PaymentUpload, actor: Any) -> returns.Check:
    """Apply a checked return file, all lines or none: checked again under the batch's lock."""
    _require_aid_centre(actor)
    upload = PaymentUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.applied_at is not None:
        raise ValidationError(_("This return file was already applied."), code="applied")
    assert upload.batch is not None
    batch = PaymentBatch.objects.select_for_update().get(pk=upload.batch.pk)
    list(batch.lines.select_for_update().order_by("pk"))
    check = returns.check(batch, bytes(upload.content), upload.filename)
    if not check.ok:
        upload.report, upload.ok = check.as_dict(), False
        upload.save(update_fields=["report", "ok"])
        return check
    assert upload.processed_on is not None
    now = timezone.now()
    lines = {line.serial: line for line in batch.lines.filter(serial__in=[m.serial for m in check.matched])}
    paid, failed = [], defaultdict(list)
    for match in check.matched:
        line = lines[match.serial]
        line.status = LineStatus.PAID if match.success else LineStatus.FAILED
        line.bank_result = match.result[:50]
        line.failure_reason = "" if match.success else (match.reason or NO_REASON_GIVEN)[:200]
        line.processed_on = upload.processed_on
        line.return_file = upload
        line.return_row = match.row
        if match.success:
            paid.append(line.entitlement_id)
        else:
            failed[line.failure_reason].append(line.entitlement_id)
    upload.applied_at = now
    upload.report = check.as_dict()
    upload.ok = True
    upload.save(update_fields=["applied_at", "report", "ok"])
    _write_outcomes(list(lines.values()))
    if paid:
        entitlements_transition(
            ids=paid, to=S.PAID, actor=actor, expect=[S.IN_BATCH], reason=_("Paid (bank return).")
        )
    for reason, ids in sorted(failed.items()):
        entitlements_transition(ids=ids, to=S.FAILED, actor=actor, expect=[S.IN_BATCH], reason=reason)
    waiting = batch.lines.filter(status=LineStatus.PENDING).exists()
    batch.status = BatchStatus.PARTLY if waiting else BatchStatus.RECONCILED
    batch.save(update_fields=["status"])
    record(
        AuditKind.RECONCILIATION,
        actor=_user(actor),
        username=actor_name(actor),
        obj=upload,
        detail={
            "action": "apply",
            "batch": batch.number,
            "file": upload.filename,
            "paid": len(paid),
            "failed": sum(len(ids) for ids in failed.values()),
            "processed_on": upload.processed_on.isoformat(),
        },
    )
    return check
