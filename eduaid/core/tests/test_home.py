from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from eduaid.conftest import Cast, RegistryCast


def _counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', html)}


def test_county_home_counts_the_whole_county(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("aid_center"))
    html = client.get(reverse("core:home")).content.decode()
    assert _counts(html) == {"townships": 18, "villages": 204, "schools": 3, "classes": 2}
    assert 'data-testid="township-chart"' in html


def test_admin_home_also_counts_active_users(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("county_admin"))
    assert _counts(client.get(reverse("core:home")).content.decode())["users"] == 8


def test_township_home_counts_its_township(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("township_officer"))
    html = client.get(reverse("core:home")).content.decode()
    villages = cast.township_a.villages.count()
    assert _counts(html) == {"townships": 1, "villages": villages, "schools": 2, "classes": 1}


def test_school_home_shows_its_school(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("school_officer"))
    html = client.get(reverse("core:home")).content.decode()
    assert _counts(html) == {"schools": 1, "classes": 1}
    assert cast.school_a.name in html and cast.school_b.name not in html


def test_teacher_home_is_empty_until_assignment(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("teacher"))
    html = client.get(reverse("core:home")).content.decode()
    assert _counts(html) == {}
    assert 'data-testid="teacher-empty"' in html


def test_village_team_home_lists_its_villages(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("village_team"))
    html = client.get(reverse("core:home")).content.decode()
    assert _counts(html) == {"villages": 1}
    assert cast.village_a.name in html


def test_leader_home_lists_paired_townships(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("leader"))
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("org:township_detail", kwargs={"pk": cast.township_a.pk}) in html


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("county_admin", ["accounts:user_list", "core:audit_list"], []),
        ("school_officer", ["org:school_list"], ["accounts:user_list", "org:township_list"]),
        ("teacher", [], ["org:school_list", "accounts:user_list"]),
    ],
)
def test_navigation_follows_the_role(
    client: Any, cast: Cast, role: str, visible: list[str], hidden: list[str]
) -> None:
    client.force_login(cast.user(role))
    html = client.get(reverse("core:home")).content.decode()
    for name in visible:
        assert f'href="{reverse(name)}"' in html
    for name in hidden:
        assert f'href="{reverse(name)}"' not in html


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("aid_center", {"students": 9, "households": 5, "dropouts": 2}),
        ("township_officer", {"students": 6, "households": 3, "dropouts": 1}),
        ("school_officer", {"students": 5, "households": 3, "dropouts": 0}),
        ("village_team", {"households": 3, "dropouts": 1}),
    ],
)
def test_home_counts_students_households_and_dropouts_in_scope(
    client: Any, registry_cast: RegistryCast, role: str, expected: dict[str, int]
) -> None:
    client.force_login(registry_cast.cast.user(role))
    html = client.get(reverse("core:home")).content.decode()
    counts = _counts(html)
    assert {k: counts[k] for k in ("students", "households", "dropouts") if k in counts} == expected
    run = registry_cast.spring_run
    assert f"{reverse('matching:findings')}?run={run.pk}&amp;kind=dropouts" in html


def test_teacher_home_counts_no_students(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("teacher"))
    assert _counts(client.get(reverse("core:home")).content.decode()) == {}


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("aid_center", ["registry:student_list", "registry:household_list", "matching:findings"], []),
        ("township_officer", ["registry:student_list", "registry:household_list", "matching:findings"], []),
        ("school_officer", ["registry:student_list", "matching:findings"], ["registry:household_list"]),
        ("village_team", ["registry:household_list"], ["registry:student_list", "matching:findings"]),
        ("teacher", [], ["registry:student_list", "registry:household_list", "matching:findings"]),
    ],
)
def test_registry_and_matching_menu_entries_follow_the_role(
    client: Any, cast: Cast, role: str, visible: list[str], hidden: list[str]
) -> None:
    client.force_login(cast.user(role))
    html = client.get(reverse("core:home")).content.decode()
    for name in visible:
        assert f'data-nav="{name}"' in html
    for name in hidden:
        assert f'data-nav="{name}"' not in html
