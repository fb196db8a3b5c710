"""What both baselines share: the dates of the benchmark's term and the rule tables they apply.

The tables are written out here (not imported from `eduaid`), so that a baseline is what an analyst
would write with pandas or DuckDB alone; they follow DESIGN §3–§5 and the tables of
`eduaid.registry.grades` / `eduaid.registry.stages` for the values the benchmark files hold.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

TODAY = dt.date(2024, 3, 15)  # EDUAID_TODAY of the run: the imports' "today"
TERM = "2023-2024-2"
TERM_START = dt.date(2024, 3, 1)  # eligibility day
AGE_DAY = dt.date(2023, 8, 31)  # ages of the school year 2023-2024

# The county's area codes and the years they were issued (`stdnum.cn.ric` checks the same years).
AREA_CODES = {"411728": (2000, 9999), "412823": (0, 2000)}
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_CHARS = "10X98765432"

HOUSEHOLD_TYPES = {
    "脱贫户": "poverty_exited",
    "脱贫享受政策户": "poverty_exited",
    "一般农户": "ordinary",
    "一般户": "ordinary",
}
MONITORING = {
    "脱贫不稳定户": "unstable_exited",
    "边缘易致贫户": "marginal",
    "突发严重困难户": "sudden_hardship",
}
IMPLIED_TYPE = {"unstable_exited": "poverty_exited", "marginal": "ordinary"}
YES_NO = {"是": "1", "否": "0"}
CATEGORIES = ("poverty_exited", "unstable_exited", "marginal", "sudden_hardship")

STAGES = {
    "学前": "preschool",
    "小学": "primary",
    "初中": "junior",
    "高中": "senior",
    "中职": "vocational",
    "专科": "junior_college",
    "本科": "undergraduate",
    "硕士": "master",
    "博士": "doctor",
}
STAGE_GRADES = {
    "preschool": (1, 3),
    "primary": (1, 6),
    "junior": (7, 9),
    "senior": (10, 12),
    "vocational": (10, 12),
    "junior_college": (1, 5),
    "undergraduate": (1, 5),
    "master": (1, 3),
    "doctor": (1, 6),
}
COLLEGE_STAGES = ("junior_college", "undergraduate", "master", "doctor")
SCHOOL_TYPE_STAGES = {
    "幼儿园": ("preschool",),
    "小学": ("primary",),
    "初中": ("junior",),
    "九年一贯制": ("primary", "junior"),
    "完全中学": ("junior", "senior"),
    "高中": ("senior",),
    "中职": ("vocational",),
    "特殊教育": ("preschool", "primary", "junior", "vocational"),
}
_N = "一二三四五六"
# The grade spellings of the benchmark files (EduAid reads many more): label -> grade number.
GRADES = {
    **{label: n for n, label in enumerate(("小班", "中班", "大班"), start=1)},
    **{f"{_N[i]}年级": i + 1 for i in range(6)},
    **{f"初{_N[i]}": i + 7 for i in range(3)},
    **{f"高{_N[i]}": i + 10 for i in range(3)},
    **{f"中职{_N[i]}年级": i + 10 for i in range(3)},
    **{f"大{_N[i]}": i + 1 for i in range(6)},
    **{str(n): n for n in range(1, 13)},
}
STATUSES = {
    "在读": "studying",
    "在校": "studying",
    "休学": "suspended",
    "辍学": "dropped_out",
    "转出": "transferred_out",
    "毕业": "graduated",
}
GENDERS = {"男": "male", "女": "female"}
AGE_BANDS = {
    "preschool": (2, 6),
    "primary": (5, 13),
    "junior": (11, 16),
    "senior": (14, 19),
    "vocational": (14, 20),
    "junior_college": (16, 25),
    "undergraduate": (16, 26),
    "master": (20, 40),
    "doctor": (22, 50),
}
COMPULSORY_AGES = (6, 15)
VILLAGE_SUFFIXES = (
    "社区居民委员会",
    "社区居委会",
    "居民委员会",
    "居委会",
    "村民委员会",
    "村委会",
    "社区",
    "村",
)


def village_key(name: str) -> str:
    """How village names compare (DESIGN §4): without the committee suffixes, 瞿/灈 and 查/嵖 folded."""
    for suffix in VILLAGE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return name.replace("灈", "瞿").replace("嵖", "查")


class Phases:
    """Wall time of each phase of a baseline, in the order they ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - start, 3)

    def total(self) -> float:
        return round(time.perf_counter() - self.started, 3)


