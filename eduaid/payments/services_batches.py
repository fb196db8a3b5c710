"""Writes of payment batches (发放批次) and of the bank's return file (对账).

Every status change of an entitlement goes through `review.services.entitlements_transition`, which
locks the rows in primary-key order and refuses a row another officer moved first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.core import clock
from eduaid.core.audit import record
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


def _memo(e: Entitlement, holder_is_student: bool) -> str:
    memo = f"{e.term.code} {e.item.name}"
    if not holder_is_student:
        memo += f"（学生：{e.person.name}）"
    return memo[:100]


def _next_number(term: Term) -> str:
    count = PaymentBatch.objects.filter(term=term).count()
    return f"{term.code}-{count + 1:03d}"


@transaction.atomic
def batch_build(*, term: Term, actor: Any) -> PaymentBatch | None:
    """Put every payable entitlement of the term into a new batch; None when there is nothing to pay.

    The term row is locked first, so two officers building at once queue: the second one sees the rows
    the first took as `in_batch` and leaves them out. The transition service checks each row again under
    its own lock, and the database keeps one open line per entitlement.
    """
    _require_aid_centre(actor)
    Term.objects.select_for_update().get(pk=term.pk)
    candidates = list(
        payable(term)
        .select_related("person__bank_account", "item", "term")
        .order_by("school__code", "person__name", "person_id", "item_code")
    )
    if not candidates:
        return None
    entitlements_transition(
        ids=[e.pk for e in candidates],
        to=S.IN_BATCH,
        actor=actor,
        expect=[S.APPROVED, S.FAILED],
        reason=_("Put into a payment batch."),
    )
    now = timezone.now()
    batch = PaymentBatch.objects.create(
        term=term,
        number=_next_number(term),
        created_by=_user(actor),
        created_by_name=actor_name(actor),
        created_at=now,
    )
    lines = []
    for serial, e in enumerate(candidates, start=1):
        account = e.person.bank_account
        lines.append(
            PaymentLine(
                batch=batch,
                serial=serial,
                entitlement=e,
                person_id=e.person_id,
                term=term,
                item_code=e.item_code,
                school_id=e.school_id,
                amount_fen=int(e.amount_fen or 0),
                holder_name=account.holder_name,
                holder_id_number=account.holder_id_number,
                bank=account.bank,
                account_number=account.number,
                memo=_memo(e, account.holder_id_number == e.person.id_number),
            )
        )
    created = PaymentLine.objects.bulk_create(lines, batch_size=2000)
    _mark_reissued(created)
    batch.line_count = len(created)
    batch.total_fen = sum(line.amount_fen for line in created)
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


def _mark_reissued(created: list[PaymentLine]) -> None:
    """The failed line of each re-issued entitlement now points at its new line (已重发)."""
    new_by_entitlement = {line.entitlement_id: line for line in created}
    if any(line.pk is None for line in created):  # pragma: no cover (both databases return ids)
        created = list(PaymentLine.objects.filter(entitlement_id__in=new_by_entitlement, status="pending"))
        new_by_entitlement = {line.entitlement_id: line for line in created}
    old = PaymentLine.objects.select_for_update().filter(
        entitlement_id__in=new_by_entitlement, status=LineStatus.FAILED
    )
    for line in old:
        line.status = LineStatus.REISSUED
        line.reissued_as = new_by_entitlement[line.entitlement_id]
        line.save(update_fields=["status", "reissued_as"])


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
