"""The payment pages: scoped, masked for everyone but the aid centre, and the whole round on the web."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.payments import rules
from eduaid.payments.models import AccountFlag, BankAccount, LineStatus, PaymentBatch, PaymentUpload
from eduaid.payments.tests import factories as f

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _login(client: Any, r: RegistryCast, role: str) -> None:
    client.force_login(r.cast.user(role))


def test_the_aid_centre_sees_whole_numbers_and_a_school_officer_masked_ones(
    client: Any, registry_cast: RegistryCast
) -> None:
    ours = f.give_account(registry_cast.person("poor_kid"), 1)
    theirs = f.give_account(registry_cast.person("hardship_kid"), 2)
    _login(client, registry_cast, "aid_center")
    page = client.get(reverse("payments:account_list")).content.decode()
    assert ours.number in page and theirs.number in page
    _login(client, registry_cast, "school_officer")
    page = client.get(reverse("payments:account_list")).content.decode()
    assert ours.number not in page and rules.mask_account(ours.number) in page
    assert rules.mask_account(theirs.number) not in page  # another school's pupil
    detail = client.get(reverse("payments:account_detail", args=[registry_cast.person("poor_kid").pk]))
    assert ours.number not in detail.content.decode()
    assert ours.holder_id_number not in detail.content.decode()


@pytest.mark.parametrize("role", ["teacher", "village_team"])
def test_roles_without_payment_work_get_403(client: Any, registry_cast: RegistryCast, role: str) -> None:
    _login(client, registry_cast, role)
    assert client.get(reverse("payments:account_list")).status_code == 403
    assert client.get(reverse("payments:failed_queue")).status_code == 403


def test_batches_are_the_aid_centres(client: Any, registry_cast: RegistryCast) -> None:
    _login(client, registry_cast, "school_officer")
    assert client.get(reverse("payments:batch_list")).status_code == 403
    _login(client, registry_cast, "leader")
    assert client.get(reverse("payments:batch_list")).status_code == 403


def test_a_school_officer_enters_an_account_and_records_a_reason_for_its_flag(
    client: Any, registry_cast: RegistryCast
) -> None:
    kid, stranger = registry_cast.person("poor_kid"), registry_cast.person("unstable_kid")
    _login(client, registry_cast, "school_officer")
    url = reverse("payments:account_edit", args=[kid.pk])
    assert client.get(url).status_code == 200
    bad = client.post(
        url, {"holder_name": kid.name, "holder_id_number": kid.id_number, "bank": "农行", "number": "123"}
    )
    assert bad.status_code == 200 and not BankAccount.objects.exists()
    data = {
        "holder_name": stranger.name,
        "holder_id_number": stranger.id_number,
        "bank": "中国农业银行遂平县支行",
        "number": "6217 0000 0000 0000 00" + rules.luhn_digit("621700000000000000"),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    account = BankAccount.objects.get(person=kid)
    assert account.number == "621700000000000000" + rules.luhn_digit("621700000000000000")
    flag = AccountFlag.objects.get(account=account)
    assert flag.is_open
    client.post(
        reverse("payments:flag_resolve", args=[kid.pk]), {"flag": flag.pk, "reason": "舅舅代管，已核实"}
    )
    flag.refresh_from_db()
    assert not flag.is_open and flag.resolved_by == registry_cast.cast.user("school_officer")
    assert AuditEvent.objects.filter(kind=AuditKind.BANK_ACCOUNT).count() == 2


def test_the_edit_form_shows_masked_numbers_and_keeps_them_when_sent_back(
    client: Any, registry_cast: RegistryCast
) -> None:
    kid = registry_cast.person("poor_kid")
    account = f.give_account(kid, 1)
    _login(client, registry_cast, "school_officer")
    url = reverse("payments:account_edit", args=[kid.pk])
    page = client.get(url).content.decode()
    assert kid.id_number not in page and account.number not in page
    masked_id, masked_number = (
        f"{kid.id_number[:6]}********{kid.id_number[-4:]}",
        rules.mask_account(account.number),
    )
    assert masked_id in page and masked_number in page
    data = {
        "holder_name": kid.name,
        "holder_id_number": masked_id,
        "bank": "邮储银行",
        "number": masked_number,
    }
    assert client.post(url, data).status_code == 302
    account.refresh_from_db()
    assert (account.holder_id_number, account.number, account.bank) == (
        kid.id_number,
        f.card_number(1),
        "邮储银行",
    )


def test_the_accounts_sheet_is_checked_then_applied(client: Any, registry_cast: RegistryCast) -> None:
    kid = registry_cast.person("poor_kid")
    headers = ["姓名", "身份证号", "持卡人姓名", "持卡人身份证号", "开户行", "账号"]
    content = f.xlsx(headers, [[kid.name, kid.id_number, kid.name, kid.id_number, "农行", f.card_number(4)]])
    _login(client, registry_cast, "aid_center")
    response = client.post(
        reverse("payments:account_import"),
        {"file": SimpleUploadedFile("卡.xlsx", content, content_type=XLSX)},
    )
    upload = PaymentUpload.objects.get()
    assert response.url == reverse("payments:account_import_detail", args=[upload.pk])
    assert not BankAccount.objects.exists()
    page = client.get(response.url).content.decode()
    assert 'data-count="created">1<' in page
    client.post(response.url)
    assert BankAccount.objects.get(person=kid).number == f.card_number(4)


def test_the_round_on_the_web(client: Any, registry_cast: RegistryCast) -> None:
    f.approved_with_accounts(registry_cast)
    _login(client, registry_cast, "aid_center")
    built = client.post(reverse("payments:batch_list"), {"term": registry_cast.autumn.code})
    batch = PaymentBatch.objects.get()
    assert built.url == reverse("payments:batch_detail", args=[batch.pk])
    assert client.get(built.url).status_code == 200
    download = client.get(reverse("payments:bank_file", args=[batch.pk]))
    assert download["Content-Type"] == XLSX and download.content[:2] == b"PK"
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT, detail__export="bank_file").exists()

    rows = f.return_rows(batch, {1: "账户已冻结"})
    wrong = [row[:] for row in rows]
    wrong[0][3] = "0.01"
    upload = client.post(
        reverse("payments:return_upload", args=[batch.pk]),
        {
            "file": SimpleUploadedFile("回盘.xlsx", f.xlsx(f.RETURN_HEADERS, wrong)),
            "processed_on": "2023-10-10",
        },
    )
    page = client.get(upload.url).content.decode()
    assert 'data-testid="rejected"' in page and "0.01" in page
    assert 'data-testid="return-apply"' not in page

    upload = client.post(
        reverse("payments:return_upload", args=[batch.pk]),
        {
            "file": SimpleUploadedFile("回盘.xlsx", f.xlsx(f.RETURN_HEADERS, rows)),
            "processed_on": "2023-10-10",
        },
    )
    assert 'data-testid="return-apply"' in client.get(upload.url).content.decode()
    client.post(upload.url + "apply/")
    assert batch.lines.filter(status=LineStatus.FAILED).count() == 1
    assert batch.lines.get(serial=1).processed_on == dt.date(2023, 10, 10)

    queue = client.get(reverse("payments:failed_queue")).content.decode()
    assert "账户已冻结" in queue and 'data-testid="failed-row"' in queue
    assert client.get(reverse("payments:timeliness") + "?term=2023-2024-1").status_code == 200


def test_the_aid_centres_home_shows_the_payment_panel(client: Any, registry_cast: RegistryCast) -> None:
    f.approved_with_accounts(registry_cast)
    _login(client, registry_cast, "aid_center")
    page = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="payments-panel"' in page
    assert 'data-term="2023-2024-1"' in page and 'data-term="2023-2024-2"' in page
    _login(client, registry_cast, "school_officer")
    assert 'data-testid="payments-panel"' not in client.get(reverse("core:home")).content.decode()


def test_unpaid_aid_is_late_only_once_the_payment_period_is_over(
    client: Any, registry_cast: RegistryCast
) -> None:
    from eduaid.core.clock import frozen_today

    f.approved_with_accounts(registry_cast)  # autumn approved, nothing paid yet
    _login(client, registry_cast, "aid_center")
    autumn = r'data-term="2023-2024-1".*?</div>\s*</div>'
    with frozen_today(dt.date(2023, 10, 8)):  # day 37 of 60
        row = re.search(autumn, client.get(reverse("core:home")).content.decode(), re.S)
        assert row and 'data-testid="payments-running"' in row.group(0)
        assert "2023-10-31" in row.group(0)
    row = re.search(autumn, client.get(reverse("core:home")).content.decode(), re.S)  # 15 March 2024
    assert row and 'data-testid="payments-running"' not in row.group(0)


def test_the_student_profile_shows_the_account_masked(client: Any, registry_cast: RegistryCast) -> None:
    kid = registry_cast.person("poor_kid")
    account = f.give_account(kid, 1)
    _login(client, registry_cast, "school_officer")
    page = client.get(reverse("registry:student_detail", args=[kid.pk])).content.decode()
    assert 'data-testid="payments-profile"' in page
    assert rules.mask_account(account.number) in page and account.number not in page
    _login(client, registry_cast, "aid_center")
    assert account.number in client.get(reverse("registry:student_detail", args=[kid.pk])).content.decode()
