"""Writes on user accounts. Each takes the acting user, runs in a transaction and is audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from eduaid.accounts.models import User
from eduaid.accounts.roles import UNIT_KIND_FOR_ROLE, Role
from eduaid.core.audit import record
from eduaid.core.models import AuditKind
from eduaid.org.models import OrgUnit, Township


def _require_admin(actor: Any) -> None:
    if actor is not None and not (actor.is_superuser or actor.role == Role.COUNTY_ADMIN):
        raise PermissionDenied


def check_role_fits_unit(role: str, org_unit: OrgUnit) -> None:
    if UNIT_KIND_FOR_ROLE.get(role) != org_unit.kind:
        raise ValidationError(
            {
                "org_unit": _("This role cannot belong to the chosen unit (%(unit)s).")
                % {"unit": org_unit.name}
            }
        )


def _sync_group(user: User) -> None:
    group, _created = Group.objects.get_or_create(name=user.role)
    user.groups.set([group])


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    full_name: str,
    role: str,
    org_unit: OrgUnit,
    password: str,
    phone: str = "",
    paired_townships: list[Township] | None = None,
    must_change_password: bool = True,
    request: HttpRequest | None = None,
) -> User:
    _require_admin(actor)
    check_role_fits_unit(role, org_unit)
    user = User(username=username, full_name=full_name, role=role, org_unit=org_unit, phone=phone)
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = must_change_password
    user.full_clean()
    user.save()
    _sync_group(user)
    if role == Role.LEADER and paired_townships:
        user.paired_townships.set(paired_townships)
    record(
        AuditKind.USER_CREATED,
        actor=actor,
        request=request,
        obj=user,
        detail={"username": username, "role": role, "org_unit": org_unit.name},
    )
    return user


@transaction.atomic
def user_reset_password(*, actor: Any, user: User, password: str, request: HttpRequest | None = None) -> User:
    _require_admin(actor)
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    record(
        AuditKind.PASSWORD_RESET, actor=actor, request=request, obj=user, detail={"username": user.username}
    )
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool, request: HttpRequest | None = None) -> User:
    _require_admin(actor)
    if actor is not None and user.pk == actor.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    kind = AuditKind.USER_ACTIVATED if active else AuditKind.USER_DEACTIVATED
    record(kind, actor=actor, request=request, obj=user, detail={"username": user.username})
    return user


@transaction.atomic
def password_changed(*, user: User, request: HttpRequest | None = None) -> None:
    """Called after a user changed their own password."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    record(AuditKind.PASSWORD_CHANGED, actor=user, request=request, obj=user)
