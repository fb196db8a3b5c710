"""Policy versions, their items, and the entitlements priced from them (DESIGN §3).

An item's ``rules`` is a JSON list of cases; the first case whose conditions all hold gives the
yearly amount in fen (``null``: the item has no amount, e.g. the compulsory fee waiver)::

    [{"stages": ["primary"], "boarding": true, "fen": 100000},
     {"stages": ["junior"], "boarding": true, "fen": 125000}]

Conditions: ``stages`` (list of stage codes, required), and optionally ``boarding``, ``in_province``,
``freshman`` (booleans). A condition left out holds for everyone. See `eduaid.aid.pricing`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ItemKind(models.TextChoices):
    CASH = "cash", _("Cash")
    WAIVER = "waiver", _("Waiver")
    FEE_SUBSIDY = "fee_subsidy", _("Fee subsidy")
    IN_KIND = "in_kind", _("In kind")
    REFERRAL = "referral", _("Referral")
    LOAN = "loan", _("Loan")


class Payer(models.TextChoices):
    COUNTY = "county", _("County aid centre")
    SCHOOL = "school", _("School")
    UNIVERSITY = "university", _("University")
    RURAL_REVITALISATION = "rural_revitalisation", _("Rural revitalisation department")


class PolicyVersion(models.Model):
    """A policy in force from `first_term` to `last_term` (term codes; empty: still in force)."""

    name = models.CharField(_("name"), max_length=100)
    first_term = models.CharField(_("first term"), max_length=11, unique=True)
    last_term = models.CharField(_("last term"), max_length=11, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["first_term"]
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_term__isnull=True) | Q(last_term__gte=models.F("first_term")),
                name="policy_version_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(first_term__regex=r"^[0-9]{4}-[0-9]{4}-[12]$"),
                name="policy_version_first_term_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, term_code: str) -> bool:
        return self.first_term <= term_code and (self.last_term is None or term_code <= self.last_term)


class PolicyItem(models.Model):
    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("item code"), max_length=40)
    name = models.CharField(_("item name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    paid_by = models.CharField(_("paid by"), max_length=30, choices=Payer.choices)
    one_time = models.BooleanField(_("one-time"), default=False)
    rules = models.JSONField(_("amount rules"), default=list)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position", "pk"]
        verbose_name = _("policy item")
        verbose_name_plural = _("policy items")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="one_item_code_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class EntitlementStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    SCHOOL_CONFIRMED = "school_confirmed", _("Confirmed by the school")
    IN_NOTICE = "in_notice", _("In public notice")
    NOTICE_PASSED = "notice_passed", _("Public notice passed")
    APPROVED = "approved", _("Approved")
    IN_BATCH = "in_batch", _("In a payment batch")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


# Entitlements in these states pay nothing and count in no money total.
NOT_COUNTED_STATUSES = (EntitlementStatus.CANCELLED, EntitlementStatus.REJECTED)


class Entitlement(models.Model):
    """One item due to one student on one term, with the facts it was priced on."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="entitlements")
    term = models.ForeignKey("registry.Term", on_delete=models.PROTECT, related_name="entitlements")
    item = models.ForeignKey(PolicyItem, on_delete=models.PROTECT, related_name="entitlements")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="entitlements")
    # Copied from the item so that the database can guard "once per term" and "once per person ever".
    item_code = models.CharField(_("item code"), max_length=40)
    one_time = models.BooleanField(_("one-time"), default=False)
    amount_fen = models.BigIntegerField(_("amount (fen)"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=20)
    boarding = models.BooleanField(_("boarding"), default=False)
    category = models.CharField(_("household category"), max_length=20)
    school = models.ForeignKey(
        "org.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    college = models.CharField(_("college"), max_length=100, blank=True)
    in_province = models.BooleanField(_("in province"), null=True, blank=True)
    freshman = models.BooleanField(_("freshman"), null=True, blank=True)
    # Two 在读 enrolments: priced once and held at `computed` until one of them is resolved.
    held = models.BooleanField(_("held"), default=False)
    # Added by a school for a student the match missed (DESIGN §5): kept by every recomputation,
    # and listed apart from 错助 with its evidence.
    manual = models.BooleanField(_("added by hand"), default=False)
    evidence = models.TextField(_("evidence"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EntitlementStatus.choices, default=EntitlementStatus.COMPUTED
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "term", "item_code"], name="one_item_per_student_and_term"
            ),
            models.UniqueConstraint(
                fields=["person", "item_code"],
                condition=Q(one_time=True) & ~Q(status="cancelled"),
                name="one_time_item_once_per_person",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__isnull=True) | Q(amount_fen__gte=0),
                name="entitlement_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EntitlementStatus.values), name="entitlement_status_known"
            ),
            models.CheckConstraint(
                condition=Q(manual=False) | ~Q(evidence=""), name="manual_entitlement_has_evidence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.term_id} {self.item_code}"


class PolicyDraft(models.Model):
    """A copy of a version whose amounts an administrator edits before publishing it as the next version.

    ``items`` holds item specs exactly as `services.policy_version_add` takes them (code, name, kind,
    paid_by, one_time, rules); drafts live apart from `PolicyVersion` so that a version always has a
    term range and versions never overlap.
    """

    name = models.CharField(_("name"), max_length=100)
    source = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="drafts")
    items = models.JSONField(_("items"), default=list)
    published = models.OneToOneField(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="draft"
    )
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("policy draft")
        verbose_name_plural = _("policy drafts")

    def __str__(self) -> str:
        return self.name


class LoanStatus(models.TextChoices):
    APPLIED = "applied", _("Application entered")
    APPROVED = "approved", _("Accepted")
    DISBURSED = "disbursed", _("Disbursed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


LOAN_STAGES = ("junior_college", "undergraduate", "master", "doctor")


class LoanApplication(models.Model):
    """A 生源地信用助学贷款 application for one school year (`2023-2024`), entered by the aid centre.

    Loans are on application, never priced, and count in no money total. A student has at most one
    application per school year that is not withdrawn (a withdrawn one may be replaced).
    """

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="loans")
    school_year = models.CharField(_("school year"), max_length=9)
    college = models.CharField(_("college"), max_length=100)
    stage = models.CharField(_("level"), max_length=20)
    amount_fen = models.BigIntegerField(_("amount requested (fen)"))
    cap_fen = models.BigIntegerField(_("yearly cap (fen)"))
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("household category"), max_length=20)
    status = models.CharField(
        _("status"), max_length=20, choices=LoanStatus.choices, default=LoanStatus.APPLIED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.CharField(_("entered by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-school_year", "-created_at", "-pk"]
        verbose_name = _("student loan application")
        verbose_name_plural = _("student loan applications")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "school_year"],
                condition=~Q(status="withdrawn"),
                name="one_loan_per_student_and_year",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0) & Q(amount_fen__lte=models.F("cap_fen")),
                name="loan_amount_within_cap",
            ),
            models.CheckConstraint(condition=Q(stage__in=LOAN_STAGES), name="loan_stage_is_college"),
            models.CheckConstraint(
                condition=Q(status__in=["applied", "approved", "disbursed", "withdrawn"]),
                name="loan_status_known",
            ),
            models.CheckConstraint(
                condition=Q(school_year__regex=r"^[0-9]{4}-[0-9]{4}$"), name="loan_school_year_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.school_year}"


class HandbookContacts(models.Model):
    """The county's contact lines printed in the policy handbook: one row, edited by the administrator."""

    lines = models.TextField(_("contact lines"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("handbook contact lines")
        verbose_name_plural = _("handbook contact lines")

    def __str__(self) -> str:
        return self.lines[:40]
