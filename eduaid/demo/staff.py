"""The demo's 一生一责任人 and 一校一对策: teachers for every school, a 班主任 for every class, the
eligible students of the current term assigned by class (a few left unassigned, so that the coverage
page has work to show), the login `banzhuren` tied to a head teacher of the demo school, a catchment
map for every township, and strategies for some schools.

Teachers, head teachers and responsibilities are bulk-written with their history (change reason
"demo seed"); one audit event records the bulk assignment. Synthetic ID numbers carry 412828, the
area code of 遂平县 before 2000, as adults born then would.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.conf import settings
from simple_history.utils import bulk_create_with_history

from eduaid.accounts.models import User
from eduaid.core import clock, idnumbers
from eduaid.core.audit import record
from eduaid.core.clock import frozen_today
from eduaid.core.models import AuditKind
from eduaid.demo.people import GIVEN, SURNAMES
from eduaid.demo.registries import demo_moment
from eduaid.matching.models import FindingKind
from eduaid.org.models import School, SchoolClass, Township, Village
from eduaid.registry.models import Enrolment, valid_on
from eduaid.staff.models import (
    CatchmentSchool,
    ClassHeadTeacher,
    SchoolStrategy,
    StudentResponsibility,
    Teacher,
    TeacherClass,
)
from eduaid.staff.selectors import current_run

CHANGE_REASON = "demo seed"
TEACHER_AREA = "412828"  # 遂平县 before 2000
EXTRA_TEACHERS = 2  # subject teachers per school besides the head teachers
LEAVE_UNASSIGNED_EVERY = 40  # about one eligible student in forty is left for the coverage page
HOST_UNASSIGNED = 3  # and a few in the demo school and in the rest of its township
WENCHENG = "411728209"
PRIMARY_TYPES = ("primary", "nine_year")
JUNIOR_TYPES = ("junior", "nine_year", "complete_secondary")
MEASURES = (
    "建立控辍保学“一生一案”台账，每月更新一次",
    "班主任每学期至少家访一次脱贫家庭和监测户学生",
    "学业困难学生结对帮扶，每周一次课后辅导",
    "落实“营养改善计划”和寄宿生生活补助，按月公示",
    "留守儿童建立成长档案，每月一次交心谈心",
    "连续缺课3天以上当日电话联系家长并报告学校",
)


def seed_staff() -> dict[str, Any]:
    from eduaid.demo.seed import DEMO_TODAY

    rng = random.Random("eduaid-demo-staff-v1")
    with frozen_today(getattr(settings, "EDUAID_TODAY", None) or DEMO_TODAY):
        moment = demo_moment(clock.today() - dt.timedelta(days=14))
        teachers, heads = _teachers(rng)
        banzhuren = _tie_banzhuren(heads)
        assigned, unassigned = _assign_eligible(heads, moment, banzhuren)
        return {
            "staff_teachers": len(teachers),
            "staff_head_teachers": len(heads),
            "staff_assigned": assigned,
            "staff_unassigned": unassigned,
            "staff_catchment": _catchment(),
            "staff_strategies": _strategies(rng),
        }


def _teachers(rng: random.Random) -> tuple[list[Teacher], dict[int, Teacher]]:
    """A head teacher for every class and a few more teachers per school; the heads teach their class."""
    classes = list(SchoolClass.objects.order_by("school_id", "grade", "name"))
    by_school: dict[int, list[SchoolClass]] = defaultdict(list)
    for school_class in classes:
        by_school[school_class.school_id].append(school_class)
    numbers: set[str] = set()
    rows: list[tuple[Teacher, SchoolClass | None]] = []
    for school_id in School.objects.order_by("pk").values_list("pk", flat=True):
        slots: list[SchoolClass | None] = [*by_school.get(school_id, []), *[None] * EXTRA_TEACHERS]
        for slot in slots:
            rows.append((_teacher(rng, school_id, numbers), slot))
    created = bulk_create_with_history(
        [t for t, _c in rows], Teacher, batch_size=1000, default_change_reason=CHANGE_REASON
    )
    heads = {c.pk: t for t, (_t, c) in zip(created, rows, strict=True) if c is not None}
    bulk_create_with_history(
        [ClassHeadTeacher(school_class_id=pk, teacher=t) for pk, t in heads.items()],
        ClassHeadTeacher,
        batch_size=1000,
        default_change_reason=CHANGE_REASON,
    )
    TeacherClass.objects.bulk_create(
        [TeacherClass(teacher=t, school_class_id=pk) for pk, t in heads.items()], batch_size=1000
    )
    return created, heads


def _teacher(rng: random.Random, school_id: int, numbers: set[str]) -> Teacher:
    while True:
        born = dt.date(rng.randint(1968, 1998), rng.randint(1, 12), rng.randint(1, 28))
        number = idnumbers.synthetic(TEACHER_AREA, born, rng.randint(0, 999))
        if number not in numbers:
            numbers.add(number)
            break
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    phone = "1" + rng.choice("3589") + "".join(str(rng.randint(0, 9)) for _ in range(9))
    return Teacher(school_id=school_id, name=name, id_number=number, phone=phone)


def _host_school() -> School:
    """The demo school: the one of the school officer `xuexiao` (and of `banzhuren`)."""
    user = User.objects.select_related("org_unit__school").get(username="xuexiao")
    assert user.org_unit is not None and user.org_unit.school is not None
    return user.org_unit.school


def _tie_banzhuren(heads: dict[int, Teacher]) -> Teacher | None:
    """`banzhuren` becomes the 班主任 of the demo school's class with the most eligible students (or,
    in a small demo, the most students); they answer for every pupil of that class."""
    user = User.objects.filter(username="banzhuren").first()
    run = current_run()
    if user is None or run is None:
        return None
    school = _host_school()
    eligible = set(
        run.findings.filter(kind=FindingKind.ELIGIBLE, school=school).values_list("person_id", flat=True)
    )
    counts: dict[tuple[int | None, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
    rows = Enrolment.objects.filter(valid_on(clock.today()), school=school, status="studying")
    for person_id, grade, class_name in rows.values_list("person_id", "grade", "class_name"):
        n_eligible, n_all = counts[(grade, class_name)]
        counts[(grade, class_name)] = (n_eligible + (person_id in eligible), n_all + 1)
    classes: dict[tuple[int | None, str], SchoolClass] = {
        (c.grade, c.name): c for c in SchoolClass.objects.filter(school=school)
    }
    ranked = sorted((n, key) for key, n in counts.items() if key in classes and classes[key].pk in heads)
    if not ranked:
        ranked = [((0, 0), key) for key in sorted(classes, key=str) if classes[key].pk in heads]
    if not ranked:
        return None
    teacher = heads[classes[ranked[-1][1]].pk]
    teacher.user, teacher.name, teacher.phone = (
        user,
        user.full_name or teacher.name,
        user.phone or teacher.phone,
    )
    teacher.save()
    return teacher


def _class_pupils(teacher: Teacher) -> set[int]:
    heads = teacher.head_of.select_related("school_class")
    found: set[int] = set()
    for head in heads:
        c = head.school_class
        rows = Enrolment.objects.filter(
            valid_on(clock.today()),
            school_id=c.school_id,
            grade=c.grade,
            class_name=c.name,
            status="studying",
        )
        found |= set(rows.values_list("person_id", flat=True))
    return found


def _assign_eligible(
    heads: dict[int, Teacher], moment: dt.datetime, banzhuren: Teacher | None
) -> tuple[int, int]:
    """Each eligible student of the current run to the head teacher of their class, a few left out
    (in the demo school and elsewhere in 文城乡 first); `banzhuren` answers for their whole class."""
    run = current_run()
    if run is None:
        return 0, 0
    eligible = run.findings.filter(kind=FindingKind.ELIGIBLE, school__isnull=False)
    class_ids: dict[tuple[int, int | None, str], int] = {
        (c.school_id, c.grade, c.name): c.pk for c in SchoolClass.objects.all()
    }
    spare: dict[int, list[Teacher]] = defaultdict(list)
    for teacher in heads.values():
        spare[teacher.school_id].append(teacher)
    host = _host_school()
    wencheng = set(School.objects.filter(township=host.township).values_list("pk", flat=True))
    enrolments = (
        Enrolment.objects.filter(
            valid_on(clock.today()), person_id__in=eligible.values("person_id"), school__isnull=False
        )
        .filter(status="studying")
        .order_by("person_id", "pk")
        .values_list("person_id", "school_id", "grade", "class_name")
    )
    mine = _class_pupils(banzhuren) if banzhuren is not None else set()
    rows = [
        StudentResponsibility(person_id=pk, teacher=banzhuren, assigned_at=moment, reason="班主任")
        for pk in sorted(mine)
    ]
    seen: set[int] = set(mine)
    left = 0
    kept = {"host": 0, "township": 0}
    for n, (person_id, school_id, grade, class_name) in enumerate(enrolments):
        if person_id in seen:
            continue
        seen.add(person_id)
        group = "host" if school_id == host.pk else "township" if school_id in wencheng else ""
        if (
            group and kept[group] < HOST_UNASSIGNED
        ) or n % LEAVE_UNASSIGNED_EVERY == LEAVE_UNASSIGNED_EVERY - 1:
            left += 1
            if group:
                kept[group] += 1
            continue
        head = heads.get(class_ids.get((school_id, grade, class_name), 0))
        chosen: Teacher | None = head or (
            spare[school_id][person_id % len(spare[school_id])] if spare.get(school_id) else None
        )
        if chosen is None:
            left += 1
            continue
        rows.append(
            StudentResponsibility(
                person_id=person_id, teacher=chosen, assigned_at=moment, reason="按班级分配给班主任"
            )
        )
    bulk_create_with_history(
        rows, StudentResponsibility, batch_size=1000, default_change_reason=CHANGE_REASON
    )
    record(AuditKind.ASSIGNMENT, detail={"demo": True, "assigned": len(rows), "left_unassigned": left})
    return len(rows), left


def _catchment() -> int:
    """Every village's primary and junior school within its township; one gap left in 文城乡."""
    schools: dict[int | None, list[School]] = defaultdict(list)
    for school in School.objects.filter(township__isnull=False).order_by("code"):
        schools[school.township_id].append(school)
    rows = []
    for township in Township.objects.order_by("code"):
        primaries = [s for s in schools[township.pk] if s.school_type in PRIMARY_TYPES]
        juniors = [s for s in schools[township.pk] if s.school_type in JUNIOR_TYPES]
        villages = list(Village.objects.filter(township=township).order_by("code"))
        for index, village in enumerate(villages):
            own = next((s for s in primaries if village.name.rstrip("村") in s.name), None)
            if primaries:
                rows.append(CatchmentSchool(village=village, stage="primary", school=own or primaries[0]))
            gap = township.code == WENCHENG and index == len(villages) - 1
            if juniors and not gap:
                rows.append(
                    CatchmentSchool(village=village, stage="junior", school=juniors[index % len(juniors)])
                )
    bulk_create_with_history(rows, CatchmentSchool, batch_size=1000, default_change_reason=CHANGE_REASON)
    return len(rows)


