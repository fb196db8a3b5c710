"""The accounts import works set-wise: the same accounts, history rows and flags as saving the rows one
by one (the former per-row code is kept below as an oracle), in a number of queries that does not grow
with the rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eduaid.conftest import RegistryCast
from eduaid.core import idnumbers
from eduaid.core.audit import COMMAND_LINE_ACTOR, actor_name
from eduaid.core.importing import ImportReport
from eduaid.payments import rules
from eduaid.payments.models import AccountFlag, BankAccount, FlagKind
from eduaid.payments.services import FIELDS, AccountData, accounts_import, guardian_ids
from eduaid.payments.tests import factories as f
from eduaid.registry.models import Person

pytestmark = pytest.mark.django_db

BANK = "中国农业银行遂平县支行"


# ---- the former per-row code, as an oracle ----------------------------------------------------


def _old_problems(account: BankAccount) -> dict[str, str]:
    from django.utils.translation import gettext as _

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


def _old_refresh_flags(account: BankAccount, *, now: Any) -> None:
    from django.utils.translation import gettext as _

    problems = _old_problems(account)
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


def _old_neighbours(numbers: Iterable[str], exclude: int) -> list[BankAccount]:
    return list(
        BankAccount.objects.filter(number__in=set(numbers))
        .exclude(pk=exclude)
        .select_related("person")
        .order_by("pk")
    )


def _old_import(rows: Sequence[AccountData], *, now: Any) -> list[str]:
    outcomes = []
    for data in rows:
        account = BankAccount.objects.filter(person_id=data.person_id).first()
        values = {name: getattr(data, name) for name in FIELDS}
        if account is None:
            account = BankAccount(person_id=data.person_id, **values)
            outcome, old_number = "created", ""
        else:
            old_number = account.number
            changed = any(getattr(account, name) != value for name, value in values.items())
            outcome = "updated" if changed else "unchanged"
            for name, value in values.items():
                setattr(account, name, value)
        account.luhn_ok = rules.luhn_ok(data.number)
        account.updated_at = now
        account.updated_by = actor_name(None)
        account.save()
        for other in [account, *_old_neighbours([data.number, old_number], account.pk)]:
            _old_refresh_flags(other, now=now)
        outcomes.append(outcome)
    return outcomes


# ---- comparing what two runs left ---------------------------------------------------------------


class _Rollback(Exception):
    pass


def _when(value: Any, since: dt.datetime) -> Any:
    """Timestamps of the run under test read as "now"; older ones as they are."""
    if value is None:
        return None
    return "now" if value >= since else value


def _state(since: dt.datetime) -> dict[str, Any]:
    account_fields = [*FIELDS, "luhn_ok", "updated_by"]
    accounts = {
        a.person_id: (*(getattr(a, name) for name in account_fields), _when(a.updated_at, since))
        for a in BankAccount.objects.all()
    }
    flags = [
        (
            flag.account.person_id,
            flag.kind,
            flag.number,
            flag.holder_id_number,
            flag.detail,
            _when(flag.raised_at, since),
            _when(flag.resolved_at, since),
            flag.resolved_by_name,
            flag.resolution,
        )
        for flag in AccountFlag.objects.select_related("account").order_by("pk")
    ]
    history: dict[int, list[tuple[Any, ...]]] = {}
    for row in BankAccount.history.order_by("history_id"):
        history.setdefault(row.person_id, []).append(
            (row.history_type, row.history_user_id, *(getattr(row, name) for name in account_fields))
        )
    return {"accounts": accounts, "flags": flags, "history": history}


def _run_both(rows: Sequence[AccountData]) -> tuple[dict[str, Any], dict[str, Any], list[str], Any]:
    """The oracle's outcome (rolled back), then the service's outcome (kept)."""
    since = timezone.now()
    expected: dict[str, Any] = {}
    try:
        with transaction.atomic():
            outcomes = _old_import(rows, now=timezone.now())
            expected = _state(since)
            raise _Rollback
    except _Rollback:
        pass
    since = timezone.now()
    report = ImportReport(rows=len(rows))
    applied = accounts_import(rows=rows, actor=None, dry_run=False, report=report, filename="卡号.xlsx")
    return expected, _state(since), outcomes, applied


def _data(person: Any, number: str, holder: Any = None, **extra: str) -> AccountData:
    holder = holder or person
    return AccountData(
        person_id=person.pk,
        holder_name=holder.name,
        holder_id_number=holder.id_number,
        bank=extra.pop("bank", BANK),
        number=number,
        **extra,
    )


def _open(person: Any) -> dict[str, str]:
    flags = AccountFlag.objects.filter(account__person=person, resolved_at__isnull=True)
    return dict(flags.values_list("kind", "number"))


def test_the_import_leaves_what_saving_row_by_row_left(registry_cast: RegistryCast) -> None:
    p = registry_cast.person
    shared, moved_from, moved_to, three = (f.card_number(n) for n in (31, 32, 33, 34))
    f.give_account(p("poor_kid"), 1)  # unchanged in the file
    f.give_account(p("marginal_kid"), 2)  # the bank changes
    f.give_account(p("hardship_kid"), 0, number=moved_from)  # moves away from cross_kid's number
    f.give_account(p("cross_kid"), 0, number=moved_from)
    f.give_account(p("college_kid"), 0, number=three)  # two new accounts join its number
    assert set(_open(p("cross_kid"))) == {FlagKind.SHARED}
    rows = [
        _data(p("poor_kid"), f.card_number(1)),
        _data(p("marginal_kid"), f.card_number(2), bank="农商银行"),
        _data(p("hardship_kid"), moved_to),
        _data(p("unstable_kid"), three),
        _data(p("out_kid"), three),
        _data(
            p("plain_kid"), f.card_number(7, valid=False), holder=p("head")
        ),  # fails Luhn, a stranger holds
        _data(
            p("dropped_kid"),
            shared,
            holder=p("head"),
            guardian_name=p("head").name,
            guardian_id_number=p("head").id_number,
            guardian_relation="伯父",
        ),
        _data(p("head"), shared),
    ]

    expected, got, outcomes, applied = _run_both(rows)

    assert got == expected
    assert outcomes == [
        "unchanged",
        "updated",
        "updated",
        "created",
        "created",
        "created",
        "created",
        "created",
    ]
    assert (applied.created, applied.updated, applied.unchanged) == (5, 2, 1)
    assert _open(p("cross_kid")) == {}  # its neighbour moved away: the shared flag closed
    assert _open(p("hardship_kid")) == {}
    assert _open(p("college_kid")) == {FlagKind.SHARED: three}
    assert _open(p("out_kid")) == {FlagKind.SHARED: three}
    assert _open(p("dropped_kid")) == {FlagKind.SHARED: shared}  # a guardian may hold it
    assert _open(p("plain_kid")) == {FlagKind.HOLDER: f.card_number(7, valid=False)}
    assert BankAccount.objects.get(person=p("plain_kid")).luhn_ok is False
    college = AccountFlag.objects.get(account__person=p("college_kid"), resolved_at__isnull=True)
    assert (
        p("unstable_kid").name in college.detail and p("out_kid").name not in college.detail
    )  # as first raised


def test_a_resolved_flag_is_not_raised_again_and_a_changed_holder_closes_it(
    registry_cast: RegistryCast,
) -> None:
    p = registry_cast.person
    f.give_account(p("poor_kid"), 5, holder=p("unstable_kid"))
    flag = AccountFlag.objects.get(account__person=p("poor_kid"))
    flag.resolved_at, flag.resolved_by_name, flag.resolution = timezone.now(), "x", "known aunt"
    flag.save()
    rows = [_data(p("poor_kid"), f.card_number(5), holder=p("unstable_kid"), bank="农商银行")]
    expected, got, _outcomes, _applied = _run_both(rows)
    assert got == expected
    assert _open(p("poor_kid")) == {}


def _students(count: int, start: int) -> list[Person]:
    born = dt.date(2012, 5, 5)
    return [
        Person.objects.create(
            id_number=idnumbers.synthetic("411726", born + dt.timedelta(days=n), 100 + n % 800),
            name=f"学生{n}",
            gender="M",
            birth_date=born + dt.timedelta(days=n),
        )
        for n in range(start, start + count)
    ]


def _rows(persons: Sequence[Person], seed: int) -> list[AccountData]:
    # every third pair of students shares a card; every fifth has another holder
    return [
        _data(
            person,
            f.card_number(seed + (n - n % 2 if n % 3 == 0 else n)),
            holder=persons[0] if n % 5 == 4 else None,
        )
        for n, person in enumerate(persons)
    ]


def _queries(rows: Sequence[AccountData]) -> int:
    with CaptureQueriesContext(connection) as captured:
        accounts_import(rows=rows, actor=None, dry_run=False, report=ImportReport(rows=len(rows)))
    return len(captured.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_rows(django_assert_max_num_queries: Any) -> None:
    small, large = _students(10, 0), _students(50, 10)
    for persons, seed in ((small, 1000), (large, 2000)):
        f.give_account(persons[1], 0, number=f.card_number(seed + 1))  # one existing account that changes
    first = _queries(_rows(small, 1000))
    second = _queries(_rows(large, 2000))
    assert first == second
    moved = [_data(person, f.card_number(3000 + n)) for n, person in enumerate(large)]
    with django_assert_max_num_queries(first + 2):
        accounts_import(rows=moved, actor=None, dry_run=False, report=ImportReport(rows=len(moved)))
    assert not AccountFlag.objects.filter(account__person__in=large, resolved_at__isnull=True).exists()
