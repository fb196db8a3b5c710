"""The care sections on other apps' pages: the home panel, the student profile, the household page.

Each is scoped through `care.selectors`, as any view is.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.care import selectors
from eduaid.core import clock
from eduaid.registry.selectors import households_visible_to

RECENT = 10


def home_panel(request: Any) -> str:
    user = request.user
    role = selectors.role_of(user)
    context: dict[str, Any] = {"role": role}
    open_actions = selectors.follow_ups_visible_to(user).filter(done_on__isnull=True)
    if role == Role.TEACHER:
        context["open_actions"] = open_actions.filter(visit__recorded_by=user).count()
        context["my_visits"] = selectors.visits_visible_to(user).filter(recorded_by=user).count()
    elif role == Role.VILLAGE_TEAM:
        team = user.org_unit
        households = households_visible_to(user)
        year = clock.today().year
        context["team"] = team
        context["households"] = households.count()
        context["visited"] = (
            selectors.visits_visible_to(user)
            .filter(household__in=households.values("pk"), visited_on__year=year)
            .values("household_id")
            .distinct()
            .count()
        )
        context["help_count"] = selectors.help_records_visible_to(user).filter(helped_on__year=year).count()
        context["activity_count"] = selectors.activities_visible_to(user).filter(held_on__year=year).count()
        context["open_actions"] = open_actions.count()
        context["year"] = year
    else:
        context["left_behind"] = selectors.open_left_behind_count(user)
        context["open_actions"] = open_actions.count()
        if role in COUNTY_ROLES or role in selectors.MIGRANT_ROLES:
            context["migrants"], _schools = selectors.zero_barrier_figures(user)
    return render_to_string("care/home_panel.html", context, request=request)


def profile_section(request: Any, person: Any) -> str:
    user = request.user
    visits = selectors.visit_rows(selectors.visits_visible_to(user).filter(person=person))
    context = {
        "person": person,
        "visits": visits[:RECENT],
        "visit_count": visits.count(),
        "left_behind": selectors.left_behind_visible_to(user)
        .filter(person=person, ended_on__isnull=True)
        .first(),
        "may_visit": selectors.may(user, selectors.VISIT_ROLES),
    }
    return render_to_string("care/profile_section.html", context, request=request)


def household_section(request: Any, household: Any) -> SafeString:
    user = request.user
    visits = selectors.visit_rows(selectors.visits_visible_to(user).filter(household=household))
    team = user.org_unit
    context = {
        "household": household,
        "visits": visits[:RECENT],
        "visit_count": visits.count(),
        "help_records": selectors.help_records_visible_to(user).filter(household=household)[:RECENT],
        "may_visit": selectors.may(user, selectors.VISIT_ROLES),
        "may_help": team is not None and selectors.may_manage_team(user, team),
    }
    return mark_safe(render_to_string("care/household_section.html", context, request=request))  # noqa: S308
