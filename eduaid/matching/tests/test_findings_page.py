"""The 比对 page: the run picked, scoped summary cards, the chart, the filtered table, the .xlsx."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.matching.models import Finding, MatchRun
from eduaid.registry.models import Enrolment, Person


def _page(client: Any, rc: RegistryCast, role: str, **query: Any) -> str:
    client.force_login(rc.cast.user(role))
    response = client.get(reverse("matching:findings"), query)
    assert response.status_code == 200
    return response.content.decode()


def _summary(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-summary="(\w+)"[^>]*>([^<]*)<', html))


def _categories(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-category-count="(\w+)">[^<]*?(\d+)</a>', html)}


def _rows(html: str) -> list[tuple[str, int]]:
    return [
        (k, int(p))
        for k, p in re.findall(r'data-testid="finding-row" data-kind="(\w+)" data-person="(\d+)"', html)
    ]


def _chart(html: str) -> dict[str, Any]:
    raw = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(raw.group(1))


def test_the_last_run_is_shown_by_default_with_county_counts(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    html = _page(client, rc, "aid_center")
    assert f'<option value="{rc.spring_run.pk}" selected>' in html
    summary = _summary(html)
    assert {k: summary[k] for k in ("eligible", "duplicates", "identity", "dropouts")} == {
        "eligible": "4",
        "duplicates": "1",
        "identity": "2",
        "dropouts": "2",
    }
    assert 'data-unpriced="1"' in html  # missed and wrong aid are not counted before pricing
    assert _categories(html) == {
        "poverty_exited": 1,
        "unstable_exited": 2,
        "marginal": 0,
        "sudden_hardship": 1,
    }
    # the run's stored summary agrees with the page for the county
    stored = rc.spring_run.summary
    assert (stored["eligible"], stored["duplicates"], stored["suspected_dropouts"]) == (4, 1, 2)


def test_pick_a_run_or_a_term(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    by_run = _page(client, rc, "aid_center", run=rc.autumn_run.pk)
    assert _summary(by_run)["eligible"] == "5"
    assert _categories(by_run)["marginal"] == 1
    by_term = _page(client, rc, "aid_center", term="2023-2024-1")
    assert _summary(by_term)["eligible"] == "5"
    client.force_login(rc.cast.user("aid_center"))
    assert client.get(reverse("matching:findings"), {"run": 999999}).status_code == 404


def test_no_run_yet(client: Any, cast: Any) -> None:
    client.force_login(cast.user("aid_center"))
    html = client.get(reverse("matching:findings")).content.decode()
    assert 'data-testid="no-run"' in html
    assert client.get(reverse("matching:findings_export")).status_code == 404


def test_chart_counts_eligible_students_by_township(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    chart = _chart(_page(client, rc, "leader"))
    assert chart["xAxis"]["data"] == [rc.cast.township_b.name, rc.cast.township_a.name]  # by township code
    assert chart["series"][0]["data"] == [1, 3]
    # a single township's bar would repeat the card: no chart for a school
    assert 'id="chart-data"' not in _page(client, rc, "school_officer")
    assert 'data-testid="eligible-chart"' not in _page(client, rc, "township_officer")


@pytest.mark.parametrize(
    ("role", "keys", "summary"),
    [
        (
            "school_officer",
            {"poor_kid", "plain_kid", "cross_kid", "no_id_kid"},
            {"eligible": "1", "duplicates": "1", "identity": "2", "dropouts": "0"},
        ),
        (
            "township_officer",
            {"poor_kid", "plain_kid", "cross_kid", "no_id_kid", "unstable_kid", "college_kid", "out_kid"},
            {"eligible": "3", "duplicates": "1", "identity": "2", "dropouts": "1"},
        ),
        (
            "village_team",
            {"out_kid", "college_kid"},
            {"eligible": "1", "duplicates": "0", "identity": "0", "dropouts": "1"},
        ),
        ("teacher", set(), {"eligible": "0", "duplicates": "0", "identity": "0", "dropouts": "0"}),
    ],
)
def test_findings_and_counts_stay_in_the_scope(
    client: Any, registry_cast: RegistryCast, role: str, keys: set[str], summary: dict[str, str]
) -> None:
    rc = registry_cast
    html = _page(client, rc, role)
    assert {p for _k, p in _rows(html)} == {rc.person(k).pk for k in keys}
    assert {k: _summary(html)[k] for k in summary} == summary


def test_problems_come_first_and_filters_narrow_the_table(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    kinds = [k for k, _p in _rows(_page(client, rc, "aid_center"))]
    assert (
        kinds
        == ["dropout", "suspected_dropout", "duplicate", "duplicate", "identity", "identity"]
        + ["eligible"] * 4
    )
    assert {k for k, _p in _rows(_page(client, rc, "aid_center", kind="dropouts"))} == {
        "dropout",
        "suspected_dropout",
    }
    identity = _rows(_page(client, rc, "aid_center", kind="identity"))
    assert {p for _k, p in identity} == {rc.person("cross_kid").pk, rc.person("no_id_kid").pk}
    by_school = _rows(_page(client, rc, "aid_center", school=rc.cast.school_b.pk))
    assert {p for _k, p in by_school} == {
        rc.person(k).pk for k in ("hardship_kid", "dropped_kid", "plain_kid")
    }
    by_township = _rows(_page(client, rc, "aid_center", township=rc.cast.township_a.pk, kind="eligible"))
    assert {p for _k, p in by_township} == {
        rc.person(k).pk for k in ("poor_kid", "unstable_kid", "college_kid")
    }
    assert _rows(_page(client, rc, "school_officer", school=rc.cast.school_b.pk)) == []


def test_ids_are_masked_and_the_text_is_described(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    html = _page(client, rc, "aid_center")
    for person in Person.objects.all():
        for secret in (person.id_number, person.student_key):
            if secret:
                assert secret not in html
    for number in Enrolment.objects.values_list("student_number", flat=True):
        if number:
            assert number[1:] not in html
    assert "411728********" in html
    assert "G411728********0649" in html  # cross_kid's mismatching 学籍号, masked in the explanation
    assert "J411728********0011" in html


def test_names_link_to_the_profile_only_when_the_person_is_visible(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    poor = rc.person("poor_kid")
    profile = reverse("registry:student_detail", kwargs={"pk": poor.pk})
    assert profile in _page(client, rc, "school_officer")
    # poor_kid has since left school_a: the old run's finding stays in the school's scope, the person not
    Enrolment.objects.filter(person=poor).update(valid_to=dt.date(2024, 3, 10))
    html = _page(client, rc, "school_officer")
    assert ("eligible", poor.pk) in _rows(html)
    assert profile not in html
    assert reverse("registry:student_detail", kwargs={"pk": rc.person("cross_kid").pk}) in html


def test_page_queries_are_bounded(
    client: Any, registry_cast: RegistryCast, django_assert_max_num_queries: Any
) -> None:
    rc = registry_cast
    client.force_login(rc.cast.user("aid_center"))
    client.get(reverse("matching:findings"))
    extra = [
        Finding(run=rc.spring_run, kind="identity", code="gender_mismatch", person=p, school=rc.cast.school_a)
        for p in Person.objects.all()
    ]
    Finding.objects.bulk_create(extra * 3)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("matching:findings")).status_code == 200


def _xlsx_rows(content: bytes) -> list[list[str]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return [[str(c) for c in row] for row in book.get_sheet_by_index(0).to_python()]


def test_xlsx_download_is_filtered_masked_and_audited(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    officer = rc.cast.user("township_officer")
    client.force_login(officer)
    response = client.get(reverse("matching:findings_export"), {"run": rc.spring_run.pk, "kind": "eligible"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = _xlsx_rows(response.content)
    assert len(rows[0]) == 8  # 身份证号 … 说明
    names = {r[1] for r in rows[1:]}
    assert names == {"张小明", "李华", "李强"}
    assert all("********" in r[0] for r in rows[1:])
    everything = "".join("".join(r) for r in rows)
    for number in Person.objects.exclude(id_number=None).values_list("id_number", flat=True):
        assert str(number) not in everything
    assert "郑州大学" in everything  # a college student's school column names the university
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT)
    assert event.actor == officer
    assert event.detail["rows"] == 3 and event.detail["full_ids"] is False
    assert event.detail["filters"]["kind"] == "eligible"
    assert (event.object_type, event.object_id) == ("matchrun", str(rc.spring_run.pk))


def test_xlsx_download_defaults_to_the_last_run_in_scope(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    client.force_login(rc.cast.user("school_officer"))
    rows = _xlsx_rows(client.get(reverse("matching:findings_export")).content)
    assert len(rows) - 1 == Finding.objects.filter(run=rc.spring_run, school=rc.cast.school_a).count()
    assert MatchRun.objects.count() == 2
