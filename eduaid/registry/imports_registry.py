"""Importing the household registry (`eduaid import_registry FILE`, and the upload page).

The 防返贫监测 export has one row per member: 户编号, 姓名, 证件号码, 与户主关系, the household's
category, 是否享受政策, 风险是否消除, 风险消除日期, 纳入监测日期, 乡镇, 行政村. The category comes either
in two columns (户类型: 脱贫户 or 一般农户; 监测对象类别: empty or one of the three monitored
categories) or in one column holding all four (脱贫户, 脱贫不稳定户, 边缘易致贫户, 突发严重困难户), headed
户类型, 监测对象类别, 家庭类别 or 人口类别. The file is the county's registry as of `--as-of`.

The cell helpers at the top (ID numbers, names, township and village, 性别) serve every registry
import; the population import uses them too.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from eduaid.core import clock, idnumbers
from eduaid.core.idnumbers import IdProblem
from eduaid.core.importing import Applied, ImportReport, Issue, Judged, number_lost_digits_message, run_import
from eduaid.core.tabular import Column, Row, clean_name, compact
from eduaid.org import rules
from eduaid.org.imports import YES_NO
from eduaid.org.models import Township, Village
from eduaid.registry.dates import DateError, bad_date_message, parse_date
from eduaid.registry.models import HouseholdType, MonitoringCategory, SnapshotKind
from eduaid.registry.services.households import Held, HouseholdFacts, MemberData, registry_import
from eduaid.registry.services.snapshots import SnapshotDateError, check_as_of

CODE, NAME, ID, RELATION = "户编号", "姓名", "证件号码", "与户主关系"
TYPE, CATEGORY, FAMILY = "户类型", "监测对象类别", "家庭类别"
POLICY, RISK_GONE, RISK_DATE, SINCE = "是否享受政策", "风险是否消除", "风险消除日期", "纳入监测日期"
TOWNSHIP, VILLAGE, GENDER = "乡镇", "行政村", "性别"
CATEGORY_COLUMNS = "category"

ID_ALIASES = ("身份证号", "身份证号码", "公民身份号码")
TOWNSHIP_ALIASES = ("乡镇（街道）", "所属乡镇", "乡镇街道", "乡（镇）")
VILLAGE_ALIASES = ("行政村（社区）", "村（社区）", "所属村", "村")
COLUMNS = (
    Column(CODE, ("户码",)),
    Column(NAME, ("成员姓名",)),
    Column(ID, ID_ALIASES),
    Column(RELATION, ("与户主的关系",), required=False),
    Column(TYPE, one_of=CATEGORY_COLUMNS),
    Column(CATEGORY, ("监测类别",), one_of=CATEGORY_COLUMNS),
    Column(FAMILY, ("人口类别",), one_of=CATEGORY_COLUMNS),
    Column(POLICY, (), required=False),
    Column(RISK_GONE, (), required=False),
    Column(RISK_DATE, (), required=False),
    Column(SINCE, ("识别监测日期",), required=False),
    Column(TOWNSHIP, TOWNSHIP_ALIASES),
    Column(VILLAGE, VILLAGE_ALIASES),
    Column(GENDER, (), required=False),
)

POVERTY_EXITED, ORDINARY = HouseholdType.POVERTY_EXITED, HouseholdType.ORDINARY
HOUSEHOLD_TYPES: dict[str, str] = {
    "脱贫户": POVERTY_EXITED,
    "脱贫享受政策户": POVERTY_EXITED,
    "一般农户": ORDINARY,
    "一般户": ORDINARY,
}
MONITORING: dict[str, str] = {
    "脱贫不稳定户": MonitoringCategory.UNSTABLE_EXITED,
    "边缘易致贫户": MonitoringCategory.MARGINAL,
    "突发严重困难户": MonitoringCategory.SUDDEN_HARDSHIP,
}
# A monitored category that implies the household type (a 脱贫不稳定户 is a 脱贫户, a 边缘易致贫户 never was).
IMPLIED_TYPE: dict[str, str] = {
    MonitoringCategory.UNSTABLE_EXITED: POVERTY_EXITED,
    MonitoringCategory.MARGINAL: ORDINARY,
}
COMBINED: dict[str, tuple[str, str]] = {
    "脱贫户": (POVERTY_EXITED, ""),
    "脱贫享受政策户": (POVERTY_EXITED, ""),
    **{name: (IMPLIED_TYPE.get(category, ORDINARY), category) for name, category in MONITORING.items()},
}
GENDERS: dict[str, bool] = {"男": True, "男性": True, "女": False, "女性": False}
CHOICES_SHOWN: dict[str, str] = {
    TYPE: "脱贫户、一般农户",
    CATEGORY: "脱贫不稳定户、边缘易致贫户、突发严重困难户",
    FAMILY: "脱贫户、脱贫不稳定户、边缘易致贫户、突发严重困难户",
    POLICY: "是、否",
    RISK_GONE: "是、否",
    GENDER: "男、女",
}
TYPE_NAMES: dict[str, str] = {POVERTY_EXITED: "脱贫户", ORDINARY: "一般农户"}
NAME_MAX, RELATION_MAX, CODE_MAX = 50, 20, 40


# --- cells every registry import reads ----------------------------------------------------------


def required_text(judged: Judged[Any], column: str) -> str | None:
    cell = judged.row.get(column)
    text = "" if cell is None else cell.text
    if not text:
        judged.reject(column, _("A value is required."))
        return None
    return text


def choice_key(row: Row, column: str) -> str:
    """A choice cell as compared with its list (`compact`); "" when blank or absent."""
    cell = row.get(column)
    return "" if cell is None else cell.key


def person_name(judged: Judged[Any], column: str = NAME) -> str | None:
    text = required_text(judged, column)
    if text is None:
        return None
    name = clean_name(text)
    if len(name) > NAME_MAX:
        judged.reject(column, _("Longer than %(max)s characters.") % {"max": NAME_MAX})
        return None
    return name


def id_number(judged: Judged[Any], column: str, today: dt.date) -> str | None:
    """The normalised ID number of the row, or None with the row rejected for it."""
    cell = judged.row.get(column)
    if required_text(judged, column) is None or cell is None:
        return None
    if cell.is_number:
        judged.reject(column, number_lost_digits_message())
        return None
    number = idnumbers.normalize(cell.raw)
    problem = idnumbers.problem(number, today=today)
    if problem is not None:
        judged.reject(column, id_problem_message(problem, number))
        return None
    return number


def id_problem_message(problem: IdProblem, number: str) -> str:
    """What is wrong with an ID number, and what to do, in the user's words."""
    if problem == IdProblem.EMPTY:
        return _("A value is required.")
    if problem == IdProblem.LENGTH:
        return _("An ID number has 18 characters; this one has %(count)s.") % {"count": len(number)}
    if problem == IdProblem.FORMAT:
        return _("An ID number is 17 digits followed by a digit or X.")
    if problem == IdProblem.CHECKSUM:
        return _(
            "The last character (the check digit) does not fit the other 17: compare it with the ID card."
        )
    if problem == IdProblem.BIRTH_DATE:
        return _("Characters 7–14 of an ID number are the birth date, and %(text)s is not a date.") % {
            "text": number[6:14]
        }
    if problem == IdProblem.FUTURE_BIRTH:
        return _("The birth date in the ID number (%(date)s) lies in the future.") % {
            "date": idnumbers.birth_date(number).isoformat()
        }
    return _("The first six digits of the ID number are not a known area code.")


