"""Term start dates: the administrator moves them (audited); a term with a confirmed list is locked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.aid.services import entitlements_compute
from eduaid.aid.services_terms import TermLocked, term_start_date_set
from eduaid.aid.tests.helpers import AUTUMN, SPRING, Registry
from eduaid.conftest import Cast
from eduaid.core.models import AuditEvent
from eduaid.registry import terms
from eduaid.registry.models import Term
from eduaid.registry.services.terms import term_get_or_create


@pytest.mark.parametrize(
    ("code", "window"),
    [
        (AUTUMN, (dt.date(2023, 8, 1), dt.date(2023, 9, 30))),
        (SPRING, (dt.date(2024, 1, 15), dt.date(2024, 3, 31))),
    ],
)
def test_a_term_starts_within_its_window(code: str, window: tuple[dt.date, dt.date]) -> None:
    assert terms.start_window(code) == window
    assert window[0] <= terms.default_start(code) <= window[1]


@pytest.mark.django_db
def test_the_admin_moves_a_start_date_and_is_told_to_run_the_match_again(client: Any, cast: Cast) -> None:
    term_get_or_create(code=SPRING)
    client.force_login(cast.user("county_admin"))
    page = client.get(reverse("registry:term_list")).content.decode()
    assert f'data-term="{SPRING}"' in page and 'data-testid="term-form"' in page
    response = client.post(
        reverse("registry:term_list"), {"code": SPRING, "start_date": "2024-02-19"}, follow=True
    )
    assert Term.objects.get(code=SPRING).start_date == dt.date(2024, 2, 19)
    assert f"--term {SPRING}" in response.content.decode()
    event = AuditEvent.objects.get(kind="settings")
    assert event.detail == {
        "action": "term_start_date_set",
        "term": SPRING,
        "from": "2024-03-01",
        "to": "2024-02-19",
    }


@pytest.mark.django_db
def test_a_date_outside_the_window_is_refused(client: Any, cast: Cast) -> None:
    term_get_or_create(code=SPRING)
    client.force_login(cast.user("county_admin"))
    response = client.post(reverse("registry:term_list"), {"code": SPRING, "start_date": "2024-05-01"})
    assert response.status_code == 400 and 'data-testid="term-error"' in response.content.decode()
    assert Term.objects.get(code=SPRING).start_date == dt.date(2024, 3, 1)
    assert not AuditEvent.objects.filter(kind="settings").exists()


@pytest.mark.django_db
def test_a_term_whose_entitlements_moved_beyond_computed_is_locked(client: Any, county: Registry) -> None:
    autumn = term_get_or_create(code=AUTUMN)
    entitlements_compute(term=autumn)
    assert term_start_date_set(
        term=autumn, start_date=dt.date(2023, 8, 28), actor=None
    ).start_date == dt.date(2023, 8, 28)  # only computed rows: the date may still move
    Entitlement.objects.filter(term=autumn, item_code="nutrition").update(status=EntitlementStatus.APPROVED)
    with pytest.raises(TermLocked, match=AUTUMN):
        term_start_date_set(term=autumn, start_date=dt.date(2023, 9, 1), actor=None)
    client.force_login(county.cast.user("county_admin"))
    page = client.get(reverse("registry:term_list")).content.decode()
    row = page.split(f'data-term="{AUTUMN}"')[1].split("</tr>")[0]
    assert 'data-testid="term-locked"' in row and 'data-testid="term-form"' not in row
    response = client.post(reverse("registry:term_list"), {"code": AUTUMN, "start_date": "2023-09-01"})
    assert response.status_code == 400
    assert Term.objects.get(code=AUTUMN).start_date == dt.date(2023, 8, 28)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["aid_center", "leader", "township_officer", "school_officer"])
def test_only_the_administrator_sees_the_term_page(client: Any, cast: Cast, role: str) -> None:
    client.force_login(cast.user(role))
    assert client.get(reverse("registry:term_list")).status_code == 403
