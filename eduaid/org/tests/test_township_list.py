from typing import Any

import pytest
from django.urls import reverse

from eduaid.conftest import Cast


@pytest.mark.parametrize("role", ["school_officer", "teacher", "village_team"])
def test_roles_without_a_township_cannot_open_the_township_list(client: Any, cast: Cast, role: str) -> None:
    client.force_login(cast.user(role))
    assert client.get(reverse("org:township_list")).status_code == 403


@pytest.mark.parametrize("role", ["county_admin", "leader", "township_officer"])
def test_county_roles_and_township_officers_list_their_townships(client: Any, cast: Cast, role: str) -> None:
    client.force_login(cast.user(role))
    response = client.get(reverse("org:township_list"))
    assert response.status_code == 200
    assert cast.township_a.name in response.content.decode()
