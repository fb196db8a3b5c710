"""Sections that other apps add to the home page and to the student profile (一生一档).

An app registers a function in its `AppConfig.ready()`; the function returns rendered HTML, or ""
when it has nothing for this user. The home view and the profile view stay unaware of the apps::

    from eduaid.core import panels
    panels.register_home_panel(my_home_panel)          # fn(request) -> str
    panels.register_profile_section(my_profile_card)   # fn(request, person) -> str

Every function must scope what it shows with the app's selectors, as any view does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

HomePanel = Callable[[Any], str]
ProfileSection = Callable[[Any, Any], str]

_home_panels: list[HomePanel] = []
_profile_sections: list[ProfileSection] = []


def register_home_panel(fn: HomePanel) -> HomePanel:
    if fn not in _home_panels:
        _home_panels.append(fn)
    return fn


def register_profile_section(fn: ProfileSection) -> ProfileSection:
    if fn not in _profile_sections:
        _profile_sections.append(fn)
    return fn


def home_panels(request: Any) -> list[SafeString]:
    return [mark_safe(html) for fn in _home_panels if (html := fn(request))]  # noqa: S308


def profile_sections(request: Any, person: Any) -> list[SafeString]:
    return [mark_safe(html) for fn in _profile_sections if (html := fn(request, person))]  # noqa: S308
