"""The findings page of a big run: problems first, pages without counting, links keep the filters,
the scope holds on every page, and the run's summary is aggregated once per run and scope."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from eduaid.conftest import RegistryCast
from eduaid.matching.models import KIND_ORDER, Finding, FindingKind
from eduaid.matching.views import PAGE_SIZE
from eduaid.registry.models import Person


def _more_eligible(rc: RegistryCast, school: Any, n: int) -> None:
    Finding.objects.bulk_create(
        Finding(
            run=rc.spring_run,
            kind=FindingKind.ELIGIBLE,
            person=Person.objects.create(student_key=f"L{school.pk:03d}{i:05d}", name=f"批{i:03d}"),
            school=school,
            township=school.township,
            category="poverty_exited",
        )
        for i in range(n)
    )


def _get(client: Any, query: dict[str, str]) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("matching:findings"), query)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def _rows(html: str) -> list[tuple[str, int]]:
    found = re.findall(r'data-testid="finding-row" data-kind="(\w+)" data-person="(\d+)"', html)
    return [(k, int(p)) for k, p in found]


def _next(html: str) -> str | None:
    found = re.search(r'data-testid="page-next" href="\?([^"]*)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_findings_page_problems_first_then_pages_without_counting(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    _more_eligible(rc, rc.cast.school_a, PAGE_SIZE + 5)
    client.force_login(rc.cast.user("aid_center"))
    query = {"run": str(rc.spring_run.pk)}
    _get(client, query)  # the run's summary cards, aggregated once
    html, sql = _get(client, query)
    assert not [q for q in sql if '"__count"' in q and "matching_finding" in q]
    assert not [q for q in sql if "COUNT(" in q.upper() and "matching_finding" in q]  # cards cached
    first = _rows(html)
    assert len(first) == PAGE_SIZE
    ranks = [KIND_ORDER.index(FindingKind(k)) for k, _p in first]
    assert ranks == sorted(ranks) and ranks[0] < ranks[-1]  # problems first
    following = _next(html)
    assert following == f"run={rc.spring_run.pk}&page=2"
    html, _sql = _get(client, dict(pair.split("=") for pair in following.split("&")))
    second = _rows(html)
    total = Finding.objects.filter(run=rc.spring_run).count()
    assert len(second) == total - PAGE_SIZE and _next(html) is None
    assert {k for k, _p in second} == {"eligible"}


def test_a_school_officer_pages_through_its_own_findings_only(
    client: Any, registry_cast: RegistryCast
) -> None:
    rc = registry_cast
    _more_eligible(rc, rc.cast.school_a, PAGE_SIZE)
    _more_eligible(rc, rc.cast.school_b, PAGE_SIZE * 2)
    client.force_login(rc.cast.user("school_officer"))
    seen: list[int] = []
    for number in ("1", "2", "3"):
        html, _sql = _get(client, {"run": str(rc.spring_run.pk), "page": number})
        seen += [p for _k, p in _rows(html)]
    mine = Finding.objects.filter(run=rc.spring_run, school=rc.cast.school_a).values_list(
        "person_id", flat=True
    )
    assert sorted(seen) == sorted(mine)


def test_kind_filter_is_kept_in_the_links(client: Any, registry_cast: RegistryCast) -> None:
    rc = registry_cast
    _more_eligible(rc, rc.cast.school_a, PAGE_SIZE + 1)
    client.force_login(rc.cast.user("township_officer"))
    html, _sql = _get(client, {"run": str(rc.spring_run.pk), "kind": "eligible"})
    assert {k for k, _p in _rows(html)} == {"eligible"}
    assert _next(html) == f"run={rc.spring_run.pk}&kind=eligible&page=2"
