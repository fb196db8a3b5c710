"""The 雨露计划 referral list: the command line (full IDs, audited) and the page download (masked)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from eduaid.aid.services import entitlements_compute
from eduaid.aid.tests.helpers import SPRING, Registry, read
from eduaid.core.models import AuditEvent
from eduaid.registry.services.terms import term_get_or_create

HEADERS = ["身份证号", "姓名", "户编号", "乡镇", "行政村", "就读院校", "学段", "年级", "家庭类别"]


def _priced(county: Registry) -> Any:
    spring = term_get_or_create(code=SPRING)
    entitlements_compute(term=spring)
    return spring


@pytest.mark.django_db
def test_the_command_writes_the_referrals_with_full_ids_and_is_audited(
    county: Registry, tmp_path: Path
) -> None:
    _priced(county)
    out = tmp_path / "yulu.csv"
    call_command("export", "yulu_referrals", "--term", SPRING, "--out", str(out), stdout=io.StringIO())
    rows = read(out)
    person = county.persons["college_fresh_in"]  # the only 专科 student
    village = county.cast.village_a
    assert rows[0] == HEADERS
    assert rows[1:] == [
        [
            person.id_number,
            person.name,
            "H-poor",
            village.township.name,
            village.name,
            "郑州大学",
            "专科",
            "1",
            "脱贫户",
        ]
    ]
    event = AuditEvent.objects.get(kind="export")
    assert event.detail["export"] == "yulu_referrals" and event.detail["full_ids"] is True


@pytest.mark.django_db
def test_the_command_needs_a_term(county: Registry, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("export", "yulu_referrals", "--out", str(tmp_path / "x.csv"), stdout=io.StringIO())


@pytest.mark.django_db
def test_the_aid_centre_downloads_the_list_titled_for_the_configured_department(
    client: Any, county: Registry, settings: Any
) -> None:
    settings.EDUAID_REFERRAL_DEPARTMENT = "驻马店市遂平县乡村振兴局"
    _priced(county)
    client.force_login(county.cast.user("aid_center"))
    page = client.get(reverse("aid:entitlement_list"), {"term": SPRING}).content.decode()
    assert 'data-testid="yulu-download"' in page and "驻马店市遂平县乡村振兴局" in page
    response = client.get(reverse("aid:yulu_download"), {"term": SPRING})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert "驻马店市遂平县乡村振兴局" in str(sheet[0][0]) and SPRING in str(sheet[0][0])
    assert [str(c) for c in sheet[1]] == HEADERS
    person = county.persons["college_fresh_in"]
    assert len(sheet) == 3 and sheet[2][1] == person.name
    assert sheet[2][0] != person.id_number and "*" in str(sheet[2][0])  # masked on the web
    assert AuditEvent.objects.get(kind="export").detail["full_ids"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "township_officer", "school_officer"])
def test_other_roles_have_no_download(client: Any, county: Registry, role: str) -> None:
    _priced(county)
    client.force_login(county.cast.user(role))
    assert 'data-testid="yulu-download"' not in client.get(reverse("aid:entitlement_list")).content.decode()
    assert client.get(reverse("aid:yulu_download"), {"term": SPRING}).status_code == 403
