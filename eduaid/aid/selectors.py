"""Reading entitlements, scoped to a user (the one chokepoint for this model)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from eduaid.accounts.scope import scope_of
from eduaid.aid.models import Entitlement


def entitlements_visible_to(user: Any) -> QuerySet[Entitlement]:
    """County roles (and the command-line actor) see every entitlement; a school scope its schools'."""
    scope = scope_of(user)
    if scope.county:
        return Entitlement.objects.all()
    if not scope.school_ids:
        return Entitlement.objects.none()
    return Entitlement.objects.filter(school_id__in=scope.school_ids)
