"""The county administrator sets the deadlines; a school records absences on its page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.dropout.models import Absence, CaseSource, DropoutCase
from eduaid.dropout.selectors import dropout_settings


def test_only_the_administrator_changes_the_deadlines(client: Any, registry_cast: RegistryCast) -> None:
    url = reverse("dropout:settings")
    client.force_login(registry_cast.cast.user("township_officer"))
    assert client.get(url).status_code == 403
    client.force_login(registry_cast.cast.user("county_admin"))
    assert client.get(url).status_code == 200
    response = client.post(url, {"verify_days": "7", "attempt_days": "20", "absence_days": "2"})
    assert response.status_code == 302
    assert (dropout_settings().verify_days, dropout_settings().absence_days) == (7, 2)
    assert DropoutCase.objects.get(person=registry_cast.person("out_kid")).due_on == dt.date(2024, 3, 22)
    assert AuditEvent.objects.filter(kind=AuditKind.SETTINGS).exists()


def test_a_school_records_absences_until_the_student_is_flagged(
    client: Any, registry_cast: RegistryCast
) -> None:
    client.force_login(registry_cast.cast.user("school_officer"))
    kid = registry_cast.person("poor_kid")
    url = reverse("dropout:absences")
    for day in ("2024-03-13", "2024-03-14"):
        assert client.post(url, {"number": kid.id_number, "on": day}).status_code == 302
    response = client.post(url, {"number": kid.id_number, "on": "2024-03-15"})
    case = DropoutCase.objects.get(person=kid)
    assert response.url == reverse("dropout:case_detail", args=[case.pk])
    assert case.source == CaseSource.ABSENCE
    assert Absence.objects.filter(person=kid).count() == 3
    # a pupil of another school is not found
    other = registry_cast.person("hardship_kid")
    assert client.post(url, {"number": other.id_number, "on": "2024-03-15"}).status_code == 200
    assert not Absence.objects.filter(person=other).exists()
    page = client.get(url).content.decode()
    assert kid.id_number not in page
