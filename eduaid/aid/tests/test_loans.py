"""生源地信用助学贷款 applications: caps from the policy, one per student and year, pages and profile."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from eduaid.aid import pricing, selectors
from eduaid.aid.models import LoanApplication, LoanStatus, PolicyItem, PolicyVersion
from eduaid.aid.services_loans import LoanError, loan_apply, loan_cap, loan_set_status
from eduaid.aid.tests.helpers import Registry
from eduaid.core.models import AuditEvent

YEAR = "2023-2024"


def _apply(county: Registry, key: str, fen: int, **extra: Any) -> LoanApplication:
    stage = {"undergraduate": "undergraduate", "master": "master", "doctor": "doctor"}.get(
        key, "junior_college"
    )
    args: dict[str, Any] = {"school_year": YEAR, "college": "郑州大学", "stage": stage, "amount_fen": fen}
    return loan_apply(person=county.persons[key], actor=county.cast.user("aid_center"), **(args | extra))


@pytest.mark.django_db
def test_the_caps_come_from_the_policy_item() -> None:
    item = PolicyItem.objects.get(version__first_term="2023-2024-1", code="student_loan")
    rule = pricing.Item(code=item.code, kind=item.kind, one_time=False, rules=item.rules)
    assert [pricing.loan_cap(rule, s) for s in ("junior_college", "undergraduate", "master", "doctor")] == [
        1200000,
        1200000,
        1600000,
        1600000,
    ]
    assert pricing.loan_cap(rule, "senior") is None


@pytest.mark.django_db
def test_a_request_at_the_cap_is_recorded_and_audited(county: Registry) -> None:
    loan = _apply(county, "undergraduate", 1200000)
    assert (loan.status, loan.cap_fen, loan.category) == (LoanStatus.APPLIED, 1200000, "poverty_exited")
    assert loan.version == PolicyVersion.objects.get(first_term="2023-2024-1")
    assert AuditEvent.objects.filter(kind="loan", object_id=str(loan.pk)).count() == 1
    assert _apply(county, "master", 1600000).cap_fen == 1600000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "fen", "cap"), [("undergraduate", 1200001, "12000.00"), ("doctor", 1600100, "16000.00")]
)
def test_a_request_above_the_cap_is_refused_naming_the_cap(
    county: Registry, key: str, fen: int, cap: str
) -> None:
    with pytest.raises(LoanError, match=cap.replace(".", r"\.")):
        _apply(county, key, fen)
    assert not LoanApplication.objects.exists()


@pytest.mark.django_db
def test_one_application_per_student_and_school_year(county: Registry) -> None:
    first = _apply(county, "undergraduate", 800000)
    with pytest.raises(LoanError):
        _apply(county, "undergraduate", 500000)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        LoanApplication.objects.create(
            person=first.person, school_year=YEAR, college="x", stage="undergraduate",
            amount_fen=1, cap_fen=1200000, version=first.version, category="poverty_exited",
        )  # fmt: skip
    assert _apply(county, "undergraduate", 500000, school_year="2024-2025").school_year == "2024-2025"
    loan_set_status(loan=first, status=LoanStatus.WITHDRAWN, actor=county.cast.user("aid_center"))
    assert _apply(county, "undergraduate", 300000).amount_fen == 300000  # a withdrawn one may be replaced


@pytest.mark.django_db
def test_the_database_refuses_an_amount_above_the_cap(county: Registry) -> None:
    version = PolicyVersion.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanApplication.objects.create(
            person=county.persons["master"], school_year=YEAR, college="x", stage="master",
            amount_fen=1600001, cap_fen=1600000, version=version, category="poverty_exited",
        )  # fmt: skip


@pytest.mark.django_db
def test_only_eligible_college_students_may_apply(county: Registry) -> None:
    with pytest.raises(LoanError):
        loan_apply(
            person=county.persons["senior"], school_year=YEAR, college="x", stage="undergraduate",
            amount_fen=100000, actor=None,
        )  # fmt: skip
    ordinary = county.household("H-ordinary", household_type="ordinary")
    outsider = county.student("outsider", "undergraduate", household=ordinary, in_province=True)
    with pytest.raises(LoanError, match="脱贫"):
        loan_apply(
            person=outsider, school_year=YEAR, college="郑州大学", stage="undergraduate",
            amount_fen=100000, actor=None,
        )  # fmt: skip
    with pytest.raises(LoanError):
        loan_cap("2023-2025", "undergraduate")


@pytest.mark.django_db
def test_statuses_move_forward_only(county: Registry) -> None:
    actor = county.cast.user("aid_center")
    loan = _apply(county, "undergraduate", 800000)
    with pytest.raises(LoanError):
        loan_set_status(loan=loan, status=LoanStatus.DISBURSED, actor=actor)
    loan = loan_set_status(loan=loan, status=LoanStatus.APPROVED, actor=actor)
    loan = loan_set_status(loan=loan, status=LoanStatus.DISBURSED, actor=actor)
    with pytest.raises(LoanError):
        loan_set_status(loan=loan, status=LoanStatus.WITHDRAWN, actor=actor)
    actions = list(AuditEvent.objects.filter(kind="loan").values_list("detail__action", flat=True))
    assert actions.count("loan_set_status") == 2


@pytest.mark.django_db
def test_loans_count_in_no_entitlement_total(county: Registry) -> None:
    from eduaid.aid.services import entitlements_compute
    from eduaid.registry.services.terms import term_get_or_create

    spring = term_get_or_create(code="2023-2024-2")
    entitlements_compute(term=spring)
    before = selectors.entitlement_totals(selectors.entitlements_visible_to(None).filter(term=spring))
    _apply(county, "undergraduate", 1200000)
    after = selectors.entitlement_totals(selectors.entitlements_visible_to(None).filter(term=spring))
    assert after == before and after.loans == 0


# ---- pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_aid_centre_finds_the_student_and_enters_the_application(client: Any, county: Registry) -> None:
    client.force_login(county.cast.user("aid_center"))
    person = county.persons["undergraduate"]
    page = client.get(reverse("aid:loan_new"), {"q": person.id_number}).content.decode()
    table = page.split('data-testid="loan-candidates"')[1]
    assert table.count('data-testid="loan-candidate"') == 1 and person.id_number not in table
    page = client.get(reverse("aid:loan_new"), {"q": county.persons["senior"].id_number}).content.decode()
    assert 'data-testid="loan-no-candidate"' in page  # not a college student
    form = client.get(reverse("aid:loan_new"), {"person": person.pk}).content.decode()
    assert 'value="郑州大学"' in form and 'data-testid="loan-caps"' in form
    data = {"person": person.pk, "school_year": YEAR, "college": "郑州大学", "stage": "undergraduate"}
    response = client.post(reverse("aid:loan_new"), data | {"amount": "12000.01"})
    assert response.status_code == 400 and "12000.00" in response.content.decode()
    response = client.post(reverse("aid:loan_new"), data | {"amount": "8,000"})
    assert response.status_code == 302
    assert LoanApplication.objects.get().amount_fen == 800000
    listing = client.get(reverse("aid:loan_list"), {"status": "applied"}).content.decode()
    assert listing.count('data-testid="loan-row"') == 1 and 'data-testid="loan-requested">8000.00' in listing
    loan = LoanApplication.objects.get()
    assert (
        client.post(reverse("aid:loan_status", kwargs={"pk": loan.pk}), {"status": "approved"}).status_code
        == 302
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED
    assert (
        'data-testid="loan-empty"'
        in client.get(reverse("aid:loan_list"), {"status": "applied"}).content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "inspector", "township_officer", "school_officer", "teacher"])
def test_only_the_aid_centre_and_the_administrator_enter_loans(
    client: Any, county: Registry, role: str
) -> None:
    client.force_login(county.cast.user(role))
    assert client.get(reverse("aid:loan_new")).status_code == 403
    expected = 200 if role in ("leader", "inspector") else 403
    assert client.get(reverse("aid:loan_list")).status_code == expected


@pytest.mark.django_db
def test_a_student_outside_the_scope_cannot_be_picked(client: Any, county: Registry) -> None:
    client.force_login(county.cast.user("school_officer"))
    assert client.get(reverse("aid:loan_new"), {"person": county.persons["master"].pk}).status_code == 403
    client.force_login(county.cast.user("aid_center"))
    assert client.get(reverse("aid:loan_new"), {"person": 10**9}).status_code == 404


@pytest.mark.django_db
def test_the_student_profile_shows_the_loan_to_those_who_see_the_student(
    client: Any, county: Registry
) -> None:
    loan = _apply(county, "doctor", 1600000)
    url = reverse("registry:student_detail", kwargs={"pk": loan.person.pk})
    client.force_login(county.cast.user("leader"))
    page = client.get(url).content.decode()
    assert 'data-testid="person-loan"' in page and "16000.00" in page
    client.force_login(county.cast.user("township_officer"))  # the household lives in its village
    assert 'data-testid="person-loan"' in client.get(url).content.decode()
    assert selectors.loans_visible_to(county.cast.user("teacher")).count() == 0  # nothing assigned
