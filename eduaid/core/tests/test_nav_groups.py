"""The main menu groups its entries so that every role's menu fits one line at desktop width."""

from typing import Any

from django.urls import reverse

from eduaid.conftest import Cast
from eduaid.core.context_processors import nav_groups_for


def test_aid_entries_are_grouped_in_the_order_of_the_work(cast: Cast) -> None:
    groups = {g.key: g.names for g in nav_groups_for(cast.user("aid_center"))}
    assert groups["aid"][:3] == ["aid:entitlement_list", "review:school_review", "payments:index"]
    assert len(groups) <= 6 and all(groups.values())


def test_a_group_with_one_entry_is_a_plain_link_and_others_are_menus(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("village_team"))
    html = client.get(reverse("core:home")).content.decode()
    village_groups = {g.key: g.names for g in nav_groups_for(cast.user("village_team"))}
    for key, names in village_groups.items():
        assert (f'data-nav-group="{key}"' in html) == (len(names) > 1)
        for name in names:
            assert f'data-nav="{name}"' in html


def test_the_kept_menu_marks_the_current_page_and_follows_the_role(client: Any, cast: Cast) -> None:
    # the menu's HTML is kept per role and page: each view must still mark its own entry, and a role
    # must never get another role's entries
    client.force_login(cast.user("aid_center"))
    for name in ("core:home", "registry:student_list", "core:home"):
        html = client.get(reverse(name)).content.decode()
        assert f'data-nav="{name}" aria-current="page"' in html
        assert html.count('aria-current="page"') == 1
    assert 'data-nav="uploads:index"' in html
    client.force_login(cast.user("school_officer"))
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-nav="uploads:index"' not in html
    assert 'data-nav="core:home" aria-current="page"' in html
