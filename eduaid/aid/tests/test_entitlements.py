"""`eduaid entitlements` over a small registry: the amounts of DESIGN §3, boundaries, recomputing."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from eduaid.aid import policy2023
from eduaid.aid.models import Entitlement, EntitlementStatus, PolicyItem, PolicyVersion
from eduaid.aid.services import PolicyError, entitlements_compute, is_priced, policy_version_add
from eduaid.aid.tests.helpers import AUTUMN, SPRING, START, Registry, read, run
from eduaid.conftest import Cast
from eduaid.core.models import AuditEvent, AuditKind
from eduaid.registry.models import Enrolment, Term

# DESIGN §3 by hand, per term, in yuan as the file shows it ("" where an item has no amount).
AUTUMN_ROWS = {
    "preschool": {"preschool_fee": "300.00", "preschool_living": "200.00"},
    "primary_boarding": {"compulsory_fee_waiver": "", "living_boarding": "500.00", "nutrition": "400.00"},
    "primary_day": {"compulsory_fee_waiver": "", "living_day": "250.00", "nutrition": "400.00"},
    "junior_boarding": {"compulsory_fee_waiver": "", "living_boarding": "625.00", "nutrition": "400.00"},
    "junior_day": {"compulsory_fee_waiver": "", "living_day": "312.50", "nutrition": "400.00"},
    "senior": {"senior_fee_waiver": "800.00", "senior_grant": "1500.00"},
    "vocational": {"vocational_fee_waiver": "600.00", "vocational_grant": "1000.00"},
    "college_fresh_in": {"college_grant": "2000.00", "yulu_referral": "1500.00", "freshman_travel": "500.00"},
    "college_fresh_out": {"freshman_travel": "1000.00"},
    "undergraduate": {"college_grant": "2000.00"},
    "master": {"college_grant": "3000.00"},
    "doctor": {"college_grant": "6000.00"},
}
SPRING_ROWS = {
    key: {code: amount for code, amount in items.items() if code != "freshman_travel"}
    for key, items in AUTUMN_ROWS.items()
}
SPRING_ROWS = {key: items for key, items in SPRING_ROWS.items() if items}


def by_student(rows: list[list[str]], registry: Registry) -> dict[str, dict[str, str]]:
    keys = {p.id_number: key for key, p in registry.persons.items()}
    table: dict[str, dict[str, str]] = {}
    for row in rows[1:]:
        table.setdefault(keys[row[0]], {})[row[8]] = row[11]
    return table


@pytest.mark.django_db
def test_command_prices_both_terms_exactly_as_the_table(county: Registry, tmp_path: Path) -> None:
    summary = run(AUTUMN, tmp_path / "autumn.csv")
    rows = read(tmp_path / "autumn.csv")
    assert by_student(rows, county) == AUTUMN_ROWS
    assert summary["created"] == summary["rows"] == sum(len(v) for v in AUTUMN_ROWS.values())
    run(SPRING, tmp_path / "spring.csv")
    assert by_student(read(tmp_path / "spring.csv"), county) == SPRING_ROWS


@pytest.mark.django_db
def test_file_has_the_columns_of_design_7(county: Registry, tmp_path: Path) -> None:
    run(AUTUMN, tmp_path / "autumn.csv")
    rows = read(tmp_path / "autumn.csv")
    assert len(rows[0]) == 12
    assert rows[0][:3] == ["身份证号", "姓名", "学校标识码"]
    junior = county.persons["junior_day"]
    line = next(r for r in rows if r[0] == junior.id_number and r[8] == "living_day")
    assert line[1:3] == [junior.name, county.cast.school_a.code]
    assert line[3:5] == ["初中", "否"]
    assert line[6:8] == [AUTUMN, policy2023.NAME]
    assert line[9] == "非寄宿生生活补助"
    college = next(r for r in rows if r[0] == county.persons["doctor"].id_number)
    assert college[2] == ""
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT, detail__export="entitlements").exists()


@pytest.mark.django_db
def test_xlsx_out(county: Registry, tmp_path: Path) -> None:
    summary = run(AUTUMN, tmp_path / "autumn.xlsx")
    assert (tmp_path / "autumn.xlsx").stat().st_size > 0
    assert summary["file_rows"] == summary["rows"]


@pytest.mark.django_db
def test_money_total_leaves_out_referrals(county: Registry) -> None:
    summary = run(AUTUMN)
    counted = sum(
        int(round(float(a) * 100))
        for items in AUTUMN_ROWS.values()
        for code, a in items.items()
        if a and code != "yulu_referral"
    )
    assert summary["total_fen"] == counted


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("eliminated", "priced"),
    [(dt.date(2023, 8, 31), False), (START, False), (dt.date(2023, 9, 2), True)],
)
def test_risk_eliminated_before_on_after_the_start_date(
    cast: Cast, eliminated: dt.date, priced: bool
) -> None:
    registry = Registry(cast)
    marginal = registry.household(
        "H-marginal", household_type="ordinary", monitoring_category="marginal", risk_eliminated_on=eliminated
    )
    person = registry.student("kid", "senior", household=marginal)
    run(AUTUMN)
    assert Entitlement.objects.filter(person=person).exists() is priced


@pytest.mark.django_db
def test_suspended_and_ineligible_students_get_nothing(cast: Cast) -> None:
    registry = Registry(cast)
    registry.student("suspended", "senior", status="suspended")
    no_policy = registry.household("H-np", household_type="poverty_exited", enjoys_policy=False)
    registry.student("no_policy", "senior", household=no_policy)
    late = registry.household(
        "H-late",
        household_type="ordinary",
        monitoring_category="marginal",
        monitored_since=dt.date(2023, 9, 2),
    )
    registry.student("late", "senior", household=late)
    assert run(AUTUMN)["rows"] == 0


@pytest.mark.django_db
def test_two_studying_rows_are_priced_once_and_held(cast: Cast) -> None:
    registry = Registry(cast)
    person = registry.student("twice", "primary")
    registry.enrol(person, "primary", school=cast.school_b)
    run(AUTUMN)
    rows = Entitlement.objects.filter(person=person)
    assert sorted(r.item_code for r in rows) == ["compulsory_fee_waiver", "living_day", "nutrition"]
    assert all(r.held and r.status == EntitlementStatus.COMPUTED for r in rows)


@pytest.mark.django_db
def test_out_of_province_freshman_gets_travel_once_ever(cast: Cast) -> None:
    registry = Registry(cast)
    person = registry.student("fresh", "undergraduate", in_province=False, freshman=True)
    run(AUTUMN)
    run(SPRING)
    run("2024-2025-1")  # still marked 新生 in the next year's file: not paid again
    travel = Entitlement.objects.filter(person=person, item_code="freshman_travel")
    assert [(e.term.code, e.amount_fen) for e in travel] == [(AUTUMN, 100000)]
    original = travel.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.create(
            person=person,
            term=Term.objects.get(code="2024-2025-1"),
            item=original.item,
            version=original.version,
            item_code="freshman_travel",
            one_time=True,
            amount_fen=100000,
            stage="undergraduate",
            category="poverty_exited",
        )


@pytest.mark.django_db
def test_recompute_is_idempotent(county: Registry) -> None:
    first = run(AUTUMN)
    again = run(AUTUMN)
    assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 0)
    assert again["unchanged"] == first["rows"] == again["rows"]


@pytest.mark.django_db
def test_recompute_updates_and_deletes_computed_rows_only(county: Registry) -> None:
    run(AUTUMN)
    senior = county.persons["senior"]
    junior = county.persons["junior_day"]
    approved = Entitlement.objects.get(person=senior, item_code="senior_grant")
    approved.status = EntitlementStatus.APPROVED
    approved.save()
    Enrolment.objects.filter(person__in=[senior, junior]).update(status="suspended")
    summary = run(AUTUMN)
    assert not Entitlement.objects.filter(person=junior).exists()
    assert summary["deleted"] == 3 + 1  # the junior's three items and the senior's computed waiver
    approved.refresh_from_db()
    assert (approved.status, approved.amount_fen) == (EntitlementStatus.APPROVED, 150000)
    assert summary["would_change"] == [
        {
            "entitlement": approved.pk,
            "person": senior.pk,
            "item": "senior_grant",
            "status": "approved",
            "amount_fen": 150000,
            "due_fen": None,
            "due": False,
        }
    ]


@pytest.mark.django_db
def test_recompute_updates_a_changed_amount(county: Registry) -> None:
    run(AUTUMN)
    Enrolment.objects.filter(person=county.persons["junior_day"]).update(boarding=True)
    summary = run(AUTUMN)
    rows = dict(
        Entitlement.objects.filter(person=county.persons["junior_day"]).values_list("item_code", "amount_fen")
    )
    assert rows["living_boarding"] == 62500 and "living_day" not in rows
    assert (summary["created"], summary["deleted"]) == (1, 1)
    # the waiver and nutrition rows now carry the new boarding fact
    assert summary["updated"] == 2


def _items_with_boarding_rise() -> list[dict[str, Any]]:
    items = []
    for code, name, kind, paid_by, one_time, rules in policy2023.ITEMS:
        if code == "living_boarding":
            rules = [
                {"stages": ["primary"], "boarding": True, "fen": 125000},
                {"stages": ["junior"], "boarding": True, "fen": 150000},
            ]
        items.append(
            {
                "code": code,
                "name": name,
                "kind": kind,
                "paid_by": paid_by,
                "one_time": one_time,
                "rules": rules,
            }
        )
    return items


@pytest.mark.django_db
def test_a_new_version_prices_spring_while_autumn_keeps_the_old(county: Registry, tmp_path: Path) -> None:
    policy_version_add(name="2024年标准", first_term=SPRING, items=_items_with_boarding_rise())
    assert PolicyVersion.objects.get(first_term=AUTUMN).last_term == AUTUMN
    run(AUTUMN, tmp_path / "a.csv")
    run(SPRING, tmp_path / "s.csv")
    autumn, spring = (
        by_student(read(tmp_path / "a.csv"), county),
        by_student(read(tmp_path / "s.csv"), county),
    )
    assert (autumn["primary_boarding"]["living_boarding"], autumn["junior_boarding"]["living_boarding"]) == (
        "500.00",
        "625.00",
    )
    assert (spring["primary_boarding"]["living_boarding"], spring["junior_boarding"]["living_boarding"]) == (
        "625.00",
        "750.00",
    )
    assert {r[7] for r in read(tmp_path / "s.csv")[1:]} == {"2024年标准"}
    assert PolicyVersion.history.filter(first_term=AUTUMN, last_term=AUTUMN).exists()
    assert PolicyItem.history.filter(code="living_boarding", version__first_term=SPRING).exists()


@pytest.mark.django_db
def test_versions_never_overlap(db: Any) -> None:
    with pytest.raises(PolicyError):
        policy_version_add(name="早", first_term="2022-2023-1", items=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.create(name="dup", first_term=AUTUMN)


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["2022-2023-2", "2019-2020-1"])
def test_a_term_no_version_covers_is_an_error(county: Registry, term: str) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("entitlements", "--term", term, stdout=io.StringIO())
    assert caught.value.returncode == 2
    assert not Entitlement.objects.exists()


@pytest.mark.django_db
def test_pricing_is_audited_and_makes_the_term_priced(county: Registry) -> None:
    term = Term.objects.create(code=AUTUMN, start_date=START)
    outcome = entitlements_compute(term=term, actor=None)
    assert outcome.summary["rows"] > 0
    assert AuditEvent.objects.filter(detail__action="entitlements_compute").exists()
    assert is_priced(term)


@pytest.mark.django_db
def test_a_moved_start_date_judges_the_registry_on_it(cast: Cast) -> None:
    registry = Registry(cast)
    marginal = registry.household(
        "H-m",
        household_type="ordinary",
        monitoring_category="marginal",
        risk_eliminated_on=dt.date(2023, 9, 5),
    )
    registry.student("kid", "senior", household=marginal)
    Term.objects.create(code=AUTUMN, start_date=dt.date(2023, 9, 10))
    assert run(AUTUMN)["rows"] == 0
