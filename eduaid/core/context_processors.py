from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language
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
    (
        "staff:overview",
        _("Responsible persons"),
        frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER, Role.TEACHER}),
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
    ("review:school_review", _("Review and notice"), frozenset(COUNTY_ROLES | {Role.SCHOOL_OFFICER})),
    ("aid:loan_list", _("Student loans"), frozenset(COUNTY_ROLES)),
    ("payments:index", _("Payments"), frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER})),
    ("dropout:ledger", _("Dropout prevention"), None),
    ("care:index", _("Care and visits"), None),
    ("uploads:index", _("Data import"), frozenset({Role.COUNTY_ADMIN, Role.AID_CENTER})),
    ("accounts:user_list", _("Users"), frozenset({Role.COUNTY_ADMIN})),
    ("core:audit_list", _("Audit log"), frozenset({Role.COUNTY_ADMIN, Role.INSPECTOR})),
]


# Menu groups, in order; an item names its group. A group with one visible item shows as a plain link.
NAV_GROUPS: dict[str, Any] = {
    "home": _("Home"),
    "students": _("Students"),
    "aid": _("Student aid"),
    "care": _("Dropout prevention and care"),
    "org": _("Schools and places"),
    "system": _("System"),
}

NAV_GROUP_OF: dict[str, str] = {
    "core:home": "home",
    "registry:student_list": "students",
    "registry:household_list": "students",
    "matching:findings": "students",
    "staff:overview": "students",
    "aid:entitlement_list": "aid",
    "review:school_review": "aid",
    "payments:index": "aid",
    "aid:loan_list": "aid",
    "aid:policy_list": "aid",
    "aid:budget": "aid",
    "dropout:ledger": "care",
    "care:index": "care",
    "org:township_list": "org",
    "org:school_list": "org",
    "org:village_list": "org",
    "uploads:index": "system",
    "accounts:user_list": "system",
    "core:audit_list": "system",
}


@dataclass
class NavGroup:
    key: str
    label: Any
    items: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [name for name, _label in self.items]


def nav_items_for(user: Any) -> list[tuple[str, Any]]:
    if not getattr(user, "is_authenticated", False):
        return []
    role = "county_admin" if user.is_superuser else user.role
    return [(name, label) for name, label, roles in NAV_ITEMS if roles is None or role in roles]


def nav_groups_for(user: Any) -> list[NavGroup]:
    groups = {key: NavGroup(key, label) for key, label in NAV_GROUPS.items()}
    order = {name: i for i, name in enumerate(NAV_GROUP_OF)}  # within a group: the order of NAV_GROUP_OF
    for name, label in sorted(nav_items_for(user), key=lambda item: order.get(item[0], len(order))):
        groups[NAV_GROUP_OF.get(name, "system")].items.append((name, label))
    return [g for g in groups.values() if g.items]


def _role_of(user: Any) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    return "county_admin" if user.is_superuser else str(user.role)


# The menu's HTML depends on the role, the current page, the language and the URL prefix only: it is
# rendered once per such key in a process (a few hundred at most) instead of on every page view, where
# its loops and `{% url %}` tags cost more than a 50-row table.
_menu_html: dict[tuple[str, str, str | None, str], SafeString] = {}


@dataclass
class NavMenu:
    """The main menu's entries for `{{ nav_menu }}` in base.html, rendered when the page shows it."""

    user: Any
    current: str

    def __html__(self) -> SafeString:
        key = (_role_of(self.user), self.current, get_language(), get_script_prefix())
        html = _menu_html.get(key)
        if html is None:
            context = {"nav_groups": nav_groups_for(self.user), "nav_current": self.current}
            html = _menu_html[key] = SafeString(render_to_string("_nav_menu.html", context))
        return html

    def __str__(self) -> str:
        return self.__html__()


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {"nav_menu": NavMenu(user, current), "nav_current": current}
