"""Synthetic people for the demo and the benchmarks: families, the 防返贫监测 registry and 学籍 rows.

Everything is made up: names are drawn from common characters, ID numbers are valid-looking
numbers of the county's area code (`idnumbers.synthetic`). Families are generated one by one and
their rows streamed, so a province-sized file never has to sit in memory.

The rows use the headers of DESIGN §4, so they go through the real import path.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from eduaid.core import idnumbers

REGISTRY_HEADERS = [
    "户编号",
    "姓名",
    "证件号码",
    "与户主关系",
    "户类型",
    "监测对象类别",
    "是否享受政策",
    "风险是否消除",
    "风险消除日期",
    "纳入监测日期",
    "乡镇",
    "行政村",
]
STUDENT_HEADERS = [
    "姓名",
    "身份证号",
    "学籍号",
    "性别",
    "学校标识码",
    "学段",
    "年级",
    "班级",
    "是否住校",
    "学籍状态",
    "就读院校",
    "是否省内",
    "是否新生",
]
POPULATION_HEADERS = ["姓名", "身份证号", "乡镇", "行政村"]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = (
    "子涵浩宇欣怡梓轩一诺雨桐俊杰思远佳琪晨阳若曦明轩语嫣博文诗涵宇航雅静嘉懿天佑紫萱"
    "文博家乐书瑶泽宇心怡志强秀英建华桂兰海燕国庆春梅红霞永刚丽娟"
)
COLLEGES_IN = [
    "郑州大学",
    "河南大学",
    "河南师范大学",
    "河南农业大学",
    "黄淮学院",
    "驻马店职业技术学院",
    "河南工业大学",
]
COLLEGES_OUT = ["武汉大学", "西北农林科技大学", "北京师范大学", "华中师范大学", "湖南大学"]

STAGE_LABEL = {
    "preschool": "学前",
    "primary": "小学",
    "junior": "初中",
    "senior": "高中",
    "vocational": "中职",
    "junior_college": "专科",
    "undergraduate": "本科",
}
# school types that teach each stage, in order of preference
STAGE_SCHOOLS = {
    "preschool": ("kindergarten",),
    "primary": ("primary", "nine_year"),
    "junior": ("junior", "nine_year", "complete_secondary"),
    "senior": ("senior", "complete_secondary"),
    "vocational": ("vocational",),
}
# (category label in 户类型 / 监测对象类别 columns, share of registry households)
REGISTRY_MIX = [
    (("脱贫户", ""), 0.70),
    (("脱贫户", "脱贫不稳定户"), 0.08),
    (("一般农户", "边缘易致贫户"), 0.12),
    (("一般农户", "突发严重困难户"), 0.05),
    (("脱贫户", "__not_enjoying__"), 0.05),
]


@dataclass(frozen=True)
class SchoolInfo:
    code: str
    school_type: str
    township: str  # "" for county-level schools
    boarding: bool
    classes: tuple[tuple[int, int], ...] = ()  # (grade, number of classes); empty: up to 4 a grade

    def class_count(self, grade: int) -> int:
        return dict(self.classes).get(grade, 4 if not self.classes else 1)


@dataclass
class Plan:
    """What to generate. `registry_share`: share of students from registry households."""

    schools: Sequence[SchoolInfo]
    villages: dict[str, list[str]]  # township → village names
    students: int
    school_year: int = 2023  # first calendar year of the school year the rows describe
    registry_share: float = 0.12
    seed: str = "eduaid-people-v1"
    problems: bool = True


@dataclass
class Rows:
    registry: list[list[str]] = field(default_factory=list)
    students: list[list[str]] = field(default_factory=list)
    population: list[list[str]] = field(default_factory=list)


# 遂平县 was numbered 412823 until Zhumadian became a city in 2000; people born before keep it.
FORMER_AREAS = {"411728": ("412823", 2000)}


class _Ids:
    """Unique synthetic ID numbers: a sequence counter per birth date and gender."""

    def __init__(self, area: str) -> None:
        self.area = area
        self.used: dict[tuple[dt.date, int], int] = {}

    def make(self, born: dt.date, male: bool) -> str:
        parity = 1 if male else 0
        seq = self.used.get((born, parity), parity)
        if seq > 999:
            raise ValueError("too many people born on one day")
        self.used[(born, parity)] = seq + 2
        former, until = FORMER_AREAS.get(self.area, (self.area, 0))
        return idnumbers.synthetic(former if born.year < until else self.area, born, seq)


class _Generator:
    def __init__(self, plan: Plan, area: str) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.ids = _Ids(area)
        self.reference = dt.date(plan.school_year, 8, 31)
        self.by_township: dict[str, dict[str, list[SchoolInfo]]] = {}
        for school in plan.schools:
            self.by_township.setdefault(school.township, {}).setdefault(school.school_type, []).append(school)
        # nobody lives in a 虚拟社区 (a placeholder division for collective households)
        plan.villages = {t: [v for v in vs if "虚拟" not in v] for t, vs in plan.villages.items()}
        self.townships = [t for t in plan.villages if plan.villages[t]]
        self.household_seq = 0
        self.enrolled = 0
        self.problem_budget = {"dropout": 3, "no_id": 3, "two_schools": 2, "mismatch": 2, "gender": 2}

    def given(self) -> str:
        return "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.given()

    def born_at_age(self, age: int) -> dt.date:
        """A birth date giving `age` on the reference day (31 August)."""
        start = dt.date(self.reference.year - age - 1, 9, 1)
        return start + dt.timedelta(days=self.rng.randrange(365))

    def school_for(self, stage: str, township: str) -> SchoolInfo | None:
        for place in (township, ""):
            for school_type in STAGE_SCHOOLS[stage]:
                choices = self.by_township.get(place, {}).get(school_type)
                if choices:
                    return self.rng.choice(choices)
        return None


def _stage_for_age(age: int, rng: random.Random) -> tuple[str, int] | None:
    """(stage, grade) of a child of `age` on 31 August, or None when not in school."""
    if 3 <= age <= 5:
        return "preschool", age - 2
    if 6 <= age <= 11:
        return "primary", age - 5
    if 12 <= age <= 14:
        return "junior", age - 5
    if 15 <= age <= 17:
        return ("vocational" if rng.random() < 0.3 else "senior"), age - 5
    if 18 <= age <= 21 and rng.random() < 0.35:  # most young adults have left school
        return ("junior_college" if rng.random() < 0.45 else "undergraduate"), age - 17
    return None


def _grade_label(stage: str, grade: int) -> str:
    if stage == "preschool":
        return ("小班", "中班", "大班")[grade - 1]
    if stage == "primary":
        return "一二三四五六"[grade - 1] + "年级"
    if stage == "junior":
        return "初" + "一二三"[grade - 7]
    if stage in ("senior", "vocational"):
        return "高" + "一二三"[grade - 10] if stage == "senior" else "中职" + "一二三"[grade - 10] + "年级"
    return "大" + "一二三四"[grade - 1]


def families(plan: Plan, area: str) -> Iterator[Rows]:
    """Rows family by family until the plan's number of students is reached."""
    gen = _Generator(plan, area)
    while gen.enrolled < plan.students:
        yield _family(gen)


