"""Logins, logouts and failed logins go to the audit table."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from eduaid.core.audit import record
from eduaid.core.models import AuditKind


@receiver(user_logged_in)
def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(AuditKind.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def _on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(AuditKind.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def _on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    record(AuditKind.LOGIN_FAILED, username=str(credentials.get("username", "")), request=request)


@receiver(user_locked_out)
def _on_locked_out(sender: Any, request: Any = None, username: str = "", **kwargs: Any) -> None:
    record(AuditKind.LOCKED_OUT, username=username or "", request=request)
