"""Building payment data for tests: approved entitlements, accounts, batches and bank return files."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.aid.services import entitlements_compute
from eduaid.conftest import RegistryCast
from eduaid.payments import rules
from eduaid.payments.models import PaymentBatch, PaymentUpload, UploadKind
from eduaid.payments.services import AccountData, account_save
from eduaid.review.services import entitlements_transition

S = EntitlementStatus
WALK = [S.SCHOOL_CONFIRMED, S.IN_NOTICE, S.NOTICE_PASSED, S.APPROVED]


def card_number(seed: int, *, valid: bool = True) -> str:
    """A synthetic 19-digit card number that passes (or fails) the Luhn check."""
    body = f"621700{seed:012d}"
    digit = rules.luhn_digit(body)
    if not valid:
        digit = str((int(digit) + 1) % 10)
    return body + digit


def priced(r: RegistryCast, term: Any = None) -> list[Entitlement]:
    term = term or r.autumn
    entitlements_compute(term=term)
    return list(Entitlement.objects.filter(term=term).order_by("pk"))


def approve(ids: Sequence[int], actor: Any = None) -> None:
    """Walk entitlements from computed to approved (the review engineer's steps, done directly)."""
    for status in WALK:
        entitlements_transition(ids=list(ids), to=status, actor=actor)


def county_cash(term: Any) -> list[Entitlement]:
    return list(
        Entitlement.objects.filter(term=term, item__kind="cash", item__paid_by="county", amount_fen__gt=0)
        .select_related("person")
        .order_by("pk")
    )


def give_account(person: Any, seed: int, *, holder: Any = None, valid: bool = True, number: str = "") -> Any:
    holder = holder or person
    return account_save(
        data=AccountData(
            person_id=person.pk,
            holder_name=holder.name,
            holder_id_number=holder.id_number,
            bank="中国农业银行遂平县支行",
            number=number or card_number(seed, valid=valid),
        ),
        actor=None,
    )


def approved_with_accounts(r: RegistryCast) -> list[Entitlement]:
    """Every county-cash entitlement of the autumn term approved, each student with a card of their own."""
    priced(r)
    cash = county_cash(r.autumn)
    approve([e.pk for e in cash])
    for n, person in enumerate(sorted({e.person for e in cash}, key=lambda p: p.pk), start=1):
        if person.id_number:
            give_account(person, n)
    return cash


def xlsx(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, headers)
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            sheet.write_string(n, col, str(value))
    book.close()
    return buffer.getvalue()


RETURN_HEADERS = ["序号", "账号", "户名", "金额", "处理结果", "失败原因"]


def return_rows(batch: PaymentBatch, failures: dict[int, str] | None = None) -> list[list[str]]:
    """The bank's answer to every line: success, except the serials in `failures` (with the reason)."""
    failures = failures or {}
    rows = []
    for line in batch.lines.order_by("serial"):
        failed = line.serial in failures
        rows.append(
            [
                str(line.serial),
                line.account_number,
                line.holder_name,
                rules_yuan(line.amount_fen),
                "失败" if failed else "成功",
                failures.get(line.serial, ""),
            ]
        )
    return rows


def rules_yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def return_file(batch: PaymentBatch, failures: dict[int, str] | None = None) -> bytes:
    return xlsx(RETURN_HEADERS, return_rows(batch, failures))


# ---- objects outside the scopes, for the URL scope test ------------------------------------------


def outside_batch(r: RegistryCast) -> PaymentBatch:
    """A batch (county-wide: no role below the county sees one)."""
    from eduaid.registry.models import Term

    return PaymentBatch.objects.create(
        term=Term.objects.get(code="2023-2024-1"), number="2023-2024-1-900", created_by_name="test"
    )


def outside_return(r: RegistryCast) -> PaymentUpload:
    return PaymentUpload.objects.create(
        kind=UploadKind.BANK_RETURN,
        batch=outside_batch(r),
        filename="return.xlsx",
        content=b"",
        processed_on=dt.date(2024, 3, 1),
        uploaded_by=r.cast.user("aid_center"),
    )


def outside_accounts_upload(r: RegistryCast) -> PaymentUpload:
    """An accounts sheet uploaded by the administrator: nobody else's to see."""
    return PaymentUpload.objects.create(
        kind=UploadKind.ACCOUNTS,
        filename="accounts.xlsx",
        content=b"",
        uploaded_by=r.cast.user("county_admin"),
    )
