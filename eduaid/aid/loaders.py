"""Reading what pricing needs on a term's start date, in a few queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from dataclasses import dataclass, fields

from eduaid.aid import pricing
from eduaid.aid.models import PolicyItem, PolicyVersion
from eduaid.matching import engine
from eduaid.registry.models import (
    Enrolment,
    EnrolmentStatus,
    HouseholdVersion,
    Membership,
    Term,
    valid_on,
)

HOUSEHOLD_FACTS = [field.name for field in fields(engine.HouseholdFact)]  # the 比对's columns, in order


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


def studying_rows(day: dt.date, members: Container[int] | None = None) -> dict[int, list[StudyRow]]:
    """The 在读 rows on `day` by person, in primary-key order; with `members` (persons who belong to a
    household on `day`), theirs only."""
    rows = Enrolment.objects.filter(valid_on(day), status=EnrolmentStatus.STUDYING)
    if members is not None:  # the database leaves out the non-members: most of a county's students
        rows = rows.filter(person_id__in=Membership.objects.filter(valid_on(day)).values("person_id"))
    values = rows.order_by("person_id", "pk").values_list(
        "person_id", "school_id", "college", "stage", "grade", "boarding", "in_province", "freshman"
    )
    by_person: dict[int, list[StudyRow]] = {}
    for row in values.iterator(chunk_size=5000):
        if members is None or row[0] in members:
            by_person.setdefault(row[0], []).append(StudyRow(*row))
    return by_person


def eligible_students(term: Term, facts: engine.Facts | None = None) -> dict[int, Student]:
    """Students of an eligible household (DESIGN §3) with a 在读 enrolment, on the start date."""
    categories = person_categories(facts) if facts is not None else categories_on(term.start_date)
    return {
        person_id: Student(row=rows[0], category=categories[person_id], held=len(rows) > 1)
        for person_id, rows in studying_rows(term.start_date, categories).items()
    }


def person_categories(facts: engine.Facts) -> dict[int, str]:
    """Person → the category of their household on the facts' day, for members of an eligible one."""
    return _categories(facts.members, facts.households, facts.day)


def categories_on(day: dt.date) -> dict[int, str]:
    """`person_categories` from the households and memberships alone: pricing needs no more of the
    比对's facts (the persons and enrolments of a county were two thirds of reading them)."""
    members = dict(Membership.objects.filter(valid_on(day)).values_list("person_id", "household_id"))
    households = HouseholdVersion.objects.filter(valid_on(day)).values_list(*HOUSEHOLD_FACTS)
    by_id = {row[0]: engine.HouseholdFact(*row) for row in households.iterator(chunk_size=5000)}
    return _categories(members, by_id, day)


def _categories(
    members: dict[int, int], households: dict[int, engine.HouseholdFact], day: dt.date
) -> dict[int, str]:
    categories = {}
    for household_id, household in households.items():
        category = engine.category_on(household, day)
        if category is not None:
            categories[household_id] = category
    return {
        person_id: categories[household_id]
        for person_id, household_id in members.items()
        if household_id in categories
    }


def version_items(version: PolicyVersion) -> list[tuple[PolicyItem, pricing.Item]]:
    return [
        (item, pricing.Item(code=item.code, kind=item.kind, one_time=item.one_time, rules=item.rules))
        for item in version.items.order_by("position", "pk")
    ]
