"""Reads of payments, each scoped to a user: one chokepoint per model.

- students whose accounts a user may see: county roles every person; a township or school officer the
  students of its schools (`registry.selectors.students_visible_to`); other roles none;
- accounts: those of these students;
- batches: county roles only (a batch spans the county);
- payment lines: county roles all; a township or school officer its schools' lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, QuerySet, Subquery

from eduaid.accounts.roles import Role
from eduaid.accounts.scope import scope_of
from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.payments import timeliness
from eduaid.payments.models import AccountFlag, BankAccount, LineStatus, PaymentBatch, PaymentLine
from eduaid.registry.models import Person, Term
from eduaid.registry.selectors import students_visible_to

S = EntitlementStatus
ACCOUNT_EDITORS = frozenset({Role.AID_CENTER, Role.COUNTY_ADMIN, Role.SCHOOL_OFFICER})
FULL_NUMBER_ROLES = frozenset({Role.AID_CENTER, Role.COUNTY_ADMIN})


def role_of(user: Any) -> str:
    if user is None:
        return Role.COUNTY_ADMIN
    return Role.COUNTY_ADMIN if user.is_superuser else str(user.role)


def may_edit_accounts(user: Any) -> bool:
    return role_of(user) in ACCOUNT_EDITORS


def sees_full_numbers(user: Any) -> bool:
    """The aid centre (and the administrator) see whole account numbers; everyone else a masked one."""
    return role_of(user) in FULL_NUMBER_ROLES


def may_pay(user: Any) -> bool:
    return role_of(user) in FULL_NUMBER_ROLES


def students_for_accounts(user: Any) -> QuerySet[Person]:
    scope = scope_of(user)
    if scope.county:
        return Person.objects.all()
    if not scope.school_ids:
        return Person.objects.none()
    return students_visible_to(user)


def accounts_visible_to(user: Any) -> QuerySet[BankAccount]:
    scope = scope_of(user)
    if scope.county:
        return BankAccount.objects.all()
    if not scope.school_ids:
        return BankAccount.objects.none()
    return BankAccount.objects.filter(person__in=students_for_accounts(user))


def batches_visible_to(user: Any) -> QuerySet[PaymentBatch]:
    return PaymentBatch.objects.all() if scope_of(user).county else PaymentBatch.objects.none()


def lines_visible_to(user: Any) -> QuerySet[PaymentLine]:
    scope = scope_of(user)
    if scope.county:
        return PaymentLine.objects.all()
    if not scope.school_ids:
        return PaymentLine.objects.none()
    return PaymentLine.objects.filter(school_id__in=scope.school_ids)


def _entitlements_in_scope(user: Any) -> QuerySet[Entitlement]:
    scope = scope_of(user)
    qs = Entitlement.objects.filter(item__kind="cash", item__paid_by="county", amount_fen__gt=0)
    if scope.county:
        return qs
    if not scope.school_ids:
        return qs.none()
    return qs.filter(school_id__in=scope.school_ids)


def open_flag_exists() -> Exists:
    return Exists(AccountFlag.objects.filter(account=OuterRef("pk"), resolved_at__isnull=True))


@dataclass(frozen=True)
class AccountFilter:
    q: str = ""
    flagged: bool = False
    luhn: bool = False
    missing: bool = False
    term: str = ""


def account_list(user: Any, f: AccountFilter) -> QuerySet[BankAccount]:
    qs = accounts_visible_to(user).annotate(flagged=open_flag_exists())
    if f.flagged:
        qs = qs.filter(flagged=True)
    if f.luhn:
        qs = qs.filter(luhn_ok=False)
    text = f.q.strip()
    if text:
        qs = qs.filter(Q(person__name__startswith=text) | Q(person__id_number=text.upper()) | Q(number=text))
    return qs.select_related("person").order_by("person__name", "person_id")


def students_without_account(user: Any, term_code: str) -> QuerySet[Person]:
    """Students with county cash of the term (neither cancelled nor rejected) and no bank account."""
    due = (
        _entitlements_in_scope(user)
        .filter(term__code=term_code)
        .exclude(status__in=[S.CANCELLED, S.REJECTED, S.PAID])
    )
    return Person.objects.filter(pk__in=due.values("person_id"), bank_account__isnull=True).order_by(
        "name", "pk"
    )


def person_lines(user: Any, person: Person) -> QuerySet[PaymentLine]:
    return (
        lines_visible_to(user)
        .filter(person=person)
        .select_related("batch", "term", "entitlement__item")
        .order_by("-batch__created_at", "-pk")
    )


def failed_queue(user: Any) -> QuerySet[PaymentLine]:
    """Failed lines not yet re-issued, with their student's account (corrected or not)."""
    return (
        lines_visible_to(user)
        .filter(status=LineStatus.FAILED)
        .select_related("batch", "person__bank_account", "school", "entitlement__item", "return_file")
        .order_by("batch__created_at", "serial")
    )


