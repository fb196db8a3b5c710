"""The synthetic 遂平县 of `eduaid demo`: schools and classes on the real townships and villages,
and one login for every role.

Planning is plain functions over plain data and a seeded `random.Random`, so the same seed version
always gives the same schools, codes and classes; the database part only writes the plan.
Schools and classes are written with `bulk_create_with_history`, so their history starts with the
seed (change reason "demo seed", no user). Logins go through `accounts.services.user_create`, so
groups and audit events are those of any other account.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from eduaid.accounts.models import User
from eduaid.accounts.roles import Role
from eduaid.accounts.services import user_create
from eduaid.core import clock
from eduaid.demo.models import DemoSeed
from eduaid.org.models import (
    County,
    OrgUnit,
    OrgUnitKind,
    Ownership,
    School,
    SchoolClass,
    SchoolType,
    Township,
    UrbanRural,
    Village,
)
from eduaid.org.units import unit_for_school, unit_for_township

SEED_VERSION = 2
DEFAULT_STUDENTS = 20_000
COUNTY_CODE = "411728"
# The plan's school year 2023-2024, spring term current, autumn term behind it.
DEMO_TODAY = dt.date(2024, 3, 15)
# Shared by every demo login; passes AUTH_PASSWORD_VALIDATORS (checked by a test).
DEMO_PASSWORD = "Eduaid-2024"  # noqa: S105 (documented demo password)
CHANGE_REASON = "demo seed"

WENCHENG = "411728209"  # 文城乡, home of the bureau's village team
YUSHAN = "411728102"  # 玉山镇, the leader's second paired township
WENCHENG_VILLAGE = "411728209200"  # 文城村
DONGYING_VILLAGE = "411728209213"  # 东营村: its primary school hosts the school logins
TEAM_NAME = "驻文城乡东营村、文城村工作队"

FRESH, SEEDED, FOREIGN = "fresh", "seeded", "foreign"


class DemoRefused(Exception):
    """The database is not one the demo may seed or reuse."""


# ---------------------------------------------------------------- the plan (no database)

GRADES: dict[str, range] = {
    SchoolType.KINDERGARTEN: range(1, 4),
    SchoolType.PRIMARY: range(1, 7),
    SchoolType.JUNIOR: range(7, 10),
    SchoolType.NINE_YEAR: range(1, 10),
    SchoolType.COMPLETE_SECONDARY: range(7, 13),
    SchoolType.SENIOR: range(10, 13),
    SchoolType.VOCATIONAL: range(10, 13),
    SchoolType.SPECIAL: range(1, 10),
}

CODE_PREFIX: dict[str, str] = {
    SchoolType.KINDERGARTEN: "11",
    SchoolType.PRIMARY: "21",
    SchoolType.JUNIOR: "31",
    SchoolType.NINE_YEAR: "31",
    SchoolType.COMPLETE_SECONDARY: "34",
    SchoolType.SENIOR: "34",
    SchoolType.VOCATIONAL: "36",
    SchoolType.SPECIAL: "51",
}

KINDERGARTEN_BRANDS = (
    "阳光", "小天使", "童心", "金色摇篮", "蓝天", "育苗", "启智", "星星", "爱心", "快乐宝贝",
    "小博士", "春蕾", "晨曦", "七彩虹", "贝贝", "新苗", "童乐", "智慧树", "小太阳", "花朵",
    "乐乐", "明珠", "苗苗", "聪聪", "小树苗", "天天", "双语", "开心", "百灵鸟", "红太阳",
)  # fmt: skip

_VILLAGE_SUFFIXES = (
    "社区居民委员会", "社区居委会", "居民委员会", "居委会", "村民委员会", "村委会", "生活区", "社区",
)  # fmt: skip
_TOWNSHIP_SUFFIXES = ("街道", "风景区", "开发区", "镇", "乡")


@dataclass(frozen=True)
class Place:
    """A township as the planner sees it: code, name and its villages as (code, name)."""

    code: str
    name: str
    villages: tuple[tuple[str, str], ...]

    @property
    def kind(self) -> str:
        """subdistrict (街道, in the county town), town (镇), xiang (乡) or zone (开发区, 风景区)."""
        for suffix, kind in (("街道", "subdistrict"), ("镇", "town"), ("乡", "xiang")):
            if self.name.endswith(suffix):
                return kind
        return "zone"

    @property
    def urban_rural(self) -> str:
        """Where the township's seat lies: the county town, a 镇 seat, or countryside."""
        if self.kind == "subdistrict" or self.name.endswith("开发区"):
            return UrbanRural.URBAN
        return UrbanRural.TOWN if self.kind == "town" else UrbanRural.RURAL


