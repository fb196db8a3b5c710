"""漏助 and 错助 in the 比对 of a priced term (DESIGN §5)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.aid.tests.helpers import AUTUMN, SPRING, Registry, run
from eduaid.matching.describe import describe
from eduaid.matching.models import Finding, MatchRun
from eduaid.registry.models import Enrolment


def match(term: str) -> dict[str, Any]:
    stdout = io.StringIO()
    call_command("match", "--term", term, "--json", stdout=stdout)
    return json.loads(stdout.getvalue())  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_an_unpriced_term_has_no_gap_counts(county: Registry) -> None:
    run(AUTUMN)
    summary = match(SPRING)
    assert (summary["priced"], summary["missed"], summary["wrong"]) == (False, None, None)


@pytest.mark.django_db
def test_a_freshly_priced_term_has_no_gaps(county: Registry) -> None:
    run(AUTUMN)
    summary = match(AUTUMN)
    assert (summary["priced"], summary["missed"], summary["wrong"]) == (True, 0, 0)


@pytest.mark.django_db
def test_a_cancelled_entitlement_is_missed_aid(county: Registry) -> None:
    run(AUTUMN)
    senior = county.persons["senior"]
    Entitlement.objects.filter(person=senior, item_code="senior_grant").update(
        status=EntitlementStatus.CANCELLED
    )
    summary = match(AUTUMN)
    assert (summary["missed"], summary["wrong"]) == (1, 0)
    finding = Finding.objects.get(run=MatchRun.objects.latest("pk"), kind="missed")
    assert (finding.person_id, finding.code, finding.school_id) == (
        senior.pk,
        "senior_grant",
        county.cast.school_a.pk,
    )
    assert describe(finding) == "开学日应享受普通高中国家助学金，但没有资助记录。"
    text = io.StringIO()
    call_command("match", "--term", AUTUMN, stdout=text)
    assert "漏助：1 人" in text.getvalue()


@pytest.mark.django_db
def test_an_entitlement_of_a_student_no_longer_eligible_is_wrong_aid(county: Registry) -> None:
    run(AUTUMN)
    junior = county.persons["junior_day"]
    Enrolment.objects.filter(person=junior).update(status="suspended")
    summary = match(AUTUMN)
    assert (summary["missed"], summary["wrong"]) == (0, 1)
    wrong = Finding.objects.filter(run=MatchRun.objects.latest("pk"), kind="wrong")
    assert sorted(f.code for f in wrong) == ["compulsory_fee_waiver", "living_day", "nutrition"]