def batch_lines(batch: PaymentBatch) -> QuerySet[PaymentLine]:
    return batch.lines.select_related("person", "entitlement__item", "school", "reissued_as__batch").order_by(
        "serial"
    )


@dataclass(frozen=True)
class Waiting:
    term: str
    approved_without_account: int
    flagged: int
    ready: int
    in_batch: int
    failed: int


def work_waiting(user: Any, term_code: str) -> Waiting:
    """The payment work waiting for the term, step by step."""
    qs = _entitlements_in_scope(user).filter(term__code=term_code)
    flagged_account = AccountFlag.objects.filter(
        account__person_id=OuterRef("person_id"), resolved_at__isnull=True
    )
    counts = qs.aggregate(
        no_account=Count("pk", filter=Q(status=S.APPROVED, person__bank_account__isnull=True)),
        flagged=Count("pk", filter=Q(status__in=[S.APPROVED, S.FAILED]) & Q(Exists(flagged_account))),
        in_batch=Count("pk", filter=Q(status=S.IN_BATCH)),
        failed=Count("pk", filter=Q(status=S.FAILED)),
    )
    from eduaid.payments.services_batches import payable

    term = Term.objects.filter(code=term_code).first()
    ready = payable(term).filter(pk__in=qs.values("pk")).count() if term else 0
    return Waiting(
        term=term_code,
        approved_without_account=counts["no_account"],
        flagged=counts["flagged"],
        ready=ready,
        in_batch=counts["in_batch"],
        failed=counts["failed"],
    )


def timeliness_by_school(user: Any, term: Term, limit_days: int) -> list[timeliness.SchoolTimeliness]:
    """Per school of the term: what was due, what was paid and how many days after the term began."""
    paid_on = PaymentLine.objects.filter(entitlement=OuterRef("pk"), status=LineStatus.PAID).values(
        "processed_on"
    )[:1]
    rows = (
        _entitlements_in_scope(user)
        .filter(term=term)
        .exclude(status__in=[S.CANCELLED, S.REJECTED])
        .annotate(paid_on=Subquery(paid_on))
        .values_list("school_id", "school__name", "paid_on")
    )
    facts = [
        timeliness.Due(school_id, name or "", paid)
        for school_id, name, paid in rows.iterator(chunk_size=5000)
    ]
    return timeliness.by_school(facts, start=term.start_date, limit_days=limit_days)


def timeliness_counts_by_school(user: Any, term: Term, limit_days: int) -> list[timeliness.SchoolTimeliness]:
    """`timeliness_by_school` counted in the database (due, paid, paid on time per school), without the
    median and longest delay (left None): for the home panel, whose cost must not grow with the number
    of entitlements. Same order: worst share first, then by name."""
    # At most one paid line per entitlement (constraint one_payment_per_student_item_term): a join
    # counts each entitlement once, and PostgreSQL can hash it instead of probing per row.
    paid = FilteredRelation("payment_lines", condition=Q(payment_lines__status=LineStatus.PAID))
    # Paid before the term began counts as day 0, so "on time" is simply paid on or before the deadline.
    deadline = term.start_date + dt.timedelta(days=limit_days)
    rows = (
        _entitlements_in_scope(user)
        .filter(term=term)
        .exclude(status__in=[S.CANCELLED, S.REJECTED])
        .alias(paid_line=paid)
        .values("school_id", "school__name")
        .annotate(
            due=Count("pk"),
            paid=Count("pk", filter=Q(paid_line__processed_on__isnull=False)),
            on_time=Count("pk", filter=Q(paid_line__processed_on__lte=deadline)),
        )
        .order_by()
    )
    result = [
        timeliness.SchoolTimeliness(
            school_id=row["school_id"],
            school_name=row["school__name"] or "",
            due=row["due"],
            paid=row["paid"],
            on_time=row["on_time"],
            median_days=None,
            max_days=None,
        )
        for row in rows
    ]
    return sorted(result, key=lambda s: (s.share_on_time, s.school_name))