@dataclass(frozen=True)
class SchoolPlan:
    name: str
    school_type: str
    place: Place | None  # None: a county-level school (县直)
    ownership: str = Ownership.PUBLIC
    urban_rural: str = UrbanRural.URBAN
    boarding: bool = False
    classes: tuple[int, int] = (1, 2)  # classes per grade, fewest and most
    village: str | None = None  # the village code a village school is named after


def village_base(name: str) -> str:
    """东营村民委员会 → 东营, 前进社区居民委员会 → 前进, 查岈山生活区 → 查岈山."""
    for suffix in _VILLAGE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def township_base(name: str) -> str:
    for suffix in _TOWNSHIP_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def county_schools(county: str) -> list[SchoolPlan]:
    """The county-level schools (县直) of the county town."""
    k, p, j = SchoolType.KINDERGARTEN, SchoolType.PRIMARY, SchoolType.JUNIOR
    public, private = Ownership.PUBLIC, Ownership.PRIVATE
    rows: list[tuple[str, str, str, bool, tuple[int, int]]] = [
        ("实验幼儿园", k, public, False, (3, 4)),
        ("第二实验幼儿园", k, public, False, (3, 4)),
        ("实验小学", p, public, False, (5, 6)),
        *((f"第{n}小学", p, public, False, (4, 6)) for n in "一二三四五"),
        ("英才小学", p, private, True, (2, 3)),
        ("第一初级中学", j, public, False, (5, 6)),
        *((f"第{n}初级中学", j, public, False, (4, 6)) for n in "二三四"),
        ("育才学校", SchoolType.NINE_YEAR, private, True, (2, 3)),
        ("实验中学", SchoolType.COMPLETE_SECONDARY, public, True, (4, 6)),
        ("博雅中学", SchoolType.COMPLETE_SECONDARY, private, True, (2, 4)),
        ("第一高级中学", SchoolType.SENIOR, public, True, (6, 6)),
        ("第二高级中学", SchoolType.SENIOR, public, True, (5, 6)),
        ("第三高级中学", SchoolType.SENIOR, public, True, (4, 6)),
        ("职业教育中心", SchoolType.VOCATIONAL, public, True, (4, 6)),
        ("科技中等专业学校", SchoolType.VOCATIONAL, private, True, (2, 4)),
        ("特殊教育学校", SchoolType.SPECIAL, public, True, (1, 1)),
    ]
    return [
        SchoolPlan(county + name, kind, None, owner, UrbanRural.URBAN, boarding, size)
        for name, kind, owner, boarding, size in rows
    ]


def kindergartens(place: Place, rng: random.Random) -> list[SchoolPlan]:
    """A public central kindergarten in every township, and private ones in the towns."""
    central = SchoolPlan(
        f"{place.name}中心幼儿园",
        SchoolType.KINDERGARTEN,
        place,
        urban_rural=place.urban_rural,
        classes=(2, 3),
    )
    if place.kind == "subdistrict":
        count = 8
    elif place.kind == "zone":
        count = 0
    else:
        count = round(len(place.villages) * 0.55)
    private = [
        SchoolPlan(
            f"{place.name}{brand}幼儿园",
            SchoolType.KINDERGARTEN,
            place,
            ownership=Ownership.PRIVATE,
            urban_rural=place.urban_rural,
            classes=(1, 2),
        )
        for brand in rng.sample(KINDERGARTEN_BRANDS, count)
    ]
    return [central, *private]


def central_primary(place: Place) -> SchoolPlan:
    return SchoolPlan(
        f"{place.name}中心小学",
        SchoolType.PRIMARY,
        place,
        urban_rural=place.urban_rural,
        boarding=place.urban_rural == UrbanRural.RURAL,
        classes=(2, 4) if place.kind == "zone" else (3, 4),
    )


