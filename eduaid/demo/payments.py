"""The demo's payments (一人一卡, 发放批次, 对账), through the payment services.

Accounts: every student with county cash aid gets a synthetic card (passing Luhn; a few passbooks that
fail it), held by the student when adult, else by an adult of the registry household. The past term
2023-2024-1 is paid: one batch in October 2023, reconciled, with one failure (账户已销户) whose account the
school officer corrects, re-issued in a second batch in November. On the demo day the current term
2023-2024-2 waits at each step for the aid centre (login zizhu): most of the schools whose notice passed
are approved and their batch is at the bank; a few students have no account; two share one card (flagged).

Runs after the review stage; if that stage has not moved the past term, this one walks the past term's
computed rows to approved itself, so that either order works.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from eduaid.accounts.models import User
from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.aid.pricing import yuan
from eduaid.core import idnumbers
from eduaid.core.clock import frozen_today
from eduaid.payments import rules
from eduaid.payments.models import BankAccount, PaymentBatch, PaymentUpload
from eduaid.payments.services import AccountData, account_save
from eduaid.payments.services_batches import batch_build, county_cash, return_apply, return_upload
from eduaid.registry.models import Membership, Person, Term, valid_on
from eduaid.review.services import entitlements_approve, entitlements_transition

S = EntitlementStatus
PAST, CURRENT = "2023-2024-1", "2023-2024-2"
PAST_APPROVAL = dt.date(2023, 10, 9)
PAST_BATCH, PAST_RETURN = dt.date(2023, 10, 12), dt.date(2023, 10, 20)
REISSUE_BATCH, REISSUE_RETURN = dt.date(2023, 11, 6), dt.date(2023, 11, 10)
CURRENT_BATCH = dt.date(2024, 3, 14)
DEMO_DAY = dt.date(2024, 3, 15)
BANKS = (
    "中国农业银行遂平县支行",
    "中国邮政储蓄银行遂平县支行",
    "遂平县农村信用合作联社",
    "中国建设银行遂平支行",
)
WALK = (S.SCHOOL_CONFIRMED, S.IN_NOTICE, S.NOTICE_PASSED, S.APPROVED)


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _card(seed: int, *, passbook: bool = False) -> str:
    body = f"62284{seed:013d}"
    digit = rules.luhn_digit(body)
    return body + (str((int(digit) + 3) % 10) if passbook else digit)


def _walk_past_term(past: Term, centre: Any) -> int:
    """Without the review stage: the past term's computed rows go to approved here."""
    ids = list(
        Entitlement.objects.filter(term=past, status=S.COMPUTED, held=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    with frozen_today(PAST_APPROVAL):
        for status in WALK:
            entitlements_transition(ids=ids, to=status, actor=centre if status == S.APPROVED else None)
    return len(ids)


def _holders(persons: list[Person]) -> dict[int, tuple[str, str]]:
    """Each student's holder: themself when adult, else the first adult of their household."""
    members = Membership.objects.filter(valid_on(DEMO_DAY), person__in=persons).values_list(
        "person_id", "household_id"
    )
    household_of = dict(members)
    adults: dict[int, tuple[str, str]] = {}
    rows = Membership.objects.filter(
        valid_on(DEMO_DAY), household_id__in=set(household_of.values())
    ).values_list("household_id", "person__name", "person__id_number")
    for household, name, number in rows.order_by("household_id", "pk"):
        if number and idnumbers.age_on(number, DEMO_DAY) >= 18:
            adults.setdefault(household, (name, number))
    holders = {}
    for person in persons:
        assert person.id_number is not None
        if idnumbers.age_on(person.id_number, DEMO_DAY) >= 18:
            holders[person.pk] = (person.name, person.id_number)
        else:
            holders[person.pk] = adults.get(household_of.get(person.pk, -1), (person.name, person.id_number))
    return holders


def _accounts() -> int:
    """A card for every student with county cash aid (bulk: the holders are valid, so nothing is flagged)."""
    due = Entitlement.objects.filter(county_cash()).exclude(status__in=[S.CANCELLED, S.REJECTED])
    persons = list(
        Person.objects.filter(
            pk__in=due.values("person_id"), id_number__isnull=False, bank_account__isnull=True
        ).order_by("pk")
    )
    holders = _holders(persons)
    now = timezone.now()
    accounts = []
    for n, person in enumerate(persons):
        name, number = holders[person.pk]
        card = _card(person.pk, passbook=n % 150 == 7)
        accounts.append(
            BankAccount(
                person=person,
                holder_name=name,
                holder_id_number=number,
                bank=BANKS[n % len(BANKS)],
                number=card,
                luhn_ok=rules.luhn_ok(card),
                updated_at=now,
                updated_by="demo",
                guardian_relation="" if number == person.id_number else "监护人",
            )
        )
    bulk_create_with_history(accounts, BankAccount, batch_size=1000, default_change_reason="demo seed")
    return len(accounts)


def _bank_return(batch: PaymentBatch, failures: dict[int, str]) -> bytes:
    """What the bank sends back: every line paid, except `failures` (serial → the bank's reason)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("回盘")
    sheet.write_row(0, 0, ["序号", "账号", "户名", "金额", "处理结果", "失败原因"])
    for row, line in enumerate(batch.lines.order_by("serial"), start=1):
        failed = line.serial in failures
        values = [str(line.serial), line.account_number, line.holder_name, yuan(line.amount_fen)]
        sheet.write_row(row, 0, [*values, "失败" if failed else "成功", failures.get(line.serial, "")])
    book.close()
    return buffer.getvalue()


def _reconcile(batch: PaymentBatch, day: dt.date, centre: Any, failures: dict[int, str]) -> None:
    with frozen_today(day):
        upload = return_upload(
            batch=batch,
            filename=f"{batch.number}_回盘.xlsx",
            content=_bank_return(batch, failures),
            processed_on=day,
            actor=centre,
        )
        return_apply(upload=upload, actor=centre)
    PaymentUpload.objects.filter(pk=upload.pk).update(uploaded_at=_moment(day), applied_at=_moment(day, 11))


def _pay_past_term(past: Term, centre: Any, officer: Any) -> dict[str, int]:
    with frozen_today(PAST_BATCH):
        first = batch_build(term=past, actor=centre)
    if first is None:
        return {}
    PaymentBatch.objects.filter(pk=first.pk).update(
        created_at=_moment(PAST_BATCH), exported_at=_moment(PAST_BATCH)
    )
    own = officer.org_unit.school_id if officer and officer.org_unit else None
    ours = first.lines.filter(school_id=own) if own is not None else first.lines.none()
    failing = ours.order_by("serial").first() or first.lines.order_by("serial").first()
    assert failing is not None
    _reconcile(first, PAST_RETURN, centre, {failing.serial: "账户已销户"})
    person = failing.person
    account = person.bank_account
    with frozen_today(REISSUE_BATCH):
        account_save(
            data=AccountData(
                person_id=person.pk,
                holder_name=account.holder_name,
                holder_id_number=account.holder_id_number,
                bank="中国邮政储蓄银行遂平县支行",
                number=_card(900_000 + person.pk),
                guardian_relation=account.guardian_relation,
            ),
            actor=officer,
        )
        second = batch_build(term=past, actor=centre)
    assert second is not None
    PaymentBatch.objects.filter(pk=second.pk).update(
        created_at=_moment(REISSUE_BATCH), exported_at=_moment(REISSUE_BATCH)
    )
    _reconcile(second, REISSUE_RETURN, centre, {})
    return {"payments_past_batches": 2, "payments_past_lines": first.line_count + second.line_count}


def _current_term(current: Term, centre: Any) -> dict[str, int]:
    """Approve most schools whose notice passed, take a few cards away, flag one shared card, batch."""
    passed = Entitlement.objects.filter(term=current, status=S.NOTICE_PASSED)
    schools = sorted({pk for pk in passed.values_list("school_id", flat=True) if pk is not None})
    approve = list(passed.filter(school_id__in=schools[1:]).order_by("pk").values_list("pk", flat=True))
    if approve:
        with frozen_today(dt.date(2024, 3, 13)):
            entitlements_approve(ids=approve, actor=centre, note="2024年春季学期资助审批")
    cash = Entitlement.objects.filter(county_cash(), pk__in=approve).order_by("pk")
    persons = list(dict.fromkeys(cash.values_list("person_id", flat=True)))
    # Cards closed since autumn (账户已销户, waiting for a new one) and one card used for two students.
    for account in BankAccount.objects.filter(person_id__in=persons[:3]):
        account.delete()
    flagged = 0
    if len(persons) > 5:
        first, second = BankAccount.objects.filter(person_id__in=persons[3:5]).order_by("pk")
        with frozen_today(dt.date(2024, 3, 12)):
            account_save(
                data=AccountData(
                    person_id=second.person_id,
                    holder_name=second.holder_name,
                    holder_id_number=second.holder_id_number,
                    bank=first.bank,
                    number=first.number,
                    guardian_relation=second.guardian_relation,
                ),
                actor=None,
            )
        flagged = 2
    with frozen_today(CURRENT_BATCH):
        batch = batch_build(term=current, actor=centre)
    if batch is not None:
        PaymentBatch.objects.filter(pk=batch.pk).update(
            created_at=_moment(CURRENT_BATCH), exported_at=_moment(CURRENT_BATCH, 15)
        )
    return {
        "payments_current_approved": len(approve),
        "payments_current_in_batch": batch.line_count if batch else 0,
        "payments_flagged_accounts": flagged,
    }


def seed_payments() -> dict[str, Any]:
    centre = User.objects.filter(username="zizhu").first()
    officer = User.objects.filter(username="xuexiao").select_related("org_unit").first()
    counts: dict[str, Any] = {}
    past = Term.objects.filter(code=PAST).first()
    if past is not None:
        counts["payments_walked_to_approved"] = _walk_past_term(past, centre)
    counts["payments_accounts"] = _accounts()
    if past is not None:
        counts.update(_pay_past_term(past, centre, officer))
    current = Term.objects.filter(code=CURRENT).first()
    if current is not None:
        counts.update(_current_term(current, centre))
    return counts
