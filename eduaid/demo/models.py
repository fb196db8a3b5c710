"""The mark that `eduaid demo` created this database, and so may keep using it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DemoSeed(models.Model):
    """One row, written in the same transaction as the synthetic county it marks.

    A database without this row but with users or schools belongs to someone else, and the demo
    refuses it. The check constraint keeps it a single row, so two demos racing on one empty
    database cannot both seed it.
    """

    version = models.PositiveSmallIntegerField(_("seed version"))
    seeded_at = models.DateTimeField(_("seeded at"), default=timezone.now)
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("demo seed")
        verbose_name_plural = _("demo seeds")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="demo_seed_single_row"),
        ]

    def __str__(self) -> str:
        return f"demo v{self.version} {self.seeded_at:%Y-%m-%d %H:%M}"
