from __future__ import annotations

from typing import Any

import pytest

from eduaid.conftest import Cast


@pytest.mark.django_db
def test_api_needs_a_session(client: Any) -> None:
    assert client.get("/api/v1/schools").status_code == 401


def test_api_docs_are_served_locally_and_need_login(client: Any, cast: Cast) -> None:
    assert client.get("/api/v1/docs").status_code == 302
    client.force_login(cast.user("inspector"))
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/schools/{school_id}" in schema["paths"]


def test_county_roles_list_every_school(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("aid_center"))
    codes = {s["code"] for s in client.get("/api/v1/schools").json()}
    assert codes == {cast.school_a.code, cast.school_a2.code, cast.school_b.code}