def emit(result: dict) -> None:
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


# --- pricing and the batch (DESIGN §3; the 2023 plan's table, as `eduaid/aid/policy2023.py`) ---------

HALF = 2  # the benchmark's term is the second of its school year
BANK_HEADERS = ["序号", "姓名", "身份证号", "账号", "开户行", "金额", "摘要"]
PRIMARY_JUNIOR = ("primary", "junior")
BACHELOR = ("junior_college", "undergraduate")
# code, name, kind, paid_by, one_time, cases: (stages, conditions, yuan per year or None)
POLICY_2023 = (
    ("preschool_fee", "学前保教费补助", "fee_subsidy", "school", False, [(("preschool",), {}, 600)]),
    ("preschool_living", "学前生活费补助", "cash", "county", False, [(("preschool",), {}, 400)]),
    ("compulsory_fee_waiver", "免学杂费、教科书费", "waiver", "school", False, [(PRIMARY_JUNIOR, {}, None)]),
    ("living_boarding", "寄宿生生活补助", "cash", "county", False,
     [(("primary",), {"boarding": True}, 1000), (("junior",), {"boarding": True}, 1250)]),
    ("living_day", "非寄宿生生活补助", "cash", "county", False,
     [(("primary",), {"boarding": False}, 500), (("junior",), {"boarding": False}, 625)]),
    ("nutrition", "营养改善计划补助", "in_kind", "school", False, [(PRIMARY_JUNIOR, {}, 800)]),
    ("senior_fee_waiver", "免学费住宿费", "waiver", "school", False, [(("senior",), {}, 1600)]),
    ("senior_grant", "普通高中国家助学金", "cash", "county", False, [(("senior",), {}, 3000)]),
    ("vocational_fee_waiver", "中职免学费", "waiver", "school", False, [(("vocational",), {}, 1200)]),
    ("vocational_grant", "中职国家助学金", "cash", "county", False, [(("vocational",), {}, 2000)]),
    ("college_grant", "高校国家助学金", "cash", "university", False,
     [(BACHELOR, {"in_province": True}, 4000), (("master",), {"in_province": True}, 6000),
      (("doctor",), {"in_province": True}, 12000)]),
    ("yulu_referral", "雨露计划", "referral", "rural_revitalisation", False,
     [(("junior_college",), {}, 3000)]),
    ("freshman_travel", "新生入学路费", "cash", "county", True,
     [(BACHELOR, {"freshman": True, "in_province": True}, 500),
      (BACHELOR, {"freshman": True, "in_province": False}, 1000)]),
)  # fmt: skip
UNCOUNTED_KINDS = ("loan", "referral")  # not in money totals (loans are never priced automatically)
FLAGS = {"是": True, "否": False, "": None}


def term_fen(yearly_yuan: int | None, one_time: bool) -> int | None:
    """Term 1 pays half the year rounded half up to the fen, term 2 the rest; one-time items term 1 only."""
    if yearly_yuan is None:
        return None
    fen = yearly_yuan * 100
    first = (fen + 1) // 2
    if one_time:
        return fen if HALF == 1 else -1
    return first if HALF == 1 else fen - first


def price_table() -> list[tuple[str, str, str, str, str, str, str, str, int | None]]:
    """Every (stage, 是否住校, 是否省内, 是否新生) the files can hold, with each item it is due on the term:
    (stage, boarding, in_province, freshman, code, name, kind, paid_by, fen). The flags are the file's
    spellings (是, 否, empty); a student is priced from the first 在读 row."""
    rows = []
    for stage, boarding, in_province, freshman in itertools.product(STAGES.values(), FLAGS, FLAGS, FLAGS):
        facts = {
            "boarding": FLAGS[boarding] is True,
            "in_province": FLAGS[in_province],
            "freshman": FLAGS[freshman],
        }
        for code, name, kind, paid_by, one_time, cases in POLICY_2023:
            for stages, conditions, yearly in cases:
                if stage in stages and all(facts[k] == v for k, v in conditions.items()):
                    fen = term_fen(yearly, one_time)
                    if fen != -1:  # a one-time item on the second term
                        rows.append((stage, boarding, in_province, freshman, code, name, kind, paid_by, fen))
                    break  # the first case that holds prices the item
    return rows


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"
