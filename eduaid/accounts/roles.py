"""The eight roles of the bureau's work and the kind of org unit each belongs to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from eduaid.org.models import OrgUnitKind


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("System administrator")
    AID_CENTER = "aid_center", _("Student aid center")
    LEADER = "leader", _("Bureau leader")
    INSPECTOR = "inspector", _("Inspector")
    TOWNSHIP_OFFICER = "township_officer", _("Township aid officer")
    SCHOOL_OFFICER = "school_officer", _("School aid officer")
    TEACHER = "teacher", _("Class teacher")
    VILLAGE_TEAM = "village_team", _("Village work team")


COUNTY_ROLES = frozenset({Role.COUNTY_ADMIN, Role.AID_CENTER, Role.LEADER, Role.INSPECTOR})

UNIT_KIND_FOR_ROLE: dict[str, str] = {
    Role.COUNTY_ADMIN: OrgUnitKind.COUNTY,
    Role.AID_CENTER: OrgUnitKind.COUNTY,
    Role.LEADER: OrgUnitKind.COUNTY,
    Role.INSPECTOR: OrgUnitKind.COUNTY,
    Role.TOWNSHIP_OFFICER: OrgUnitKind.TOWNSHIP,
    Role.SCHOOL_OFFICER: OrgUnitKind.SCHOOL,
    Role.TEACHER: OrgUnitKind.SCHOOL,
    Role.VILLAGE_TEAM: OrgUnitKind.VILLAGE_TEAM,
}
