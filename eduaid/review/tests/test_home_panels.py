"""The home page: what waits for the school officer; the aid centre's counts at each step."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from eduaid.aid.models import Entitlement
from eduaid.conftest import RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.review import services
from eduaid.review.tests.helpers import AFTER_END, S, price_spring, published


def _steps(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-testid="step-(\w+)">(\d+)<', html)}


def test_the_school_officer_sees_what_waits_at_their_school(client: Any, registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    school_a = registry_cast.cast.school_a
    waiting = Entitlement.objects.filter(
        school=school_a, term=registry_cast.spring, status=S.COMPUTED
    ).count()
    client.force_login(registry_cast.cast.user("school_officer"))
    html = client.get(reverse("core:home")).content.decode()
    assert _steps(html)[S.COMPUTED] == waiting > 0
    assert 'data-testid="panel-review"' in html


def test_the_aid_centre_sees_counts_at_each_step(client: Any, registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    with frozen_today(AFTER_END):
        services.notices_close()
    client.force_login(registry_cast.cast.user("aid_center"))
    html = client.get(reverse("core:home")).content.decode()
    steps = _steps(html)
    assert steps[S.NOTICE_PASSED] == notice.entries.count()
    assert (
        steps[S.COMPUTED] == Entitlement.objects.filter(term=registry_cast.spring, status=S.COMPUTED).count()
    )
    assert 'data-testid="panel-approval"' in html


def test_a_teacher_has_no_review_panel(client: Any, registry_cast: RegistryCast) -> None:
    client.force_login(registry_cast.cast.user("teacher"))
    assert 'data-testid="review-panel"' not in client.get(reverse("core:home")).content.decode()
