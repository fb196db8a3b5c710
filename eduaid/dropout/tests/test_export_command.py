"""`eduaid export dropout_cases` lists every open case of the two ledgers, with full IDs, audited."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management import call_command
from django.utils.translation import gettext as _

from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.dropout.models import CaseStatus, CloseReason, DropoutCase, Ledger
from eduaid.dropout.services import case_transition


def test_the_export_lists_the_open_cases(registry_cast: RegistryCast, tmp_path: Path) -> None:
    closed = DropoutCase.objects.create(
        person=registry_cast.person("plain_kid"),
        status=CaseStatus.SUSPECTED,
        source="report",
        opened_on=registry_cast.spring.start_date,
    )
    case_transition(case_id=closed.pk, to=CaseStatus.FALSE_ALARM, actor=None, close_reason=CloseReason.ABROAD)
    out = tmp_path / "cases.csv"
    call_command("export", "dropout_cases", "--out", str(out))
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    # DESIGN §7: 身份证号, 姓名, 乡镇, 行政村, 学校标识码, 台账, 状态, 责任人, 立案日期
    headers = ["Administrative village", "Ledger", "Status", "Responsible person", "Opened on"]
    assert rows[0] == ["身份证号", "姓名", "乡镇", _(headers[0]), "学校标识码", *[_(h) for h in headers[1:]]]
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"张小红", "王刚"}
    assert by_name["张小红"][0] == registry_cast.person("out_kid").id_number
    assert by_name["张小红"][2:4] == ["文城乡", registry_cast.cast.village_a.name]
    assert by_name["张小红"][5:7] == [str(Ledger.SUSPECTED.label), "疑似辍学"]
    assert by_name["王刚"][4] == registry_cast.cast.school_b.code
    assert by_name["王刚"][5:7] == [str(Ledger.DROPOUT.label), str(CaseStatus.CONFIRMED.label)]
    assert by_name["王刚"][8] == "2024-03-15"
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT, detail__export="dropout_cases").exists()


def test_the_sync_command_opens_nothing_twice(registry_cast: RegistryCast) -> None:
    call_command("dropout_sync")
    assert DropoutCase.objects.count() == 2
