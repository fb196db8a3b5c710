"""After a new version is published, terms priced under the older one are shown and re-priced while
nothing in them is confirmed; a term whose list moved on keeps its version and says why."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from eduaid.aid.models import Entitlement, EntitlementStatus, PolicyVersion
from eduaid.aid.services import PolicyError, entitlements_compute
from eduaid.aid.services_policy import (
    policy_draft_amounts_set,
    policy_draft_copy,
    policy_draft_publish,
    stale_terms,
    term_reprice,
)
from eduaid.aid.tests.helpers import AUTUMN, SPRING, Registry
from eduaid.registry.services.terms import term_get_or_create


def _boarding_fen(county: Registry, term: str) -> tuple[int | None, int]:
    e = Entitlement.objects.get(
        person=county.persons["primary_boarding"], term__code=term, item_code="living_boarding"
    )
    return e.amount_fen, e.version_id


def _publish(county: Registry) -> PolicyVersion:
    admin = county.cast.user("county_admin")
    draft = policy_draft_copy(version=PolicyVersion.objects.get(first_term=AUTUMN), actor=admin)
    policy_draft_amounts_set(draft=draft, code="living_boarding", amounts_fen=[125000, 150000], actor=admin)
    return policy_draft_publish(draft=draft, first_term=SPRING, name="2024年标准", actor=admin)


@pytest.mark.django_db
def test_the_admin_reprices_a_term_priced_under_the_older_version(client: Any, county: Registry) -> None:
    entitlements_compute(term=term_get_or_create(code=AUTUMN))
    entitlements_compute(term=term_get_or_create(code=SPRING))
    old = PolicyVersion.objects.get(first_term=AUTUMN)
    assert _boarding_fen(county, SPRING) == (50000, old.pk)
    new = _publish(county)
    assert [(s.term.code, s.locked) for s in stale_terms()] == [(SPRING, False)]  # autumn keeps its version

    client.force_login(county.cast.user("county_admin"))
    for url in (reverse("aid:policy_list"), reverse("aid:policy_detail", kwargs={"pk": new.pk})):
        page = client.get(url).content.decode()
        assert f'data-term="{SPRING}" data-locked="0"' in page and 'data-testid="reprice"' in page
    client.force_login(county.cast.user("aid_center"))
    assert 'data-testid="reprice"' not in client.get(reverse("aid:policy_list")).content.decode()
    assert client.post(reverse("aid:policy_reprice"), {"term": SPRING}).status_code == 404

    client.force_login(county.cast.user("county_admin"))
    response = client.post(reverse("aid:policy_reprice"), {"term": SPRING})
    assert response.status_code == 302
    assert _boarding_fen(county, SPRING) == (125000 - 62500, new.pk)
    assert _boarding_fen(county, AUTUMN) == (50000, old.pk)
    assert stale_terms() == []
    assert 'data-testid="stale-terms"' not in client.get(reverse("aid:policy_list")).content.decode()


@pytest.mark.django_db
def test_a_term_whose_list_moved_beyond_computed_keeps_its_version(client: Any, county: Registry) -> None:
    spring = term_get_or_create(code=SPRING)
    entitlements_compute(term=spring)
    Entitlement.objects.filter(term=spring, item_code="nutrition").update(
        status=EntitlementStatus.SCHOOL_CONFIRMED
    )
    _publish(county)
    [stale] = stale_terms()
    assert stale.locked and stale.beyond == {"school_confirmed": 4}
    client.force_login(county.cast.user("county_admin"))
    page = client.get(reverse("aid:policy_list")).content.decode()
    assert f'data-term="{SPRING}" data-locked="1"' in page and 'data-testid="stale-locked"' in page
    assert 'data-testid="reprice"' not in page
    with pytest.raises(PolicyError):
        term_reprice(term=spring, actor=county.cast.user("county_admin"))
    client.post(reverse("aid:policy_reprice"), {"term": SPRING})
    assert _boarding_fen(county, SPRING)[0] == 50000  # untouched
