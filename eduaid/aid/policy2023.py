"""The 2023 plan's policy table (DESIGN §3) as data: loaded by a migration, read by tests.

Yuan in the plan, fen here. ``freshman_travel`` is for first-year 本专科 students (the 新生入学资助);
``student_loan`` carries its yearly caps but is never priced automatically (on application).
Migration ``0002_policy_2023`` loads this list: never edit it; a new standard is a new version.
"""

from __future__ import annotations

from typing import Any

NAME = "2023年资助政策（遂教办〔2023〕13号）"
FIRST_TERM = "2023-2024-1"

PRIMARY_JUNIOR = ["primary", "junior"]
BACHELOR = ["junior_college", "undergraduate"]


def _fen(yuan: int) -> int:
    return yuan * 100


# (code, name, kind, paid_by, one_time, rules)
ITEMS: list[tuple[str, str, str, str, bool, list[dict[str, Any]]]] = [
    ("preschool_fee", "学前保教费补助", "fee_subsidy", "school", False,
     [{"stages": ["preschool"], "fen": _fen(600)}]),
    ("preschool_living", "学前生活费补助", "cash", "county", False,
     [{"stages": ["preschool"], "fen": _fen(400)}]),
    ("compulsory_fee_waiver", "免学杂费、教科书费", "waiver", "school", False,
     [{"stages": PRIMARY_JUNIOR, "fen": None}]),
    ("living_boarding", "寄宿生生活补助", "cash", "county", False,
     [{"stages": ["primary"], "boarding": True, "fen": _fen(1000)},
      {"stages": ["junior"], "boarding": True, "fen": _fen(1250)}]),
    ("living_day", "非寄宿生生活补助", "cash", "county", False,
     [{"stages": ["primary"], "boarding": False, "fen": _fen(500)},
      {"stages": ["junior"], "boarding": False, "fen": _fen(625)}]),
    ("nutrition", "营养改善计划补助", "in_kind", "school", False,
     [{"stages": PRIMARY_JUNIOR, "fen": _fen(800)}]),
    ("senior_fee_waiver", "免学费住宿费", "waiver", "school", False,
     [{"stages": ["senior"], "fen": _fen(1600)}]),
    ("senior_grant", "普通高中国家助学金", "cash", "county", False,
     [{"stages": ["senior"], "fen": _fen(3000)}]),
    ("vocational_fee_waiver", "中职免学费", "waiver", "school", False,
     [{"stages": ["vocational"], "fen": _fen(1200)}]),
    ("vocational_grant", "中职国家助学金", "cash", "county", False,
     [{"stages": ["vocational"], "fen": _fen(2000)}]),
    ("college_grant", "高校国家助学金", "cash", "university", False,
     [{"stages": BACHELOR, "in_province": True, "fen": _fen(4000)},
      {"stages": ["master"], "in_province": True, "fen": _fen(6000)},
      {"stages": ["doctor"], "in_province": True, "fen": _fen(12000)}]),
    ("yulu_referral", "雨露计划", "referral", "rural_revitalisation", False,
     [{"stages": ["junior_college"], "fen": _fen(3000)}]),
    ("freshman_travel", "新生入学路费", "cash", "county", True,
     [{"stages": BACHELOR, "freshman": True, "in_province": True, "fen": _fen(500)},
      {"stages": BACHELOR, "freshman": True, "in_province": False, "fen": _fen(1000)}]),
    ("student_loan", "生源地信用助学贷款", "loan", "county", False,
     [{"stages": BACHELOR, "fen": _fen(12000)},
      {"stages": ["master", "doctor"], "fen": _fen(16000)}]),
]  # fmt: skip
