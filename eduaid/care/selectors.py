"""Reads of the care records, each scoped to a user: one chokepoint per model.

- visits: those about a person or a household the user sees (registry selectors, so a teacher's
  assigned students follow whatever the registry grants them);
- left-behind children: entries of a school or village in scope; a teacher's, of the persons they see;
- migrant requests: a school in scope, requested or placed; county roles all;
- village teams: county roles all; a village team its own; a township the teams working in its villages;
- help records: those of households the user sees.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from eduaid.accounts.roles import Role
from eduaid.accounts.scope import scope_of
from eduaid.care import rules
from eduaid.care.models import (
    CareRecord,
    FollowUp,
    HelpRecord,
    LeftBehindChild,
    MigrantRequest,
    TeamActivity,
    TeamMember,
    Visit,
)
from eduaid.core import clock
from eduaid.org.models import OrgUnit, OrgUnitKind, School, Village
from eduaid.registry.models import Household, HouseholdVersion, Membership, Person, valid_on
from eduaid.registry.selectors import households_visible_to, persons_visible_to

VISIT_ROLES = frozenset({Role.TEACHER, Role.SCHOOL_OFFICER, Role.TOWNSHIP_OFFICER, Role.VILLAGE_TEAM})
LEFT_BEHIND_ROLES = frozenset({Role.SCHOOL_OFFICER, Role.TOWNSHIP_OFFICER})
CARE_ROLES = frozenset({Role.TEACHER, Role.SCHOOL_OFFICER, Role.TOWNSHIP_OFFICER})
MIGRANT_ROLES = frozenset({Role.SCHOOL_OFFICER, Role.TOWNSHIP_OFFICER})


def role_of(user: Any) -> str:
    if user is None or user.is_superuser:
        return Role.COUNTY_ADMIN
    return str(user.role)


def may(user: Any, roles: frozenset[str]) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and role_of(user) in roles


# ---- visits ------------------------------------------------------------------------------------


def visits_visible_to(user: Any) -> QuerySet[Visit]:
    scope = scope_of(user)
    qs = Visit.objects.select_related("person", "household", "recorded_by")
    if scope.county:
        return qs
    # Checked per visit (correlated EXISTS), not as `IN (every visible person)`: the latter makes
    # PostgreSQL scan the persons table for a handful of visits.
    return qs.filter(
        Q(Exists(persons_visible_to(user).filter(pk=OuterRef("person_id"))))
        | Q(Exists(households_visible_to(user).filter(pk=OuterRef("household_id"))))
    )


def follow_ups_visible_to(user: Any) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(visit__in=visits_visible_to(user).values("pk")).select_related("done_by")


def visit_rows(qs: QuerySet[Visit]) -> QuerySet[Visit]:
    """Visits with their follow-ups and open-action counts, for lists."""
    return (
        qs.prefetch_related("follow_ups__done_by")
        .annotate(open_actions=Count("follow_ups", filter=Q(follow_ups__done_on__isnull=True)))
        .order_by("-visited_on", "-pk")
    )


@dataclass(frozen=True)
class VisitFilter:
    kind: str = ""
    open_only: bool = False
    mine: bool = False


def visit_list(user: Any, f: VisitFilter) -> QuerySet[Visit]:
    qs = visit_rows(visits_visible_to(user))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.open_only:
        qs = qs.filter(follow_ups__done_on__isnull=True).distinct()
    if f.mine:
        qs = qs.filter(recorded_by=user)
    return qs


def current_household(person: Person, day: dt.date | None = None) -> Household | None:
    membership = (
        Membership.objects.filter(valid_on(day or clock.today()), person=person)
        .select_related("household")
        .first()
    )
    return membership.household if membership else None


def current_version(household: Household, day: dt.date | None = None) -> HouseholdVersion | None:
    return (
        HouseholdVersion.objects.filter(valid_on(day or clock.today()), household=household)
        .select_related("village__township")
        .first()
    )


def home_village(person: Person) -> Village | None:
    """The village of the person's current registry household, if any."""
    household = current_household(person)
    version = current_version(household) if household else None
    return version.village if version else None


# ---- left-behind children ----------------------------------------------------------------------


def left_behind_visible_to(user: Any) -> QuerySet[LeftBehindChild]:
    scope = scope_of(user)
    qs = LeftBehindChild.objects.select_related("person", "village__township", "school")
    if scope.county:
        return qs
    where = Q(pk__in=[])
    if scope.school_ids:
        where |= Q(school_id__in=scope.school_ids)
    if scope.village_ids:
        where |= Q(village_id__in=scope.village_ids)
    if scope.teacher_user_id is not None:
        where |= Q(person__in=persons_visible_to(user).values("pk"))
    return qs.filter(where)


