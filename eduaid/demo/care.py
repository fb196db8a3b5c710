"""The demo's care records: home visits and talks, left-behind children with their guardians and
care records, migrant children's admission requests across 文城乡's schools, and the bureau's village
team in 文城村 and 东营村 (members, 清洁家园 and other activities, help to households).

Everything goes through `care.services` as the demo logins, on the demo's clock, so scopes, checks
and audit rows are those of real use. Picks are made with a seeded `random.Random` over rows ordered
by primary key, so the same seed always gives the same records.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.conf import settings

from eduaid.accounts.models import User
from eduaid.care import rules, selectors, services
from eduaid.care.models import LeftBehindChild
from eduaid.core import idnumbers
from eduaid.core.clock import frozen_today
from eduaid.demo.seed import DEMO_TODAY
from eduaid.org.models import School
from eduaid.org.selectors import schools_visible_to
from eduaid.registry.models import Household, HouseholdVersion, Person, valid_on
from eduaid.registry.selectors import households_visible_to, persons_visible_to, students_visible_to

GUARDIAN_RELATIONS = ("祖母", "祖父", "外祖母", "外祖父", "叔叔", "姑姑")
GUARDIAN_GIVEN = ("秀英", "桂兰", "玉珍", "建国", "保国", "凤英", "淑芬", "长海")
UNABLE_REASONS = ("母亲长期患病，无力照看", "父亲肢体残疾，生活难以自理", "母亲在外住院治疗")
COMPANIONS = ("村支书", "包村干部", "学校副校长", "驻村队员 王磊", "")

VisitSpec = tuple[str, str, str, list[str]]
STUDENT_VISITS: tuple[VisitSpec, ...] = (
    (
        "home_visit",
        "孩子学习态度端正，家中有固定学习角；父母在外务工，由奶奶照看。",
        "课外辅导、冬衣",
        ["协调学校安排周末辅导", "联系爱心企业捐赠冬衣"],
    ),
    (
        "talk",
        "孩子近期情绪低落，想念在外务工的父母，已安排与父母视频通话。",
        "心理疏导",
        ["每周一次谈心", "请心理老师跟进"],
    ),
    ("home_visit", "家中新建卫生厕所，孩子寄宿后生活费落实到位。", "", []),
    ("phone", "电话联系家长，核实寄宿生生活补助已到账。", "", ["下月再次电话回访"]),
    ("home_visit", "孩子视力下降，家长未带去检查。", "视力检查", ["联系乡卫生院免费检查视力"]),
    ("talk", "孩子与同学相处融洽，成绩有进步，鼓励继续保持。", "", []),
)
HOUSEHOLD_VISITS: tuple[VisitSpec, ...] = (
    (
        "home_visit",
        "户主在县城务工，收入稳定；家中老人身体尚可。了解孩子就学和资助落实情况。",
        "就业信息",
        ["推送县城工业园招工信息"],
    ),
    ("talk", "与户主交心谈心，讲解教育资助政策和雨露计划，解答疑问。", "政策咨询", []),
    ("home_visit", "房屋屋顶漏雨，已登记上报危房改造。", "危房改造", ["跟进危改审批进度", "雨季前再次查看"]),
    ("home_visit", "家中学生均在校就读，无辍学风险；庭院卫生需改善。", "", ["动员参加清洁家园活动"]),
    ("talk", "户主因病返贫风险较高，了解医保报销情况。", "医疗救助", ["协助申请大病救助"]),
)
HELP = (
    ("goods", "送去米面油等慰问品", 30000),
    ("education", "联系学校落实寄宿生生活补助和营养餐", None),
    ("employment", "推荐到县城工业园务工", None),
    ("medical", "协助办理慢性病卡和医保报销", None),
    ("money", "春节慰问金", 50000),
    ("industry", "发放优质麦种，指导科学种植", 24000),
    ("environment", "帮助清理庭院、改造厕所", None),
    ("housing", "协助申报危房改造", None),
)
ACTIVITIES = (
    (
        dt.date(2023, 11, 18),
        "清洁家园",
        "工作队、村两委、党员志愿者",
        32,
        "清理村内沟渠和坑塘垃圾，整治乱堆乱放。",
    ),
    (
        dt.date(2024, 1, 20),
        "冬季送温暖",
        "工作队、乡中心学校",
        12,
        "走访脱贫户和监测户学生家庭，送去棉衣和学习用品。",
    ),
    (
        dt.date(2024, 2, 26),
        "教育资助政策宣讲",
        "工作队、学校资助专干、家长",
        45,
        "在村委会讲解学生资助政策和生源地助学贷款办理流程。",
    ),
    (dt.date(2024, 3, 9), "清洁家园", "工作队、村两委、村民", 58, "村道两旁植树200余棵，清理卫生死角。"),
)
MEMBERS = (
    ("刘卫东", "第一书记", "13703960101"),
    ("马建军", "队长", "13703960102"),
    ("王磊", "队员", "13703960103"),
    ("褚立新", "队员", "13703960104"),
)
MIGRANT_FAMILIES = ("李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴")
MIGRANT_GIVEN = ("子涵", "欣怡", "浩然", "梓轩", "雨桐", "宇航", "思彤", "俊熙", "一诺", "佳琪")
# (days to placement, or "refused"/"pending") for each migrant request of the demo
MIGRANT_OUTCOMES: tuple[int | str, ...] = (1, 2, 3, 2, 4, 1, 5, 3, 38, "refused", "pending", 2)


def _login(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _visits_to_students(actor: User, persons: list[Person], rng: random.Random) -> int:
    count = 0
    for n, person in enumerate(persons):
        kind, findings, needs, actions = STUDENT_VISITS[n % len(STUDENT_VISITS)]
        visited = _day(rng, dt.date(2024, 2, 26), DEMO_TODAY - dt.timedelta(days=1))
        visit = services.visit_record(
            actor=actor,
            person=person,
            visited_on=visited,
            kind=kind,
            findings=findings,
            needs=needs,
            companions=rng.choice(COMPANIONS),
            actions=list(actions),
        )
        for action in visit.follow_ups.all()[: n % 2]:  # every other visit has its first action done
            services.follow_up_close(actor=actor, follow_up=action, done_on=DEMO_TODAY, note="已落实")
        count += 1
    return count


def _visits_to_households(actor: User, households: list[Household], rng: random.Random) -> int:
    for n, household in enumerate(households):
        kind, findings, needs, actions = HOUSEHOLD_VISITS[n % len(HOUSEHOLD_VISITS)]
        visit = services.visit_record(
            actor=actor,
            household=household,
            visited_on=_day(rng, dt.date(2023, 12, 1), DEMO_TODAY),
            kind=kind,
            findings=findings,
            needs=needs,
            companions=rng.choice(COMPANIONS),
            actions=list(actions),
        )
        if n % 3 == 0:
            for action in visit.follow_ups.all():
                services.follow_up_close(actor=actor, follow_up=action, done_on=DEMO_TODAY, note="已办结")
    return len(households)


def _left_behind_candidates(actor: User, limit: int) -> list[Person]:
    """Pupils in scope under 16 with a resident ID, living in a rural registry village."""
    today = DEMO_TODAY
    found = []
    registered = LeftBehindChild.objects.filter(ended_on__isnull=True).values("person_id")
    qs = (
        students_visible_to(actor)
        .filter(id_number__isnull=False, memberships__valid_to__isnull=True)
        .exclude(pk__in=registered)
        .order_by("pk")
        .distinct()
    )
    for person in qs[: limit * 4]:
        born = idnumbers.birth_date(person.id_number or "")
        village = selectors.home_village(person)
        if rules.under_left_behind_age(born, today) and village and rules.is_rural_village(village.code):
            found.append(person)
        if len(found) == limit:
            break
    return found


def _left_behind(actor: User, persons: list[Person], rng: random.Random) -> tuple[int, int]:
    care = 0
    for n, person in enumerate(persons):
        relation = GUARDIAN_RELATIONS[n % len(GUARDIAN_RELATIONS)]
        one_away = n % 4 == 3
        child = services.left_behind_register(
            actor=actor,
            person=person,
            situation="one_away" if one_away else "both_away",
            unable_reason=UNABLE_REASONS[n % len(UNABLE_REASONS)] if one_away else "",
            guardian_name=person.name[0] + rng.choice(GUARDIAN_GIVEN),
            guardian_relation=relation,
            guardian_phone=f"139{rng.randrange(10**8):08d}",
        )
        LeftBehindChild.objects.filter(pk=child.pk).update(registered_on=dt.date(2023, 9, 8))
        child.registered_on = dt.date(2023, 9, 8)
        for kind, content in (
            ("psychological", "开展谈心谈话，孩子情绪稳定，鼓励与父母每周视频通话。"),
            ("academic", "安排结对老师课后辅导数学，作业完成情况明显好转。"),
            ("daily_life", "检查寄宿生活用品，补发冬季被褥一套。"),
        )[: 1 + n % 3]:
            services.care_record_add(
                actor=actor,
                child=child,
                kind=kind,
                cared_on=_day(rng, dt.date(2023, 10, 1), DEMO_TODAY),
                carer="",
                content=content,
            )
            care += 1
    return len(persons), care


def _migrants(actor: User, schools: list[School], rng: random.Random) -> int:
    for n, outcome in enumerate(MIGRANT_OUTCOMES):
        school = schools[n % len(schools)]
        applied = dt.date(2024, 2, 19) + dt.timedelta(days=n % 5) if outcome != 38 else dt.date(2024, 1, 3)
        if outcome == "pending":
            applied = DEMO_TODAY - dt.timedelta(days=2)
        born = dt.date(2014 + n % 4, 1 + n % 12, 1 + n % 27)
        number = idnumbers.synthetic(rng.choice(("410102", "410305", "411302", "340121")), born, 100 + n)
        item = services.migrant_request_create(
            actor=actor,
            child_name=MIGRANT_FAMILIES[n % 10] + MIGRANT_GIVEN[(n * 3 + n // 10) % 10],
            child_id_number=number,
            guardian_name=MIGRANT_FAMILIES[n % 10] + "建国",
            guardian_phone=f"137{rng.randrange(10**8):08d}",
            residence_permit=f"4117282023{n + 1:06d}",
            applied_on=applied,
            school_requested=school,
        )
        if isinstance(outcome, int):
            services.migrant_request_place(
                actor=actor,
                request=item,
                school_placed=school,
                placed_on=applied + dt.timedelta(days=outcome),
            )
        elif outcome == "refused":
            services.migrant_request_refuse(
                actor=actor,
                request=item,
                reason="随迁子女实际居住地不在本乡，已告知到居住地学校申请",
                decided_on=applied + dt.timedelta(days=3),
            )
    return len(MIGRANT_OUTCOMES)


def _team(actor: User, households: list[Household], rng: random.Random) -> dict[str, int]:
    team = actor.org_unit
    if team is None:
        return {}
    for name, position, phone in MEMBERS:
        services.team_member_add(
            actor=actor, team=team, name=name, position=position, phone=phone, joined_on=dt.date(2023, 3, 1)
        )
    villages = list(team.villages.order_by("code"))
    for n, (day, title, participants, count, notes) in enumerate(ACTIVITIES):
        services.team_activity_record(
            actor=actor,
            team=team,
            village=villages[n % len(villages)] if villages else None,
            held_on=day,
            title=title,
            participants=participants,
            participant_count=count,
            notes=notes,
        )
    helped = 0
    for n, household in enumerate(households):
        kind, description, value = HELP[n % len(HELP)]
        services.help_record_add(
            actor=actor,
            household=household,
            helped_on=_day(rng, dt.date(2023, 10, 1), DEMO_TODAY),
            kind=kind,
            description=description,
            value_fen=value,
        )
        helped += 1
    return {"team_members": len(MEMBERS), "team_activities": len(ACTIVITIES), "help_records": helped}


def _eligible_first(households: list[Household]) -> list[Household]:
    """Households of 脱贫户 or monitored ones first: the team visits them most (交心谈心)."""
    current = dict(
        HouseholdVersion.objects.filter(valid_on(DEMO_TODAY), household__in=households).values_list(
            "household_id", "household_type"
        )
    )
    return sorted(households, key=lambda h: (current.get(h.pk) != "poverty_exited", h.pk))


def seed_care() -> dict[str, Any]:
    day = getattr(settings, "EDUAID_TODAY", None) or DEMO_TODAY
    rng = random.Random("eduaid-demo-care-v1")
    counts: dict[str, Any] = {}
    with frozen_today(day):
        school_officer, township, team, teacher = (
            _login(name) for name in ("xuexiao", "xiangzhen", "zhucun", "banzhuren")
        )
        visits = 0
        if school_officer is not None:
            pupils = list(students_visible_to(school_officer).order_by("pk")[:8])
            visits += _visits_to_students(school_officer, pupils, rng)
            counts["left_behind"], counts["care_records"] = _left_behind(
                school_officer, _left_behind_candidates(school_officer, 9), rng
            )
        if township is not None:
            more, care = _left_behind(township, _left_behind_candidates(township, 6), rng)
            counts["left_behind"] = counts.get("left_behind", 0) + more
            counts["care_records"] = counts.get("care_records", 0) + care
            schools = list(
                schools_visible_to(township)
                .filter(school_type__in=["primary", "junior", "nine_year"])
                .order_by("code")[:5]
            )
            if schools:
                counts["migrant_requests"] = _migrants(township, schools, rng)
        if teacher is not None:
            visits += _visits_to_students(teacher, list(persons_visible_to(teacher).order_by("pk")[:3]), rng)
        if team is not None and team.org_unit is not None:
            households = _eligible_first(list(households_visible_to(team).order_by("pk")[:400]))
            # Most households visited, two in three helped so far: the work is under way, not done.
            visits += _visits_to_households(team, households[: min(14, -(-len(households) * 3 // 4))], rng)
            counts.update(_team(team, households[: min(12, -(-len(households) * 2 // 3))], rng))
        counts["visits"] = visits
        counts["open_follow_ups"] = selectors.follow_ups_visible_to(None).filter(done_on__isnull=True).count()
    return {f"care_{key}": value for key, value in counts.items()}
