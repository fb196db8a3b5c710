"""Bank accounts (一人一卡), payment batches (发放批次), bank returns (对账) and the money ledger.

- `BankAccount`: one per student; the holder may be the student or a guardian. Written only by
  `services.account_save`, which also raises or closes the account's `AccountFlag` rows.
- `AccountFlag`: an account shared by two students, or a holder who is neither the student nor a
  guardian. An open flag blocks payment until someone records a reason (who, when, why). A flag belongs
  to the account as it was when raised (`number`, `holder_id_number`): change the account and a new
  judgement is made.
- `PaymentBatch` / `PaymentLine`: one bank file; a line copies the account it was paid to, so that a
  corrected account never rewrites history. A failed line that was paid again in a later batch becomes
  `reissued` (已重发).
- `PaymentUpload`: a file a user uploaded (the accounts sheet, or the bank's return file), kept with its
  check report, so that every applied line traces to a file and a row.
- `LedgerEntry`: the append-only, hash-chained money ledger. It is not managed by Django's migrations
  autodetector: its table and the triggers that refuse UPDATE, DELETE and TRUNCATE are created by SQL in
  migration 0002, and Django's `flush` leaves it alone (the database would refuse it anyway).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class BankAccount(models.Model):
    person = models.OneToOneField(
        "registry.Person", on_delete=models.PROTECT, related_name="bank_account", verbose_name=_("student")
    )
    holder_name = models.CharField(_("account holder"), max_length=50)
    holder_id_number = models.CharField(_("holder's ID number"), max_length=18)
    bank = models.CharField(_("bank"), max_length=100)
    number = models.CharField(_("account number"), max_length=19, db_index=True)
    luhn_ok = models.BooleanField(_("passes the card check"), default=True)
    # A guardian recorded with the account (when the registry does not show one).
    guardian_name = models.CharField(_("guardian"), max_length=50, blank=True)
    guardian_id_number = models.CharField(_("guardian's ID number"), max_length=18, blank=True)
    guardian_relation = models.CharField(_("relation to the student"), max_length=20, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.CharField(_("updated by"), max_length=150, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{12,19}$"), name="bank_account_number_12_to_19_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.bank}"


class FlagKind(models.TextChoices):
    SHARED = "shared", _("Account shared with another student")
    HOLDER = "holder", _("Holder is neither the student nor a guardian")


class AccountFlag(models.Model):
    account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("problem"), max_length=20, choices=FlagKind.choices)
    number = models.CharField(_("account number"), max_length=19)
    holder_id_number = models.CharField(_("holder's ID number"), max_length=18)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_by_name = models.CharField(_("resolved by"), max_length=150, blank=True)
    resolution = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("account flag")
        verbose_name_plural = _("account flags")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_flag_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution=""), name="resolved_flag_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class UploadKind(models.TextChoices):
    ACCOUNTS = "accounts", _("Bank accounts")
    BANK_RETURN = "bank_return", _("Bank return file")


class PaymentUpload(models.Model):
    kind = models.CharField(_("what"), max_length=20, choices=UploadKind.choices)
    batch = models.ForeignKey(
        "PaymentBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="uploads"
    )
    filename = models.CharField(_("file"), max_length=255)
    content = models.BinaryField(_("content"))
    school = models.ForeignKey(
        "org.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    processed_on = models.DateField(_("bank processing date"), null=True, blank=True)
    report = models.JSONField(_("check report"), default=dict)
    ok = models.BooleanField(_("passed the check"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_by_name = models.CharField(_("uploaded by"), max_length=150, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("payment upload")
        verbose_name_plural = _("payment uploads")

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"


class BatchStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the bank")
    PARTLY = "partly", _("Partly reconciled")
    RECONCILED = "reconciled", _("Reconciled")


class PaymentBatch(models.Model):
    term = models.ForeignKey("registry.Term", on_delete=models.PROTECT, related_name="payment_batches")
    number = models.CharField(_("batch"), max_length=30, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.OPEN
    )
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    total_fen = models.BigIntegerField(_("total (fen)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by_name = models.CharField(_("built by"), max_length=150)
    created_at = models.DateTimeField(_("built at"), default=timezone.now)
    exported_at = models.DateTimeField(_("bank file last downloaded"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")

    def __str__(self) -> str:
        return self.number


class LineStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    REISSUED = "reissued", _("Re-issued")


class PaymentLine(models.Model):
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="lines")
    serial = models.PositiveIntegerField(_("serial number"))
    entitlement = models.ForeignKey("aid.Entitlement", on_delete=models.PROTECT, related_name="payment_lines")
    # Copied from the entitlement so that the database can guard "paid once per student, item and term".
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    term = models.ForeignKey("registry.Term", on_delete=models.PROTECT, related_name="+")
    item_code = models.CharField(_("item code"), max_length=40)
    school = models.ForeignKey(
        "org.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    # The account as it was sent to the bank.
    holder_name = models.CharField(_("account holder"), max_length=50)
    holder_id_number = models.CharField(_("holder's ID number"), max_length=18)
    bank = models.CharField(_("bank"), max_length=100)
    account_number = models.CharField(_("account number"), max_length=19)
    memo = models.CharField(_("memo"), max_length=100)
    status = models.CharField(
        _("status"), max_length=20, choices=LineStatus.choices, default=LineStatus.PENDING
    )
    bank_result = models.CharField(_("bank result"), max_length=50, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    processed_on = models.DateField(_("processed on"), null=True, blank=True)
    return_file = models.ForeignKey(
        PaymentUpload, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    return_row = models.PositiveIntegerField(_("return file row"), null=True, blank=True)
    reissued_as = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reissue_of"
    )

    class Meta:
        ordering = ["batch", "serial"]
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        constraints = [
            models.UniqueConstraint(fields=["batch", "serial"], name="one_serial_per_batch"),
            models.UniqueConstraint(
                fields=["entitlement"], condition=Q(status="pending"), name="one_pending_line_per_entitlement"
            ),
            models.UniqueConstraint(
                fields=["person", "item_code", "term"],
                condition=Q(status="paid"),
                name="one_payment_per_student_item_term",
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_line_amount_positive"),
            models.CheckConstraint(condition=Q(serial__gte=1), name="payment_line_serial_from_one"),
            models.CheckConstraint(
                condition=Q(status__in=LineStatus.values), name="payment_line_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(processed_on__isnull=False),
                name="processed_line_has_a_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="reissued") | Q(reissued_as__isnull=False),
                name="reissued_line_names_its_successor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.serial}"


class LedgerKind(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")


class LedgerEntry(models.Model):
    """One entry of the money ledger; `sequence` runs 1, 2, 3 … without gaps."""

    sequence = models.BigIntegerField(_("sequence"), primary_key=True)
    kind = models.CharField(_("kind"), max_length=20, choices=LedgerKind.choices)
    entitlement_ref = models.BigIntegerField(_("entitlement"), db_index=True)
    payload = models.JSONField(_("payload"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        managed = False
        db_table = "payments_ledgerentry"
        ordering = ["sequence"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"{self.sequence} {self.kind}"