def juniors(place: Place, count: int) -> list[SchoolPlan]:
    """Junior high schools at the township seat; outside the county town they board."""
    if count == 1:
        names = [f"{place.name}初级中学"]
    else:
        names = [f"{place.name}第{ordinal}初级中学" for ordinal in "一二三四五"[:count]]
    return [
        SchoolPlan(
            name,
            SchoolType.JUNIOR,
            place,
            urban_rural=place.urban_rural,
            boarding=place.urban_rural != UrbanRural.URBAN,
            classes=(3, 5) if n == 0 else (2, 3),
        )
        for n, name in enumerate(names)
    ]


def village_schools(
    place: Place, rng: random.Random, *, nine_year: bool, keep: frozenset[str]
) -> list[SchoolPlan]:
    """Schools named after villages: most villages keep a primary school, a few a nine-year school.

    The seat village is served by the central schools; villages in `keep` always get a primary.
    """
    seat = township_base(place.name)
    villages = [
        (code, village_base(name))
        for code, name in place.villages
        if "虚拟" not in name and village_base(name) != seat
    ]
    urban = place.kind == "subdistrict"
    plans = []
    if nine_year:
        code, base = rng.choice([v for v in villages if v[0] not in keep])
        villages.remove((code, base))
        plans.append(
            SchoolPlan(
                f"{base}学校",
                SchoolType.NINE_YEAR,
                place,
                urban_rural=UrbanRural.RURAL,
                boarding=True,
                classes=(1, 2),
                village=code,
            )
        )
    share = 0.4 if urban else 0.9
    for code, base in villages:
        if code in keep or rng.random() < share:
            plans.append(
                SchoolPlan(
                    f"{base}小学",
                    SchoolType.PRIMARY,
                    place,
                    urban_rural=UrbanRural.URBAN if urban else UrbanRural.RURAL,
                    classes=(2, 3) if urban else (1, 2),
                    village=code,
                )
            )
    return plans


def zone_school(place: Place) -> SchoolPlan:
    """A development or scenic zone has one nine-year school besides its central schools."""
    return SchoolPlan(
        f"{place.name}学校",
        SchoolType.NINE_YEAR,
        place,
        urban_rural=place.urban_rural,
        boarding=place.urban_rural == UrbanRural.RURAL,
        classes=(1, 2),
    )


def plan_schools(
    county: str, places: list[Place], rng: random.Random, keep: frozenset[str]
) -> list[SchoolPlan]:
    """Every school of the county, in a fixed order."""
    subdistricts = [p for p in places if p.kind == "subdistrict"]
    rural = [p for p in places if p.kind in {"town", "xiang"}]
    # One junior school per rural township, two in the three largest; in the county town the
    # old centre (the first two subdistricts) goes to the county's junior schools.
    largest = sorted(rural, key=lambda p: (-len(p.villages), p.code))[:3]
    junior_count = {p.code: 1 for p in [*subdistricts[2:], *rural]} | {p.code: 2 for p in largest}
    towns = [p.code for p in rural if p.kind == "town"]
    nine_year = set(rng.sample(towns, min(4, len(towns))))
    plans = county_schools(county)
    for place in places:
        plans += kindergartens(place, rng)
        plans.append(central_primary(place))
        plans += juniors(place, junior_count.get(place.code, 0))
        if place.kind == "zone":
            plans.append(zone_school(place))
        plans += village_schools(place, rng, nine_year=place.code in nine_year, keep=keep)
    return disambiguate(plans)


def disambiguate(plans: list[SchoolPlan]) -> list[SchoolPlan]:
    """Villages of different townships share names (魏楼, 赵庄): such schools carry their township."""
    seen = Counter(plan.name for plan in plans)
    return [
        replace(plan, name=plan.place.name + plan.name) if seen[plan.name] > 1 and plan.place else plan
        for plan in plans
    ]


def school_codes(plans: list[SchoolPlan], province: str, rng: random.Random) -> list[str]:
    """学校标识码: 2-digit type, 2-digit province, 6 digits; unique."""
    used: set[str] = set()
    codes = []
    for plan in plans:
        code = ""
        while not code or code in used:
            code = f"{CODE_PREFIX[plan.school_type]}{province}{rng.randrange(10**6):06d}"
        used.add(code)
        codes.append(code)
    return codes


