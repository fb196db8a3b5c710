"""Audit events: logins, failed logins, exports, views of full ID numbers, account changes.

Columns:
- ``at``: when it happened (aware, stored UTC, shown Asia/Shanghai);
- ``kind``: one of ``AuditKind``;
- ``actor``: the user who acted (null for a failed login of an unknown name, or the command line);
- ``username``: the name typed or used, kept even if the user is later removed;
- ``ip``: the client address, when there was a request;
- ``object_type`` / ``object_id``: what was acted on (``"school"`` / ``"12"``), when anything;
- ``detail``: a small JSON object with the particulars (rows exported, file name, reason …).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AuditKind(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKED_OUT = "locked_out", _("Locked out")
    LOGOUT = "logout", _("Logout")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    USER_CREATED = "user_created", _("User created")
    USER_UPDATED = "user_updated", _("User updated")
    PASSWORD_RESET = "password_reset", _("Password reset")
    USER_DEACTIVATED = "user_deactivated", _("User deactivated")
    USER_ACTIVATED = "user_activated", _("User activated")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    MATCH = "match", _("Match run")
    PRICING = "pricing", _("Entitlements priced")
    POLICY = "policy", _("Policy changed")
    VIEW_FULL_ID = "view_full_id", _("Full ID number viewed")
    ENTITLEMENT_STATUS = "entitlement_status", _("Entitlement status changed")
    NOTICE = "notice", _("Public notice")
    OBJECTION = "objection", _("Objection")
    WORKDAYS = "workdays", _("Working-day calendar changed")
    BANK_ACCOUNT = "bank_account", _("Bank account")
    PAYMENT_BATCH = "payment_batch", _("Payment batch")
    RECONCILIATION = "reconciliation", _("Bank return applied")
    LOAN = "loan", _("Student loan application")
    STAFF = "staff", _("Staff record")
    ASSIGNMENT = "assignment", _("Responsible teacher assigned")
    CASE = "case", _("Dropout case")
    VISIT = "visit", _("Home visit")
    CARE = "care", _("Care record")
    VILLAGE_TEAM = "village_team", _("Village team")
    SETTINGS = "settings", _("Settings changed")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=30, choices=AuditKind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=50, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"


class WorkdayOverride(models.Model):
    """A local correction of the official calendar: a day off or a working day (调休) it lacks,
    or a whole year's arrangement once the official package no longer covers it."""

    day = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["day"]
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")

    def __str__(self) -> str:
        return self.day.isoformat()
