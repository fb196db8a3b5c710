"""Reading the 班级 cell of a staff sheet: "3年级1班、4年级(2)班", "初一2班", "7-3班". Pure: no database."""

from __future__ import annotations

import re

NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
LEVEL_OFFSET = {"初": 6, "高": 9}  # 初一 = grade 7, 高一 = grade 10
SEPARATORS = re.compile(r"[、,，;；/\s]+")
CLASS = re.compile(
    r"^(?P<level>[初高])?(?P<grade>\d{1,2}|[一二三四五六七八九十]{1,3})(?:年级|年)?"
    r"[-—.．·]?[(（]?(?P<number>\d{1,2})[)）]?班?$"
)


class ClassTextError(ValueError):
    """A part of the cell that names no class; `part` is that part as written."""

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.part = part


def chinese_number(text: str) -> int | None:
    """一 … 九, 十, 十一, 二十 … up to 九十九; or plain digits."""
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if "十" in text:
        tens, _sep, units = text.partition("十")
        high = NUMERALS.get(tens, 0) if tens else 1
        low = NUMERALS.get(units, 0) if units else 0
        if (tens and not high) or (units and not low):
            return None
        return high * 10 + low
    return NUMERALS.get(text) if len(text) == 1 else None


def parse_class(part: str) -> tuple[int, str]:
    """One class: (grade, "N班"), the way classes are named in the county's class list."""
    match = CLASS.match(part)
    if not match:
        raise ClassTextError(part)
    grade = chinese_number(match["grade"])
    if grade is None:
        raise ClassTextError(part)
    if match["level"]:
        if grade > 3:
            raise ClassTextError(part)
        grade += LEVEL_OFFSET[match["level"]]
    if not 1 <= grade <= 12:
        raise ClassTextError(part)
    return grade, f"{int(match['number'])}班"


def parse_classes(text: str) -> list[tuple[int, str]]:
    """Every class the cell names, in the order written, without repeats."""
    found: list[tuple[int, str]] = []
    for part in SEPARATORS.split(text.strip()):
        if not part:
            continue
        parsed = parse_class(part)
        if parsed not in found:
            found.append(parsed)
    return found