def gender_warning(judged: Judged[Any], number: str | None) -> None:
    """性别, when the file has it, checked against the ID number (digit 17): a warning at most."""
    key = choice_key(judged.row, GENDER)
    if not key or number is None:
        return
    male = GENDERS.get(key)
    if male is None:
        judged.warn(GENDER, not_in_list_message(GENDER))
    elif male != idnumbers.is_male(number):
        said = "男" if idnumbers.is_male(number) else "女"
        judged.warn(GENDER, _("The ID number (its 17th digit) says %(gender)s.") % {"gender": said})


def not_in_list_message(column: str) -> str:
    return _("Not one of the allowed values: %(choices)s.") % {"choices": CHOICES_SHOWN[column]}


@dataclass(frozen=True)
class Places:
    """The county's townships and villages, as the judges of registry rows resolve them."""

    townships: rules.TownshipNames
    villages: rules.VillageNames
    township_names: Mapping[int, str]


def places_for(county_code: str) -> Places:
    townships = list(Township.objects.filter(county__code=county_code).values_list("pk", "name"))
    villages = Village.objects.filter(township__county__code=county_code).values_list(
        "pk", "township_id", "name"
    )
    return Places(rules.TownshipNames(townships), rules.VillageNames(villages), dict(townships))


def place(judged: Judged[Any], places: Places) -> tuple[int, int] | None:
    """(township id, village id) of the row, or None with the row rejected for it."""
    township_text = required_text(judged, TOWNSHIP)
    village_text = required_text(judged, VILLAGE)
    if township_text is None:
        return None
    try:
        township_id = places.townships.resolve(township_text)
    except rules.TownshipNotFound as exc:
        judged.reject(TOWNSHIP, _township_message(exc))
        return None
    if township_id is None:
        judged.reject(
            TOWNSHIP, _("县直 is for county-level schools: write the township where the person lives.")
        )
        return None
    if village_text is None:
        return None
    try:
        return township_id, places.villages.resolve(township_id, village_text)
    except rules.VillageNotFound as exc:
        judged.reject(VILLAGE, _village_message(exc, places.township_names[township_id]))
        return None


