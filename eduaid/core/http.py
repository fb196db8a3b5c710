from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from eduaid.accounts.models import User


class AuthedHttpRequest(HttpRequest):
    """A request behind `login_required`: its user is one of ours."""

    user: User  # type: ignore[assignment]
