"""County structure: the county, its townships and villages, schools and classes, org units."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class County(models.Model):
    code = models.CharField(_("code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return self.name

    @property
    def province_code(self) -> str:
        return self.code[:2]


class Township(models.Model):
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="townships")
    code = models.CharField(_("code"), max_length=9, unique=True)
    name = models.CharField(_("name"), max_length=50)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="township_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="villages")
    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")

    def __str__(self) -> str:
        return self.name


class SchoolType(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior high school")
    NINE_YEAR = "nine_year", _("Nine-year school")
    COMPLETE_SECONDARY = "complete_secondary", _("Complete secondary school")
    SENIOR = "senior", _("Senior high school")
    VOCATIONAL = "vocational", _("Secondary vocational school")
    SPECIAL = "special", _("Special education school")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


class UrbanRural(models.TextChoices):
    URBAN = "urban", _("Urban")
    TOWN = "town", _("Town")
    RURAL = "rural", _("Rural")


class School(models.Model):
    code = models.CharField(_("school code"), max_length=10, unique=True)
    name = models.CharField(_("school name"), max_length=100)
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        related_name="schools",
        null=True,
        blank=True,
        help_text=_("Empty for county-level schools."),
    )
    school_type = models.CharField(_("school type"), max_length=20, choices=SchoolType.choices)
    ownership = models.CharField(_("ownership"), max_length=10, choices=Ownership.choices)
    urban_rural = models.CharField(_("urban or rural"), max_length=10, choices=UrbanRural.choices)
    boarding = models.BooleanField(_("boarding school"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{10}$"), name="school_code_ten_digits"),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolClass(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes")
    grade = models.PositiveSmallIntegerField(_("grade"))
    name = models.CharField(_("class"), max_length=30)
    history = HistoricalRecords()

    class Meta:
        ordering = ["school", "grade", "name"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(fields=["school", "grade", "name"], name="class_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.grade}-{self.name}"


class OrgUnitKind(models.TextChoices):
    COUNTY = "county", _("County office")
    TOWNSHIP = "township", _("Township central school")
    SCHOOL = "school", _("School")
    VILLAGE_TEAM = "village_team", _("Village work team")


class OrgUnit(models.Model):
    """The unit a user belongs to. Its kind says which of township/school/villages defines it."""

    kind = models.CharField(_("kind"), max_length=20, choices=OrgUnitKind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    township = models.OneToOneField(
        Township, on_delete=models.PROTECT, null=True, blank=True, related_name="org_unit"
    )
    school = models.OneToOneField(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="org_unit"
    )
    villages = models.ManyToManyField(Village, blank=True, related_name="teams")
    history = HistoricalRecords(m2m_fields=[villages])

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="township", township__isnull=False, school__isnull=True)
                    | Q(kind="school", school__isnull=False, township__isnull=True)
                    | Q(
                        kind__in=["county", "village_team"],
                        township__isnull=True,
                        school__isnull=True,
                    )
                ),
                name="org_unit_kind_matches_link",
            ),
        ]

    def __str__(self) -> str:
        return self.name
