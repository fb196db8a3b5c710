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


class StagePhase(models.TextChoices):
    DRY_RUN = "dry_run", _("Dry run")
    APPLY = "apply", _("Apply")


class StageState(models.TextChoices):
    STAGING = "staging", _("Staging")
    STAGED = "staged", _("Staged")


class StageRun(models.Model):
    """One run of an import through the staging table (`eduaid.core.staging`): which import, for which
    job (if any) and phase, on which file (its digest), and how many of its rows are staged so far.
    A run whose worker died is continued at row `rows_read`; its rows are deleted when it ends."""

    kind = models.CharField(_("import"), max_length=30)
    job_id = models.BigIntegerField(_("import job"), null=True, blank=True, db_index=True)
    phase = models.CharField(_("phase"), max_length=10, choices=StagePhase.choices)
    file_digest = models.CharField(_("file digest"), max_length=64)
    value_type = models.CharField(_("value type"), max_length=200, blank=True)
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows_read = models.PositiveIntegerField(_("rows staged"), default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=StageState.choices, default=StageState.STAGING
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("staging run")
        verbose_name_plural = _("staging runs")

    def __str__(self) -> str:
        return f"{self.kind} {self.phase} job {self.job_id}: {self.rows_read}/{self.rows_total}"


class StagedRow(models.Model):
    """One judged spreadsheet row of a staging run, in file order (`seq`, from 0).

    `signature` is a digest of what makes two rows exact repeats; `key` the natural key as canonical
    JSON (null when the row has none); `value` the accepted value as JSON (null when rejected or not
    judged: a repeat of an earlier row is not judged); `errors` and `warnings` the judge's `Issue`s;
    `cells` the raw cells of a rejected row (for the rejected-rows workbook)."""

    run = models.ForeignKey(StageRun, on_delete=models.CASCADE, related_name="rows")
    seq = models.PositiveIntegerField()
    sheet = models.CharField(max_length=100, blank=True)
    row_number = models.PositiveIntegerField()
    signature = models.CharField(max_length=32)
    judged = models.BooleanField(default=True)
    key = models.TextField(null=True, blank=True)
    value = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    cells = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="staged_row_run_seq")]
        indexes = [
            models.Index(fields=["run", "signature", "seq"], name="staged_row_signature"),
            models.Index(fields=["run", "key"], name="staged_row_key"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.seq}"
