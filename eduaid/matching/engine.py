"""The 比对 of DESIGN §5 over plain facts as they stood on a term's start date. No ORM here.

`loaders.load_facts` reads the facts; `match` turns them into findings; the service stores them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from eduaid.registry.stages import AGE_BANDS, compulsory_age

POVERTY_EXITED = "poverty_exited"
CATEGORIES = ("poverty_exited", "unstable_exited", "marginal", "sudden_hardship")
STUDYING, SUSPENDED, DROPPED_OUT, GRADUATED = "studying", "suspended", "dropped_out", "graduated"
ACTIVE = frozenset({STUDYING, SUSPENDED})


@dataclass(frozen=True)
class HouseholdFact:
    household_id: int
    household_type: str
    monitoring_category: str
    enjoys_policy: bool
    monitored_since: dt.date | None
    risk_eliminated_on: dt.date | None
    village_id: int


@dataclass(frozen=True)
class PersonFact:
    person_id: int
    id_number: str | None
    student_key: str | None
    gender: str
    birth_date: dt.date | None


@dataclass(frozen=True)
class EnrolmentFact:
    person_id: int
    school_id: int | None
    college: str
    stage: str
    status: str
    student_number: str
    declared_gender: str


@dataclass
class Facts:
    day: dt.date
    age_day: dt.date
    households: dict[int, HouseholdFact]
    members: dict[int, int]  # person → household
    persons: dict[int, PersonFact]
    enrolments: list[EnrolmentFact]
    population: dict[int, int]  # person → village
    junior_graduates: set[int]
    school_township: dict[int, int | None]
    village_township: dict[int, int]


@dataclass(frozen=True)
class FindingData:
    kind: str
    person_id: int
    code: str = ""
    school_id: int | None = None
    township_id: int | None = None
    village_id: int | None = None
    category: str = ""
    stage: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def category_on(household: HouseholdFact, day: dt.date) -> str | None:
    """The household's category on `day` if it is eligible then (DESIGN §3), else None."""
    if household.monitoring_category:
        identified = household.monitored_since is None or household.monitored_since <= day
        active = household.risk_eliminated_on is None or household.risk_eliminated_on > day
        if identified and active:
            return household.monitoring_category
    if household.household_type == POVERTY_EXITED and household.enjoys_policy:
        return POVERTY_EXITED
    return None


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def match(facts: Facts) -> list[FindingData]:
    by_person: dict[int, list[EnrolmentFact]] = defaultdict(list)
    for enrolment in facts.enrolments:
        by_person[enrolment.person_id].append(enrolment)
    findings = _eligible(facts, by_person)
    findings += _duplicates(facts, by_person)
    findings += _identity(facts, by_person)
    findings += _dropouts(facts, by_person)
    return findings


def _residence(facts: Facts, person_id: int) -> int | None:
    household = facts.households.get(facts.members.get(person_id, -1))
    if household is not None:
        return household.village_id
    return facts.population.get(person_id)


def _place(facts: Facts, person_id: int, school_id: int | None) -> dict[str, Any]:
    village = _residence(facts, person_id)
    township = facts.school_township.get(school_id) if school_id else None
    if township is None and village is not None:
        township = facts.village_township.get(village)
    return {"school_id": school_id, "township_id": township, "village_id": village}


def _eligible(facts: Facts, by_person: dict[int, list[EnrolmentFact]]) -> list[FindingData]:
    found = []
    for person_id, household_id in facts.members.items():
        household = facts.households.get(household_id)
        category = category_on(household, facts.day) if household else None
        studying = [e for e in by_person.get(person_id, []) if e.status == STUDYING]
        if category is None or not studying:
            continue
        first = studying[0]
        found.append(
            FindingData(
                kind="eligible",
                person_id=person_id,
                category=category,
                stage=first.stage,
                detail={"college": first.college} if first.college else {},
                **_place(facts, person_id, first.school_id),
            )
        )
    return found


def _where(enrolment: EnrolmentFact) -> tuple[int | None, str]:
    return (enrolment.school_id, enrolment.college)


def _duplicates(facts: Facts, by_person: dict[int, list[EnrolmentFact]]) -> list[FindingData]:
    found = []
    for person_id, rows in by_person.items():
        active = [e for e in rows if e.status in ACTIVE]
        places = {_where(e) for e in active}
        if len(places) > 1:
            schools = sorted(e.school_id for e in active if e.school_id)
            colleges = sorted(e.college for e in active if e.college)
            for enrolment in active:
                found.append(
                    FindingData(
                        kind="duplicate",
                        code="two_schools",
                        person_id=person_id,
                        stage=enrolment.stage,
                        detail={"schools": schools, "colleges": colleges},
                        **_place(facts, person_id, enrolment.school_id),
                    )
                )
    found += _shared_student_numbers(facts)
    return found


def _shared_student_numbers(facts: Facts) -> list[FindingData]:
    holders: dict[str, dict[int, EnrolmentFact]] = defaultdict(dict)
    for enrolment in facts.enrolments:
        if enrolment.student_number:
            holders[enrolment.student_number].setdefault(enrolment.person_id, enrolment)
    found = []
    for number, people in holders.items():
        if len(people) < 2:
            continue
        for person_id, enrolment in people.items():
            found.append(
                FindingData(
                    kind="duplicate",
                    code="shared_student_number",
                    person_id=person_id,
                    stage=enrolment.stage,
                    detail={"student_number": number, "persons": len(people)},
                    **_place(facts, person_id, enrolment.school_id),
                )
            )
    return found


