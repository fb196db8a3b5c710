"""The life of an entitlement (plan 五(三): 申请、审核、公示、审批、发放), as a table.

`TRANSITIONS[a]` is the set of statuses an entitlement in status `a` may move to. Nothing else moves
an entitlement: `eduaid.review.services.entitlement_transition` checks this table under a row lock.

    computed → school_confirmed → in_notice → notice_passed → approved → in_batch → paid
    in_batch → failed → in_batch (re-issue with a corrected account)
    rejected from any step before approval (with a reason); cancelled before payment (with a reason)

Items that the county does not pay in cash (`paid_by` ≠ county or kind ≠ cash) end at `approved`.
A rejected entitlement can be reopened (back to computed) by the school or the centre with a reason.
"""

from __future__ import annotations

from eduaid.aid.models import EntitlementStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.COMPUTED: frozenset({S.SCHOOL_CONFIRMED, S.REJECTED, S.CANCELLED}),
    S.SCHOOL_CONFIRMED: frozenset({S.IN_NOTICE, S.COMPUTED, S.REJECTED, S.CANCELLED}),
    S.IN_NOTICE: frozenset({S.NOTICE_PASSED, S.REJECTED, S.CANCELLED}),
    S.NOTICE_PASSED: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.IN_BATCH, S.CANCELLED}),
    S.IN_BATCH: frozenset({S.PAID, S.FAILED}),
    S.FAILED: frozenset({S.IN_BATCH, S.CANCELLED}),
    S.PAID: frozenset(),
    S.REJECTED: frozenset({S.COMPUTED}),
    S.CANCELLED: frozenset(),
}

# Moving into these needs a written reason.
NEEDS_REASON = frozenset({S.REJECTED, S.CANCELLED, S.FAILED})
# Moving back out of these (reopening) needs a written reason too.
REASON_TO_LEAVE = frozenset({S.REJECTED, S.SCHOOL_CONFIRMED})


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def needs_reason(current: str, target: str) -> bool:
    return target in NEEDS_REASON or (current in REASON_TO_LEAVE and target == S.COMPUTED)


def is_county_cash(*, kind: str, paid_by: str) -> bool:
    """Only county cash goes into payment batches; everything else ends at `approved`."""
    return kind == "cash" and paid_by == "county"
