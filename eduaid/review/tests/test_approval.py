"""审批 by the county aid centre: notice_passed rows whose notice is over and with no open objection."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from eduaid.aid.models import Entitlement
from eduaid.conftest import RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.review import services
from eduaid.review.models import Objection
from eduaid.review.tests.helpers import AFTER_END, NOTICE_END, S, published, statuses


def _ids(notice: Any) -> list[int]:
    return list(notice.entries.order_by("entitlement_id").values_list("entitlement_id", flat=True))


def test_the_aid_centre_approves_passed_rows(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    with frozen_today(AFTER_END):
        services.notices_close()
        services.entitlements_approve(ids=_ids(notice), actor=registry_cast.cast.user("aid_center"))
    assert statuses(_ids(notice)) == {S.APPROVED}


def test_objection_blocks_approval(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    target = _ids(notice)[0]
    with frozen_today(NOTICE_END):
        services.objection_record(
            notice=notice, entitlement_id=target, objector="村民", content="有疑问", actor=None
        )
    # Even a row whose status claims the notice passed is refused while its objection is open.
    Entitlement.objects.filter(pk=target).update(status=S.NOTICE_PASSED)
    with frozen_today(AFTER_END), pytest.raises(services.TransitionRefused) as refused:
        services.entitlements_approve(ids=[target], actor=None)
    assert refused.value.entitlement_id == target
    assert Entitlement.objects.get(pk=target).status == S.NOTICE_PASSED


def test_a_notice_that_has_not_passed_blocks_approval(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    ids = _ids(notice)
    Entitlement.objects.filter(pk__in=ids).update(status=S.NOTICE_PASSED)
    with frozen_today(NOTICE_END), pytest.raises(services.TransitionRefused):
        services.entitlements_approve(ids=ids, actor=None)
    assert statuses(ids) == {S.NOTICE_PASSED}


def test_a_row_never_published_cannot_be_approved(registry_cast: RegistryCast) -> None:
    published(registry_cast)
    other = Entitlement.objects.filter(school=registry_cast.cast.school_b).first()
    assert other is not None
    Entitlement.objects.filter(pk=other.pk).update(status=S.NOTICE_PASSED)
    with pytest.raises(services.TransitionRefused):
        services.entitlements_approve(ids=[other.pk], actor=None)


def test_a_school_officer_cannot_approve(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    with frozen_today(AFTER_END):
        services.notices_close()
        with pytest.raises(services.TransitionRefused):
            services.entitlements_approve(ids=_ids(notice), actor=registry_cast.cast.user("school_officer"))


def test_the_approval_page_closes_notices_lists_totals_and_approves(
    client: Any, registry_cast: RegistryCast
) -> None:
    notice = published(registry_cast)
    objected, *others = _ids(notice)
    with frozen_today(NOTICE_END):
        services.objection_record(
            notice=notice, entitlement_id=objected, objector="村民", content="疑问", actor=None
        )
    client.force_login(registry_cast.cast.user("aid_center"))
    with frozen_today(AFTER_END):
        html = client.get(reverse("review:approval")).content.decode()
        assert registry_cast.cast.school_a.name in html and 'data-testid="open-objections"' in html
        money = sum(
            e.amount_fen or 0
            for e in Entitlement.objects.filter(pk__in=others).select_related("item")
            if e.item.kind not in ("loan", "referral")
        )
        assert f"{money // 100}.{money % 100:02d}" in html
        response = client.post(
            reverse("review:approval"), {"term": "2023-2024-2", "school": notice.school_id}
        )
    assert response.status_code == 302
    assert statuses(others) == {S.APPROVED}
    assert Entitlement.objects.get(pk=objected).status == S.IN_NOTICE
    assert Objection.objects.filter(status="open").count() == 1


def test_only_approvers_open_the_approval_page(client: Any, registry_cast: RegistryCast) -> None:
    for role in ("school_officer", "leader", "township_officer"):
        client.force_login(registry_cast.cast.user(role))
        assert client.get(reverse("review:approval")).status_code == 403
