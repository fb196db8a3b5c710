from __future__ import annotations

from typing import Any

from django.urls import reverse

from eduaid.conftest import PASSWORD, Cast
from eduaid.core.models import AuditEvent, AuditKind


def _login(client: Any, username: str, password: str) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_is_audited_with_the_address(client: Any, cast: Cast) -> None:
    response = _login(client, "school_officer", PASSWORD)
    assert response.status_code == 302
    event = AuditEvent.objects.get(kind=AuditKind.LOGIN)
    assert event.actor == cast.user("school_officer")
    assert event.ip == "127.0.0.1"


def test_failed_login_is_audited_and_explained_in_chinese(client: Any, cast: Cast) -> None:
    response = _login(client, "school_officer", "wrong-password-1")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    event = AuditEvent.objects.get(kind=AuditKind.LOGIN_FAILED)
    assert event.username == "school_officer"
    assert event.actor is None


def test_five_failures_lock_the_account_even_for_the_right_password(client: Any, cast: Cast) -> None:
    for _ in range(5):
        _login(client, "teacher", "wrong-password-1")
    response = _login(client, "teacher", PASSWORD)
    assert response.status_code == 429
    assert "账户已锁定" in response.content.decode()
    assert AuditEvent.objects.filter(kind=AuditKind.LOCKED_OUT, username="teacher").exists()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client: Any, cast: Cast) -> None:
    for _ in range(4):
        _login(client, "teacher", "wrong-password-1")
    assert _login(client, "teacher", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "teacher", "wrong-password-1")
    assert _login(client, "teacher", PASSWORD).status_code == 302


def test_deactivated_user_cannot_log_in(client: Any, cast: Cast) -> None:
    user = cast.user("aid_center")
    user.is_active = False
    user.save()
    response = _login(client, "aid_center", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_is_audited(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("leader"))
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(kind=AuditKind.LOGOUT, actor=cast.user("leader")).exists()


def test_pages_require_login(client: Any, cast: Cast) -> None:
    response = client.get(reverse("org:school_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
