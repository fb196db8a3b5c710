"""Reading what pricing needs on a term's start date, in a few queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from eduaid.aid import pricing
from eduaid.aid.models import PolicyItem, PolicyVersion
from eduaid.matching import engine
from eduaid.matching.loaders import load_facts
from eduaid.registry.models import Enrolment, EnrolmentStatus, Term, valid_on


@dataclass(frozen=True)
class StudyRow:
    person_id: int
    school_id: int | None
    college: str
    stage: str
    grade: int | None
    boarding: bool
    in_province: bool | None
    freshman: bool | None


@dataclass(frozen=True)
class Student:
    """An eligible 在读 student on the start date, priced from their first 在读 row."""

    row: StudyRow
    category: str
    held: bool  # more than one 在读 row

    def facts(self) -> pricing.StudentFacts:
        return pricing.StudentFacts(
            stage=self.row.stage,
            grade=self.row.grade,
            boarding=self.row.boarding,
            in_province=self.row.in_province,
            freshman=self.row.freshman,
            category=self.category,
            status=pricing.STUDYING,
        )


def studying_rows(day: dt.date) -> dict[int, list[StudyRow]]:
    rows = (
        Enrolment.objects.filter(valid_on(day), status=EnrolmentStatus.STUDYING)
        .order_by("person_id", "pk")
        .values_list(
            "person_id", "school_id", "college", "stage", "grade", "boarding", "in_province", "freshman"
        )
    )
    by_person: dict[int, list[StudyRow]] = {}
    for row in rows.iterator(chunk_size=5000):
        by_person.setdefault(row[0], []).append(StudyRow(*row))
    return by_person


def eligible_students(term: Term, facts: engine.Facts | None = None) -> dict[int, Student]:
    """Students of an eligible household (DESIGN §3) with a 在读 enrolment, on the start date."""
    facts = facts or load_facts(term)
    students = {}
    for person_id, rows in studying_rows(term.start_date).items():
        household = facts.households.get(facts.members.get(person_id, -1))
        category = engine.category_on(household, facts.day) if household else None
        if category is not None:
            students[person_id] = Student(row=rows[0], category=category, held=len(rows) > 1)
    return students


def version_items(version: PolicyVersion) -> list[tuple[PolicyItem, pricing.Item]]:
    return [
        (item, pricing.Item(code=item.code, kind=item.kind, one_time=item.one_time, rules=item.rules))
        for item in version.items.order_by("position", "pk")
    ]
