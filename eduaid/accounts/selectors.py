"""Reads of users, scoped (the one chokepoint for the User model)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from eduaid.accounts.models import User
from eduaid.accounts.roles import Role


def users_visible_to(user) -> QuerySet[User]:  # type: ignore[no-untyped-def]
    """Only the system administrator reads user accounts; for everyone else none exist."""
    qs = User.objects.select_related("org_unit", "org_unit__school", "org_unit__township")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_superuser or user.role == Role.COUNTY_ADMIN:
        return qs
    return qs.none()


def user_filter(qs: QuerySet[User], *, role: str = "", q: str = "", active: str = "") -> QuerySet[User]:
    if role:
        qs = qs.filter(role=role)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__contains=q) | Q(org_unit__name__contains=q))
    if active == "1":
        qs = qs.filter(is_active=True)
    elif active == "0":
        qs = qs.filter(is_active=False)
    return qs
