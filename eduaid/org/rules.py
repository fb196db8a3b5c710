"""Pure rules of the county structure: school codes (学校标识码), township and village names. No database.

A 学校标识码 has ten digits: two for the school type, two for the province, six more. The province
is the first two digits of the configured county (``settings.EDUAID_COUNTY``), passed in by the
caller so that these functions stay pure.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum

from eduaid.core.tabular import compact
from eduaid.org.models import SchoolType

TYPE_DIGITS: dict[str, SchoolType] = {
    "11": SchoolType.KINDERGARTEN,
    "21": SchoolType.PRIMARY,
    "31": SchoolType.JUNIOR,
    "34": SchoolType.SENIOR,
    "36": SchoolType.VOCATIONAL,
    "51": SchoolType.SPECIAL,
}

# The type digits each school type may carry; combined schools register under either stage.
DIGITS_FOR_TYPE: dict[str, frozenset[str]] = {
    SchoolType.KINDERGARTEN: frozenset({"11"}),
    SchoolType.PRIMARY: frozenset({"21"}),
    SchoolType.JUNIOR: frozenset({"31"}),
    SchoolType.NINE_YEAR: frozenset({"21", "31"}),
    SchoolType.COMPLETE_SECONDARY: frozenset({"31", "34"}),
    SchoolType.SENIOR: frozenset({"34"}),
    SchoolType.VOCATIONAL: frozenset({"36"}),
    SchoolType.SPECIAL: frozenset({"51"}),
}

_TEN_DIGITS = re.compile(r"^[0-9]{10}$")


class CodeProblem(StrEnum):
    NOT_TEN_DIGITS = "not_ten_digits"
    UNKNOWN_TYPE = "unknown_type"
    WRONG_PROVINCE = "wrong_province"


def school_code_problem(code: str, *, province: str) -> CodeProblem | None:
    """Why `code` cannot be a school code of this province, or None when it can."""
    if not _TEN_DIGITS.match(code):
        return CodeProblem.NOT_TEN_DIGITS
    if code[:2] not in TYPE_DIGITS:
        return CodeProblem.UNKNOWN_TYPE
    if code[2:4] != province:
        return CodeProblem.WRONG_PROVINCE
    return None


def type_digits_agree(code: str, school_type: str) -> bool:
    """Whether the code's type digits fit the school type (a disagreement is only a warning)."""
    return code[:2] in DIGITS_FOR_TYPE.get(school_type, frozenset())


# --- township names ----------------------------------------------------------------------------

COUNTY_LEVEL_NAMES = frozenset({"县直", "县直属", "县属"})
TOWNSHIP_SUFFIXES = ("街道办事处", "办事处", "街道", "乡", "镇")
# Characters written either way in this county's names (瞿阳/灈阳, 查岈山/嵖岈山).
_VARIANTS = str.maketrans({"灈": "瞿", "嵖": "查"})


def fold_division_name(name: str) -> str:
    """How division names compare: `compact`, with variant characters folded."""
    return compact(name).translate(_VARIANTS)


def strip_township_suffix(name: str) -> str:
    for suffix in TOWNSHIP_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class TownshipNotFound(LookupError):
    """No township has the name, or (with `candidates`) several do."""

    def __init__(self, name: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(name)
        self.name = name
        self.candidates = candidates


class TownshipNames:
    """Resolves a township as written in a file to its id; 县直 resolves to None.

    A name matches exactly (after folding), or without its 乡/镇/街道 suffix when that is unique,
    so that 文城 and 文城镇 both find 文城乡.
    """

    def __init__(self, townships: Iterable[tuple[int, str]]) -> None:
        self._exact: dict[str, int] = {}
        self._stem: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for pk, name in townships:
            folded = fold_division_name(name)
            self._exact[folded] = pk
            self._stem[strip_township_suffix(folded)].append((pk, name))

    def resolve(self, name: str) -> int | None:
        folded = fold_division_name(name)
        if folded in COUNTY_LEVEL_NAMES:
            return None
        if folded in self._exact:
            return self._exact[folded]
        matches = self._stem.get(strip_township_suffix(folded), [])
        if len(matches) == 1:
            return matches[0][0]
        raise TownshipNotFound(name, tuple(sorted(found for _pk, found in matches)))


# --- village names -----------------------------------------------------------------------------

# Longest first; 村委会 is how most files shorten 村民委员会 (东营村委会).
VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "社区居委会", "村委会", "居委会", "社区", "村")


def village_stem(name: str) -> str:
    """A village name without its 村/社区/委员会 endings, repeatedly (前进社区居民委员会 → 前进)."""
    stem = fold_division_name(name)
    while True:
        suffix = next((s for s in VILLAGE_SUFFIXES if stem.endswith(s) and len(stem) > len(s)), None)
        if suffix is None:
            return stem
        stem = stem[: -len(suffix)]


class VillageNotFound(LookupError):
    """No village of the township has the name, or (with `candidates`) several do."""

    def __init__(self, name: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(name)
        self.name = name
        self.candidates = candidates


class VillageNames:
    """Resolves a village as written in a file to its id, only among its township's villages.

    A name matches exactly (after folding) or by its stem (`village_stem`), so that 东营, 东营村,
    东营村委会 and 东营村民委员会 all find 东营村民委员会; several village names repeat across
    townships, which is why the township always comes with the name.
    """

    def __init__(self, villages: Iterable[tuple[int, int, str]]) -> None:
        """`villages`: (village id, township id, name) triples."""
        self._exact: dict[tuple[int, str], int] = {}
        self._stem: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
        for pk, township_id, name in villages:
            self._exact[(township_id, fold_division_name(name))] = pk
            self._stem[(township_id, village_stem(name))].append((pk, name))

    def resolve(self, township_id: int, name: str) -> int:
        exact = self._exact.get((township_id, fold_division_name(name)))
        if exact is not None:
            return exact
        matches = self._stem.get((township_id, village_stem(name)), [])
        if len(matches) == 1:
            return matches[0][0]
        raise VillageNotFound(name, tuple(sorted(found for _pk, found in matches)))
