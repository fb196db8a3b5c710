from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from eduaid.accounts import services
from eduaid.accounts.models import User
from eduaid.conftest import PASSWORD, Cast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.org.models import OrgUnit


def _create(client: Any, cast: Cast, **overrides: str) -> Any:
    data = {
        "username": "wang.li",
        "full_name": "王丽",
        "role": "school_officer",
        "unit": f"school:{cast.school_b.pk}",
        "phone": "0396-4912345",
    }
    data.update(overrides)
    return client.post(reverse("accounts:user_create"), data)


def test_admin_creates_a_school_officer_for_a_school(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("county_admin"))
    response = _create(client, cast)
    user = User.objects.get(username="wang.li")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_detail", kwargs={"pk": user.pk})
    assert user.org_unit is not None and user.org_unit.school == cast.school_b
    assert user.must_change_password
    assert list(user.groups.values_list("name", flat=True)) == ["school_officer"]
    event = AuditEvent.objects.get(kind=AuditKind.USER_CREATED)
    assert event.actor == cast.user("county_admin") and event.object_id == str(user.pk)
    assert user.history.count() >= 1


def test_role_must_fit_the_unit(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("county_admin"))
    response = _create(client, cast, role="township_officer")
    assert response.status_code == 200
    assert "必须属于" in response.content.decode()
    assert not User.objects.filter(username="wang.li").exists()


def test_login_names_are_unique_ignoring_case(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("county_admin"))
    response = _create(client, cast, username="SCHOOL_OFFICER")
    assert response.status_code == 200
    assert User.objects.filter(username__iexact="school_officer").count() == 1


@pytest.mark.parametrize("role", ["aid_center", "leader", "school_officer", "teacher"])
def test_only_the_administrator_manages_users(client: Any, cast: Cast, role: str) -> None:
    client.force_login(cast.user(role))
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert _create(client, cast).status_code == 403
    assert not User.objects.filter(username="wang.li").exists()


def test_new_user_must_change_the_initial_password(client: Any, cast: Cast) -> None:
    user = cast.user("teacher")
    user.must_change_password = True
    user.save()
    client.force_login(user)
    response = client.get(reverse("org:school_list"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Qingshui-2024x", "new_password2": "Qingshui-2024x"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditKind.PASSWORD_CHANGED, actor=user).exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [("short1A", "太短"), ("onlyletterspassword", "字母和数字"), ("1234567890123", "全都是数字")],
)
def test_password_policy(client: Any, cast: Cast, password: str, message: str) -> None:
    client.force_login(cast.user("teacher"))
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_reset_password_gives_a_new_one_that_works(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("county_admin"))
    target = cast.user("school_officer")
    response = client.post(reverse("accounts:user_reset_password", kwargs={"pk": target.pk}), follow=True)
    message = next(iter(response.context["messages"])).message
    new_password = message.split("重置为")[1].split()[0].strip("，,。")
    target.refresh_from_db()
    assert target.must_change_password
    request = RequestFactory().post("/")
    assert authenticate(request, username="school_officer", password=new_password) == target
    assert AuditEvent.objects.filter(kind=AuditKind.PASSWORD_RESET, object_id=str(target.pk)).exists()


def test_deactivate_and_reactivate(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("county_admin"))
    target = cast.user("teacher")
    url = reverse("accounts:user_set_active", kwargs={"pk": target.pk})
    client.post(url, {"active": "0"})
    target.refresh_from_db()
    assert not target.is_active
    client.post(url, {"active": "1"})
    target.refresh_from_db()
    assert target.is_active
    kinds = list(AuditEvent.objects.filter(object_id=str(target.pk)).values_list("kind", flat=True))
    assert set(kinds) == {AuditKind.USER_DEACTIVATED, AuditKind.USER_ACTIVATED}


def test_admin_cannot_deactivate_themself(cast: Cast) -> None:
    admin = cast.user("county_admin")
    with pytest.raises(ValidationError):
        services.user_set_active(actor=admin, user=admin, active=False)


def test_service_refuses_a_role_in_the_wrong_unit(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.user_create(
            actor=cast.user("county_admin"),
            username="x1",
            full_name="某",
            role="teacher",
            org_unit=OrgUnit.objects.get(name="县教育局"),
            password="Abcdefgh1234",
        )
