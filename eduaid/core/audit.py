"""Writing audit events. Every service that must leave a trace calls `record`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from eduaid.core.models import AuditEvent, AuditKind

# Who a write is attributed to when a command runs without --user (DESIGN §4).
COMMAND_LINE_ACTOR = "命令行"


def actor_name(actor: Any) -> str:
    """The name a record keeps of who did it: the user's login name, or the command-line actor."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return COMMAND_LINE_ACTOR
    return str(actor.get_username())


def acting_user(actor: Any) -> Any:
    """The signed-in user behind `actor`, or None for the command line (and anonymous visitors)."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    kind: AuditKind,
    *,
    actor: Any = None,
    username: str = "",
    request: HttpRequest | None = None,
    obj: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor is not None and not username:
        username = actor.get_username()
    object_type = obj._meta.model_name if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        username=username[:150],
        ip=client_ip(request),
        object_type=object_type,
        object_id=object_id,
        detail=detail or {},
    )