def _township_message(exc: rules.TownshipNotFound) -> str:
    if exc.candidates:
        return _("The name fits several townships: %(names)s.") % {"names": "、".join(exc.candidates)}
    return _("No township of this county has this name: write it as the county's list of townships does.")


def _village_message(exc: rules.VillageNotFound, township: str) -> str:
    if exc.candidates:
        return _("The name fits several villages of %(township)s: %(names)s; write the full name.") % {
            "township": township,
            "names": "、".join(exc.candidates),
        }
    return _(
        "%(township)s has no village of this name: write it as the county's list of villages of "
        "%(township)s does, or correct 乡镇 if the village lies in another township."
    ) % {"township": township}


def held_keys(report: ImportReport, *, id_column: str = ID, code_column: str = CODE) -> Held:
    """The household codes and ID numbers written in rejected rows (see `Held`)."""
    codes: set[str] = set()
    numbers: set[str] = set()
    for row, _issues in report.rejected_rows:
        codes.add(compact(row.raw(code_column)))
        numbers.add(idnumbers.normalize(row.raw(id_column)))
    return Held(frozenset(codes - {""}), frozenset(numbers - {""}))


def as_of_argument(text: str) -> dt.date:
    """`--as-of YYYY-MM-DD` on the command line."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(bad_date_message()) from exc


def refused_date(kind: str, as_of: dt.date, *, strict: bool, dry_run: bool) -> ImportReport | None:
    """The file-level rejection of a snapshot dated after today (it would block every later file
    until that day) or before the newest snapshot of its kind; None when the date is fine."""
    if as_of > clock.today():
        reason = _("The file's date %(as_of)s lies in the future: give the day the file was exported.") % {
            "as_of": as_of.isoformat()
        }
    else:
        try:
            check_as_of(kind, as_of)
        except SnapshotDateError as exc:
            reason = str(exc)
        else:
            return None
    report = ImportReport(dry_run=dry_run, strict=strict)
    report.errors.append(Issue(row=None, column="", value="", reason=reason))
    return report


# --- the registry file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    places: Places
    today: dt.date


def import_registry(
    source: bytes | Path,
    *,
    actor: Any,
    as_of: dt.date | None = None,
    filename: str = "",
    strict: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Judge every row, then make the registry say what the file says as of `as_of` (default today)."""
    day = as_of or clock.today()
    name = filename or (source.name if isinstance(source, Path) else "")
    refused = refused_date(SnapshotKind.REGISTRY, day, strict=strict, dry_run=dry_run)
    if refused is not None:
        return refused
    context = Context(places_for(settings.EDUAID_COUNTY), clock.today())
    agreement = HouseholdAgreement()

    def apply(values: Sequence[MemberData], *, dry_run: bool, report: ImportReport) -> Applied:
        if not values:  # a file without one valid row says nothing about the registry
            return Applied()
        summary = {"rows": report.rows, "rejected": report.rejected, "duplicates": report.duplicates}
        return registry_import(
            members=values,
            as_of=day,
            actor=actor,
            filename=name,
            held=held_keys(report),
            dry_run=dry_run,
            summary=summary,
        )

    return run_import(
        source,
        columns=COLUMNS,
        judge=lambda row: judge_member(row, context, agreement),
        key_column=ID,
        apply=apply,
        filename=filename,
        strict=strict,
        dry_run=dry_run,
    )


