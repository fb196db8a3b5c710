"""The optional public link: no login, served during the period, 410 with a Chinese message after it."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from eduaid.conftest import RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.review.tests.helpers import AFTER_END, NOTICE_END, NOTICE_START, published


def test_the_link_serves_without_login_until_the_last_day(
    client: Client, registry_cast: RegistryCast
) -> None:
    notice = published(registry_cast)
    url = reverse("review:notice_public", kwargs={"token": notice.public_token})
    for day in (NOTICE_START, NOTICE_END):
        with frozen_today(day):
            response = client.get(url)
            assert response.status_code == 200
            assert registry_cast.person("poor_kid").name in response.content.decode()
            assert response["Cache-Control"] == "no-store"


def test_the_link_is_gone_once_the_period_is_over(client: Client, registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    with frozen_today(AFTER_END):
        response = client.get(reverse("review:notice_public", kwargs={"token": notice.public_token}))
    assert response.status_code == 410
    text = response.content.decode()
    assert 'data-testid="notice-gone"' in text
    assert registry_cast.person("poor_kid").name not in text


def test_an_unknown_token_is_not_found(client: Client, registry_cast: RegistryCast) -> None:
    published(registry_cast)
    assert client.get(reverse("review:notice_public", kwargs={"token": "not-a-token"})).status_code == 404


def test_a_notice_without_a_public_link_has_none(client: Client, registry_cast: RegistryCast) -> None:
    notice = published(registry_cast, public_link=False)
    assert notice.public_token is None
