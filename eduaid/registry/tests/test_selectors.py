"""The registry's scoping chokepoints, filters and search, and the SQL twin of `engine.category_on`."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from eduaid.conftest import RegistryCast
from eduaid.matching import engine
from eduaid.org.models import Village
from eduaid.registry import selectors
from eduaid.registry.models import Household, HouseholdVersion, Snapshot
from eduaid.registry.selectors import HouseholdFilter, StudentFilter

DAY = dt.date(2024, 3, 1)
BEFORE, AFTER = DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1)


def _keys(rc: RegistryCast, persons: Any) -> set[str]:
    by_pk = {p.pk: key for key, p in rc.persons.items()}
    return {by_pk[p.pk] for p in persons}


def _codes(rc: RegistryCast, households: Any) -> set[str]:
    by_pk = {h.pk: key for key, h in rc.households.items()}
    return {by_pk[h.pk] for h in households}


# ---- category_on in SQL == engine.category_on --------------------------------------------------

MONITORING = ["", "unstable_exited", "marginal", "sudden_hardship"]
DATES = [None, BEFORE, DAY, AFTER]


def _fact(v: HouseholdVersion) -> engine.HouseholdFact:
    return engine.HouseholdFact(
        household_id=v.household_id,
        household_type=v.household_type,
        monitoring_category=v.monitoring_category,
        enjoys_policy=v.enjoys_policy,
        monitored_since=v.monitored_since,
        risk_eliminated_on=v.risk_eliminated_on,
        village_id=v.village_id,
    )


@pytest.mark.django_db
def test_category_sql_agrees_with_the_engine_on_every_case_and_boundary() -> None:
    """Every combination of type, policy, category, 纳入监测日期 and 风险消除日期 around the day."""
    village = Village.objects.order_by("pk").first()
    snapshot = Snapshot.objects.create(kind="registry", as_of=DAY, actor_name="t")
    combos = itertools.product(["poverty_exited", "ordinary"], [True, False], MONITORING, DATES, DATES)
    versions = []
    for n, (htype, enjoys, category, since, eliminated) in enumerate(combos):
        household = Household.objects.create(code=f"C{n}")
        versions.append(
            HouseholdVersion(
                household=household,
                household_type=htype,
                enjoys_policy=enjoys,
                monitoring_category=category,
                monitored_since=since,
                risk_eliminated_on=eliminated,
                village=village,
                snapshot=snapshot,
            )
        )
    HouseholdVersion.objects.bulk_create(versions)
    seen = set()
    for day in (BEFORE, DAY, AFTER):
        rows = HouseholdVersion.objects.annotate(c=selectors.category_on_sql(day))
        assert rows.count() == 2 * 2 * 4 * 4 * 4
        for row in rows:
            expected = engine.category_on(_fact(row), day) or ""
            assert row.c == expected, (day, _fact(row))
            seen.add(expected)
    assert seen == {"", *engine.CATEGORIES}


def test_person_category_follows_the_membership_and_version_valid_that_day(
    registry_cast: RegistryCast,
) -> None:
    rc = registry_cast
    kid = rc.person("marginal_kid").pk
    qs = selectors.students_visible_to(rc.cast.user("aid_center")).filter(pk=kid)
    before = qs.annotate(c=selectors.person_category(BEFORE)).get().c
    after = qs.annotate(c=selectors.person_category(DAY)).get().c
    assert (before, after) == ("marginal", "")
    plain = rc.person("plain_kid").pk
    assert (
        selectors.students_visible_to(rc.cast.user("leader"))
        .filter(pk=plain)
        .annotate(c=selectors.person_category(DAY))
        .get()
        .c
        is None
    )


# ---- scope -------------------------------------------------------------------------------------

ALL_STUDENTS = {
    "poor_kid",
    "marginal_kid",
    "cross_kid",
    "plain_kid",
    "no_id_kid",
    "unstable_kid",
    "hardship_kid",
    "dropped_kid",
    "college_kid",
}
SCHOOL_A = {"poor_kid", "marginal_kid", "cross_kid", "plain_kid", "no_id_kid"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("county_admin", ALL_STUDENTS),
        ("aid_center", ALL_STUDENTS),
        ("leader", ALL_STUDENTS),
        ("inspector", ALL_STUDENTS),
        ("township_officer", SCHOOL_A | {"unstable_kid"}),
        ("school_officer", SCHOOL_A),
        ("teacher", set()),
        ("village_team", set()),
    ],
)
def test_students_visible_to_each_role(registry_cast: RegistryCast, role: str, expected: set[str]) -> None:
    user = registry_cast.cast.user(role)
    assert _keys(registry_cast, selectors.students_visible_to(user)) == expected


def test_a_student_whose_enrolment_ended_leaves_the_school_scope(registry_cast: RegistryCast) -> None:
    rc = registry_cast
    rc.person("poor_kid").enrolments.update(valid_to=dt.date(2024, 3, 10))
    officer = rc.cast.user("school_officer")
    assert "poor_kid" not in _keys(rc, selectors.students_visible_to(officer))
    assert "poor_kid" in _keys(rc, selectors.students_visible_to(officer, dt.date(2024, 3, 9)))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("aid_center", {"poor", "unstable", "marginal", "hardship", "no_policy"}),
        # by residence: not the village_b home of cross_kid, a pupil at its school_a
        ("township_officer", {"poor", "unstable", "marginal"}),
        ("school_officer", {"poor", "marginal", "no_policy"}),
        ("village_team", {"poor", "unstable", "marginal"}),
        ("teacher", set()),
    ],
)
def test_households_visible_to_each_role(registry_cast: RegistryCast, role: str, expected: set[str]) -> None:
    user = registry_cast.cast.user(role)
    assert _codes(registry_cast, selectors.households_visible_to(user)) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("school_officer", SCHOOL_A | {"head", "out_kid"}),
        ("township_officer", SCHOOL_A | {"unstable_kid", "college_kid", "head", "out_kid"}),
        ("village_team", {"head", "poor_kid", "out_kid", "unstable_kid", "college_kid", "marginal_kid"}),
        ("teacher", set()),
    ],
)
def test_persons_visible_to_are_students_and_household_members(
    registry_cast: RegistryCast, role: str, expected: set[str]
) -> None:
    user = registry_cast.cast.user(role)
    assert _keys(registry_cast, selectors.persons_visible_to(user)) == expected


def test_county_sees_every_person(registry_cast: RegistryCast) -> None:
    seen = _keys(registry_cast, selectors.persons_visible_to(registry_cast.cast.user("inspector")))
    assert seen == set(registry_cast.persons)


# ---- filters and search ------------------------------------------------------------------------


def _list(rc: RegistryCast, role: str = "aid_center", **kw: Any) -> set[str]:
    return _keys(rc, selectors.student_list(rc.cast.user(role), StudentFilter(**kw)))


def test_student_filters(registry_cast: RegistryCast) -> None:
    rc = registry_cast
    c = rc.cast
    assert _list(rc, township=c.township_b.pk) == {"hardship_kid", "dropped_kid", "plain_kid"}
    assert _list(rc, school=c.school_a2.pk) == {"unstable_kid"}
    assert _list(rc, stage="undergraduate") == {"college_kid"}
    assert _list(rc, status="dropped_out") == {"dropped_kid"}
    assert _list(rc, status="suspended") == {"plain_kid"}
    assert _list(rc, category="unstable_exited") == {"unstable_kid", "college_kid"}
    assert _list(rc, category="poverty_exited") == {"poor_kid"}
    assert _list(rc, category="sudden_hardship") == {"hardship_kid", "dropped_kid"}
    assert _list(rc, category="marginal") == set()  # risk eliminated in the spring snapshot
    assert _list(rc, category="none") == {"marginal_kid", "cross_kid", "plain_kid", "no_id_kid"}
    # filters stay inside the scope
    assert _list(rc, "school_officer", township=c.township_b.pk) == set()
    assert _list(rc, "school_officer", category="none") == {
        "marginal_kid",
        "cross_kid",
        "plain_kid",
        "no_id_kid",
    }


def test_search_by_name_prefix_id_number_and_student_number(registry_cast: RegistryCast) -> None:
    rc = registry_cast
    assert _list(rc, q="张") == {"poor_kid"}  # the head and the out-of-school child are not students
    assert _list(rc, q=" 李 ") == {"unstable_kid", "college_kid"}
    assert _list(rc, q="小明") == set()  # a prefix, not a substring
    number = rc.person("poor_kid").id_number
    assert _list(rc, q=number) == {"poor_kid"}
    fullwidth = number[:-4] + "".join(chr(ord(ch) + 0xFEE0) for ch in number[-4:])
    assert _list(rc, q=fullwidth) == {"poor_kid"}
    assert _list(rc, q="G" + number) == {"poor_kid"}
    assert _list(rc, q="j411728201409090011") == {"no_id_kid"}
    # an ID outside the scope is not found
    assert _list(rc, "school_officer", q=rc.person("hardship_kid").id_number) == set()


def test_listed_enrolments_and_category_of_a_page(registry_cast: RegistryCast) -> None:
    rc = registry_cast
    user = rc.cast.user("leader")
    keys = list(selectors.student_list(user, StudentFilter()).values_list("pk", flat=True))
    rows = selectors.students_by_pk(keys)  # a page is listed by key, then loaded with its category
    assert [p.pk for p in rows] == keys
    assert [p.name for p in rows] == sorted(p.name for p in rows)
    categories = {p.pk: p.household_category for p in rows}
    assert categories[rc.person("poor_kid").pk] == "poverty_exited"
    assert categories[rc.person("cross_kid").pk] == ""
    assert categories[rc.person("plain_kid").pk] is None
    found = selectors.list_enrolments(user, StudentFilter(), [p.pk for p in rows])
    plain = found[rc.person("plain_kid").pk]
    assert {e.school_id for e in plain} == {rc.cast.school_a.pk, rc.cast.school_b.pk}
    # a school officer sees only the enrolment at its school
    mine = selectors.list_enrolments(
        rc.cast.user("school_officer"), StudentFilter(), [rc.person("plain_kid").pk]
    )
    assert [e.school_id for e in mine[rc.person("plain_kid").pk]] == [rc.cast.school_a.pk]


def test_household_list_filters_and_counts(registry_cast: RegistryCast) -> None:
    rc = registry_cast
    user = rc.cast.user("aid_center")

    def codes(**kw: Any) -> set[str]:
        rows = selectors.household_list(user, HouseholdFilter(**kw))
        by_pk = {h.pk: key for key, h in rc.households.items()}
        return {by_pk[v.household_id] for v in rows}

    rows = {v.household_id: v for v in selectors.household_list(user, HouseholdFilter())}
    poor = rows[rc.households["poor"].pk]
    assert poor.member_count == 3 and poor.category_now == "poverty_exited"
    assert rows[rc.households["marginal"].pk].category_now == ""
    assert rows[rc.households["marginal"].pk].risk_eliminated_on == dt.date(2024, 2, 20)
    assert codes(village=rc.cast.village_b.pk) == {"hardship", "no_policy"}
    assert codes(township=rc.cast.township_a.pk) == {"poor", "unstable", "marginal"}
    assert codes(household_type="ordinary") == {"marginal", "hardship"}
    assert codes(monitoring="marginal") == {"marginal"}
    assert codes(category="none") == {"marginal", "no_policy"}
    assert codes(category="unstable_exited") == {"unstable"}
    assert codes(q=rc.households["hardship"].code) == {"hardship"}
    assert len(codes(q=rc.households["hardship"].code[:-2])) == 5  # a prefix
    assert codes(q=rc.person("college_kid").id_number) == {"unstable"}
    team = rc.cast.user("village_team")
    assert {v.household_id for v in selectors.household_list(team, HouseholdFilter())} == {
        rc.households[k].pk for k in ("poor", "unstable", "marginal")
    }


def test_household_versions_are_oldest_first(registry_cast: RegistryCast) -> None:
    versions = list(selectors.household_versions(registry_cast.households["marginal"]))
    assert [v.valid_from for v in versions] == [None, DAY]
    assert [v.category_now for v in versions] == ["marginal", ""]
