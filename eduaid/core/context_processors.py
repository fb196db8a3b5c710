from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from eduaid.accounts.roles import COUNTY_ROLES, Role

# (url name, label, roles that see it; None = every signed-in user)
NAV_ITEMS: list[tuple[str, Any, frozenset[str] | None]] = [
    ("core:home", _("Home"), None),
    (
        "registry:student_list",
        _("Students"),
        frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER}),
    ),
    (
        "registry:household_list",
        _("Registry households"),
        frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.VILLAGE_TEAM}),
    ),
    (
        "matching:findings",
        _("Matching"),
        frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER}),
    ),
    ("org:township_list", _("Townships"), frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER})),
    ("org:school_list", _("Schools"), frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER})),
    ("org:village_list", _("Villages"), frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.VILLAGE_TEAM})),
    ("aid:policy_list", _("Aid policy"), frozenset(COUNTY_ROLES)),
    (
        "aid:entitlement_list",
        _("Aid lists"),
        frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER}),
    ),
    ("aid:budget", _("Budget and what-if"), frozenset(COUNTY_ROLES)),
    ("uploads:index", _("Data import"), frozenset({Role.COUNTY_ADMIN, Role.AID_CENTER})),
    ("accounts:user_list", _("Users"), frozenset({Role.COUNTY_ADMIN})),
    ("core:audit_list", _("Audit log"), frozenset({Role.COUNTY_ADMIN, Role.INSPECTOR})),
]


def nav_items_for(user: Any) -> list[tuple[str, Any]]:
    if not getattr(user, "is_authenticated", False):
        return []
    role = "county_admin" if user.is_superuser else user.role
    return [(name, label) for name, label, roles in NAV_ITEMS if roles is None or role in roles]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {"nav_items": nav_items_for(user), "nav_current": current}