def _family(gen: _Generator) -> Rows:
    rng = gen.rng
    township = rng.choice(gen.townships)
    village = rng.choice(gen.plan.villages[township])
    surname = rng.choice(SURNAMES)
    in_registry = rng.random() < gen.plan.registry_share * 1.1
    children = [rng.randrange(3, 22) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
    rows = Rows()
    members = _members(gen, surname, children)
    for person, age, relation in members:
        if relation == "子女":
            _enrol(gen, rows, person, age, township, in_registry)
    if in_registry:
        _register(gen, rows, members, township, village)
    elif rng.random() < 0.02:
        for person, age, relation in members:
            if relation == "子女" and age <= 15:
                rows.population.append([person[0], person[1], township, village])
    return rows


def _members(
    gen: _Generator, surname: str, child_ages: list[int]
) -> list[tuple[tuple[str, str, bool], int, str]]:
    rng = gen.rng
    oldest = max(child_ages)
    people = []
    father_age = oldest + rng.randrange(22, 34)
    for relation, age, male in (
        ("户主", father_age, True),
        ("配偶", father_age - rng.randrange(0, 5), False),
    ):
        number = gen.ids.make(gen.born_at_age(age), male)
        people.append(((surname + gen.given() if male else gen.name(), number, male), age, relation))
    for age in child_ages:
        male = rng.random() < 0.52
        number = gen.ids.make(gen.born_at_age(age), male)
        people.append(((surname + gen.given(), number, male), age, "子女"))
    return people


def _enrol(
    gen: _Generator, rows: Rows, person: tuple[str, str, bool], age: int, township: str, in_registry: bool
) -> None:
    rng = gen.rng
    placed = _stage_for_age(age, rng)
    if placed is None:
        return
    stage, grade = placed
    if in_registry and 6 <= age <= 15 and gen.problem_budget["dropout"] > 0 and rng.random() < 0.02:
        gen.problem_budget["dropout"] -= 1
        return  # a registry child of compulsory age with no enrolment: a suspected dropout
    name, number, male = person
    if stage in ("junior_college", "undergraduate"):
        _enrol_college(gen, rows, person, stage, grade)
        return
    school = gen.school_for(stage, township)
    if school is None:
        return
    status = "在读"
    if stage in ("primary", "junior") and gen.problem_budget["dropout"] > 0 and rng.random() < 0.001:
        status = "辍学"
    boarding = "是" if school.boarding and stage in ("junior", "senior") and rng.random() < 0.6 else "否"
    student_number = "G" + number
    row = [
        name,
        number,
        student_number,
        "男" if male else "女",
        school.code,
        STAGE_LABEL[stage],
        _grade_label(stage, grade),
        f"{rng.randrange(1, school.class_count(grade) + 1)}班",
        boarding,
        status,
        "",
        "",
        "",
    ]
    _sprinkle_problems(gen, rows, row)
    rows.students.append(row)
    gen.enrolled += 1


def _enrol_college(
    gen: _Generator, rows: Rows, person: tuple[str, str, bool], stage: str, grade: int
) -> None:
    rng = gen.rng
    name, number, male = person
    in_province = rng.random() < 0.7
    college = rng.choice(COLLEGES_IN if in_province else COLLEGES_OUT)
    rows.students.append(
        [
            name,
            number,
            "",
            "男" if male else "女",
            "",
            STAGE_LABEL[stage],
            _grade_label(stage, grade),
            "",
            "",
            "在读",
            college,
            "是" if in_province else "否",
            "是" if grade == 1 else "否",
        ]
    )
    gen.enrolled += 1


def _sprinkle_problems(gen: _Generator, rows: Rows, row: list[str]) -> None:
    """A few of the data problems every county has (DESIGN §5), once each kind runs out."""
    if not gen.plan.problems or gen.rng.random() > 0.01:
        return
    budget = gen.problem_budget
    if budget["no_id"] > 0:
        budget["no_id"] -= 1
        row[1], row[2] = "", "J" + row[1][:17]
    elif budget["two_schools"] > 0 and row[5] == "小学":
        budget["two_schools"] -= 1
        other = gen.rng.choice([s for s in gen.plan.schools if s.school_type == "primary"])
        if other.code != row[4]:
            rows.students.append([*row[:4], other.code, *row[5:]])
    elif budget["mismatch"] > 0:
        budget["mismatch"] -= 1
        row[2] = "G" + row[1][:-4] + "0000"
    elif budget["gender"] > 0:
        budget["gender"] -= 1
        row[3] = "女" if row[3] == "男" else "男"


def _register(
    gen: _Generator,
    rows: Rows,
    members: list[tuple[tuple[str, str, bool], int, str]],
    township: str,
    village: str,
) -> None:
    rng = gen.rng
    gen.household_seq += 1
    code = f"H{gen.household_seq:08d}"
    (household_type, category) = _draw(rng)
    enjoys = "是"
    if category == "__not_enjoying__":
        category, enjoys = "", "否"
    since = risk_gone = risk_date = ""
    if category:
        since = f"{gen.plan.school_year - rng.randrange(1, 3)}-0{rng.randrange(1, 9)}-15"
        if rng.random() < 0.15:
            risk_gone, risk_date = "是", f"{gen.plan.school_year}-0{rng.choice((3, 6, 8))}-10"
        else:
            risk_gone = "否"
    for (name, number, _male), _age, relation in members:
        rows.registry.append(
            [
                code,
                name,
                number,
                relation,
                household_type,
                category,
                enjoys if household_type == "脱贫户" else "",
                risk_gone,
                risk_date,
                since,
                township,
                village,
            ]
        )


def _draw(rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    for value, share in REGISTRY_MIX:
        if roll < share:
            return value
        roll -= share
    return REGISTRY_MIX[0][0]


def generate(plan: Plan, area: str) -> Rows:
    """All rows at once (for the demo's county-sized data)."""
    out = Rows()
    for rows in families(plan, area):
        out.registry += rows.registry
        out.students += rows.students
        out.population += rows.population
    return out
