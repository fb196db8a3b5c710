"""Moving a term's start date (DESIGN §2): eligibility is judged on it, so a term whose aid list has
moved beyond `computed` keeps its date. Audited as `AuditKind.SETTINGS`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from eduaid.aid.services_policy import beyond_computed
from eduaid.core.audit import record
from eduaid.core.models import AuditKind
from eduaid.registry import terms
from eduaid.registry.models import Term


class TermLocked(ValueError):
    pass


def lock_reason(term: Term) -> str:
    """Why the term's start date can no longer move ("" when it can)."""
    beyond = beyond_computed(term)
    if not beyond:
        return ""
    return _(
        "The aid list of term %(term)s has been confirmed or approved (%(rows)s entitlements beyond "
        "“computed”): its start date can no longer change."
    ) % {"term": term.code, "rows": sum(beyond.values())}


@transaction.atomic
def term_start_date_set(*, term: Term, start_date: dt.date, actor: Any) -> Term:
    term = Term.objects.select_for_update().get(pk=term.pk)
    reason = lock_reason(term)
    if reason:
        raise TermLocked(reason)
    earliest, latest = terms.start_window(term.code)
    if not earliest <= start_date <= latest:
        raise TermLocked(
            _("Term %(term)s must start between %(earliest)s and %(latest)s.")
            % {"term": term.code, "earliest": earliest.isoformat(), "latest": latest.isoformat()}
        )
    previous = term.start_date
    if previous == start_date:
        return term
    term.start_date = start_date
    term.save(update_fields=["start_date"])
    record(
        AuditKind.SETTINGS,
        actor=actor,
        obj=term,
        detail={
            "action": "term_start_date_set",
            "term": term.code,
            "from": previous.isoformat(),
            "to": start_date.isoformat(),
        },
    )
    return term
