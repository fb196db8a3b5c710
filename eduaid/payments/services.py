"""Writes of bank accounts and their flags (一人一卡). Batches and the bank return: `services_batches`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eduaid.core import clock, idnumbers
from eduaid.core.audit import COMMAND_LINE_ACTOR, actor_name, record
from eduaid.core.audit import acting_user as _user
from eduaid.core.importing import Applied, ImportReport
from eduaid.core.models import AuditKind
from eduaid.payments import rules
from eduaid.payments.models import AccountFlag, BankAccount, FlagKind
from eduaid.registry.models import Membership, Person, valid_on


@dataclass(frozen=True)
class AccountData:
    """An account as a form or a sheet row gives it, already normalised and checked."""

    person_id: int
    holder_name: str
    holder_id_number: str
    bank: str
    number: str
    guardian_name: str = ""
    guardian_id_number: str = ""
    guardian_relation: str = ""


FIELDS = (
    "holder_name",
    "holder_id_number",
    "bank",
    "number",
    "guardian_name",
    "guardian_id_number",
    "guardian_relation",
)


def check_account_data(data: AccountData) -> None:
    """The database's rule, said in words: 12 to 19 digits (a failed card check only warns)."""
    problem = rules.account_number_problem(data.number)
    if problem is not None:
        raise ValidationError(account_number_message(problem), code=problem.value)


def account_number_message(problem: rules.AccountProblem) -> str:
    if problem == rules.AccountProblem.EMPTY:
        return _("An account number is required.")
    if problem == rules.AccountProblem.NOT_DIGITS:
        return _("An account number has digits only: remove letters and other signs.")
    return _("An account number has 12 to 19 digits: check it against the card or passbook.")


# ---- who may hold a student's account ---------------------------------------------------------


def guardian_ids(person: Person) -> set[str]:
    """ID numbers of the adults in the student's registry household today (a guardian, for the bank)."""
    today = clock.today()
    households = Membership.objects.filter(valid_on(today), person=person).values("household_id")
    ids = Membership.objects.filter(valid_on(today), household_id__in=households).values_list(
        "person__id_number", flat=True
    )
    return {number for number in ids if number and idnumbers.age_on(number, today) >= 18}


def _problems(account: BankAccount) -> dict[str, str]:
    """The flags this account deserves now: kind → detail."""
    found: dict[str, str] = {}
    others = (
        BankAccount.objects.filter(number=account.number)
        .exclude(pk=account.pk)
        .select_related("person")
        .order_by("pk")
    )
    names = [other.person.name for other in others[:5]]
    if names:
        found[FlagKind.SHARED] = _("Also the account of %(names)s.") % {"names": "、".join(names)}
    holder = account.holder_id_number
    person = account.person
    allowed = {person.id_number, account.guardian_id_number} | guardian_ids(person)
    if holder not in allowed - {None, ""}:
        found[FlagKind.HOLDER] = _(
            "The holder %(name)s is not the student nor an adult of the household."
        ) % {"name": account.holder_name}
    return found


def _refresh_flags(account: BankAccount, *, now: Any) -> None:
    """Raise the flags the account deserves; close open ones that no longer apply to it as it is."""
    problems = _problems(account)
    for flag in account.flags.filter(resolved_at__isnull=True):
        same = flag.number == account.number and flag.holder_id_number == account.holder_id_number
        if flag.kind not in problems or not same:
            flag.resolved_at = now
            flag.resolved_by_name = COMMAND_LINE_ACTOR
            flag.resolution = _("No longer applies: the account was changed.")
            flag.save(update_fields=["resolved_at", "resolved_by_name", "resolution"])
    for kind, detail in problems.items():
        judged = account.flags.filter(
            kind=kind, number=account.number, holder_id_number=account.holder_id_number
        )
        if not judged.exists():
            AccountFlag.objects.create(
                account=account,
                kind=kind,
                number=account.number,
                holder_id_number=account.holder_id_number,
                detail=detail[:200],
                raised_at=now,
            )


