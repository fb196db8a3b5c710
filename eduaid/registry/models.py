"""The registries the county receives every term, kept with their history.

Every fact that a snapshot can change (a household's category, a membership, an enrolment, a
population entry) is a row valid over ``[valid_from, valid_to)``: ``valid_from`` null means "since
always" (the first snapshot stands for all earlier dates), ``valid_to`` null means "still so". A past
term is judged on the rows valid on its start date (`valid_on`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eduaid.org.models import School, Village


def valid_on(day: dt.date, prefix: str = "") -> Q:
    """Rows valid on `day`: started on or before it (or always) and not ended on or before it."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )


class Versioned(models.Model):
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True, db_index=True)
    snapshot = models.ForeignKey("registry.Snapshot", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class SnapshotKind(models.TextChoices):
    REGISTRY = "registry", _("Household registry")
    STUDENTS = "students", _("Enrolment")
    POPULATION = "population", _("Population register")


class Snapshot(models.Model):
    """One applied import of a registry file, as of a date."""

    kind = models.CharField(_("kind"), max_length=20, choices=SnapshotKind.choices)
    as_of = models.DateField(_("as of"))
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("imported by"), max_length=150)
    filename = models.CharField(_("file"), max_length=255, blank=True)
    report = models.JSONField(_("report"), default=dict)

    class Meta:
        ordering = ["-as_of", "-pk"]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.as_of}"


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Person(models.Model):
    """A child or adult known by resident ID, or — for students without one — by 学籍号."""

    id_number = models.CharField(_("ID number"), max_length=18, unique=True, null=True, blank=True)
    student_key = models.CharField(
        _("student number without ID"), max_length=19, unique=True, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.CheckConstraint(
                condition=Q(id_number__isnull=False) | Q(student_key__isnull=False),
                name="person_has_a_key",
            ),
        ]
        indexes = [
            # Search by name prefix (LIKE '张%'): pattern ops on PostgreSQL; a plain index elsewhere.
            models.Index(fields=["name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]),
            # The student list's order (name, pk): its first page is read from here, not sorted; and a
            # name prefix as a range (`core.textsearch`) where text sorts by code point.
            models.Index(fields=["name", "id"], name="person_name_order"),
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdType(models.TextChoices):
    POVERTY_EXITED = "poverty_exited", _("Household lifted out of poverty")
    ORDINARY = "ordinary", _("Ordinary rural household")


class MonitoringCategory(models.TextChoices):
    UNSTABLE_EXITED = "unstable_exited", _("Unstable, lifted out of poverty")
    MARGINAL = "marginal", _("Marginal, at risk of poverty")
    SUDDEN_HARDSHIP = "sudden_hardship", _("Sudden severe hardship")


class Household(models.Model):
    code = models.CharField(_("household number"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.code


class HouseholdVersion(Versioned):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="versions")
    household_type = models.CharField(_("household type"), max_length=20, choices=HouseholdType.choices)
    monitoring_category = models.CharField(
        _("monitoring category"), max_length=20, choices=MonitoringCategory.choices, blank=True
    )
    enjoys_policy = models.BooleanField(_("enjoys policy"), default=True)
    monitored_since = models.DateField(_("monitored since"), null=True, blank=True)
    risk_eliminated_on = models.DateField(_("risk eliminated on"), null=True, blank=True)
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("household version")
        verbose_name_plural = _("household versions")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(valid_to__isnull=True), name="one_open_household_version"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="household_version_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.valid_from}–{self.valid_to}"

    def eligible_on(self, day: dt.date) -> bool:
        """DESIGN §3: an enjoying 脱贫户, or monitored, identified by `day` and not yet risk-eliminated."""
        if self.household_type == HouseholdType.POVERTY_EXITED and self.enjoys_policy:
            return True
        return self.monitored_on(day)

    def monitored_on(self, day: dt.date) -> bool:
        if not self.monitoring_category:
            return False
        if self.monitored_since is not None and self.monitored_since > day:
            return False
        return self.risk_eliminated_on is None or self.risk_eliminated_on > day


class Membership(Versioned):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField(_("relation to the head"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(valid_to__isnull=True), name="one_open_membership"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.household_id}"


class Stage(models.TextChoices):
    PRESCHOOL = "preschool", _("Preschool")
    PRIMARY = "primary", _("Primary")
    JUNIOR = "junior", _("Junior high")
    SENIOR = "senior", _("Senior high")
    VOCATIONAL = "vocational", _("Secondary vocational")
    JUNIOR_COLLEGE = "junior_college", _("Junior college")
    UNDERGRADUATE = "undergraduate", _("Undergraduate")
    MASTER = "master", _("Master")
    DOCTOR = "doctor", _("Doctor")


COLLEGE_STAGES = frozenset({Stage.JUNIOR_COLLEGE, Stage.UNDERGRADUATE, Stage.MASTER, Stage.DOCTOR})


class EnrolmentStatus(models.TextChoices):
    STUDYING = "studying", _("Studying")
    SUSPENDED = "suspended", _("Suspended")
    DROPPED_OUT = "dropped_out", _("Dropped out")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    GRADUATED = "graduated", _("Graduated")


class Enrolment(Versioned):
    """One enrolment row of the 学籍 export; natural key: person + (school, or college name)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="enrolments"
    )
    college = models.CharField(_("college"), max_length=100, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    class_name = models.CharField(_("class"), max_length=30, blank=True)
    boarding = models.BooleanField(_("boarding"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=EnrolmentStatus.choices)
    student_number = models.CharField(_("student number"), max_length=19, blank=True, db_index=True)
    in_province = models.BooleanField(_("in province"), null=True, blank=True)
    freshman = models.BooleanField(_("freshman"), null=True, blank=True)
    declared_gender = models.CharField(
        _("gender as declared"), max_length=1, choices=Gender.choices, blank=True
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "school"],
                condition=Q(valid_to__isnull=True, school__isnull=False),
                name="one_open_enrolment_per_school",
            ),
            models.UniqueConstraint(
                fields=["person", "college"],
                condition=Q(valid_to__isnull=True, school__isnull=True),
                name="one_open_enrolment_per_college",
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=False) | ~Q(college=""), name="enrolment_has_a_school"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.school_id or self.college}"


class PopulationEntry(Versioned):
    """A child of the public-security household register (户籍), living in a village."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="population_entries")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("population entry")
        verbose_name_plural = _("population entries")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(valid_to__isnull=True), name="one_open_population_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.village_id}"


class Term(models.Model):
    """`2023-2024-1` (autumn, 1 September by default) or `2023-2024-2` (spring, 1 March)."""

    code = models.CharField(_("term"), max_length=11, unique=True)
    start_date = models.DateField(_("start date"))
    locked = models.BooleanField(_("locked"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{4}-[0-9]{4}-[12]$"), name="term_code_format"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def first_year(self) -> int:
        return int(self.code[:4])
