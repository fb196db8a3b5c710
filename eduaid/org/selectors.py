"""Reads of the county structure, each scoped to a user (the one chokepoint per model)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from eduaid.accounts.scope import scope_of
from eduaid.org.models import County, OrgUnit, School, SchoolClass, Township, Village


def current_county() -> County | None:
    return County.objects.order_by("pk").first()


def townships_visible_to(user) -> QuerySet[Township]:  # type: ignore[no-untyped-def]
    scope = scope_of(user)
    qs = Township.objects.all()
    if scope.county:
        return qs
    return qs.filter(pk__in=scope.township_ids)


def villages_visible_to(user) -> QuerySet[Village]:  # type: ignore[no-untyped-def]
    scope = scope_of(user)
    qs = Village.objects.select_related("township")
    if scope.county:
        return qs
    return qs.filter(pk__in=scope.village_ids)


def schools_visible_to(user) -> QuerySet[School]:  # type: ignore[no-untyped-def]
    scope = scope_of(user)
    qs = School.objects.select_related("township")
    if scope.county:
        return qs
    return qs.filter(pk__in=scope.school_ids)


def classes_visible_to(user) -> QuerySet[SchoolClass]:  # type: ignore[no-untyped-def]
    return SchoolClass.objects.filter(school__in=schools_visible_to(user))


def org_units_visible_to(user) -> QuerySet[OrgUnit]:  # type: ignore[no-untyped-def]
    scope = scope_of(user)
    qs = OrgUnit.objects.select_related("township", "school")
    if scope.county:
        return qs
    return qs.filter(
        Q(township__in=scope.township_ids) | Q(school__in=scope.school_ids) | Q(users=user)
    ).distinct()


def township_summaries(user) -> QuerySet[Township]:  # type: ignore[no-untyped-def]
    return townships_visible_to(user).annotate(
        village_count=Count("villages", distinct=True),
        school_count=Count("schools", distinct=True),
    )


def school_filter(
    qs: QuerySet[School], *, township: str = "", school_type: str = "", q: str = ""
) -> QuerySet[School]:
    if township == "county":
        qs = qs.filter(township__isnull=True)
    elif township.isdigit():
        qs = qs.filter(township_id=int(township))
    if school_type:
        qs = qs.filter(school_type=school_type)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs
