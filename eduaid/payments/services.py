"""Writes of bank accounts and their flags (一人一卡). Batches and the bank return: `services_batches`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

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
    return guardians_of([person.pk]).get(person.pk, set())


# SQLite allows 999 parameters in a statement: ask for keys in chunks well below that.
CHUNK = 900


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def guardians_of(person_ids: Iterable[int]) -> dict[int, set[str]]:
    """For each person: ID numbers of the adults in their registry households today (two queries a chunk)."""
    today = clock.today()
    households: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(person_ids):
        members = Membership.objects.filter(valid_on(today), person_id__in=chunk).values_list(
            "person_id", "household_id"
        )
        for person_id, household_id in members:
            households[person_id].add(household_id)
    adults: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks({h for ids in households.values() for h in ids}):
        rows = Membership.objects.filter(valid_on(today), household_id__in=chunk).values_list(
            "household_id", "person__id_number"
        )
        for household_id, number in rows:
            if number and idnumbers.age_on(number, today) >= 18:
                adults[household_id].add(number)
    return {
        person_id: set().union(*(adults.get(h, set()) for h in ids)) for person_id, ids in households.items()
    }


def _problems(
    account: BankAccount, *, person: Person, others: Sequence[str], guardians: set[str]
) -> dict[str, str]:
    """The flags this account deserves now: kind → detail. `others`: the names of the students whose
    accounts share its number, oldest account first; `guardians`: the adults of the student's household."""
    found: dict[str, str] = {}
    names = list(others[:5])
    if names:
        found[FlagKind.SHARED] = _("Also the account of %(names)s.") % {"names": "、".join(names)}
    holder = account.holder_id_number
    allowed = {person.id_number, account.guardian_id_number} | guardians
    if holder not in allowed - {None, ""}:
        found[FlagKind.HOLDER] = _(
            "The holder %(name)s is not the student nor an adult of the household."
        ) % {"name": account.holder_name}
    return found


@dataclass(eq=False)
class _Slot:
    """One account while a write is worked out in memory, with every flag it has (open or not)."""

    account: BankAccount
    order: tuple[int, int]  # existing accounts by pk, then the new ones in the order written
    flags: list[AccountFlag]


@dataclass
class _Book:
    """The accounts one write touches, their students and flags, and what is to be written."""

    by_person: dict[int, _Slot]
    by_number: dict[str, list[_Slot]]
    persons: dict[int, Person]
    guardians: dict[int, set[str]]
    now: Any
    created: list[_Slot] = field(default_factory=list)
    saved: list[_Slot] = field(default_factory=list)  # every save after a creation, in order
    closed: list[AccountFlag] = field(default_factory=list)
    raised: list[tuple[_Slot, AccountFlag]] = field(default_factory=list)


def _load(rows: Sequence[AccountData], now: Any) -> _Book:
    """The rows' students' accounts and every account sharing a number with them (old or new), locked."""
    locked = BankAccount.objects.select_for_update().order_by("pk")
    accounts: dict[int, BankAccount] = {}
    for chunk in _chunks(data.person_id for data in rows):
        accounts.update((a.pk, a) for a in locked.filter(person_id__in=chunk))
    numbers = {data.number for data in rows} | {a.number for a in accounts.values()}
    for chunk in _chunks(numbers):
        for account in locked.filter(number__in=chunk):
            accounts.setdefault(account.pk, account)
    flags: dict[int, list[AccountFlag]] = defaultdict(list)
    for chunk in _chunks(accounts):
        for flag in AccountFlag.objects.filter(account_id__in=chunk).order_by("pk"):
            flags[flag.account_id].append(flag)
    person_ids = {a.person_id for a in accounts.values()} | {data.person_id for data in rows}
    persons: dict[int, Person] = {}
    for chunk in _chunks(person_ids):
        persons.update((p.pk, p) for p in Person.objects.filter(pk__in=chunk).only("pk", "name", "id_number"))
    book = _Book(
        by_person={},
        by_number=defaultdict(list),
        persons=persons,
        guardians=guardians_of(person_ids),
        now=now,
    )
    for pk in sorted(accounts):
        account = accounts[pk]
        slot = _Slot(account=account, order=(0, pk), flags=flags.get(pk, []))
        book.by_person[account.person_id] = slot
        book.by_number[account.number].append(slot)
    return book


def _refresh_flags(book: _Book, slot: _Slot) -> None:
    """Raise the flags the account deserves; close open ones that no longer apply to it as it is."""
    account = slot.account
    others = [other.account.person_id for other in book.by_number[account.number] if other is not slot]
    problems = _problems(
        account,
        person=book.persons[account.person_id],
        others=[book.persons[person_id].name for person_id in others[:5]],
        guardians=book.guardians.get(account.person_id, set()),
    )
    for flag in slot.flags:
        if flag.resolved_at is not None:
            continue
        same = flag.number == account.number and flag.holder_id_number == account.holder_id_number
        if flag.kind not in problems or not same:
            flag.resolved_at = book.now
            flag.resolved_by_name = COMMAND_LINE_ACTOR
            flag.resolution = _("No longer applies: the account was changed.")
            if flag.pk is not None:
                book.closed.append(flag)
    for kind, detail in problems.items():
        judged = any(
            flag.kind == kind
            and flag.number == account.number
            and flag.holder_id_number == account.holder_id_number
            for flag in slot.flags
        )
        if not judged:
            flag = AccountFlag(
                kind=kind,
                number=account.number,
                holder_id_number=account.holder_id_number,
                detail=detail[:200],
                raised_at=book.now,
            )
            slot.flags.append(flag)
            book.raised.append((slot, flag))


def _apply(book: _Book, data: AccountData, *, actor: Any) -> tuple[_Slot, str]:
    """One row in memory, exactly as a save of it would go: the account, then its and its neighbours'
    flags (the accounts that share, or shared, its number)."""
    slot = book.by_person.get(data.person_id)
    values = {name: getattr(data, name) for name in FIELDS}
    if slot is None:
        account = BankAccount(person_id=data.person_id, **values)
        slot = _Slot(account=account, order=(1, len(book.created)), flags=[])
        book.by_person[data.person_id] = slot
        book.by_number[account.number].append(slot)
        book.created.append(slot)
        outcome = "created"
        old_number = ""
    else:
        account = slot.account
        old_number = account.number
        changed = any(getattr(account, name) != value for name, value in values.items())
        outcome = "updated" if changed else "unchanged"
        for name, value in values.items():
            setattr(account, name, value)
        if account.number != old_number:
            book.by_number[old_number].remove(slot)
            book.by_number[account.number].append(slot)
            book.by_number[account.number].sort(key=lambda other: other.order)
        book.saved.append(slot)
    account.luhn_ok = rules.luhn_ok(data.number)
    account.updated_at = book.now
    account.updated_by = actor_name(actor)
    neighbours = {
        id(other): other
        for number in {data.number, old_number}
        for other in book.by_number.get(number, [])
        if other is not slot
    }
    for other in [slot, *sorted(neighbours.values(), key=lambda other: other.order)]:
        _refresh_flags(book, other)
    return slot, outcome


ACCOUNT_WRITTEN = [*FIELDS, "luhn_ok", "updated_at", "updated_by"]


def _write(book: _Book) -> None:
    """The accounts (with their history), then the flags: closed ones first (one open flag a kind)."""
    if book.created:
        bulk_create_with_history([slot.account for slot in book.created], BankAccount, batch_size=500)
    if book.saved:
        bulk_update_with_history(
            [slot.account for slot in book.saved], BankAccount, ACCOUNT_WRITTEN, batch_size=500
        )
    if book.closed:
        AccountFlag.objects.bulk_update(
            book.closed, ["resolved_at", "resolved_by_name", "resolution"], batch_size=500
        )
    for slot, flag in book.raised:
        flag.account = slot.account
    if book.raised:
        AccountFlag.objects.bulk_create([flag for _slot, flag in book.raised], batch_size=500)


def _save_all(rows: Sequence[AccountData], *, actor: Any, now: Any) -> list[tuple[BankAccount, str]]:
    """Create or update the accounts of `rows` in order, each "created", "updated" or "unchanged":
    a few reads, the rows worked out in memory, then bulk writes."""
    book = _load(rows, now)
    done = [_apply(book, data, actor=actor) for data in rows]
    _write(book)
    return [(slot.account, outcome) for slot, outcome in done]


@transaction.atomic
def account_save(*, data: AccountData, actor: Any) -> BankAccount:
    """Enter or correct one student's account. Saving unchanged values still counts as checked (the
    failed-payment queue waits for the account to be checked or corrected after a failure)."""
    check_account_data(data)
    now = timezone.now()
    [(account, outcome)] = _save_all([data], actor=actor, now=now)
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
    if dry_run:
        existing: dict[int, BankAccount] = {}
        for chunk in _chunks(r.person_id for r in rows):
            existing.update((a.person_id, a) for a in BankAccount.objects.filter(person_id__in=chunk))
        for data in rows:
            account = existing.get(data.person_id)
            if account is None:
                created += 1
            elif any(getattr(account, name) != getattr(data, name) for name in FIELDS):
                updated += 1
            else:
                unchanged += 1
        return Applied(created=created, updated=updated, unchanged=unchanged)
    outcomes = [outcome for _account, outcome in _save_all(rows, actor=actor, now=timezone.now())]
    created, updated, unchanged = (outcomes.count(name) for name in ("created", "updated", "unchanged"))
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