def _neighbours(numbers: Iterable[str], exclude: int) -> list[BankAccount]:
    """Accounts that share (or shared) a number with the one just written: their flags change too."""
    return list(
        BankAccount.objects.select_for_update()
        .filter(number__in=set(numbers))
        .exclude(pk=exclude)
        .select_related("person")
        .order_by("pk")
    )


def _save(data: AccountData, *, actor: Any, now: Any) -> tuple[BankAccount, str]:
    """Create or update one account; "created", "updated" or "unchanged"."""
    account = BankAccount.objects.select_for_update().filter(person_id=data.person_id).first()
    values = {name: getattr(data, name) for name in FIELDS}
    if account is None:
        account = BankAccount(person_id=data.person_id, **values)
        outcome = "created"
        old_number = ""
    else:
        old_number = account.number
        changed = any(getattr(account, name) != value for name, value in values.items())
        outcome = "updated" if changed else "unchanged"
        for name, value in values.items():
            setattr(account, name, value)
    account.luhn_ok = rules.luhn_ok(data.number)
    account.updated_at = now
    account.updated_by = actor_name(actor)
    account.save()
    for other in [account, *_neighbours([data.number, old_number], account.pk)]:
        _refresh_flags(other, now=now)
    return account, outcome


@transaction.atomic
def account_save(*, data: AccountData, actor: Any) -> BankAccount:
    """Enter or correct one student's account. Saving unchanged values still counts as checked (the
    failed-payment queue waits for the account to be checked or corrected after a failure)."""
    check_account_data(data)
    now = timezone.now()
    account, outcome = _save(data, actor=actor, now=now)
    record(
        AuditKind.BANK_ACCOUNT,
        actor=_user(actor),
        username=actor_name(actor),
        obj=account,
        detail={"action": outcome, "person": data.person_id, "luhn_ok": account.luhn_ok},
    )
    return account


@transaction.atomic
def accounts_import(
    *, rows: Sequence[AccountData], actor: Any, dry_run: bool, report: ImportReport, filename: str = ""
) -> Applied:
    """The accounts sheet: create or update every accepted row, or (dry run) count what would change."""
    created = updated = unchanged = 0
    existing = {a.person_id: a for a in BankAccount.objects.filter(person_id__in=[r.person_id for r in rows])}
    now = timezone.now()
    for data in rows:
        account = existing.get(data.person_id)
        if dry_run:
            if account is None:
                created += 1
            elif any(getattr(account, name) != getattr(data, name) for name in FIELDS):
                updated += 1
            else:
                unchanged += 1
            continue
        _account, outcome = _save(data, actor=actor, now=now)
        created += outcome == "created"
        updated += outcome == "updated"
        unchanged += outcome == "unchanged"
    if not dry_run:
        record(
            AuditKind.BANK_ACCOUNT,
            actor=_user(actor),
            username=actor_name(actor),
            detail={
                "action": "import",
                "file": filename,
                "rows": report.rows,
                "created": created,
                "updated": updated,
                "rejected": report.rejected,
            },
        )
    return Applied(created=created, updated=updated, unchanged=unchanged)


@transaction.atomic
def flag_resolve(*, flag_id: int, reason: str, actor: Any) -> AccountFlag:
    """Record why a flagged account may be paid all the same (who, when, why)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Write why this account may be paid all the same."), code="reason")
    flag = AccountFlag.objects.select_for_update().get(pk=flag_id)
    if flag.resolved_at is not None:
        raise ValidationError(_("This flag was already resolved."), code="resolved")
    flag.resolved_at = timezone.now()
    flag.resolved_by = _user(actor)
    flag.resolved_by_name = actor_name(actor)
    flag.resolution = reason[:1000]
    flag.save(update_fields=["resolved_at", "resolved_by", "resolved_by_name", "resolution"])
    record(
        AuditKind.BANK_ACCOUNT,
        actor=_user(actor),
        username=actor_name(actor),
        obj=flag.account,
        detail={"action": "flag_resolved", "flag": flag.pk, "kind": flag.kind, "reason": reason[:500]},
    )
    return flag
