"""Every status change of an entitlement, with who, when and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eduaid.aid.models import EntitlementStatus


class EntitlementEvent(models.Model):
    """One transition; written by `services.entitlement_transition` and by nothing else."""

    entitlement = models.ForeignKey(
        "aid.Entitlement", on_delete=models.CASCADE, related_name="events", verbose_name=_("entitlement")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=EntitlementStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=EntitlementStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_name = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("time"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("entitlement status change")
        verbose_name_plural = _("entitlement status changes")
        indexes = [models.Index(fields=["entitlement", "at"])]

    def __str__(self) -> str:
        return f"{self.entitlement_id}: {self.from_status} → {self.to_status}"


class Notice(models.Model):
    """公示: the confirmed entitlements of one school (or, without a school, the county's college list)
    and term, published for objections from `starts_on` until 23:59 on `ends_on` (the 5th working day
    after the start, Asia/Shanghai)."""

    term = models.ForeignKey("registry.Term", on_delete=models.PROTECT, related_name="notices")
    school = models.ForeignKey(
        "org.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("school"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # The optional public link (no login); unguessable, and served only during the period.
    public_token = models.CharField(_("public link"), max_length=64, null=True, blank=True, unique=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_by_name = models.CharField(_("published by"), max_length=150)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="notice_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term_id}/{self.school_id or 'college'}/{self.starts_on}"


class NoticeEntry(models.Model):
    """One entitlement published in a notice (an entitlement reopened and confirmed again is published
    in a later notice)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="entries")
    entitlement = models.ForeignKey(
        "aid.Entitlement", on_delete=models.PROTECT, related_name="notice_entries"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("notice entry")
        verbose_name_plural = _("notice entries")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "entitlement"], name="one_entry_per_notice_and_entitlement"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.entitlement_id}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    """异议: recorded by a school or aid-centre officer during the notice period, then resolved."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    entitlement = models.ForeignKey("aid.Entitlement", on_delete=models.PROTECT, related_name="objections")
    objector = models.CharField(_("raised by"), max_length=100)
    content = models.TextField(_("objection"))
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by_name = models.CharField(_("recorded by"), max_length=150)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    outcome_note = models.TextField(_("outcome"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_by_name = models.CharField(_("resolved by"), max_length=150, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ObjectionStatus.values), name="objection_status_known"
            ),
            # Open ⇔ not resolved; a resolution always says why.
            models.CheckConstraint(
                condition=(
                    models.Q(status="open", resolved_at__isnull=True, outcome_note="")
                    | (
                        models.Q(status__in=["upheld", "dismissed"], resolved_at__isnull=False)
                        & ~models.Q(outcome_note="")
                    )
                ),
                name="objection_resolution_complete",
            ),
            models.CheckConstraint(condition=~models.Q(content=""), name="objection_has_content"),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement_id}: {self.status}"
