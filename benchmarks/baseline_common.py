"""What both baselines share: the dates of the benchmark's term and the rule tables they apply.

The tables are written out here (not imported from `eduaid`), so that a baseline is what an analyst
would write with pandas or DuckDB alone; they follow DESIGN §3–§5 and the tables of
`eduaid.registry.grades` / `eduaid.registry.stages` for the values the benchmark files hold.
"""

from __future__ import annotations

import datetime as dt
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
