"""Reading the 班级 cell of a staff sheet (pure)."""

from __future__ import annotations

import pytest

from eduaid.staff.classes import ClassTextError, chinese_number, parse_classes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3年级1班", [(3, "1班")]),
        ("3年级1班、4年级(2)班", [(3, "1班"), (4, "2班")]),
        ("三年级（1）班，三年级1班", [(3, "1班")]),
        ("初一2班", [(7, "2班")]),
        ("高三10班", [(12, "10班")]),
        ("7-3班; 8.1", [(7, "3班"), (8, "1班")]),
        ("十二年级1班", [(12, "1班")]),
        ("", []),
    ],
)
def test_classes_are_read(text: str, expected: list[tuple[int, str]]) -> None:
    assert parse_classes(text) == expected


@pytest.mark.parametrize("text", ["数学组", "13年级1班", "初四1班", "三年级"])
def test_what_names_no_class_is_refused(text: str) -> None:
    with pytest.raises(ClassTextError):
        parse_classes(text)


def test_chinese_numbers() -> None:
    assert [chinese_number(t) for t in ("一", "十", "十一", "二十", "九十九", "12", "百")] == [
        1,
        10,
        11,
        20,
        99,
        12,
        None,
    ]
