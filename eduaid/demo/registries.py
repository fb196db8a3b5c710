"""The demo county's people: the registry, the population list and enrolment, imported through the
real import path as the county would (an autumn and a spring snapshot), then matched.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import Counter
from typing import Any

from django.utils import timezone

from eduaid.aid.services import entitlements_compute
from eduaid.demo import people
from eduaid.matching.models import MatchRun
from eduaid.matching.services import match_run
from eduaid.org.models import School, SchoolClass, Village
from eduaid.registry.imports_population import import_population
from eduaid.registry.imports_registry import import_registry
from eduaid.registry.imports_students import import_students
from eduaid.registry.services.terms import term_get_or_create

AUTUMN_AS_OF = dt.date(2023, 8, 25)
SPRING_AS_OF = dt.date(2024, 2, 26)
TERMS = ("2023-2024-1", "2023-2024-2")


def csv_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    """A CSV export as Excel saves it on Chinese Windows (GB18030, CRLF) — quick to write for 20k rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("gb18030")


def plan(students: int) -> people.Plan:
    classes: dict[int, Counter[int]] = {}
    for school_id, grade in SchoolClass.objects.values_list("school_id", "grade"):
        classes.setdefault(school_id, Counter())[grade] += 1
    schools = [
        people.SchoolInfo(
            s.code,
            s.school_type,
            s.township.name if s.township else "",
            s.boarding,
            classes=tuple(sorted(classes.get(s.pk, Counter()).items())),
        )
        for s in School.objects.select_related("township").order_by("code")
    ]
    villages: dict[str, list[str]] = {}
    for village in Village.objects.select_related("township").order_by("code"):
        villages.setdefault(village.township.name, []).append(village.name)
    return people.Plan(schools=schools, villages=villages, students=students)


def spring_changes(rows: people.Rows, rng: random.Random) -> people.Rows:
    """The spring snapshot: some monitored households leave monitoring, a few pupils change status."""
    registry = [list(r) for r in rows.registry]
    monitored = sorted({r[0] for r in registry if r[5] and r[7] != "是"})
    eliminated = set(rng.sample(monitored, k=len(monitored) // 10))
    for row in registry:
        if row[0] in eliminated:
            row[7], row[8] = "是", "2024-01-15"
    students = [list(r) for r in rows.students]
    for row in rng.sample([r for r in students if r[5] in ("小学", "初中") and r[1]], k=4):
        row[9] = "休学"
    return people.Rows(registry=registry, students=students, population=rows.population)


def demo_moment(term_start: dt.date) -> dt.datetime:
    """9 a.m. two weeks into a term, and never after the demo's today."""
    from eduaid.demo.seed import DEMO_TODAY

    day = min(term_start + dt.timedelta(days=14), DEMO_TODAY)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def seed_registries(students: int) -> dict[str, Any]:
    autumn = people.generate(plan(students), "411728")
    spring = spring_changes(autumn, random.Random("eduaid-demo-spring-v1"))
    for as_of, rows in ((AUTUMN_AS_OF, autumn), (SPRING_AS_OF, spring)):
        label = as_of.strftime("%Y年%m月")
        _import(import_registry, people.REGISTRY_HEADERS, rows.registry, f"防返贫监测对象 {label}", as_of)
        _import(import_students, people.STUDENT_HEADERS, rows.students, f"学籍信息 {label}", as_of)
        _import(import_population, people.POPULATION_HEADERS, rows.population, f"户籍儿童 {label}", as_of)
    summaries = {}
    for code in TERMS:
        term = term_get_or_create(code=code)
        entitlements_compute(term=term)
        run = match_run(term=term)
        summaries[code] = run.summary
        # Dated in the demo's school year, not the day the demo was seeded.
        MatchRun.objects.filter(pk=run.pk).update(started_at=demo_moment(term.start_date))
    return {"students": len(spring.students), "registry_members": len(spring.registry), "match": summaries}


def _import(function: Any, headers: list[str], rows: list[list[str]], title: str, as_of: dt.date) -> None:
    report = function(csv_bytes(headers, rows), actor=None, as_of=as_of, filename=f"{title}.csv")
    if report.errors and report.errors[0].row is None:
        raise RuntimeError(report.errors[0].reason)