def class_names(plan: SchoolPlan, rng: random.Random) -> list[tuple[int, str]]:
    low, high = plan.classes
    return [
        (grade, f"{n}班") for grade in GRADES[plan.school_type] for n in range(1, rng.randint(low, high) + 1)
    ]


# ---------------------------------------------------------------- logins


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    full_name: str


LOGINS = (
    DemoLogin(Role.COUNTY_ADMIN, "admin", "赵建新"),
    DemoLogin(Role.AID_CENTER, "zizhu", "孙丽萍"),
    DemoLogin(Role.LEADER, "lingdao", "周国华"),
    DemoLogin(Role.INSPECTOR, "dudao", "吴秀兰"),
    DemoLogin(Role.TOWNSHIP_OFFICER, "xiangzhen", "郑海波"),
    DemoLogin(Role.SCHOOL_OFFICER, "xuexiao", "冯晓燕"),
    DemoLogin(Role.TEACHER, "banzhuren", "陈思雨"),
    DemoLogin(Role.VILLAGE_TEAM, "zhucun", "褚立新"),
)

COUNTY_OFFICE_OF_ROLE = {
    Role.COUNTY_ADMIN: "县教育局",
    Role.AID_CENTER: "县学生资助管理中心",
    Role.LEADER: "县教育局领导班子",
    Role.INSPECTOR: "县教育局督导室",
}


def demo_units(school: School) -> dict[str, OrgUnit]:
    """The org unit of each demo login; creates the township, school and village-team units."""
    units: dict[str, OrgUnit] = {
        role: OrgUnit.objects.get(kind=OrgUnitKind.COUNTY, name=name)
        for role, name in COUNTY_OFFICE_OF_ROLE.items()
    }
    team = OrgUnit.objects.create(kind=OrgUnitKind.VILLAGE_TEAM, name=TEAM_NAME)
    team.villages.set(Village.objects.filter(code__in=[DONGYING_VILLAGE, WENCHENG_VILLAGE]))
    school_unit = unit_for_school(school)
    units[Role.TOWNSHIP_OFFICER] = unit_for_township(Township.objects.get(code=WENCHENG))
    units[Role.SCHOOL_OFFICER] = school_unit
    units[Role.TEACHER] = school_unit
    units[Role.VILLAGE_TEAM] = team
    return units


def create_logins(school: School) -> list[User]:
    units = demo_units(school)
    paired = list(Township.objects.filter(code__in=[WENCHENG, YUSHAN]))
    return [
        user_create(
            actor=None,
            username=login.username,
            full_name=login.full_name,
            role=login.role,
            org_unit=units[login.role],
            password=DEMO_PASSWORD,
            paired_townships=paired if login.role == Role.LEADER else None,
            must_change_password=False,
        )
        for login in LOGINS
    ]


def login_rows() -> list[dict[str, str]]:
    """The demo logins that exist, in role order: role label, username, password, unit."""
    usernames = [login.username for login in LOGINS]
    units = dict(User.objects.filter(username__in=usernames).values_list("username", "org_unit__name"))
    return [
        {
            "role": str(Role(login.role).label),
            "username": login.username,
            "password": DEMO_PASSWORD,
            "unit": units[login.username] or "",
        }
        for login in LOGINS
        if login.username in units
    ]


# ---------------------------------------------------------------- the database


def database_state() -> str:
    """SEEDED when the demo made this database, FOREIGN when it holds someone's data, else FRESH.

    Safe before `migrate`: a table that does not exist yet holds nothing.
    """
    tables = set(connection.introspection.table_names())

    def has_rows(model: Any, **exclude: Any) -> bool:
        return model._meta.db_table in tables and model.objects.exclude(**exclude).exists()

    if has_rows(DemoSeed):
        return SEEDED
    from eduaid.registry.models import Person

    if has_rows(User) or has_rows(School) or has_rows(Person) or has_rows(OrgUnit, kind=OrgUnitKind.COUNTY):
        return FOREIGN
    return FRESH


def refusal() -> DemoRefused:
    return DemoRefused(
        _(
            "This database already holds users or schools that the demo did not create, so the demo "
            "leaves it alone. Run the demo on an empty data folder, for example: "
            "EDUAID_DATA_DIR=demo-data eduaid demo"
        )
    )


