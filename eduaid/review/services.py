"""Writes of the review procedure. Every status change of an entitlement goes through here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.core.audit import record
from eduaid.core.models import AuditKind
from eduaid.review.models import EntitlementEvent
from eduaid.review.transitions import allowed, needs_reason

COMMAND_LINE_ACTOR = "命令行"

# Called inside the transaction after every move, with the moved rows (already at their new status),
# the status they left, and the events written: other apps (the money ledger) register here in their
# AppConfig.ready() instead of editing this module.
TransitionHook = Callable[[list[Entitlement], dict[int, str], list[EntitlementEvent]], None]
_after_transition: list[TransitionHook] = []


def on_transition(fn: TransitionHook) -> TransitionHook:
    if fn not in _after_transition:
        _after_transition.append(fn)
    return fn


class TransitionRefused(Exception):
    """A move the table does not allow, or one without the reason it needs; the message is for users."""

    def __init__(self, message: str, *, entitlement_id: int | None = None) -> None:
        super().__init__(message)
        self.entitlement_id = entitlement_id


def _actor_name(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return COMMAND_LINE_ACTOR
    return str(actor.get_username())


def _refusal(row: Entitlement, target: str, reason: str) -> str | None:
    if not allowed(row.status, target):
        return _("Entitlement %(id)s is %(current)s and cannot become %(target)s.") % {
            "id": row.pk,
            "current": EntitlementStatus(row.status).label,
            "target": EntitlementStatus(target).label,
        }
    if needs_reason(row.status, target) and not reason.strip():
        return _("Give a reason for this step.")
    return None


@transaction.atomic
def entitlements_transition(
    *,
    ids: Iterable[int],
    to: str,
    actor: Any,
    reason: str = "",
    expect: Iterable[str] | None = None,
) -> list[Entitlement]:
    """Move every entitlement in `ids` to `to`, all or none.

    The rows are locked in primary-key order (so that two officers working on overlapping rows
    queue instead of deadlocking), re-read under the lock, and checked against the table: a row
    another officer moved first is refused rather than moved twice. `expect` narrows the statuses the
    caller started from (for example only `approved` rows may enter a batch).
    """
    wanted = sorted(set(ids))
    rows = list(Entitlement.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
    if len(rows) != len(wanted):
        raise TransitionRefused(_("Some of these entitlements no longer exist. Reload the page."))
    expected = set(expect) if expect is not None else None
    for row in rows:
        if expected is not None and row.status not in expected:
            raise TransitionRefused(
                _("Entitlement %(id)s is already %(current)s; someone else moved it. Reload the page.")
                % {"id": row.pk, "current": EntitlementStatus(row.status).label},
                entitlement_id=row.pk,
            )
        problem = _refusal(row, to, reason)
        if problem:
            raise TransitionRefused(problem, entitlement_id=row.pk)
    now = timezone.now()
    name = _actor_name(actor)
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    events = []
    for row in rows:
        events.append(
            EntitlementEvent(
                entitlement=row,
                from_status=row.status,
                to_status=to,
                actor=user,
                actor_name=name,
                at=now,
                reason=reason.strip(),
            )
        )
        row.status = to
        row.updated_at = now
    previous = {e.entitlement_id: e.from_status for e in events}
    Entitlement.objects.bulk_update(rows, ["status", "updated_at"], batch_size=2000)
    EntitlementEvent.objects.bulk_create(events, batch_size=2000)
    for hook in _after_transition:
        hook(rows, previous, events)
    if rows:
        record(
            AuditKind.ENTITLEMENT_STATUS,
            actor=user,
            username=name,
            detail={"to": to, "count": len(rows), "ids": [r.pk for r in rows[:50]], "reason": reason[:500]},
        )
    return rows


def entitlement_transition(*, entitlement_id: int, to: str, actor: Any, reason: str = "") -> Entitlement:
    """Move one entitlement; see `entitlements_transition`."""
    return entitlements_transition(ids=[entitlement_id], to=to, actor=actor, reason=reason)[0]
