"""Shared steps for the review tests: price the spring term of the registry cast and walk it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.conftest import RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.review import services
from eduaid.review.models import Notice

S = EntitlementStatus
# The spring term of the cast starts on 1 March 2024; the test clock stands at 15 March.
NOTICE_START = dt.date(2024, 3, 11)  # a Monday: ends on Monday 18 March
NOTICE_END = dt.date(2024, 3, 18)
AFTER_END = dt.date(2024, 3, 19)


def price_spring(registry_cast: RegistryCast) -> list[Entitlement]:
    from eduaid.aid.services import entitlements_compute

    entitlements_compute(term=registry_cast.spring, actor=None)
    return list(Entitlement.objects.filter(term=registry_cast.spring).order_by("pk"))


def school_rows(registry_cast: RegistryCast, school: Any) -> list[Entitlement]:
    return list(Entitlement.objects.filter(term=registry_cast.spring, school=school).order_by("pk"))


def published(registry_cast: RegistryCast, school: Any = None, *, public_link: bool = True) -> Notice:
    """school_a's spring entitlements (or another school's) confirmed and published on NOTICE_START."""
    price_spring(registry_cast)
    school = school or registry_cast.cast.school_a
    rows = [r for r in school_rows(registry_cast, school) if not r.held]
    services.entitlements_confirm(ids=[r.pk for r in rows], actor=None, note="核对无误")
    with frozen_today(NOTICE_START):
        return services.notice_publish(
            term=registry_cast.spring,
            school=school,
            starts_on=NOTICE_START,
            actor=None,
            public_link=public_link,
        )


def statuses(ids: list[int]) -> set[str]:
    return set(Entitlement.objects.filter(pk__in=ids).values_list("status", flat=True))