def judge_member(row: Row, context: Context, agreement: HouseholdAgreement) -> Judged[MemberData]:
    """One member row, or the reasons it cannot be one (one per bad cell)."""
    judged: Judged[MemberData] = Judged(row)
    code = _household_code(judged)
    number = id_number(judged, ID, context.today)
    name = person_name(judged)
    relation = _relation(judged)
    where = place(judged, context.places)
    kind = _kind(judged)
    policy = _policy(judged, kind)
    dates = _monitoring_dates(judged, kind, context.today)
    gender_warning(judged, number)
    judged.key = number
    if where is None or kind is None or policy is None or dates is None:
        return judged
    facts = HouseholdFacts(kind[0], kind[1], policy, dates[0], dates[1], where[1])
    if not judged.rejected and code and number and name and relation is not None:
        judged.value = MemberData(code, number, name, relation, facts)
    if code:
        agreement.add(code, judged, _compared(facts, where[0]))
    return judged


def _household_code(judged: Judged[Any]) -> str | None:
    cell = judged.row.get(CODE)
    if required_text(judged, CODE) is None or cell is None:
        return None
    code = compact(cell.raw)
    if cell.is_number and not code.isdigit():
        judged.reject(CODE, number_lost_digits_message())
        return None
    if len(code) > CODE_MAX:
        judged.reject(CODE, _("Longer than %(max)s characters.") % {"max": CODE_MAX})
        return None
    return code


def _relation(judged: Judged[Any]) -> str | None:
    cell = judged.row.get(RELATION)
    relation = "" if cell is None else clean_name(cell.raw)
    if len(relation) > RELATION_MAX:
        judged.reject(RELATION, _("Longer than %(max)s characters.") % {"max": RELATION_MAX})
        return None
    return relation


def category_columns(row: Row) -> tuple[str, str]:
    """The columns holding (household type, monitoring category); the same one for a combined column."""
    if TYPE in row.positions and CATEGORY in row.positions:
        return TYPE, CATEGORY
    combined = next(name for name in (FAMILY, TYPE, CATEGORY) if name in row.positions)
    return combined, combined


def _kind(judged: Judged[Any]) -> tuple[str, str] | None:
    """(household type, monitoring category, "" when not monitored) of the row."""
    type_column, category_column = category_columns(judged.row)
    if type_column == category_column:
        text = required_text(judged, type_column)
        if text is None:
            return None
        kind = COMBINED.get(compact(text))
        if kind is None:
            judged.reject(type_column, not_in_list_message(FAMILY))
        return kind
    return _separate_kind(judged)


