"""The ledger and case pages stay within each user's scope; the forms move cases on."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse

from eduaid.conftest import RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.dropout.models import CaseStatus, DropoutCase
from eduaid.dropout.services import cases_assign_missing
from eduaid.dropout.tests.helpers import map_catchment, teacher_of


def _case(r: RegistryCast, key: str) -> DropoutCase:
    return DropoutCase.objects.get(person=r.person(key))


def _ledger_names(client: Any, ledger: str, **params: str) -> set[str]:
    response = client.get(reverse("dropout:ledger"), {"ledger": ledger, **params})
    assert response.status_code == 200
    return {c.person.name for c, _m, _late in response.context["rows"]}


def test_the_county_sees_both_ledgers(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("aid_center"))
    assert _ledger_names(client, "suspected") == {"张小红"}
    assert _ledger_names(client, "dropout") == {"王刚"}
    with frozen_today(dt.date(2024, 4, 20)):
        assert _ledger_names(client, "open", overdue="1") == {"张小红", "王刚"}
    page = client.get(reverse("dropout:ledger")).content.decode()
    assert "411728********" in page or "********" in page
    assert registry_cast.person("out_kid").id_number not in page


def test_a_township_officer_sees_its_villages_and_schools_only(
    client: Any, registry_cast: RegistryCast
) -> None:
    client.force_login(registry_cast.cast.user("township_officer"))
    assert _ledger_names(client, "suspected") == {"张小红"}
    assert _ledger_names(client, "dropout") == set()
    other = _case(registry_cast, "dropped_kid")
    assert client.get(reverse("dropout:case_detail", args=[other.pk])).status_code == 404


def test_overdue_filter_and_home_panel_of_the_township(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("township_officer"))
    with frozen_today(dt.date(2024, 4, 20)):
        assert _ledger_names(client, "suspected", overdue="1") == {"张小红"}
        assert _ledger_names(client, "open", overdue="1") == {"张小红"}
        home = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="dropout-panel"' in home
    assert "张小红" in home
    assert "王刚" not in home


def test_a_teacher_sees_only_the_cases_assigned_to_them(client: Any, registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    client.force_login(cast.user("teacher"))
    assert _ledger_names(client, "suspected") == set()
    teacher_of(cast)
    map_catchment(cast)
    cases_assign_missing()
    assert _ledger_names(client, "suspected") == {"张小红"}
    case = _case(registry_cast, "out_kid")
    assert client.get(reverse("dropout:case_detail", args=[case.pk])).status_code == 200
    home = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="dropout-panel"' in home


def test_the_case_form_moves_the_case_and_logs_an_attempt(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("township_officer"))
    case = _case(registry_cast, "out_kid")
    url = reverse("dropout:case_move", args=[case.pk])
    response = client.post(url, {"to": "confirmed", "reason": "", "expect": "suspected"})
    assert response.status_code == 400  # a confirmation needs a reason
    assert client.post(url, {"to": "", "reason": "x"}).status_code == 400  # no step is chosen for the user
    response = client.post(
        url, {"to": "confirmed", "reason": "入户核实，孩子在家务农", "expect": "suspected"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("dropout:case_attempt", args=[case.pk]),
        {"on": "2024-03-15", "method": "home_visit", "by": "乡镇专干", "outcome": "家长同意下周送学"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.PERSUADING
    page = client.get(reverse("dropout:case_detail", args=[case.pk])).content.decode()
    assert "家长同意下周送学" in page


def test_read_only_roles_cannot_move_a_case(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("leader"))
    case = _case(registry_cast, "out_kid")
    assert client.get(reverse("dropout:case_detail", args=[case.pk])).status_code == 200
    response = client.post(reverse("dropout:case_move", args=[case.pk]), {"to": "verifying"})
    assert response.status_code == 403


def test_the_letter_exists_once_persuasion_has_failed(client: Any, registry_cast: RegistryCast) -> None:
    from eduaid.dropout.services import attempt_log, case_transition, legal_step_log

    client.force_login(registry_cast.cast.user("county_admin"))
    case = _case(registry_cast, "dropped_kid")
    url = reverse("dropout:case_letter", args=[case.pk])
    assert client.get(url).status_code == 403
    attempt_log(
        case_id=case.pk, on=dt.date(2024, 3, 15), by="王老师", method="phone", outcome="家长拒绝", actor=None
    )
    case_transition(case_id=case.pk, to=CaseStatus.REPORTED, actor=None, reason="多次劝返无效")
    legal_step_log(case_id=case.pk, on=dt.date(2024, 3, 15), kind="order", note="责令限期改正", actor=None)
    page = client.get(url).content.decode()
    assert "王刚" in page and "家长拒绝" in page and "责令限期改正" in page and "多次劝返无效" in page
    assert "张大山" not in page  # another household's head
    assert "王刚" in page


def test_the_profile_shows_the_childs_cases(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("county_admin"))
    page = client.get(
        reverse("registry:student_detail", args=[registry_cast.person("dropped_kid").pk])
    ).content.decode()
    assert 'data-testid="person-dropout-cases"' in page


def test_the_school_age_ledger_lists_children_with_their_state(
    client: Any, registry_cast: RegistryCast
) -> None:
    client.force_login(registry_cast.cast.user("township_officer"))
    response = client.get(reverse("dropout:children"))
    names = {r["person"].name for r in response.context["rows"]}
    assert "张小红" in names and "张小明" in names
    assert "王刚" not in names  # lives in village_b
    response = client.get(reverse("dropout:children"), {"state": "not_enrolled"})
    assert {r["person"].name for r in response.context["rows"]} == {"张小红"}


@pytest.mark.parametrize("kind", ["month", "quarter"])
def test_the_reports_download_as_xlsx_within_scope(
    client: Any, registry_cast: RegistryCast, kind: str
) -> None:
    import zipfile

    client.force_login(registry_cast.cast.user("school_officer"))
    response = client.get(
        reverse("dropout:report_download"),
        {"kind": kind, "period": "2024-03" if kind == "month" else "2024-1"},
    )
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "瞿阳街道第一小学" not in strings
    client.force_login(registry_cast.cast.user("county_admin"))
    response = client.get(
        reverse("dropout:report_download"),
        {"kind": kind, "period": "2024-03" if kind == "month" else "2024-1"},
    )
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        assert "瞿阳街道第一小学" in book.read("xl/sharedStrings.xml").decode()


def test_a_school_officer_reports_a_child(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("school_officer"))
    kid = registry_cast.person("plain_kid")
    response = client.post(reverse("dropout:report_child"), {"number": kid.id_number, "note": "一周未到校"})
    assert response.status_code == 302
    case = DropoutCase.objects.get(person=kid)
    assert case.school == registry_cast.cast.school_a
    outsider = registry_cast.person("hardship_kid")
    response = client.post(reverse("dropout:report_child"), {"number": outsider.id_number, "note": "x"})
    assert response.status_code == 200
    assert not DropoutCase.objects.filter(person=outsider).exists()


def test_a_legal_step_is_logged_from_the_case_page_once_the_case_is_reported(
    client: Any, registry_cast: RegistryCast
) -> None:
    from eduaid.dropout.models import LegalStep
    from eduaid.dropout.services import attempt_log, case_transition

    client.force_login(registry_cast.cast.user("county_admin"))
    case = _case(registry_cast, "dropped_kid")
    url = reverse("dropout:case_legal", args=[case.pk])
    step = {"on": "2024-03-15", "kind": "order", "note": "责令限期改正"}
    response = client.post(url, step)
    assert response.status_code == 400  # no written report yet: the service refuses, the page says why
    assert response.context["legal_form"].non_field_errors()
    assert client.post(url, {**step, "note": ""}).status_code == 400  # the form wants a note
    attempt_log(
        case_id=case.pk, on=dt.date(2024, 3, 15), by="王老师", method="phone", outcome="家长拒绝", actor=None
    )
    case_transition(case_id=case.pk, to=CaseStatus.REPORTED, actor=None, reason="多次劝返无效")
    response = client.post(url, step)
    assert response.status_code == 302
    assert response["Location"] == reverse("dropout:case_detail", args=[case.pk])
    assert list(LegalStep.objects.filter(case=case).values_list("kind", "note")) == [
        ("order", "责令限期改正")
    ]
