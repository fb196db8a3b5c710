"""The demo's review procedure (学校审核 → 公示 → 审批), through the review services.

The past term 2023-2024-1 is walked through to approved for every school and the college list (notices
in September 2023, approval in October). The current term 2023-2024-2 waits at each step on the demo
day (15 March 2024): the demo school officer's school (login xuexiao) at computed; a few schools
confirmed and not yet published; some in a running notice, one of them with an open objection; some
whose notice has passed, waiting for the aid centre (login zizhu).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from eduaid.accounts.models import User
from eduaid.aid.models import Entitlement, EntitlementStatus
from eduaid.core.clock import frozen_today
from eduaid.registry.models import Term
from eduaid.review import services

S = EntitlementStatus
PAST, CURRENT = "2023-2024-1", "2023-2024-2"
PAST_NOTICE = dt.date(2023, 9, 18)  # a Monday: ends Monday 25 September
PAST_APPROVAL = dt.date(2023, 10, 9)  # after the National Day holiday
PASSED_NOTICE = dt.date(2024, 3, 4)  # ends Monday 11 March: passed on the demo day
RUNNING_NOTICE = dt.date(2024, 3, 13)  # ends Wednesday 20 March: running on the demo day
DEMO_DAY = dt.date(2024, 3, 15)


def _ids(term: Term, **filters: Any) -> list[int]:
    qs = Entitlement.objects.filter(term=term, status=S.COMPUTED, held=False, **filters)
    return list(qs.order_by("pk").values_list("pk", flat=True))


def _schools_with_rows(term: Term) -> list[int]:
    rows = Entitlement.objects.filter(term=term, school__isnull=False).values_list("school_id", flat=True)
    return sorted(set(rows))


def _publish_all(term: Term, school_ids: Sequence[int | None], starts_on: dt.date, actor: Any) -> int:
    from eduaid.org.models import School

    schools = School.objects.in_bulk([pk for pk in school_ids if pk is not None])
    chosen = [schools[pk] if pk is not None else None for pk in school_ids]
    return len(services.notices_publish(term=term, schools=chosen, starts_on=starts_on, actor=actor))


def _past_term(term: Term, centre: Any) -> int:
    services.entitlements_confirm(ids=_ids(term), actor=None, note="学校审核：已核对花名册")
    schools: list[int | None] = [*_schools_with_rows(term), None]
    with frozen_today(PAST_NOTICE):
        notices = _publish_all(term, schools, PAST_NOTICE, None)
    with frozen_today(PAST_APPROVAL):
        services.notices_close(actor=None)
        passed = Entitlement.objects.filter(term=term, status=S.NOTICE_PASSED)
        services.entitlements_approve(
            ids=list(passed.values_list("pk", flat=True)), actor=centre, note="2023年秋季学期资助审批"
        )
    return notices


def _current_term(term: Term, own_school: int | None, centre: Any) -> dict[str, int]:
    others = [pk for pk in _schools_with_rows(term) if pk != own_school]
    # every 3rd school passed its notice, every 3rd is in notice, every 6th is only confirmed.
    passed, running, confirmed = others[0::3], others[1::3], others[2::6]
    ids = [pk for school in passed + running + confirmed for pk in _ids(term, school_id=school)]
    college = _ids(term, school__isnull=True)
    services.entitlements_confirm(ids=ids, actor=None, note="学校审核：已核对花名册")
    services.entitlements_confirm(ids=college, actor=centre, note="高校学生：已核对录取及在读信息")
    with frozen_today(PASSED_NOTICE):
        _publish_all(term, [*passed, None], PASSED_NOTICE, None)
    with frozen_today(RUNNING_NOTICE):
        _publish_all(term, running, RUNNING_NOTICE, None)
    objections = 0
    with frozen_today(DEMO_DAY):
        services.notices_close(actor=None)
        notice = Term.objects.get(pk=term.pk).notices.filter(starts_on=RUNNING_NOTICE).order_by("pk").first()
        if notice is not None:
            entry = notice.entries.order_by("pk").first()
            if entry is not None:
                services.objection_record(
                    notice=notice,
                    entitlement_id=entry.entitlement_id,
                    objector="本村村民（电话反映）",
                    content="反映该生家庭今年新购轿车，经济条件明显好转，请核实。",
                    actor=centre,
                )
                objections = 1
    return {
        "review_schools_passed": len(passed),
        "review_schools_in_notice": len(running),
        "review_schools_confirmed": len(confirmed),
        "review_open_objections": objections,
    }


def seed_review() -> dict[str, Any]:
    centre = User.objects.filter(username="zizhu").first()
    officer = User.objects.filter(username="xuexiao").select_related("org_unit").first()
    own_school = officer.org_unit.school_id if officer and officer.org_unit else None
    counts: dict[str, Any] = {}
    past = Term.objects.filter(code=PAST).first()
    if past is not None:
        counts["review_past_notices"] = _past_term(past, centre)
        counts["review_past_approved"] = Entitlement.objects.filter(term=past, status=S.APPROVED).count()
    current = Term.objects.filter(code=CURRENT).first()
    if current is not None:
        counts.update(_current_term(current, own_school, centre))
    return counts
