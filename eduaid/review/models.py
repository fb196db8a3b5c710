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
