"""Template helpers of the care pages: the section tabs, the household's care panel, money."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.aid.pricing import yuan as fen_to_yuan
from eduaid.care import panels, selectors

register = template.Library()


@register.inclusion_tag("care/_nav.html", takes_context=True)
def care_nav(context: dict[str, Any], current: str) -> dict[str, Any]:
    user = context["request"].user
    role = selectors.role_of(user)
    tabs = [("care:visit_list", "visits")]
    if role != Role.VILLAGE_TEAM:
        tabs.append(("care:left_behind_list", "left_behind"))
    if role in COUNTY_ROLES or role in selectors.MIGRANT_ROLES:
        tabs.append(("care:migrant_list", "migrants"))
    if role in COUNTY_ROLES or role in {Role.TOWNSHIP_OFFICER, Role.VILLAGE_TEAM}:
        tabs.append(("care:team_list", "teams"))
    return {"tabs": tabs, "current": current}


@register.simple_tag(takes_context=True)
def household_care(context: dict[str, Any], household: Any) -> SafeString:
    return panels.household_section(context["request"], household)


@register.filter
def yuan(amount_fen: int | None) -> str:
    return fen_to_yuan(amount_fen)