def care_records_visible_to(user: Any) -> QuerySet[CareRecord]:
    return CareRecord.objects.filter(child__in=left_behind_visible_to(user).values("pk")).select_related(
        "recorded_by"
    )


@dataclass(frozen=True)
class LeftBehindFilter:
    township: int | None = None
    school: int | None = None
    situation: str = ""
    ended: bool = False
    q: str = ""


def left_behind_list(user: Any, f: LeftBehindFilter) -> QuerySet[LeftBehindChild]:
    qs = left_behind_visible_to(user).filter(ended_on__isnull=not f.ended)
    if f.township is not None:
        qs = qs.filter(village__township_id=f.township)
    if f.school is not None:
        qs = qs.filter(school_id=f.school)
    if f.situation:
        qs = qs.filter(situation=f.situation)
    if f.q:
        qs = qs.filter(Q(person__name__startswith=f.q) | Q(guardian_name__startswith=f.q))
    return qs.annotate(care_count=Count("care_records")).order_by("village__code", "person__name", "pk")


def open_left_behind_count(user: Any) -> int:
    return left_behind_visible_to(user).filter(ended_on__isnull=True).count()


# ---- migrant children --------------------------------------------------------------------------


def migrant_requests_visible_to(user: Any) -> QuerySet[MigrantRequest]:
    scope = scope_of(user)
    qs = MigrantRequest.objects.select_related("school_requested__township", "school_placed")
    if scope.county:
        return qs
    if not scope.school_ids:
        return qs.none()
    return qs.filter(Q(school_requested_id__in=scope.school_ids) | Q(school_placed_id__in=scope.school_ids))


@dataclass(frozen=True)
class SchoolFigure:
    school: School
    figure: rules.ZeroBarrier


def zero_barrier_figures(user: Any, year: int | None = None) -> tuple[rules.ZeroBarrier, list[SchoolFigure]]:
    """The 零障碍 figure over the requests the user sees (the county's for county roles), and one per
    requested school; `year` keeps the requests applied in that calendar year."""
    qs = migrant_requests_visible_to(user)
    if year is not None:
        qs = qs.filter(applied_on__year=year)
    rows = list(qs.values_list("school_requested_id", "status", "applied_on", "placed_on"))
    per_school: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    every: list[tuple[str, int | None]] = []
    for school_id, status, applied, placed in rows:
        row = (status, (placed - applied).days if placed else None)
        per_school[school_id].append(row)
        every.append(row)
    schools = School.objects.select_related("township").in_bulk(list(per_school))
    figures = [SchoolFigure(schools[pk], rules.zero_barrier(per_school[pk])) for pk in per_school]
    figures.sort(key=lambda f: (f.school.township.code if f.school.township else "", f.school.code))
    return rules.zero_barrier(every), figures


# ---- village teams -----------------------------------------------------------------------------


def teams_visible_to(user: Any) -> QuerySet[OrgUnit]:
    scope = scope_of(user)
    qs = OrgUnit.objects.filter(kind=OrgUnitKind.VILLAGE_TEAM)
    if scope.county:
        return qs
    if role_of(user) == Role.VILLAGE_TEAM:
        return qs.filter(pk=user.org_unit_id)
    if scope.village_ids:
        return qs.filter(
            pk__in=OrgUnit.villages.through.objects.filter(village_id__in=scope.village_ids).values(
                "orgunit_id"
            )
        )
    return qs.none()


def team_members_visible_to(user: Any) -> QuerySet[TeamMember]:
    return TeamMember.objects.filter(team__in=teams_visible_to(user).values("pk"))


def activities_visible_to(user: Any) -> QuerySet[TeamActivity]:
    return TeamActivity.objects.filter(team__in=teams_visible_to(user).values("pk")).select_related(
        "village", "recorded_by"
    )


def help_records_visible_to(user: Any) -> QuerySet[HelpRecord]:
    scope = scope_of(user)
    qs = HelpRecord.objects.select_related("household", "recorded_by", "team")
    if scope.county:
        return qs
    return qs.filter(household__in=households_visible_to(user).values("pk"))


def may_manage_team(user: Any, team: OrgUnit) -> bool:
    """Only the team's own login writes its members, activities and help records."""
    return role_of(user) == Role.VILLAGE_TEAM and user.org_unit_id == team.pk


def team_households(team: OrgUnit, day: dt.date | None = None) -> QuerySet[HouseholdVersion]:
    """The current version of every household living in the team's villages."""
    return (
        HouseholdVersion.objects.filter(valid_on(day or clock.today()), village__in=team.villages.all())
        .select_related("household", "village")
        .order_by("village__code", "household__code")
    )
