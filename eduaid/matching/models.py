"""比对 runs and what they found (DESIGN §5). Findings are kept per run."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from eduaid.org.models import School, Township, Village
from eduaid.registry.models import Person, Term


class MatchRun(models.Model):
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="match_runs")
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("run by"), max_length=150)
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")

    def __str__(self) -> str:
        return f"{self.term} #{self.pk}"


class FindingKind(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible student")
    MISSED = "missed", _("Missed aid")
    WRONG = "wrong", _("Aid without eligibility")
    DUPLICATE = "duplicate", _("Duplicate enrolment")
    IDENTITY = "identity", _("Identity problem")
    SUSPECTED_DROPOUT = "suspected_dropout", _("Suspected dropout")
    DROPOUT = "dropout", _("Dropped out")


# The findings page lists problems first, then the (long) list of eligible students.
KIND_ORDER = [
    FindingKind.DROPOUT,
    FindingKind.SUSPECTED_DROPOUT,
    FindingKind.DUPLICATE,
    FindingKind.IDENTITY,
    FindingKind.MISSED,
    FindingKind.WRONG,
    FindingKind.ELIGIBLE,
]


def kind_rank() -> models.Case:
    """A finding's place in `KIND_ORDER`, as SQL. The index `finding_run_rank` holds this very
    expression, so that a page of a run's findings in this order is read from the index, not sorted."""
    return models.Case(
        *(models.When(kind=k.value, then=models.Value(i)) for i, k in enumerate(KIND_ORDER)),
        default=models.Value(len(KIND_ORDER)),
        output_field=models.IntegerField(),
    )


class Finding(models.Model):
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("finding"), max_length=20, choices=FindingKind.choices)
    code = models.CharField(_("reason code"), max_length=40, blank=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    township = models.ForeignKey(Township, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    category = models.CharField(_("household category"), max_length=20, blank=True)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [
            models.Index(fields=["run", "kind"]),
            models.Index(fields=["run", "school"]),
            models.Index(fields=["run", "township"]),
            models.Index(fields=["run", "village"], name="finding_run_village"),
            models.Index(models.F("run"), kind_rank(), models.F("id"), name="finding_run_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id}"
