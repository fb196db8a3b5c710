"""异议: recorded during the period, resolved with an outcome; closing the notice passes the rest."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from eduaid.aid.models import Entitlement
from eduaid.conftest import RegistryCast
from eduaid.core.clock import frozen_today
from eduaid.review import services
from eduaid.review.models import EntitlementEvent, Objection, ObjectionStatus
from eduaid.review.tests.helpers import AFTER_END, NOTICE_END, S, published


def _ids(notice: Any) -> list[int]:
    return list(notice.entries.order_by("entitlement_id").values_list("entitlement_id", flat=True))


def _object(
    registry_cast: RegistryCast, notice: Any, entitlement_id: int, day: dt.date = NOTICE_END
) -> Objection:
    with frozen_today(day):
        return services.objection_record(
            notice=notice,
            entitlement_id=entitlement_id,
            objector="东营村村民（电话反映）",
            content="该生家庭已于去年购置新房，经济条件较好",
            actor=registry_cast.cast.user("school_officer"),
        )


def test_an_objection_is_recorded_during_the_period(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    objection = _object(registry_cast, notice, _ids(notice)[0])
    assert objection.status == ObjectionStatus.OPEN
    assert objection.recorded_by == registry_cast.cast.user("school_officer")


def test_no_objection_is_recorded_after_the_period(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    with pytest.raises(services.NoticeError):
        _object(registry_cast, notice, _ids(notice)[0], day=AFTER_END)


def test_another_schools_officer_cannot_record(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast, registry_cast.cast.school_b)
    with pytest.raises(services.NoticeError):
        _object(registry_cast, notice, _ids(notice)[0])


def test_closing_passes_rows_without_an_open_objection_and_keeps_the_others(
    registry_cast: RegistryCast,
) -> None:
    notice = published(registry_cast)
    objected, *others = _ids(notice)
    _object(registry_cast, notice, objected)
    with frozen_today(NOTICE_END):
        assert services.notices_close() == 0  # the period runs to 23:59 of the end day
    with frozen_today(AFTER_END):
        assert services.notices_close() == len(others)
        assert services.notices_close() == 0  # idempotent
    assert Entitlement.objects.get(pk=objected).status == S.IN_NOTICE
    assert {Entitlement.objects.get(pk=pk).status for pk in others} == {S.NOTICE_PASSED}


def test_an_upheld_objection_rejects_the_entitlement_with_its_reason(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    target = _ids(notice)[0]
    objection = _object(registry_cast, notice, target)
    services.objection_resolve(objection_id=objection.pk, upheld=True, note="入户核实属实", actor=None)
    assert Entitlement.objects.get(pk=target).status == S.REJECTED
    event = EntitlementEvent.objects.filter(entitlement_id=target).latest("pk")
    assert "入户核实属实" in event.reason
    objection.refresh_from_db()
    assert (objection.status, objection.outcome_note) == (ObjectionStatus.UPHELD, "入户核实属实")


def test_a_dismissed_objection_after_the_end_passes_the_entitlement(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    target = _ids(notice)[0]
    objection = _object(registry_cast, notice, target)
    with frozen_today(AFTER_END):
        services.notices_close()
        assert Entitlement.objects.get(pk=target).status == S.IN_NOTICE
        services.objection_resolve(objection_id=objection.pk, upheld=False, note="经核实不属实", actor=None)
    assert Entitlement.objects.get(pk=target).status == S.NOTICE_PASSED


def test_a_resolution_needs_a_note_and_happens_once(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    objection = _object(registry_cast, notice, _ids(notice)[0])
    with pytest.raises(services.NoticeError):
        services.objection_resolve(objection_id=objection.pk, upheld=False, note=" ", actor=None)
    services.objection_resolve(objection_id=objection.pk, upheld=False, note="不属实", actor=None)
    with pytest.raises(services.NoticeError):
        services.objection_resolve(objection_id=objection.pk, upheld=True, note="改判", actor=None)


def test_the_command_closes_notices(registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    out = StringIO()
    with frozen_today(AFTER_END):
        call_command("notices", "close", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"passed": len(_ids(notice))}


def test_the_notice_page_records_and_resolves(client: Any, registry_cast: RegistryCast) -> None:
    notice = published(registry_cast)
    target = _ids(notice)[0]
    client.force_login(registry_cast.cast.user("school_officer"))
    url = reverse("review:notice_detail", kwargs={"pk": notice.pk})
    with frozen_today(NOTICE_END):
        assert 'data-testid="objection-form"' in client.get(url).content.decode()
        client.post(
            url, {"action": "record", "entitlement": target, "objector": "匿名", "content": "家庭条件好"}
        )
    objection = Objection.objects.get()
    client.post(url, {"action": "uphold", "objection": objection.pk, "note": "属实"})
    assert Entitlement.objects.get(pk=target).status == S.REJECTED