def _identity(facts: Facts, by_person: dict[int, list[EnrolmentFact]]) -> list[FindingData]:
    found = []
    for person_id, rows in by_person.items():
        person = facts.persons[person_id]
        for code, detail, enrolment in _identity_problems(person, rows, facts.age_day):
            found.append(
                FindingData(
                    kind="identity",
                    code=code,
                    person_id=person_id,
                    stage=enrolment.stage,
                    detail=detail,
                    **_place(facts, person_id, enrolment.school_id),
                )
            )
    return found


def _identity_problems(
    person: PersonFact, rows: Iterable[EnrolmentFact], age_day: dt.date
) -> list[tuple[str, dict[str, Any], EnrolmentFact]]:
    problems: list[tuple[str, dict[str, Any], EnrolmentFact]] = []
    for enrolment in rows:
        if person.id_number is None:
            problems.append(("no_id", {"student_number": person.student_key}, enrolment))
            continue
        number = enrolment.student_number
        if number.startswith("G") and number[1:] != person.id_number:
            problems.append(("student_number_mismatch", {"student_number": number}, enrolment))
        if enrolment.declared_gender and person.gender and enrolment.declared_gender != person.gender:
            problems.append(("gender_mismatch", {"declared": enrolment.declared_gender}, enrolment))
        if person.birth_date and enrolment.stage in AGE_BANDS:
            age = age_on(person.birth_date, age_day)
            low, high = AGE_BANDS[enrolment.stage]
            if not low <= age <= high:
                problems.append(("age_outside_band", {"age": age, "low": low, "high": high}, enrolment))
    return problems


def _dropped_out(enrolment: EnrolmentFact) -> bool:
    return enrolment.status == DROPPED_OUT and enrolment.stage in ("primary", "junior")


def _dropouts(facts: Facts, by_person: dict[int, list[EnrolmentFact]]) -> list[FindingData]:
    """(a) compulsory-age registry and population children not enrolled; (b) 辍学 students."""
    found = []
    candidates = set(facts.members) | set(facts.population)
    for person_id in sorted(candidates):
        person = facts.persons.get(person_id)
        if person is None or person.birth_date is None:
            continue
        age = age_on(person.birth_date, facts.age_day)
        if not compulsory_age(age):
            continue
        rows = by_person.get(person_id, [])
        if any(e.status in ACTIVE or _dropped_out(e) for e in rows):
            continue
        if person_id in facts.junior_graduates:
            continue
        found.append(
            FindingData(
                kind="suspected_dropout",
                code="not_enrolled",
                person_id=person_id,
                detail={"age": age},
                **_place(facts, person_id, None),
            )
        )
    for enrolment in facts.enrolments:
        if _dropped_out(enrolment):
            found.append(
                FindingData(
                    kind="dropout",
                    code="status_dropped_out",
                    person_id=enrolment.person_id,
                    stage=enrolment.stage,
                    **_place(facts, enrolment.person_id, enrolment.school_id),
                )
            )
    return found


@dataclass(frozen=True)
class AidFact:
    """An entitlement of the term (granted) or one the policy says is due (by `aid.services`)."""

    person_id: int
    item_code: str
    school_id: int | None
    stage: str
    category: str


def aid_gaps(
    facts: Facts, eligible: set[int], due: list[AidFact], granted: list[AidFact]
) -> list[FindingData]:
    """漏助: an item due without a non-cancelled entitlement; 错助: an entitlement of a student who is
    not eligible on the start date (DESIGN §5). `granted` holds the term's non-cancelled entitlements."""
    have = {(g.person_id, g.item_code) for g in granted}
    found = [_aid_finding(facts, "missed", d) for d in due if (d.person_id, d.item_code) not in have]
    found += [_aid_finding(facts, "wrong", g) for g in granted if g.person_id not in eligible]
    return found


def _aid_finding(facts: Facts, kind: str, aid: AidFact) -> FindingData:
    return FindingData(
        kind=kind,
        code=aid.item_code,
        person_id=aid.person_id,
        category=aid.category,
        stage=aid.stage,
        detail={"item": aid.item_code},
        **_place(facts, aid.person_id, aid.school_id),
    )


def summarise(term: str, findings: list[FindingData], *, priced: bool) -> dict[str, Any]:
    """The JSON of DESIGN §7, counting persons, not rows."""

    def persons(kind: str) -> set[int]:
        return {f.person_id for f in findings if f.kind == kind}

    eligible = [f for f in findings if f.kind == "eligible"]
    by_category = {c: len({f.person_id for f in eligible if f.category == c}) for c in CATEGORIES}
    return {
        "term": term,
        "priced": priced,
        "eligible": len(persons("eligible")),
        "by_category": by_category,
        "missed": len(persons("missed")) if priced else None,
        "wrong": len(persons("wrong")) if priced else None,
        "duplicates": len(persons("duplicate")),
        "identity_problems": len(persons("identity")),
        "suspected_dropouts": len(persons("suspected_dropout") | persons("dropout")),
    }
