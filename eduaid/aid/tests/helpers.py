"""A small registry for pricing tests: an eligible 脱贫户 and students built row by row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command

from eduaid.conftest import Cast
from eduaid.core import idnumbers
from eduaid.registry.models import Enrolment, Household, HouseholdVersion, Membership, Person, Snapshot

AUTUMN, SPRING = "2023-2024-1", "2023-2024-2"
START = dt.date(2023, 9, 1)

# key -> (stage, boarding, in_province, freshman); every row of the table is met by someone.
STUDENTS: dict[str, tuple[str, bool, bool | None, bool | None]] = {
    "preschool": ("preschool", False, None, None),
    "primary_boarding": ("primary", True, None, None),
    "primary_day": ("primary", False, None, None),
    "junior_boarding": ("junior", True, None, None),
    "junior_day": ("junior", False, None, None),
    "senior": ("senior", True, None, None),
    "vocational": ("vocational", False, None, None),
    "college_fresh_in": ("junior_college", False, True, True),
    "college_fresh_out": ("undergraduate", False, False, True),
    "undergraduate": ("undergraduate", False, True, False),
    "master": ("master", False, True, False),
    "doctor": ("doctor", False, True, False),
}


class Registry:
    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        self.registry = Snapshot.objects.create(kind="registry", as_of=dt.date(2023, 8, 1), actor_name="t")
        self.students = Snapshot.objects.create(kind="students", as_of=dt.date(2023, 8, 1), actor_name="t")
        self.poor = self.household("H-poor", household_type="poverty_exited")
        self.seq = 0
        self.persons: dict[str, Person] = {}

    def household(self, code: str, **facts: Any) -> Household:
        household = Household.objects.create(code=code)
        HouseholdVersion.objects.create(
            household=household, village=self.cast.village_a, snapshot=self.registry, **facts
        )
        return household

    def student(
        self,
        key: str,
        stage: str,
        *,
        household: Household | None = None,
        boarding: bool = False,
        in_province: bool | None = None,
        freshman: bool | None = None,
        status: str = "studying",
    ) -> Person:
        self.seq += 2
        born = (
            dt.date(2000, 1, 1)
            if stage in ("junior_college", "undergraduate", "master", "doctor")
            else dt.date(2012, 5, 1)
        )
        person = Person.objects.create(
            id_number=idnumbers.synthetic("411728", born, self.seq), name=f"学生{self.seq}", birth_date=born
        )
        Membership.objects.create(person=person, household=household or self.poor, snapshot=self.registry)
        self.enrol(
            person, stage, boarding=boarding, in_province=in_province, freshman=freshman, status=status
        )
        self.persons[key] = person
        return person

    def enrol(
        self, person: Person, stage: str, *, school: Any = None, status: str = "studying", **facts: Any
    ) -> None:
        college = stage in ("junior_college", "undergraduate", "master", "doctor")
        Enrolment.objects.create(
            person=person,
            school=None if college else (school or self.cast.school_a),
            college="郑州大学" if college else "",
            stage=stage,
            grade=1,
            status=status,
            snapshot=self.students,
            **facts,
        )


def run(term: str, out: Path | None = None, *extra: str) -> dict[str, Any]:
    stdout = io.StringIO()
    args = ["entitlements", "--term", term, "--json", *extra]
    if out is not None:
        args += ["--out", str(out)]
    call_command(*args, stdout=stdout)
    return json.loads(stdout.getvalue())  # type: ignore[no-any-return]


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))
