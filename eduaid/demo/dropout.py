"""The demo's 控辍保学: the cases the match opened, plus a few stories told through the services.

Each story runs on its own dates (the clock frozen on each step's day), so timelines, deadlines and
overdue flags look as they would in a real spring term: a case in persuasion with attempts, one
reported to the bureau with a legal step, one back at school, one false alarm, two overdue, one
flagged by absences. The demo teacher `banzhuren` answers for three of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from eduaid.accounts.models import User
from eduaid.core import clock
from eduaid.core.clock import frozen_today
from eduaid.dropout import services
from eduaid.dropout.models import CaseStatus, CloseReason, DropoutCase
from eduaid.registry.models import Enrolment, Person, valid_on

D = dt.date
WENCHENG = "411728209"


def _teacher_for(user: User) -> Any:
    """The demo teacher's staff record (made by the staff stage, or here when it has not run)."""
    from eduaid.staff.models import Teacher

    teacher = Teacher.objects.filter(user=user).first()
    if teacher is None:
        school = user.org_unit.school if user.org_unit else None
        assert school is not None, "the demo teacher belongs to a school"
        teacher = Teacher.objects.create(school=school, name=user.full_name or user.username, user=user)
    return teacher


def _pupils(school_ids: list[int], day: dt.date, taken: set[int], n: int) -> list[tuple[Person, Any]]:
    """`n` pupils studying in compulsory stages at these schools, without a case, in a stable order."""
    rows = (
        Enrolment.objects.filter(
            valid_on(day), school_id__in=school_ids, status="studying", stage__in=["primary", "junior"]
        )
        .exclude(person__dropout_cases__isnull=False)
        .exclude(person_id__in=taken)
        .select_related("person", "school")
        .order_by("school__code", "person_id")
    )
    candidates = list(rows[: n * 5])
    found: list[tuple[Person, Any]] = []
    for row in candidates[:: max(1, len(candidates) // n)][:n]:
        taken.add(row.person_id)
        found.append((row.person, row.school))
    return found


def _report(person: Person, school: Any, on: dt.date, note: str, actor: Any) -> DropoutCase:
    with frozen_today(on):
        return services.case_report(person=person, school=school, note=note, actor=actor)


def _move(
    case: DropoutCase, to: str, on: dt.date, actor: Any, reason: str = "", close_reason: str = ""
) -> None:
    with frozen_today(on):
        services.case_transition(
            case_id=case.pk, to=to, actor=actor, reason=reason, close_reason=close_reason
        )


def _attempt(case: DropoutCase, on: dt.date, by: str, method: str, outcome: str, actor: Any) -> None:
    with frozen_today(on):
        services.attempt_log(case_id=case.pk, on=on, by=by, method=method, outcome=outcome, actor=actor)


@dataclass
class Cast:
    teacher: Any
    teacher_user: Any
    school_officer: Any
    township_officer: Any


def _assign(person: Person, c: Cast) -> None:
    from eduaid.staff.services import responsibility_assign

    responsibility_assign(person=person, teacher=c.teacher, actor=None, reason="班主任")


def _in_persuasion(person: Person, school: Any, c: Cast) -> None:
    """banzhuren: confirmed, two attempts, persuasion under way (due again in April)."""
    case = _report(person, school, D(2024, 2, 26), "开学两周未到校，家长电话无人接听。", c.school_officer)
    _assign(person, c)
    _move(case, CaseStatus.VERIFYING, D(2024, 2, 27), c.teacher_user)
    _move(case, CaseStatus.CONFIRMED, D(2024, 3, 1), c.teacher_user, "入户核实：孩子随父亲在县城打零工。")
    _attempt(
        case,
        D(2024, 3, 2),
        c.teacher.name,
        "home_visit",
        "与父亲面谈，讲解义务教育法；父亲称孩子厌学。",
        c.teacher_user,
    )
    _attempt(
        case,
        D(2024, 3, 11),
        c.teacher.name,
        "phone",
        "孩子本人同意下周一返校试读，父亲同意接送。",
        c.teacher_user,
    )


def _fresh(person: Person, school: Any, c: Cast) -> None:
    """banzhuren: a fresh report, not verified yet (due 22 March)."""
    _report(person, school, D(2024, 3, 12), "连续三天未到校，同学说其在外婆家。", c.school_officer)
    _assign(person, c)


def _overdue_attempt(person: Person, school: Any, c: Cast) -> None:
    """banzhuren, overdue: confirmed in January, one attempt, nothing since."""
    case = _report(person, school, D(2024, 1, 15), "寒假前一周起未到校。", c.school_officer)
    _assign(person, c)
    _move(case, CaseStatus.CONFIRMED, D(2024, 1, 18), c.teacher_user, "家访确认：孩子在家照看弟妹。")
    _attempt(
        case,
        D(2024, 1, 25),
        c.teacher.name,
        "home_visit",
        "母亲答应开学送回学校，开学后仍未到校。",
        c.teacher_user,
    )


def _overdue_verification(person: Person, school: Any, c: Cast) -> None:
    """Reported on 20 February and never verified."""
    _report(person, school, D(2024, 2, 20), "学籍在读，但开学后未报到。", c.township_officer)


def _false_alarm(person: Person, school: Any, c: Cast) -> None:
    """Studying in Zhengzhou with the parents."""
    case = _report(person, school, D(2024, 2, 28), "开学未报到。", c.township_officer)
    _move(case, CaseStatus.VERIFYING, D(2024, 2, 29), c.township_officer)
    _move(
        case,
        CaseStatus.FALSE_ALARM,
        D(2024, 3, 5),
        c.township_officer,
        "随父母在郑州市金水区就读，已取得在读证明。",
        CloseReason.ELSEWHERE,
    )


def _returned(person: Person, school: Any, c: Cast) -> None:
    """Back at school after two attempts."""
    case = _report(person, school, D(2024, 2, 15), "家长称孩子不愿上学。", c.township_officer)
    _move(case, CaseStatus.CONFIRMED, D(2024, 2, 18), c.township_officer, "核实：已连续两周未到校。")
    _attempt(
        case,
        D(2024, 2, 20),
        "校长 王建国",
        "interview",
        "约谈家长和孩子，制定个别帮扶计划。",
        c.township_officer,
    )
    _attempt(
        case, D(2024, 2, 27), "班主任", "home_visit", "孩子同意返校，学校安排同伴结对。", c.township_officer
    )
    _move(case, CaseStatus.RETURNED, D(2024, 3, 4), c.township_officer, "3月4日起正常到校。")


def _reported(person: Person, school: Any, c: Cast) -> None:
    """Persuasion failed: written report to the bureau, the guardian ordered to correct."""
    officer = c.township_officer
    case = _report(person, school, D(2024, 1, 8), "外出务工，家长不同意返校。", officer)
    _move(case, CaseStatus.CONFIRMED, D(2024, 1, 10), officer, "核实：随亲戚在外省务工。")
    _attempt(case, D(2024, 1, 12), "乡镇专干", "phone", "家长拒绝，称孩子已满十五岁可以打工。", officer)
    _attempt(case, D(2024, 2, 22), "乡镇专干、村委会主任", "home_visit", "再次上门，家长仍拒绝。", officer)
    _move(
        case,
        CaseStatus.REPORTED,
        D(2024, 3, 1),
        officer,
        "三次劝返无效，依据未成年人保护法第二十八条书面报告县教育局。",
    )
    with frozen_today(D(2024, 3, 12)):
        services.legal_step_log(
            case_id=case.pk,
            on=D(2024, 3, 12),
            kind="order",
            note="乡政府向监护人送达责令限期改正通知书，限期十日内送学。",
            actor=officer,
        )


def _absent(person: Person, school: Any, c: Cast) -> None:
    """Flagged by absences: three unexcused working days in a row."""
    with frozen_today(D(2024, 3, 13)):
        for day in (D(2024, 3, 11), D(2024, 3, 12), D(2024, 3, 13)):
            services.absence_record(
                person=person, school=school, on=day, excused=False, actor=c.school_officer
            )


MINE = (_in_persuasion, _fresh, _overdue_attempt)
THEIRS = (_overdue_verification, _false_alarm, _returned, _reported, _absent)


@transaction.atomic
def seed_dropout() -> dict[str, Any]:
    from eduaid.demo.seed import DEMO_TODAY

    with frozen_today(DEMO_TODAY):
        return _seed()


def _resync_on_the_demo_day() -> None:
    """The registries stage matches on the real clock; its cases are opened again on the demo's day."""
    from eduaid.dropout.selectors import current_term
    from eduaid.matching.selectors import last_run

    stale = DropoutCase.objects.filter(opened_on__gt=clock.today(), source__in=["match", "enrolment"])
    if not stale.exists():
        return
    stale.delete()
    term = current_term()
    run = last_run(term.code) if term else None
    if run is not None:
        services.cases_sync(run=run)


def _seed() -> dict[str, Any]:
    _resync_on_the_demo_day()
    users = {u.username: u for u in User.objects.filter(username__in=["banzhuren", "xuexiao", "xiangzhen"])}
    teacher = _teacher_for(users["banzhuren"])
    c = Cast(teacher, users["banzhuren"], users["xuexiao"], users["xiangzhen"])
    others = list(
        Enrolment.objects.filter(school__township__code=WENCHENG)
        .exclude(school=teacher.school)
        .values_list("school_id", flat=True)
        .distinct()
    )
    taken: set[int] = set()
    # (a small demo may have fewer pupils than stories: the later stories are then left out)
    mine = _pupils([teacher.school_id], D(2024, 1, 8), taken, len(MINE))
    theirs = _pupils(others, D(2024, 1, 8), taken, len(THEIRS))
    stories = 0
    for story, (person, school) in [*zip(MINE, mine, strict=False), *zip(THEIRS, theirs, strict=False)]:
        story(person, school, c)
        stories += 1
    # The match's own cases: the first suspected one is being verified.
    first = DropoutCase.objects.filter(status=CaseStatus.SUSPECTED, source="match").order_by("pk").first()
    if first is not None:
        _move(first, CaseStatus.VERIFYING, D(2024, 3, 14), c.township_officer)
    services.cases_assign_missing(actor=None)
    return {"dropout_cases": DropoutCase.objects.count(), "dropout_stories": stories}
