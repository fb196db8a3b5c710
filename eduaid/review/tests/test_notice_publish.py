"""Publishing a notice moves the school's confirmed entitlements into notice for 5 working days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind, WorkdayOverride
from eduaid.review import services
from eduaid.review.models import NoticeEntry
from eduaid.review.tests.helpers import NOTICE_END, S, price_spring, published, school_rows, statuses


def test_publishing_moves_the_confirmed_rows_into_notice(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    ids = list(NoticeEntry.objects.filter(notice=notice).values_list("entitlement_id", flat=True))
    assert ids and statuses(ids) == {S.IN_NOTICE}
    assert notice.ends_on == NOTICE_END
    assert notice.public_token and len(notice.public_token) >= 32
    assert AuditEvent.objects.filter(kind=AuditKind.NOTICE, object_id=str(notice.pk)).exists()
    # Other schools' rows are not published.
    assert statuses([r.pk for r in school_rows(registry_cast, registry_cast.cast.school_b)]) == {S.COMPUTED}


def test_the_end_date_counts_the_override_table(registry_cast: RegistryCast) -> None:
    WorkdayOverride.objects.create(day=dt.date(2024, 3, 12), is_workday=False, note="县里停课")
    notice = published(registry_cast)
    assert notice.ends_on == dt.date(2024, 3, 19)


def test_a_start_the_calendar_does_not_cover_is_refused_and_nothing_moves(
    registry_cast: RegistryCast,
) -> None:
    price_spring(registry_cast)
    rows = [r for r in school_rows(registry_cast, registry_cast.cast.school_a) if not r.held]
    services.entitlements_confirm(ids=[r.pk for r in rows], actor=None)
    with pytest.raises(services.NoticeError) as refused:
        services.notice_publish(
            term=registry_cast.spring,
            school=registry_cast.cast.school_a,
            starts_on=dt.date(2099, 3, 2),
            actor=None,
        )
    assert "2099" in str(refused.value)
    assert statuses([r.pk for r in rows]) == {S.SCHOOL_CONFIRMED}


def test_the_calendar_gap_message_is_chinese_on_the_page(client: Any, registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    rows = [r for r in school_rows(registry_cast, registry_cast.cast.school_a) if not r.held]
    services.entitlements_confirm(ids=[r.pk for r in rows], actor=None)
    client.force_login(registry_cast.cast.user("school_officer"))
    response = client.post(
        reverse("review:notice_list"), {"term": "2023-2024-2", "starts_on": "2099-03-02"}, follow=True
    )
    text = response.content.decode()
    assert "2099" in text and "国务院办公厅" in text


def test_nothing_confirmed_nothing_published(registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    with pytest.raises(services.NoticeError):
        services.notice_publish(
            term=registry_cast.spring,
            school=registry_cast.cast.school_a,
            starts_on=dt.date(2024, 3, 11),
            actor=None,
        )


def test_only_the_aid_centre_publishes_the_college_list(registry_cast: RegistryCast) -> None:
    rows = [r for r in price_spring(registry_cast) if r.school_id is None]
    centre = registry_cast.cast.user("aid_center")
    services.entitlements_confirm(ids=[r.pk for r in rows], actor=centre)
    with pytest.raises(services.NoticeError):
        services.notice_publish(
            term=registry_cast.spring,
            school=None,
            starts_on=dt.date(2024, 3, 15),
            actor=registry_cast.cast.user("school_officer"),
        )
    notice = services.notice_publish(
        term=registry_cast.spring, school=None, starts_on=dt.date(2024, 3, 15), actor=centre
    )
    assert notice.school is None and statuses([r.pk for r in rows]) == {S.IN_NOTICE}


def test_the_publish_page_leads_to_the_notice(client: Any, registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    rows = [r for r in school_rows(registry_cast, registry_cast.cast.school_a) if not r.held]
    services.entitlements_confirm(ids=[r.pk for r in rows], actor=None)
    client.force_login(registry_cast.cast.user("school_officer"))
    response = client.post(
        reverse("review:notice_list"), {"term": "2023-2024-2", "starts_on": "2024-03-15", "public_link": "1"}
    )
    assert response.status_code == 302 and "/review/notices/" in response["Location"]
    assert statuses([r.pk for r in rows]) == {S.IN_NOTICE}


def test_a_back_dated_start_is_refused(registry_cast: RegistryCast) -> None:
    price_spring(registry_cast)
    rows = [r for r in school_rows(registry_cast, registry_cast.cast.school_a) if not r.held]
    services.entitlements_confirm(ids=[r.pk for r in rows], actor=None)
    with pytest.raises(services.NoticeError):  # the test clock stands at 15 March
        services.notice_publish(
            term=registry_cast.spring,
            school=registry_cast.cast.school_a,
            starts_on=dt.date(2024, 3, 14),
            actor=None,
        )
    assert statuses([r.pk for r in rows]) == {S.SCHOOL_CONFIRMED}
