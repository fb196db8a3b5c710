"""The 雨露计划 referral list (DESIGN §3): the term's `yulu_referral` entitlements, with the household
and college facts the rural-revitalisation department asks for. The department's name is the setting
`EDUAID_REFERRAL_DEPARTMENT` (default 县乡村振兴局).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from eduaid.aid.models import NOT_COUNTED_STATUSES, Entitlement
from eduaid.matching.describe import category_label
from eduaid.registry.models import Enrolment, HouseholdVersion, Membership, Stage, Term, valid_on

ITEM_CODE = "yulu_referral"


def department() -> str:
    return str(getattr(settings, "EDUAID_REFERRAL_DEPARTMENT", "") or "县乡村振兴局")


# The department's own form: its column names and title are fixed Chinese, not interface text.
HEADERS = ["身份证号", "姓名", "户编号", "乡镇", "行政村", "就读院校", "学段", "年级", "家庭类别"]


def title(term_code: str) -> str:
    return f"雨露计划推荐名单（{term_code}学期）　报送：{department()}"


def headers() -> list[str]:
    return list(HEADERS)


@dataclass(frozen=True)
class Referral:
    entitlement: Entitlement
    household_code: str
    township: str
    village: str
    grade: int | None

    def cells(self, id_number: str) -> list[str]:
        e = self.entitlement
        return [
            id_number,
            e.person.name,
            self.household_code,
            self.township,
            self.village,
            e.college,
            str(dict(Stage.choices).get(e.stage, e.stage)),
            "" if self.grade is None else str(self.grade),
            category_label(e.category) if e.category else "",
        ]


def referral_entitlements(visible: QuerySet[Entitlement], term: Term) -> QuerySet[Entitlement]:
    return (
        visible.filter(term=term, item_code=ITEM_CODE)
        .exclude(status__in=NOT_COUNTED_STATUSES)
        .select_related("person")
        .order_by("college", "person__name", "person_id")
    )


def referrals(visible: QuerySet[Entitlement], term: Term) -> Iterator[Referral]:
    """Each referral with the household and grade as they stood on the term's start date."""
    day = term.start_date
    rows = list(referral_entitlements(visible, term))
    person_ids = [e.person_id for e in rows]
    households = dict(
        Membership.objects.filter(valid_on(day), person_id__in=person_ids).values_list(
            "person_id", "household_id"
        )
    )
    places: dict[int, tuple[str, str, str]] = {}
    versions = HouseholdVersion.objects.filter(valid_on(day), household_id__in=set(households.values()))
    for hv in versions.select_related("household", "village__township"):
        places[hv.household_id] = (hv.household.code, hv.village.township.name, hv.village.name)
    grades: dict[tuple[int, str], int | None] = {}
    enrolments = Enrolment.objects.filter(valid_on(day), person_id__in=person_ids, school__isnull=True)
    for person_id, college, grade in enrolments.order_by("-pk").values_list("person_id", "college", "grade"):
        grades[(person_id, college)] = grade
    for e in rows:
        code, township, village = places.get(households.get(e.person_id, -1), ("", "", ""))
        yield Referral(e, code, township, village, grades.get((e.person_id, e.college)))


def full_id(e: Entitlement) -> str:
    return e.person.id_number or e.person.student_key or ""


def write_xlsx(path_or_buffer: Any, term_code: str, rows: list[list[str]]) -> None:
    """The page's download: a title row naming the department, then the table (every cell text)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path_or_buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(_("雨露计划"))
    text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True, "border": 1, "bg_color": "#EEEEEE"})
    big = book.add_format({"bold": True, "font_size": 14})
    heads = headers()
    sheet.set_column(0, len(heads) - 1, 16, text)
    sheet.merge_range(0, 0, 0, len(heads) - 1, title(term_code), big)
    sheet.write_row(1, 0, heads, bold)
    for index, row in enumerate(rows, start=2):
        for col, value in enumerate(row):
            sheet.write_string(index, col, value, text)
    book.set_properties({"title": title(term_code)})
    book.close()
