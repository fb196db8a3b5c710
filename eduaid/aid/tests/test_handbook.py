"""The policy handbook: built from the version in force, with the amounts the pricing pays."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import reverse
from docx import Document

from eduaid.aid import handbook
from eduaid.aid.models import PolicyVersion
from eduaid.aid.services import version_for
from eduaid.aid.services_policy import policy_draft_amounts_set, policy_draft_copy, policy_draft_publish
from eduaid.aid.tests.helpers import AUTUMN, SPRING
from eduaid.conftest import Cast
from eduaid.core.models import AuditEvent

AMOUNT = re.compile(r"\d+\.\d{2}")


def _docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _version_amounts(version: PolicyVersion) -> set[str]:
    fens = {case["fen"] for item in version.items.all() for case in item.rules if case.get("fen") is not None}
    return {f"{fen // 100}.{fen % 100:02d}" for fen in fens}


def _boarding(term: str) -> list[int | None]:
    """The boarding subsidy's yearly amounts in fen, each also written out in its line's text."""
    book = handbook.build(term, version_for(term))
    entry = next(e for s in book.sections for e in s.entries if e.code == "living_boarding")
    for line in entry.lines:
        assert line.fen is not None and f"{line.fen // 100}.{line.fen % 100:02d}" in line.amount
    return [line.fen for line in entry.lines]


def _publish_boarding_rise(cast: Cast) -> PolicyVersion:
    admin = cast.user("county_admin")
    draft = policy_draft_copy(version=PolicyVersion.objects.get(first_term=AUTUMN), actor=admin)
    policy_draft_amounts_set(draft=draft, code="living_boarding", amounts_fen=[125000, 150000], actor=admin)
    return policy_draft_publish(draft=draft, first_term=SPRING, name="2024年标准", actor=admin)


@pytest.mark.django_db
def test_the_docx_holds_exactly_the_amounts_of_the_version(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("school_officer"))
    response = client.get(reverse("aid:handbook_docx"), {"term": AUTUMN})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    text = _docx_text(response.content)
    assert set(AMOUNT.findall(text)) == _version_amounts(PolicyVersion.objects.get(first_term=AUTUMN))
    assert "寄宿生生活补助" in text and "生源地信用助学贷款" in text and "县乡村振兴局" in text
    assert Document(io.BytesIO(response.content)).sections[0].page_width.mm == pytest.approx(210, abs=0.1)


@pytest.mark.django_db
def test_the_handbook_follows_the_version_in_force_on_the_term(client: Any, cast: Cast) -> None:
    new = _publish_boarding_rise(cast)
    assert _boarding(SPRING) == [125000, 150000]
    assert _boarding(AUTUMN) == [100000, 125000]
    client.force_login(cast.user("aid_center"))
    spring = _docx_text(client.get(reverse("aid:handbook_docx"), {"term": SPRING}).content)
    assert set(AMOUNT.findall(spring)) == _version_amounts(new)
    assert "1500.00" in spring
    autumn = _docx_text(client.get(reverse("aid:handbook_docx"), {"term": AUTUMN}).content)
    assert "1500.00" not in autumn and "1000.00" in autumn
    page = client.get(reverse("aid:handbook"), {"term": SPRING}).content.decode()
    lines = re.findall(r'data-code="living_boarding".*?</tr>', page, re.S)[0]
    assert re.findall(r'data-fen="(\d+)"', lines) == ["125000", "150000"]


@pytest.mark.django_db
def test_a_term_no_version_covers_has_no_handbook(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("teacher"))
    response = client.get(reverse("aid:handbook"), {"term": "2022-2023-2"})
    assert response.status_code == 404 and 'data-testid="handbook-problem"' in response.content.decode()
    assert client.get(reverse("aid:handbook_docx"), {"term": "2022-2023-2"}).status_code == 404


@pytest.mark.django_db
def test_the_administrator_sets_the_contact_lines(client: Any, cast: Cast) -> None:
    url = reverse("aid:handbook_contacts") + "?term=" + AUTUMN
    client.force_login(cast.user("aid_center"))
    assert client.post(url, {"lines": "x"}).status_code == 404
    client.force_login(cast.user("county_admin"))
    response = client.post(url, {"lines": "县学生资助管理中心 0396-0000000\n\n  县教育局 0396-0000001 "})
    assert response.status_code == 302
    page = client.get(reverse("aid:handbook"), {"term": AUTUMN}).content.decode()
    assert "县学生资助管理中心 0396-0000000" in page and "县教育局 0396-0000001" in page
    text = _docx_text(client.get(reverse("aid:handbook_docx"), {"term": AUTUMN}).content)
    assert "县教育局 0396-0000001" in text
    assert AuditEvent.objects.get(kind="settings").detail["action"] == "handbook_contacts_set"


@pytest.mark.parametrize("fen", [1, 62525, 125050, 100001])
def test_a_yearly_amount_is_the_sum_of_the_two_terms_the_pricing_pays(fen: int) -> None:
    from eduaid.aid import pricing

    item = pricing.Item(code="x", kind="cash", one_time=False, rules=[{"stages": ["primary"], "fen": fen}])
    facts = pricing.StudentFacts("primary", None, False, None, None, "poverty_exited", pricing.STUDYING)
    assert pricing.yearly_for(item, facts) == fen
    once = pricing.Item(code="y", kind="cash", one_time=True, rules=[{"stages": ["primary"], "fen": fen}])
    assert pricing.yearly_for(once, facts) == fen


def test_every_case_of_the_2023_table_is_printed_at_its_amount() -> None:
    from eduaid.aid import policy2023, pricing

    for code, _name, kind, _payer, one_time, rules in policy2023.ITEMS:
        item = pricing.Item(code=code, kind=kind, one_time=one_time, rules=rules)
        for case in rules:
            for stage in case["stages"]:
                _words, fen = handbook._amount(item, stage, case)
                assert fen == case["fen"], (code, stage, case)
