"""Reading the facts of a day for the 比对, in a handful of queries (no per-row round trips)."""

from __future__ import annotations

import datetime as dt

from eduaid.matching.engine import EnrolmentFact, Facts, HouseholdFact, PersonFact
from eduaid.org.models import School, Village
from eduaid.registry import terms
from eduaid.registry.models import (
    Enrolment,
    EnrolmentStatus,
    HouseholdVersion,
    Membership,
    Person,
    PopulationEntry,
    Stage,
    Term,
    valid_on,
)


def load_facts(term: Term) -> Facts:
    day = term.start_date
    members = dict(Membership.objects.filter(valid_on(day)).values_list("person_id", "household_id"))
    population = dict(PopulationEntry.objects.filter(valid_on(day)).values_list("person_id", "village_id"))
    enrolments = _enrolments(day)
    person_ids = set(members) | set(population) | {e.person_id for e in enrolments}
    return Facts(
        day=day,
        age_day=terms.age_reference_day(term.code),
        households=_households(day),
        members=members,
        persons=_persons(person_ids),
        enrolments=enrolments,
        population=population,
        junior_graduates=_junior_graduates(day),
        school_township=dict(School.objects.values_list("pk", "township_id")),
        village_township=dict(Village.objects.values_list("pk", "township_id")),
    )


def _households(day: dt.date) -> dict[int, HouseholdFact]:
    rows = HouseholdVersion.objects.filter(valid_on(day)).values_list(
        "household_id",
        "household_type",
        "monitoring_category",
        "enjoys_policy",
        "monitored_since",
        "risk_eliminated_on",
        "village_id",
    )
    return {row[0]: HouseholdFact(*row) for row in rows.iterator(chunk_size=5000)}


def _persons(ids: set[int]) -> dict[int, PersonFact]:
    rows = Person.objects.values_list("pk", "id_number", "student_key", "gender", "birth_date")
    return {row[0]: PersonFact(*row) for row in rows.iterator(chunk_size=5000) if row[0] in ids}


def _enrolments(day: dt.date) -> list[EnrolmentFact]:
    rows = (
        Enrolment.objects.filter(valid_on(day))
        .values_list(
            "person_id",
            "school_id",
            "college",
            "stage",
            "status",
            "student_number",
            "declared_gender",
        )
        .order_by("person_id", "pk")
    )
    return [EnrolmentFact(*row) for row in rows.iterator(chunk_size=5000)]


def _junior_graduates(day: dt.date) -> set[int]:
    started = Enrolment.objects.filter(valid_from__isnull=True) | Enrolment.objects.filter(
        valid_from__lte=day
    )
    return set(
        started.filter(stage=Stage.JUNIOR, status=EnrolmentStatus.GRADUATED).values_list(
            "person_id", flat=True
        )
    )
