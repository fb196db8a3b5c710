"""`eduaid export payments --term T --out FILE`: every payment line with its status in Chinese."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.payments.models import LineStatus
from eduaid.payments.services import AccountData, account_save
from eduaid.payments.services_batches import batch_build, return_apply, return_upload
from eduaid.payments.tests import factories as f


def test_every_line_is_listed_with_its_status(registry_cast: RegistryCast, tmp_path: Path) -> None:
    f.approved_with_accounts(registry_cast)
    first = batch_build(term=registry_cast.autumn, actor=None)
    assert first is not None
    upload = return_upload(
        batch=first, filename="r.xlsx", content=f.return_file(first, {1: "账号错误"}),
        processed_on=dt.date(2023, 10, 9), actor=None,
    )  # fmt: skip
    return_apply(upload=upload, actor=None)
    failed = first.lines.get(serial=1)
    person = failed.person
    account_save(
        data=AccountData(person.pk, person.name, person.id_number or "", "邮储银行", f.card_number(99)),
        actor=None,
    )
    second = batch_build(term=registry_cast.autumn, actor=None)
    assert second is not None

    out = tmp_path / "payments.csv"
    call_command(
        "export", "payments", "--term", registry_cast.autumn.code, "--out", str(out), stdout=StringIO()
    )
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0] == ["身份证号", "姓名", "项目代码", "金额", "批次", "状态"]
    body = rows[1:]
    assert len(body) == first.line_count + 1
    statuses = [row[5] for row in body]
    assert statuses.count("已重发") == 1 and statuses.count("待发放") == 1
    assert statuses.count("成功") == first.line_count - 1
    reissued = next(row for row in body if row[5] == "已重发")
    assert reissued[0] == person.id_number and reissued[4] == first.number
    assert reissued[3] == f"{failed.amount_fen // 100}.{failed.amount_fen % 100:02d}"
    assert second.lines.get().status == LineStatus.PENDING
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT, detail__export="payments").exists()
