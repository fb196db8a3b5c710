"""四个一: per school and township, cases opened, verified, returned, still open and overdue in a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from eduaid.conftest import RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.dropout.models import CaseStatus, CloseReason, DropoutCase
from eduaid.dropout.selectors import report_rows
from eduaid.dropout.services import attempt_log, case_report, case_transition


def test_the_monthly_figures_per_school(registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    county = cast.user("county_admin")
    with frozen_today(dt.date(2024, 2, 10)):  # February: reported, verified as a dropout
        feb = case_report(
            person=registry_cast.person("poor_kid"), school=cast.school_a, note="未到校", actor=None
        )
        case_transition(case_id=feb.pk, to=CaseStatus.CONFIRMED, actor=None, reason="核实")
    with frozen_today(dt.date(2024, 3, 5)):  # March: back at school; another report closed as a false alarm
        attempt_log(
            case_id=feb.pk,
            on=dt.date(2024, 3, 5),
            by="王老师",
            method="phone",
            outcome="同意返校",
            actor=None,
        )
        case_transition(case_id=feb.pk, to=CaseStatus.RETURNED, actor=None)
        other = case_report(
            person=registry_cast.person("plain_kid"), school=cast.school_a, note="未到校", actor=None
        )
        case_transition(
            case_id=other.pk, to=CaseStatus.FALSE_ALARM, actor=None, close_reason=CloseReason.ELSEWHERE
        )

    march = {r.school: r for r in report_rows(county, dt.date(2024, 3, 1), dt.date(2024, 3, 31))}
    school_a = march["东营小学"]
    assert (school_a.opened, school_a.verified, school_a.returned, school_a.still_open) == (1, 1, 1, 1)
    february = {r.school: r for r in report_rows(county, dt.date(2024, 2, 1), dt.date(2024, 2, 29))}
    assert (february["东营小学"].opened, february["东营小学"].verified, february["东营小学"].still_open) == (
        1,
        1,
        1,
    )
    # the cases the match opened on 15 March: out_kid has no school yet, dropped_kid is at school_b
    assert march["瞿阳街道第一小学"].opened == 1
    assert march[""].township == "文城乡"
    assert "瞿阳街道第一小学" not in february  # opened after February


def test_a_school_sees_only_its_own_row(registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("school_officer")
    case_report(
        person=registry_cast.person("poor_kid"), school=registry_cast.cast.school_a, note="x", actor=officer
    )
    rows = report_rows(officer, dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert [r.school for r in rows] == ["东营小学"]


def test_a_teacher_has_no_reports(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("teacher"))
    assert client.get(reverse("dropout:reports")).status_code == 403
    assert client.get(reverse("dropout:report_download")).status_code == 403
    assert DropoutCase.objects.count() == 2
