"""The life of a dropout case (一人一案), as a table.

`TRANSITIONS[a]` is the set of statuses a case in status `a` may move to; nothing else moves a case:
`eduaid.dropout.services.case_transition` checks this table under a row lock.

    suspected → verifying → false_alarm (误报销号, with a reason)
                          → confirmed → persuading → returned | home_teaching | placed → closed (销号)
    persuading → reported (persuasion failed: the written report to the bureau, then the legal steps)
    reported → persuading | returned | home_teaching | placed
    returned | home_teaching | placed → persuading (the child left again)

A case that is still unresolved (confirmed, persuading, reported) closes only when the child turns 16.
"""

from __future__ import annotations

from eduaid.dropout.models import CaseStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUSPECTED: frozenset({S.VERIFYING, S.FALSE_ALARM, S.CONFIRMED}),
    S.VERIFYING: frozenset({S.FALSE_ALARM, S.CONFIRMED}),
    S.CONFIRMED: frozenset({S.PERSUADING, S.RETURNED, S.HOME_TEACHING, S.PLACED, S.CLOSED}),
    S.PERSUADING: frozenset({S.RETURNED, S.HOME_TEACHING, S.PLACED, S.REPORTED, S.CLOSED}),
    S.REPORTED: frozenset({S.PERSUADING, S.RETURNED, S.HOME_TEACHING, S.PLACED, S.CLOSED}),
    S.RETURNED: frozenset({S.CLOSED, S.PERSUADING}),
    S.HOME_TEACHING: frozenset({S.CLOSED, S.PERSUADING}),
    S.PLACED: frozenset({S.CLOSED, S.PERSUADING}),
    S.FALSE_ALARM: frozenset(),
    S.CLOSED: frozenset(),
}

# Moving into these needs a written reason.
NEEDS_REASON = frozenset({S.FALSE_ALARM, S.REPORTED, S.CONFIRMED})
# Closing from these is allowed only when the child has turned 16.
CLOSE_ONLY_WHEN_AGED_OUT = frozenset({S.CONFIRMED, S.PERSUADING, S.REPORTED})


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def needs_reason(current: str, target: str) -> bool:
    return (
        target in NEEDS_REASON
        or current in {S.RETURNED, S.HOME_TEACHING, S.PLACED}
        and target == S.PERSUADING
    )
