"""The administrator corrects the working-day calendar; every change is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from eduaid.conftest import Cast
from eduaid.core.models import AuditEvent, AuditKind, WorkdayOverride


def test_the_admin_adds_and_removes_a_day(client: Any, cast: Cast) -> None:
    client.force_login(cast.user("county_admin"))
    url = reverse("review:workdays")
    client.post(url, {"action": "set", "day": "2027-02-08", "is_workday": "0", "note": "2027年春节"})
    override = WorkdayOverride.objects.get(day=dt.date(2027, 2, 8))
    assert (override.is_workday, override.note) == (False, "2027年春节")
    assert "2027-02-08" in client.get(url).content.decode()
    client.post(url, {"action": "remove", "day": "2027-02-08"})
    assert not WorkdayOverride.objects.exists()
    actions = list(
        AuditEvent.objects.filter(kind=AuditKind.WORKDAYS)
        .order_by("pk")
        .values_list("detail__action", flat=True)
    )
    assert actions == ["set", "remove"]


def test_other_roles_may_not_edit_the_calendar(client: Any, cast: Cast) -> None:
    for role in ("aid_center", "school_officer"):
        client.force_login(cast.user(role))
        url = reverse("review:workdays")
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "set", "day": "2027-02-08", "is_workday": "0"}).status_code == 403
    assert not WorkdayOverride.objects.exists()
