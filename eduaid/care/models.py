"""The care of children and households (四(一)6, 四(五) of the plan).

- `Visit` (家访, 交心谈心, 电话): about a student, a household, or both, with `FollowUp` actions each
  closed on its own (done on, by whom);
- `LeftBehindChild` (留守儿童) with the entrusted guardian, and its `CareRecord`s (心理, 学业, 生活);
- `MigrantRequest` (随迁子女入学申请): applied, then placed or refused;
- the bureau's village teams (驻村工作队; the team is an `OrgUnit` of kind village_team): `TeamMember`,
  `TeamActivity` (清洁家园 …) and `HelpRecord` (what a household was helped with).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from eduaid.org.models import OrgUnit, School, Village
from eduaid.registry.models import Household, Person

USER = settings.AUTH_USER_MODEL


class VisitKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")
    TALK = "talk", _("Heart-to-heart talk")
    PHONE = "phone", _("Phone call")


class Visit(models.Model):
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("student"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("household"),
    )
    visited_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices)
    recorded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("visitor")
    )
    companions = models.CharField(_("companions"), max_length=200, blank=True)
    findings = models.TextField(_("what was found"))
    needs = models.TextField(_("needs"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(household__isnull=False), name="visit_has_a_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_on}"


class FollowUp(models.Model):
    """One follow-up action of a visit; open until someone records it done."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="follow_ups")
    action = models.CharField(_("follow-up action"), max_length=200)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("done by")
    )
    done_note = models.CharField(_("how it was done"), max_length=200, blank=True)

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(done_on__isnull=True, done_by__isnull=True, done_note="")
                | Q(done_on__isnull=False, done_by__isnull=False),
                name="follow_up_done_with_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return self.action

    @property
    def is_open(self) -> bool:
        return self.done_on is None


# ---- left-behind children ----------------------------------------------------------------------


class LeftBehindSituation(models.TextChoices):
    BOTH_AWAY = "both_away", _("Both parents work away")
    ONE_AWAY = "one_away", _("One parent away, the other unable to care")


class LeftBehindChild(models.Model):
    """A child of the 留守儿童 register: one open entry per child (ended on turning 16, or when a parent
    comes home)."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="left_behind", verbose_name=_("child")
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("school")
    )
    situation = models.CharField(_("situation"), max_length=20, choices=LeftBehindSituation.choices)
    unable_reason = models.CharField(_("why the other parent cannot care"), max_length=200, blank=True)
    guardian_name = models.CharField(_("entrusted guardian"), max_length=50)
    guardian_relation = models.CharField(_("relation to the child"), max_length=20)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=20)
    registered_on = models.DateField(_("registered on"))
    registered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)

    class Meta:
        ordering = ["village__code", "person__name", "pk"]
        verbose_name = _("left-behind child")
        verbose_name_plural = _("left-behind children")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_on__isnull=True), name="one_open_left_behind_entry"
            ),
            models.CheckConstraint(
                condition=Q(situation="both_away") | (Q(situation="one_away") & ~Q(unable_reason="")),
                name="left_behind_one_away_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | (Q(ended_on__gte=F("registered_on")) & ~Q(end_reason="")),
                name="left_behind_end_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)


class CareKind(models.TextChoices):
    PSYCHOLOGICAL = "psychological", _("Psychological")
    ACADEMIC = "academic", _("Academic")
    DAILY_LIFE = "daily_life", _("Daily life")


class CareRecord(models.Model):
    child = models.ForeignKey(LeftBehindChild, on_delete=models.CASCADE, related_name="care_records")
    kind = models.CharField(_("kind"), max_length=20, choices=CareKind.choices)
    cared_on = models.DateField(_("date"))
    carer = models.CharField(_("who"), max_length=100)
    content = models.TextField(_("what was done"))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-cared_on", "-pk"]
        verbose_name = _("care record")
        verbose_name_plural = _("care records")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.cared_on}"


# ---- migrant children --------------------------------------------------------------------------


class MigrantStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PLACED = "placed", _("Placed")
    REFUSED = "refused", _("Refused")


class MigrantRequest(models.Model):
    """An admission request of a migrant worker's child (随迁子女), on the residence permit."""

    child_name = models.CharField(_("child's name"), max_length=50)
    child_id_number = models.CharField(_("child's ID number"), max_length=18)
    guardian_name = models.CharField(_("guardian"), max_length=50)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=20, blank=True)
    residence_permit = models.CharField(_("residence permit number"), max_length=40)
    applied_on = models.DateField(_("applied on"))
    school_requested = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school requested")
    )
    status = models.CharField(
        _("request status"), max_length=10, choices=MigrantStatus.choices, default="pending"
    )
    school_placed = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school placed in"),
    )
    placed_on = models.DateField(_("placed on"), null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=200, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-applied_on", "-pk"]
        verbose_name = _("migrant child admission request")
        verbose_name_plural = _("migrant child admission requests")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="pending", school_placed__isnull=True, placed_on__isnull=True, refusal_reason="")
                    | Q(
                        status="placed",
                        school_placed__isnull=False,
                        placed_on__gte=F("applied_on"),
                        refusal_reason="",
                    )
                    | (
                        Q(status="refused", school_placed__isnull=True, placed_on__isnull=True)
                        & ~Q(refusal_reason="")
                    )
                ),
                name="migrant_request_status_matches_facts",
            ),
            models.UniqueConstraint(
                fields=["child_id_number"],
                condition=Q(status="pending"),
                name="one_pending_migrant_request_per_child",
            ),
        ]

    def __str__(self) -> str:
        return self.child_name

    @property
    def days_to_place(self) -> int | None:
        if self.placed_on is None:
            return None
        return (self.placed_on - self.applied_on).days


# ---- village teams -----------------------------------------------------------------------------


class TeamMember(models.Model):
    team = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="team_members")
    name = models.CharField(_("full name"), max_length=50)
    position = models.CharField(_("post in the team"), max_length=30)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["team", "left_on", "joined_on", "pk"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="team_member_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamActivity(models.Model):
    team = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="team_activities")
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("village")
    )
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=100)
    participants = models.CharField(_("participants"), max_length=200)
    participant_count = models.PositiveIntegerField(_("number of participants"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("team activity")
        verbose_name_plural = _("team activities")

    def __str__(self) -> str:
        return self.title


class HelpKind(models.TextChoices):
    EDUCATION = "education", _("Education")
    EMPLOYMENT = "employment", _("Employment")
    INDUSTRY = "industry", _("Industry and farming")
    MEDICAL = "medical", _("Medical care")
    HOUSING = "housing", _("Housing")
    GOODS = "goods", _("Goods and daily needs")
    MONEY = "money", _("Money")
    ENVIRONMENT = "environment", _("Living environment")
    OTHER = "other", _("Other")


class HelpRecord(models.Model):
    """What a household was helped with (精神、经济帮扶同步). `value_fen` only where it has a value."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="help_records", verbose_name=_("household")
    )
    team = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    helped_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=HelpKind.choices)
    description = models.CharField(_("description"), max_length=300)
    value_fen = models.BigIntegerField(_("value"), null=True, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-helped_on", "-pk"]
        verbose_name = _("help record")
        verbose_name_plural = _("help records")
        constraints = [
            models.CheckConstraint(
                condition=Q(value_fen__isnull=True) | Q(value_fen__gt=0), name="help_value_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.helped_on}"
