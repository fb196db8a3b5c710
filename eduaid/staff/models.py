"""Teachers: staff records of their school (一生一责任人). A teacher may or may not have a login."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eduaid.registry.models import Stage


class Teacher(models.Model):
    school = models.ForeignKey(
        "org.School", on_delete=models.PROTECT, related_name="teachers", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teacher",
        verbose_name=_("login"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["school", "name", "pk"]
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=~Q(id_number=""), name="teacher_id_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeacherClass(models.Model):
    """A class a teacher teaches (from the staff sheet's 班级 column or the teacher form)."""

    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="taught")
    school_class = models.ForeignKey(
        "org.SchoolClass", on_delete=models.CASCADE, related_name="teachers", verbose_name=_("class")
    )

    class Meta:
        verbose_name = _("class taught")
        verbose_name_plural = _("classes taught")
        constraints = [
            models.UniqueConstraint(fields=["teacher", "school_class"], name="teacher_class_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id}@{self.school_class_id}"


class ClassHeadTeacher(models.Model):
    """The 班主任 of a class: one per class."""

    school_class = models.OneToOneField(
        "org.SchoolClass", on_delete=models.CASCADE, related_name="head_teacher", verbose_name=_("class")
    )
    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="head_of", verbose_name=_("head teacher")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("head teacher")
        verbose_name_plural = _("head teachers")

    def __str__(self) -> str:
        return f"{self.school_class_id}: {self.teacher_id}"


class StudentResponsibility(models.Model):
    """一生一责任人: the one teacher responsible for a child. Reassignment rewrites the row; the
    history table keeps every earlier assignment with who made it, when and why."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="responsibilities", verbose_name=_("person")
    )
    teacher = models.ForeignKey(
        Teacher,
        on_delete=models.PROTECT,
        related_name="responsibilities",
        verbose_name=_("responsible teacher"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsible person")
        verbose_name_plural = _("responsible persons")
        constraints = [
            models.UniqueConstraint(fields=["person"], name="one_responsible_teacher_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.teacher_id}"


class CatchmentSchool(models.Model):
    """The school that answers for a village's children of a stage who attend no school (划片)."""

    village = models.ForeignKey(
        "org.Village", on_delete=models.CASCADE, related_name="catchment", verbose_name=_("village")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    school = models.ForeignKey(
        "org.School", on_delete=models.PROTECT, related_name="catchment", verbose_name=_("school")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["village", "stage"]
        verbose_name = _("catchment school")
        verbose_name_plural = _("catchment schools")
        constraints = [
            models.UniqueConstraint(fields=["village", "stage"], name="catchment_unique_village_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id}/{self.stage} → {self.school_id}"


class SchoolStrategy(models.Model):
    """一校一对策: a school's strategy for a year against dropping out."""

    school = models.ForeignKey(
        "org.School", on_delete=models.CASCADE, related_name="strategies", verbose_name=_("school")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    measures = models.TextField(_("measures"))
    leader = models.CharField(_("leader"), max_length=50)
    review_date = models.DateField(_("review date"), null=True, blank=True)
    review_notes = models.TextField(_("review notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["school", "-year"]
        verbose_name = _("school strategy")
        verbose_name_plural = _("school strategies")
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="strategy_unique_school_year"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="strategy_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.year}"
