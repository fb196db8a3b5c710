from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eduaid.accounts.roles import Role
from eduaid.org.models import OrgUnit, Township


class User(AbstractUser):
    """A person who works in EduAid. Every user has one role and one org unit."""

    full_name = models.CharField(_("full name"), max_length=50)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    paired_townships = models.ManyToManyField(
        Township,
        blank=True,
        related_name="paired_leaders",
        verbose_name=_("paired townships"),
        help_text=_("The townships a bureau leader is paired with."),
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_superuser=True) | models.Q(org_unit__isnull=False),
                name="user_has_org_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username
