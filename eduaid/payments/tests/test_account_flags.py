"""一人一卡: a shared account, or a holder who is neither the student nor a guardian, is flagged and
blocks payment until someone records why it may be paid."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from eduaid.conftest import RegistryCast
from eduaid.payments.models import AccountFlag, FlagKind, PaymentLine
from eduaid.payments.services import AccountData, account_save, flag_resolve
from eduaid.payments.services_batches import batch_build
from eduaid.payments.tests import factories as f


def _open(person: Any) -> set[str]:
    flags = AccountFlag.objects.filter(account__person=person, resolved_at__isnull=True)
    return set(flags.values_list("kind", flat=True))


def test_the_student_or_an_adult_of_the_household_may_hold_the_account(registry_cast: RegistryCast) -> None:
    kid, head = registry_cast.person("poor_kid"), registry_cast.person("head")
    f.give_account(kid, 1)
    assert _open(kid) == set()
    f.give_account(kid, 2, holder=head)
    assert _open(kid) == set()


@pytest.mark.parametrize("holder", ["out_kid", "unstable_kid"])  # a child of the household; a stranger
def test_another_holder_is_flagged(registry_cast: RegistryCast, holder: str) -> None:
    kid = registry_cast.person("poor_kid")
    f.give_account(kid, 1, holder=registry_cast.person(holder))
    assert _open(kid) == {FlagKind.HOLDER}


def test_a_guardian_recorded_with_the_account_may_hold_it(registry_cast: RegistryCast) -> None:
    kid, aunt = registry_cast.person("hardship_kid"), registry_cast.person("head")
    account_save(
        data=AccountData(
            person_id=kid.pk,
            holder_name=aunt.name,
            holder_id_number=aunt.id_number,
            bank="农商银行",
            number=f.card_number(5),
            guardian_name=aunt.name,
            guardian_id_number=aunt.id_number,
            guardian_relation="姑姑",
        ),
        actor=None,
    )
    assert _open(kid) == set()


def test_an_account_shared_by_two_students_flags_both(registry_cast: RegistryCast) -> None:
    one, two = registry_cast.person("poor_kid"), registry_cast.person("marginal_kid")
    number = f.card_number(9)
    f.give_account(one, 0, number=number)
    assert _open(one) == set()
    f.give_account(two, 0, number=number)
    assert _open(one) == {FlagKind.SHARED} and _open(two) == {FlagKind.SHARED}
    f.give_account(two, 10)  # corrected: both flags close
    assert _open(one) == set() and _open(two) == set()


def test_a_flag_blocks_payment_until_a_reason_is_recorded(registry_cast: RegistryCast) -> None:
    cash = f.approved_with_accounts(registry_cast)
    kid = registry_cast.person("poor_kid")
    assert any(e.person == kid for e in cash)
    f.give_account(kid, 50, holder=registry_cast.person("unstable_kid"))
    batch = batch_build(term=registry_cast.autumn, actor=None)
    assert batch is not None
    assert not batch.lines.filter(person=kid).exists()
    flag = AccountFlag.objects.get(account__person=kid, resolved_at__isnull=True)
    officer = registry_cast.cast.user("school_officer")
    with pytest.raises(ValidationError):
        flag_resolve(flag_id=flag.pk, reason="  ", actor=officer)
    flag_resolve(flag_id=flag.pk, reason="监护人外出务工，由舅舅代管", actor=officer)
    flag.refresh_from_db()
    assert flag.resolved_by == officer and flag.resolved_by_name == officer.username
    assert flag.resolved_at is not None and flag.resolution == "监护人外出务工，由舅舅代管"
    again = batch_build(term=registry_cast.autumn, actor=None)
    assert again is not None
    assert PaymentLine.objects.filter(batch=again, person=kid).exists()


def test_a_resolved_flag_returns_when_the_holder_changes(registry_cast: RegistryCast) -> None:
    kid = registry_cast.person("poor_kid")
    f.give_account(kid, 1, holder=registry_cast.person("unstable_kid"))
    flag = AccountFlag.objects.get(account__person=kid)
    flag_resolve(flag_id=flag.pk, reason="核实无误", actor=None)
    f.give_account(kid, 1, holder=registry_cast.person("unstable_kid"))  # saved again, unchanged
    assert _open(kid) == set()
    f.give_account(kid, 1, holder=registry_cast.person("hardship_kid"))
    assert _open(kid) == {FlagKind.HOLDER}


def test_a_number_that_fails_the_card_check_is_kept_with_a_warning(registry_cast: RegistryCast) -> None:
    account = f.give_account(registry_cast.person("poor_kid"), 3, valid=False)
    assert account.luhn_ok is False
    with pytest.raises(ValidationError):
        f.give_account(registry_cast.person("poor_kid"), 3, number="12345")