def _separate_kind(judged: Judged[Any]) -> tuple[str, str] | None:
    """户类型 and 监测对象类别 in two columns; an empty 户类型 follows from 脱贫不稳定户 or 边缘易致贫户."""
    category_key, type_key = choice_key(judged.row, CATEGORY), choice_key(judged.row, TYPE)
    category = MONITORING.get(category_key, "") if category_key else ""
    if category_key and not category:
        judged.reject(CATEGORY, not_in_list_message(CATEGORY))
        return None
    implied = IMPLIED_TYPE.get(category)
    if not type_key:
        if implied is None:
            judged.reject(TYPE, _("A value is required."))
            return None
        return implied, category
    household_type = HOUSEHOLD_TYPES.get(type_key)
    if household_type is None:
        judged.reject(TYPE, not_in_list_message(TYPE))
        return None
    if implied is not None and implied != household_type:
        judged.reject(
            CATEGORY,
            _("A %(category)s can only be a %(type)s, but 户类型 says %(written)s.")
            % {"category": category_key, "type": TYPE_NAMES[implied], "written": type_key},
        )
        return None
    return household_type, category


def _yes_no(judged: Judged[Any], column: str) -> tuple[bool, bool | None]:
    """(readable, value): value None for a blank or missing cell."""
    key = choice_key(judged.row, column)
    if not key:
        return True, None
    value = YES_NO.get(key.upper())
    if value is None:
        judged.reject(column, not_in_list_message(column))
        return False, None
    return True, value


def _policy(judged: Judged[Any], kind: tuple[str, str] | None) -> bool | None:
    """是否享受政策: only a 脱贫户 can be without policy; blank means 是."""
    readable, value = _yes_no(judged, POLICY)
    if not readable:
        return None
    if kind is None or kind[0] != POVERTY_EXITED:
        return True
    return value is not False


def _date(judged: Judged[Any], column: str, today: dt.date) -> tuple[bool, dt.date | None]:
    """(readable, date) of a date column; dates after today are typing errors."""
    try:
        day = parse_date(judged.row.get(column))
    except DateError as exc:
        judged.reject(column, exc.message)
        return False, None
    if day is not None and day > today:
        judged.reject(column, _("The date lies in the future."))
        return False, None
    return True, day


def _monitoring_dates(
    judged: Judged[Any], kind: tuple[str, str] | None, today: dt.date
) -> tuple[dt.date | None, dt.date | None] | None:
    """(纳入监测日期, 风险消除日期) of a monitored household; (None, None) for another."""
    since_ok, since = _date(judged, SINCE, today)
    gone_ok, gone = _yes_no(judged, RISK_GONE)
    date_ok, eliminated = _date(judged, RISK_DATE, today)
    if not (since_ok and gone_ok and date_ok) or kind is None:
        return None
    if not kind[1]:
        return None, None  # these columns speak of monitored households only
    if gone and eliminated is None:
        column = RISK_DATE if RISK_DATE in judged.row.positions else RISK_GONE
        judged.reject(column, _("风险是否消除 is 是: write the date in 风险消除日期."))
        return None
    if gone is False and eliminated is not None:
        judged.reject(RISK_DATE, _("风险是否消除 is 否, yet a date is given: clear the date or write 是."))
        return None
    if since is not None and eliminated is not None and eliminated < since:
        judged.reject(
            RISK_DATE,
            _("The risk cannot be eliminated before the household was identified for monitoring (%(date)s).")
            % {"date": since.isoformat()},
        )
        return None
    return since, eliminated


# --- rows of one household must agree ------------------------------------------------------------

# Household facts as compared across a household's rows: fact -> the column that states it.
FACT_COLUMNS: dict[str, str] = {
    "household_type": TYPE,
    "monitoring_category": CATEGORY,
    "enjoys_policy": POLICY,
    "monitored_since": SINCE,
    "risk_eliminated_on": RISK_DATE,
    "township": TOWNSHIP,
    "village": VILLAGE,
}


