"""Teachers for the staff tests (and for other apps' tests that need a responsible teacher)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from eduaid.core import idnumbers
from eduaid.staff.models import ClassHeadTeacher, Teacher

_sequence = iter(range(100, 1000))


def teacher(school: Any, name: str = "王老师", *, user: Any = None, **facts: Any) -> Teacher:
    """An active teacher of `school` with a synthetic ID number (unique within a test run)."""
    facts.setdefault("id_number", idnumbers.synthetic("410101", dt.date(1985, 5, 5), next(_sequence)))
    facts.setdefault("phone", "13800000000")
    return Teacher.objects.create(school=school, name=name, user=user, **facts)


def head_teacher(school_class: Any, name: str = "班主任", **facts: Any) -> Teacher:
    found = teacher(school_class.school, name, **facts)
    ClassHeadTeacher.objects.create(school_class=school_class, teacher=found)
    return found


def cast_teacher(cast: Any) -> Teacher:
    """The Teacher row of the cast's teacher login (at school_a)."""
    found = Teacher.objects.filter(user=cast.user("teacher")).first()
    return found or teacher(cast.school_a, "陈老师", user=cast.user("teacher"))


def outside_teacher(cast: Any) -> Teacher:
    """A teacher of school_b (township_b): outside every `*_a` scope."""
    found = Teacher.objects.filter(school=cast.school_b, name="外乡老师").first()
    return found or teacher(cast.school_b, "外乡老师")


def outside_strategy(cast: Any) -> Any:
    """school_b's strategy for 2024 (outside every `*_a` scope)."""
    from eduaid.staff.models import SchoolStrategy

    found, _created = SchoolStrategy.objects.get_or_create(
        school=cast.school_b, year=2024, defaults={"measures": "控辍保学", "leader": "李校长"}
    )
    return found