def _strategies(rng: random.Random) -> int:
    """The demo school's strategies for 2023 (reviewed) and 2024; a third of 文城乡's schools and a
    few others for 2024."""
    year = clock.today().year
    host = _host_school()
    wencheng = list(School.objects.filter(township__code=WENCHENG).exclude(pk=host.pk).order_by("code"))
    others = list(
        School.objects.exclude(township__code=WENCHENG).filter(school_type__in=PRIMARY_TYPES + JUNIOR_TYPES)
    )
    chosen = [host, *wencheng[: max(1, len(wencheng) // 3)], *rng.sample(others, min(8, len(others)))]
    rows = [
        SchoolStrategy(
            school=school,
            year=year,
            measures="\n".join(rng.sample(MEASURES, 4)),
            leader=rng.choice(SURNAMES) + "校长",
            review_date=dt.date(year, 12, 20),
        )
        for school in chosen
    ]
    rows.append(
        SchoolStrategy(
            school=host,
            year=year - 1,
            measures="\n".join(MEASURES[:4]),
            leader="冯晓燕",
            review_date=dt.date(year - 1, 12, 22),
            review_notes="全年无辍学学生；家访覆盖全部脱贫家庭和监测户学生；课后辅导需加强。",
        )
    )
    bulk_create_with_history(rows, SchoolStrategy, batch_size=500, default_change_reason=CHANGE_REASON)
    return len(rows)
