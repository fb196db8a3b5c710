"""Notice pages for insiders: the school's officer and the county see the notice, its print and its .xlsx."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from eduaid.conftest import RegistryCast
from eduaid.review.tests.helpers import published


@pytest.mark.parametrize("role", ["school_officer", "township_officer", "aid_center", "leader"])
@pytest.mark.parametrize("name", ["review:notice_detail", "review:notice_print", "review:notice_xlsx"])
def test_insiders_see_the_notice(client: Any, registry_cast: RegistryCast, role: str, name: str) -> None:
    notice = published(registry_cast)
    client.force_login(registry_cast.cast.user(role))
    assert client.get(reverse(name, kwargs={"pk": notice.pk})).status_code == 200


def test_the_notice_list_shows_the_scope_only(client: Any, registry_cast: RegistryCast) -> None:
    mine = published(registry_cast)
    theirs = published(registry_cast, registry_cast.cast.school_b)
    client.force_login(registry_cast.cast.user("school_officer"))
    html = client.get(reverse("review:notice_list") + "?term=2023-2024-2").content.decode()
    assert f'data-notice="{mine.pk}"' in html and f'data-notice="{theirs.pk}"' not in html
