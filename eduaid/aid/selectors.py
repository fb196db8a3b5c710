"""Reading entitlements, scoped to a user (the one chokepoint for this model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from eduaid.accounts.scope import scope_of
from eduaid.aid.models import NOT_COUNTED_STATUSES, Entitlement, ItemKind, LoanApplication
from eduaid.aid.pricing import UNCOUNTED_KINDS
from eduaid.registry.selectors import persons_visible_to, search_persons


def entitlements_visible_to(user: Any) -> QuerySet[Entitlement]:
    """County roles (and the command-line actor) see every entitlement; a school scope its schools'."""
    scope = scope_of(user)
    if scope.county:
        return Entitlement.objects.all()
    if not scope.school_ids:
        return Entitlement.objects.none()
    return Entitlement.objects.filter(school_id__in=scope.school_ids)


@dataclass(frozen=True)
class EntitlementFilter:
    term: str = ""
    township: int | None = None
    school: int | None = None
    item: str = ""
    stage: str = ""
    category: str = ""
    status: str = ""


def entitlement_list(user: Any, f: EntitlementFilter) -> QuerySet[Entitlement]:
    """The user's entitlements of one term, filtered, in a stable order for paging."""
    qs = entitlements_visible_to(user).filter(term__code=f.term)
    if f.township is not None:
        qs = qs.filter(school__township_id=f.township)
    if f.school is not None:
        qs = qs.filter(school_id=f.school)
    for name in ("item", "stage", "category", "status"):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{"item_code" if name == "item" else name: value})
    school_first = F("school__code").asc(nulls_last=True)  # college students (no county school) last
    return qs.select_related("person", "school", "item", "version").order_by(
        school_first, "college", "person__name", "person_id", "item__position"
    )


@dataclass(frozen=True)
class Totals:
    rows: int
    students: int
    money_fen: int  # every item but loans and referrals
    loans: int
    loans_fen: int
    referrals: int
    referrals_fen: int


def entitlement_totals(qs: QuerySet[Entitlement]) -> Totals:
    """Counts and sums in integer fen; loans, referrals, cancelled and rejected rows add no money."""
    counted = ~Q(item__kind__in=UNCOUNTED_KINDS) & ~Q(status__in=NOT_COUNTED_STATUSES)
    loan, referral = Q(item__kind=ItemKind.LOAN), Q(item__kind=ItemKind.REFERRAL)
    agg = qs.order_by().aggregate(
        rows=Count("pk"),
        students=Count("person_id", distinct=True),
        money=Sum("amount_fen", filter=counted, default=0),
        loans=Count("pk", filter=loan),
        loans_fen=Sum("amount_fen", filter=loan, default=0),
        referrals=Count("pk", filter=referral),
        referrals_fen=Sum("amount_fen", filter=referral, default=0),
    )
    return Totals(
        rows=agg["rows"],
        students=agg["students"],
        money_fen=int(agg["money"]),
        loans=agg["loans"],
        loans_fen=int(agg["loans_fen"]),
        referrals=agg["referrals"],
        referrals_fen=int(agg["referrals_fen"]),
    )


def person_entitlements(user: Any, person_id: int) -> QuerySet[Entitlement]:
    """One student's entitlements the user may see, newest term first."""
    return (
        entitlements_visible_to(user)
        .filter(person_id=person_id)
        .select_related("term", "item", "version", "school")
        .order_by("-term__code", "item__position", "pk")
    )


# ---- student loan applications ------------------------------------------------------------------


def loans_visible_to(user: Any) -> QuerySet[LoanApplication]:
    """County roles see every application; another scope those of the persons it can see."""
    scope = scope_of(user)
    if scope.county:
        return LoanApplication.objects.all()
    persons = persons_visible_to(user)
    if persons.query.is_empty():
        return LoanApplication.objects.none()
    return LoanApplication.objects.filter(person__in=persons.values("pk"))


@dataclass(frozen=True)
class LoanFilter:
    school_year: str = ""
    status: str = ""
    stage: str = ""
    q: str = ""


def loan_list(user: Any, f: LoanFilter) -> QuerySet[LoanApplication]:
    qs = loans_visible_to(user)
    for name in ("school_year", "status", "stage"):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{name: value})
    if f.q:
        qs = qs.filter(person__in=search_persons(persons_visible_to(user), f.q).values("pk"))
    return qs.select_related("person", "version").order_by("-school_year", "person__name", "pk")


def loan_totals(qs: QuerySet[LoanApplication]) -> dict[str, int]:
    """Counts and requested fen by status; loans are kept apart from every money total."""
    agg = qs.order_by().aggregate(
        count=Count("pk"),
        requested=Sum("amount_fen", filter=~Q(status="withdrawn"), default=0),
        disbursed=Sum("amount_fen", filter=Q(status="disbursed"), default=0),
    )
    return {key: int(value) for key, value in agg.items()}