def _compared(facts: HouseholdFacts, township_id: int) -> dict[str, Hashable]:
    return {
        "household_type": facts.household_type,
        "monitoring_category": facts.monitoring_category,
        "enjoys_policy": facts.enjoys_policy,
        "monitored_since": facts.monitored_since,
        "risk_eliminated_on": facts.risk_eliminated_on,
        "township": township_id,
        "village": facts.village_id,
    }


@dataclass(eq=False)
class _Member:
    judged: Judged[Any]
    facts: dict[str, Hashable]
    issues: list[Issue] = field(default_factory=list)
    signature: tuple[tuple[str, Hashable], ...] = ()

    def __post_init__(self) -> None:
        self.signature = tuple(self.facts.items())  # `_compared` always lists the facts in one order

    def column(self, fact: str) -> str:
        type_column, category_column = category_columns(self.judged.row)
        if fact == "household_type":
            return type_column
        if fact == "monitoring_category":
            return category_column
        if fact == "risk_eliminated_on" and RISK_DATE not in self.judged.row.positions:
            return RISK_GONE
        return FACT_COLUMNS[fact]


class HouseholdAgreement:
    """The rows of one household must agree on its facts (category, dates, village).

    The facts most of its rows give win; the rows that disagree are rejected, one error per cell,
    naming a row that gives the winning value. When no version has most rows, every row of the
    household is rejected: there is no telling which is right. Rows arrive one by one, so each new
    row of a household settles the household again, adding or withdrawing the rejections it made
    earlier; `run_import` reads the verdicts only once every row is judged.
    """

    def __init__(self) -> None:
        self._households: dict[str, list[_Member]] = defaultdict(list)
        self._split: set[str] = set()  # households whose rows have disagreed so far

    def add(self, code: str, judged: Judged[Any], facts: dict[str, Hashable]) -> None:
        members = self._households[code]
        member = _Member(judged, facts)
        members.append(member)
        if code in self._split or member.signature != members[0].signature:
            self._split.add(code)
            _settle(members)


def _settle(members: list[_Member]) -> None:
    for member in members:
        member.judged.errors[:] = [e for e in member.judged.errors if all(e is not i for i in member.issues)]
        member.issues.clear()
    ranked = Counter(member.signature for member in members).most_common()
    winner = ranked[0][0] if len(ranked) == 1 or ranked[0][1] > ranked[1][1] else None
    for member in members:
        if member.signature == winner:
            continue
        if winner is not None:
            other = next(m for m in members if m.signature == winner)
        else:
            other = next(m for m in members if m.signature != member.signature)
        _disagree(member, other)


def _disagree(member: _Member, other: _Member) -> None:
    """Reject `member` for each household fact in which it differs from `other`."""
    columns: dict[str, str] = {}
    for fact, value in member.facts.items():
        if other.facts[fact] == value:
            continue
        if fact == "village" and other.facts["township"] != member.facts["township"]:
            continue  # the township differs: one error, on 乡镇
        columns.setdefault(member.column(fact), other.column(fact))
    for column, other_column in columns.items():
        before = len(member.judged.errors)
        member.judged.reject(column, _disagreement_message(other, other_column, member))
        member.issues.extend(member.judged.errors[before:])


def _disagreement_message(other: _Member, column: str, reader: _Member) -> str:
    row = _row_ref(other.judged.row, reader.judged.row)
    value = other.judged.row.raw(column).strip()
    if not value:
        return _("Row %(row)s of the same household leaves it empty: all rows of a household must agree.") % {
            "row": row
        }
    return _("Row %(row)s of the same household says “%(value)s”: all rows of a household must agree.") % {
        "row": row,
        "value": value,
    }


def _row_ref(row: Row, reader: Row) -> str:
    if row.sheet == reader.sheet:
        return str(row.number)
    return _("%(row)s (sheet “%(sheet)s”)") % {"row": row.number, "sheet": row.sheet}
