"""Every URL that takes an object id is scoped: an outsider gets 404, never the record.

The test walks Django's resolver, so a new pattern with an id fails here until it is listed
in SCOPED with an object that lies outside the scopes of the roles checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from eduaid.conftest import Cast

NON_COUNTY = ["township_officer", "school_officer", "teacher", "village_team"]
NOT_ADMIN = ["aid_center", "leader", "inspector", *NON_COUNTY]

# url name -> (method, kwargs of an object outside every listed role's scope, roles, kwargs inside)
SCOPED: dict[str, tuple[str, Callable[[Cast], dict[str, Any]], list[str]]] = {
    "org:township_detail": ("get", lambda c: {"pk": c.township_b.pk}, NON_COUNTY),
    "org:school_detail": ("get", lambda c: {"pk": c.school_b.pk}, NON_COUNTY),
    "org:village_detail": ("get", lambda c: {"pk": c.village_b.pk}, NON_COUNTY),
    "accounts:user_detail": ("get", lambda c: {"pk": c.user("county_admin").pk}, NOT_ADMIN),
    "accounts:user_reset_password": ("post", lambda c: {"pk": c.user("county_admin").pk}, NOT_ADMIN),
    "accounts:user_set_active": ("post", lambda c: {"pk": c.user("county_admin").pk}, NOT_ADMIN),
    "api:get_school": ("get", lambda c: {"school_id": c.school_b.pk}, NON_COUNTY),
}

# Patterns with ids that are not records of ours (static files served by Django itself).
IGNORED_PREFIXES = ("static/",)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, bool]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            has_param = bool(entry.pattern.regex.groupindex) or "<" in route
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or route)
            yield name, route, has_param


def test_every_url_with_an_id_is_listed_as_scoped() -> None:
    uncovered = [
        f"{name} ({route})"
        for name, route, has_param in _walk(get_resolver().url_patterns)
        if has_param and name not in SCOPED and not route.startswith(IGNORED_PREFIXES)
    ]
    assert uncovered == [], "URL patterns with an object id but no scope test: " + ", ".join(uncovered)


def _cases() -> list[tuple[str, str]]:
    return [(name, role) for name, (_m, _k, roles) in SCOPED.items() for role in roles]


@pytest.mark.parametrize(("name", "role"), _cases())
def test_outsider_gets_404(client: Any, cast: Cast, name: str, role: str) -> None:
    method, kwargs, _roles = SCOPED[name]
    client.force_login(cast.user(role))
    url = reverse(name, kwargs=kwargs(cast))
    response = getattr(client, method)(url)
    assert response.status_code == 404, f"{role} got {response.status_code} on {url}"


@pytest.mark.parametrize(
    ("name", "role", "target"),
    [
        ("org:school_detail", "school_officer", "school_a"),
        ("org:school_detail", "township_officer", "school_a2"),
        ("org:school_detail", "leader", "school_b"),
        ("org:township_detail", "township_officer", "township_a"),
        ("org:village_detail", "village_team", "village_a"),
        ("api:get_school", "school_officer", "school_a"),
    ],
)
def test_insider_sees_the_record(client: Any, cast: Cast, name: str, role: str, target: str) -> None:
    client.force_login(cast.user(role))
    key = "school_id" if name.startswith("api:") else "pk"
    response = client.get(reverse(name, kwargs={key: getattr(cast, target).pk}))
    assert response.status_code == 200


def test_school_officer_lists_only_their_school(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("school_officer"))
    page = client.get(reverse("org:school_list")).content.decode()
    assert cast.school_a.name in page
    assert cast.school_b.name not in page
    assert cast.school_a2.name not in page
    api = client.get(reverse("api:list_schools")).json()
    assert [s["code"] for s in api] == [cast.school_a.code]


def test_teacher_sees_no_school_until_students_are_assigned(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("teacher"))
    assert client.get(reverse("api:list_schools")).json() == []
    assert client.get(reverse("org:school_detail", kwargs={"pk": cast.school_a.pk})).status_code == 404
