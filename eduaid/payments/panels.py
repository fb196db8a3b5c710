"""The aid centre's home panel: payment work waiting at each step, and timeliness per term."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from eduaid.aid.pricing import yuan
from eduaid.core import clock
from eduaid.payments import rules, selectors, timeliness
from eduaid.registry import terms
from eduaid.registry.models import Term


def limit_days() -> int:
    """Days within which a term's aid counts as paid on time (EDUAID_PAYMENT_DAYS, default 60)."""
    return int(getattr(settings, "EDUAID_PAYMENT_DAYS", timeliness.DEFAULT_LIMIT_DAYS))


def home_panel(request: Any) -> str:
    user = request.user
    if not selectors.may_pay(user):
        return ""
    current = terms.code_for(clock.today())
    known = list(Term.objects.filter(code__lte=current).order_by("-code")[:2])
    if not known:
        return ""
    days = limit_days()
    rows = []
    for term in known:
        schools = selectors.timeliness_counts_by_school(user, term, days)
        due, paid, on_time = timeliness.overall(schools)
        # Within the period nothing unpaid is late yet: the list of late schools waits for the deadline.
        deadline = term.start_date + dt.timedelta(days=days)
        running = clock.today() <= deadline
        rows.append(
            {
                "term": term,
                "waiting": selectors.work_waiting(user, term.code),
                "due": due,
                "paid": paid,
                "on_time": on_time,
                "percent": f"{100 * on_time / due:.1f}" if due else "",
                "deadline": deadline,
                "running": running,
                "late_schools": [] if running else [s for s in schools if s.due and s.on_time < s.due][:5],
            }
        )
    return render_to_string("payments/_home_panel.html", {"rows": rows, "days": days}, request=request)


def profile_section(request: Any, person: Any) -> str:
    """The student profile's 一人一卡 card: the account (masked unless aid centre) and payment lines."""
    user = request.user
    if not selectors.students_for_accounts(user).filter(pk=person.pk).exists():
        return ""
    account = selectors.accounts_visible_to(user).filter(person=person).first()
    lines = list(selectors.person_lines(user, person)[:10])
    if account is None and not lines:
        return ""
    show = selectors.sees_full_numbers(user)
    context = {
        "person": person,
        "account": account,
        "number": (account.number if show else rules.mask_account(account.number)) if account else "",
        "flagged": bool(account and account.flags.filter(resolved_at__isnull=True).exists()),
        "lines": [(line, yuan(line.amount_fen)) for line in lines],
    }
    return render_to_string("payments/_profile.html", context, request=request)
