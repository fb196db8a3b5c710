"""控辍保学: dropout cases (一人一案), their timeline, persuasion attempts, legal steps, absences.

A case belongs to one child and runs to closure through `services.case_transition` only (the table is
in `transitions.py`). The database allows one open case per child. A case's ledger follows from its
status: 疑似辍学 while suspected or being verified, 辍学 once confirmed until it is closed (销号).
The responsible teacher is not stored here: it is the child's 责任人 in `eduaid.staff`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected dropout")
    VERIFYING = "verifying", _("Being verified")
    FALSE_ALARM = "false_alarm", _("Closed as a false alarm")
    CONFIRMED = "confirmed", _("Dropout confirmed")
    PERSUADING = "persuading", _("Persuading to return")
    REPORTED = "reported", _("Reported to the bureau")
    RETURNED = "returned", _("Back at school")
    HOME_TEACHING = "home_teaching", _("Taught at home")
    PLACED = "placed", _("Placed in special or vocational education")
    CLOSED = "closed", _("Closed")


SUSPECTED_STATUSES = frozenset({CaseStatus.SUSPECTED, CaseStatus.VERIFYING})
DROPOUT_STATUSES = frozenset(
    {
        CaseStatus.CONFIRMED,
        CaseStatus.PERSUADING,
        CaseStatus.REPORTED,
        CaseStatus.RETURNED,
        CaseStatus.HOME_TEACHING,
        CaseStatus.PLACED,
    }
)
CLOSED_STATUSES = frozenset({CaseStatus.FALSE_ALARM, CaseStatus.CLOSED})
# Statuses in which the child is still out of school and someone must act.
UNRESOLVED_STATUSES = SUSPECTED_STATUSES | {CaseStatus.CONFIRMED, CaseStatus.PERSUADING, CaseStatus.REPORTED}
RESOLVED_STATUSES = frozenset({CaseStatus.RETURNED, CaseStatus.HOME_TEACHING, CaseStatus.PLACED})


class Ledger(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected dropouts")
    DROPOUT = "dropout", _("Dropouts")
    CLOSED = "closed", _("Closed cases")


def ledger_of(status: str) -> str:
    if status in SUSPECTED_STATUSES:
        return Ledger.SUSPECTED
    if status in DROPOUT_STATUSES:
        return Ledger.DROPOUT
    return Ledger.CLOSED


class CaseSource(models.TextChoices):
    MATCH = "match", _("Match: not enrolled")
    ENROLMENT = "enrolment", _("Enrolment status: dropped out")
    ABSENCE = "absence", _("Unexcused absence")
    REPORT = "report", _("Reported by a school")


class CloseReason(models.TextChoices):
    # false alarms (误报销号)
    ELSEWHERE = "elsewhere", _("Studying elsewhere")
    COMPLETED = "completed", _("Compulsory education completed")
    ABROAD = "abroad", _("Gone abroad")
    DECEASED = "deceased", _("Deceased")
    ENROLLED = "enrolled", _("Enrolled again (found by the match)")
    OTHER = "other", _("Other")
    # closing (销号)
    RESOLVED = "resolved", _("Resolved")
    AGED_OUT = "aged_out", _("Turned 16")


FALSE_ALARM_REASONS = (
    CloseReason.ELSEWHERE,
    CloseReason.COMPLETED,
    CloseReason.ABROAD,
    CloseReason.DECEASED,
    CloseReason.OTHER,
)


class DropoutCase(models.Model):
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="dropout_cases", verbose_name=_("child")
    )
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices)
    source = models.CharField(_("source"), max_length=20, choices=CaseSource.choices)
    school = models.ForeignKey(
        "org.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dropout_cases",
        verbose_name=_("school"),
    )
    township = models.ForeignKey(
        "org.Township",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        "org.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    opened_on = models.DateField(_("opened on"))
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    last_attempt_on = models.DateField(_("last attempt"), null=True, blank=True)
    due_on = models.DateField(_("next step due"), null=True, blank=True, db_index=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(
        _("reason for closing"), max_length=20, choices=CloseReason.choices, blank=True
    )
    close_note = models.TextField(_("note on closing"), blank=True)
    note = models.TextField(_("note"), blank=True)
    match_run = models.ForeignKey(
        "matching.MatchRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("dropout case")
        verbose_name_plural = _("dropout cases")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=~Q(status__in=[CaseStatus.FALSE_ALARM, CaseStatus.CLOSED]),
                name="one_open_dropout_case_per_child",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[CaseStatus.FALSE_ALARM, CaseStatus.CLOSED], closed_on__isnull=False)
                & ~Q(close_reason="")
                | ~Q(status__in=[CaseStatus.FALSE_ALARM, CaseStatus.CLOSED]) & Q(closed_on__isnull=True),
                name="dropout_case_closed_with_date_and_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=CaseStatus.FALSE_ALARM)
                | Q(close_reason__in=[r.value for r in FALSE_ALARM_REASONS] + [CloseReason.ENROLLED.value]),
                name="dropout_false_alarm_has_a_false_alarm_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["school", "status"]),
            models.Index(fields=["township", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.status}"

    @property
    def ledger(self) -> str:
        return ledger_of(self.status)

    @property
    def ledger_label(self) -> str:
        return str(Ledger(self.ledger).label)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


class CaseEvent(models.Model):
    """One step of a case: a status change (written by `services.case_transition` only) or its opening."""

    case = models.ForeignKey(DropoutCase, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=CaseStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("time"), default=timezone.now)
    on = models.DateField(_("date"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        indexes = [models.Index(fields=["to_status", "on"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} → {self.to_status}"


class AttemptMethod(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE = "phone", _("Phone call")
    INTERVIEW = "interview", _("Meeting at school")
    VIDEO = "video", _("Video call")
    OTHER = "other", _("Other")


class PersuasionAttempt(models.Model):
    """劝返: one attempt to bring the child back, as the person who made it tells it."""

    case = models.ForeignKey(DropoutCase, on_delete=models.CASCADE, related_name="attempts")
    on = models.DateField(_("date"))
    by = models.CharField(_("by"), max_length=100)
    method = models.CharField(_("how"), max_length=20, choices=AttemptMethod.choices)
    outcome = models.TextField(_("what happened"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["on", "pk"]
        verbose_name = _("persuasion attempt")
        verbose_name_plural = _("persuasion attempts")

    def __str__(self) -> str:
        return f"{self.case_id} {self.on}"


class LegalStepKind(models.TextChoices):
    ORDER = "order", _("Guardian ordered to correct within a time limit")
    LEGAL = "legal", _("Legal action to keep the child in school")
    OTHER = "other", _("Other step")


class LegalStep(models.Model):
    """What followed the written report to the bureau (未成年人保护法 Art. 28): 责令限期改正, 依法控辍."""

    case = models.ForeignKey(DropoutCase, on_delete=models.CASCADE, related_name="legal_steps")
    on = models.DateField(_("date"))
    kind = models.CharField(_("step"), max_length=20, choices=LegalStepKind.choices)
    note = models.TextField(_("note"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["on", "pk"]
        verbose_name = _("legal step")
        verbose_name_plural = _("legal steps")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.on}"


class Absence(models.Model):
    """A day a student missed school; unexcused days in a row flag the student (see `rules`)."""

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="absences")
    school = models.ForeignKey("org.School", on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("date"))
    excused = models.BooleanField(_("excused"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-on", "pk"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [models.UniqueConstraint(fields=["person", "on"], name="one_absence_per_child_and_day")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.on}"


class DropoutSettings(models.Model):
    """The county's deadlines and threshold; one row (pk 1)."""

    verify_days = models.PositiveSmallIntegerField(_("days to verify a suspected dropout"), default=10)
    attempt_days = models.PositiveSmallIntegerField(_("days between persuasion attempts"), default=30)
    absence_days = models.PositiveSmallIntegerField(
        _("unexcused working days in a row that flag a student"), default=3
    )

    class Meta:
        verbose_name = _("dropout settings")
        verbose_name_plural = _("dropout settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="dropout_settings_single_row"),
            models.CheckConstraint(
                condition=Q(verify_days__gte=1, attempt_days__gte=1, absence_days__gte=1),
                name="dropout_settings_positive",
            ),
        ]

    def __str__(self) -> str:
        return "dropout settings"
