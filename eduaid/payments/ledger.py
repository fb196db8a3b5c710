"""Appending to the money ledger and verifying it.

`on_entitlements_moved` is registered with `review.services.on_transition` in the app's `ready()`: every
move to approved, paid or failed appends one entry per entitlement, inside the transaction that moved it,
so that an approval or a payment without its ledger entry cannot be committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.utils import timezone

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.core.bulkwork import in_chunks
from eduaid.payments import chain
from eduaid.payments.models import LedgerEntry, LedgerKind, PaymentLine

KINDS = {
    EntitlementStatus.APPROVED: LedgerKind.APPROVED,
    EntitlementStatus.PAID: LedgerKind.PAID,
    EntitlementStatus.FAILED: LedgerKind.FAILED,
}
# Any fixed number: the PostgreSQL advisory lock that makes appends queue one behind the other.
ADVISORY_LOCK = 4_117_280_005


def _lock_head() -> tuple[int, str]:
    """The last sequence and hash, with appends by other transactions held off until we commit.

    PostgreSQL: a transaction-scoped advisory lock (a row lock on the last entry would not stop two
    transactions from both appending the next number). SQLite: the transaction already holds the write
    lock, since the entitlements it moved were written first.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
    last = LedgerEntry.objects.order_by("-sequence").values_list("sequence", "hash").first()
    return (0, chain.GENESIS) if last is None else (int(last[0]), str(last[1]))


def append(kind: str, payloads: list[tuple[int, dict[str, Any]]]) -> list[LedgerEntry]:
    """Append one entry per (entitlement id, payload), chained to the ledger's head."""
    if not payloads:
        return []
    sequence, previous = _lock_head()
    now = timezone.now()
    entries = []
    for entitlement_id, payload in payloads:
        sequence += 1
        digest = chain.entry_hash(sequence=sequence, kind=kind, payload=payload, prev_hash=previous)
        entries.append(
            LedgerEntry(
                sequence=sequence,
                kind=kind,
                entitlement_ref=entitlement_id,
                payload=payload,
                prev_hash=previous,
                hash=digest,
                recorded_at=now,
            )
        )
        previous = digest
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)
    return entries


def _payload(row: Entitlement, event: Any, line: PaymentLine | None) -> dict[str, Any]:
    person = row.person
    payload: dict[str, Any] = {
        "entitlement": row.pk,
        "person": row.person_id,
        "id_number": person.id_number or person.student_key or "",
        "name": person.name,
        "item": row.item_code,
        "term": row.term.code,
        "amount_fen": row.amount_fen,
        "actor": event.actor_name,
        "time": timezone.localtime(event.at).isoformat(),
    }
    if event.reason:
        payload["reason"] = event.reason
    if line is not None:
        payload.update(
            batch=line.batch.number,
            serial=line.serial,
            account=line.account_number,
            processed_on=line.processed_on.isoformat() if line.processed_on else None,
        )
    return payload


def on_entitlements_moved(rows: list[Entitlement], previous: dict[int, str], events: list[Any]) -> None:
    """The hook: ledger entries for the rows that just became approved, paid or failed."""
    if not rows or rows[0].status not in KINDS:
        return
    kind = KINDS[EntitlementStatus(rows[0].status)]
    ids = [row.pk for row in rows]
    entitlements = Entitlement.objects.select_related("person", "term")
    fresh = {e.pk: e for chunk in in_chunks(ids) for e in entitlements.filter(pk__in=chunk)}
    lines: dict[int, PaymentLine] = {}
    if kind != LedgerKind.APPROVED:
        paid = PaymentLine.objects.select_related("batch").order_by("pk")
        for chunk in in_chunks(ids):
            for line in paid.filter(entitlement_id__in=chunk):
                lines[line.entitlement_id] = line  # the newest line of each entitlement wins
    by_entitlement = {event.entitlement_id: event for event in events}
    append(
        kind,
        [(pk, _payload(fresh[pk], by_entitlement[pk], lines.get(pk))) for pk in sorted(fresh)],
    )


def _entries() -> Iterator[chain.Entry]:
    rows = LedgerEntry.objects.order_by("sequence").values_list(
        "sequence", "kind", "payload", "prev_hash", "hash"
    )
    for sequence, kind, payload, prev_hash, digest in rows.iterator(chunk_size=5000):
        yield chain.Entry(int(sequence), str(kind), payload, str(prev_hash), str(digest))


def verify() -> chain.Verdict:
    """Recompute the whole chain from the stored entries."""
    return chain.verify(_entries())