def demo_county() -> County:
    county = County.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        raise DemoRefused(
            _(
                "The demo needs the townships and villages of Suiping county (%(code)s), which this "
                "database does not hold. Run it with EDUAID_COUNTY=%(code)s on an empty data folder."
            )
            % {"code": COUNTY_CODE}
        )
    return county


def load_places(county: County) -> list[Place]:
    villages: dict[int, list[tuple[str, str]]] = {}
    for township_id, code, name in Village.objects.filter(township__county=county).values_list(
        "township_id", "code", "name"
    ):
        villages.setdefault(township_id, []).append((code, name))
    return [
        Place(t.code, t.name, tuple(sorted(villages.get(t.pk, []))))
        for t in Township.objects.filter(county=county).order_by("code")
    ]


def create_schools(county: County, rng: random.Random) -> list[tuple[School, SchoolPlan]]:
    plans = plan_schools(county.name, load_places(county), rng, frozenset({DONGYING_VILLAGE}))
    codes = school_codes(plans, county.province_code, rng)
    townships = {t.code: t for t in Township.objects.filter(county=county)}
    schools = [
        School(
            code=code,
            name=plan.name,
            township=townships[plan.place.code] if plan.place else None,
            school_type=plan.school_type,
            ownership=plan.ownership,
            urban_rural=plan.urban_rural,
            boarding=plan.boarding,
        )
        for plan, code in zip(plans, codes, strict=True)
    ]
    created = bulk_create_with_history(schools, School, batch_size=500, default_change_reason=CHANGE_REASON)
    return list(zip(created, plans, strict=True))


def create_classes(schools: list[tuple[School, SchoolPlan]], rng: random.Random) -> int:
    classes = [
        SchoolClass(school=school, grade=grade, name=name)
        for school, plan in schools
        for grade, name in class_names(plan, rng)
    ]
    bulk_create_with_history(classes, SchoolClass, batch_size=1000, default_change_reason=CHANGE_REASON)
    return len(classes)


def seed_county(county: County) -> dict[str, Any]:
    rng = random.Random(f"eduaid-demo-{county.code}-v{SEED_VERSION}")
    schools = create_schools(county, rng)
    classes = create_classes(schools, rng)
    host = next(school for school, plan in schools if plan.village == DONGYING_VILLAGE)
    users = create_logins(host)
    return {
        "schools": len(schools),
        "classes": classes,
        "logins": len(users),
        "schools_by_type": dict(Counter(school.school_type for school, _plan in schools)),
    }


# Later parts of the plan seed their demo data after the registries are imported and priced, in this
# order (each a function taking no arguments and returning counts for the marker): staff before the
# dropout cases that name a responsible teacher, review before payments.
DEMO_STAGES: list[str] = [
    "eduaid.demo.staff.seed_staff",  # first: teachers, 班主任 and 责任人 that the later stages name
    "eduaid.demo.review.seed_review",  # review before payments: the past term must be approved first
    "eduaid.demo.payments.seed_payments",  # accounts; the past term paid and reconciled; spring batched
    "eduaid.demo.dropout.seed_dropout",  # after the staff stage: cases take its teachers as 责任人
    "eduaid.demo.care.seed_care",  # after the staff stage: the teacher visits their assigned students
    "eduaid.demo.loans.seed_loans",  # 生源地信用助学贷款 applications and the handbook's contact lines
]


def ensure_seeded(students: int = DEFAULT_STUDENTS) -> tuple[DemoSeed, bool]:
    """The demo's marker, seeding the county first on a fresh database; True when it seeded now."""
    from eduaid.demo.registries import seed_registries

    with transaction.atomic():
        state = database_state()
        if state == SEEDED:
            return DemoSeed.objects.get(), False
        if state == FOREIGN:
            raise refusal()
        # Seeded on the demo's own day, whatever the real date: cases open, notices run and deadlines
        # fall in the school year the data describe.
        with clock.frozen_today(DEMO_TODAY):
            counts = seed_county(demo_county())
            if students:
                counts.update(seed_registries(students))
                for path in DEMO_STAGES:
                    counts.update(import_string(path)())
        return DemoSeed.objects.create(pk=1, version=SEED_VERSION, counts=counts), True
