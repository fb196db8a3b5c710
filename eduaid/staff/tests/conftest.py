from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from eduaid.conftest import RegistryCast
from eduaid.staff.models import Teacher
from eduaid.staff.tests.factories import cast_teacher, head_teacher, outside_teacher, teacher


@dataclass
class StaffCast:
    """registry_cast plus teachers: `mine` is the cast teacher login's Teacher (school_a), `head` the
    班主任 of school_a's 3-1班, `other` a second school_a teacher, `outside` a teacher of school_b."""

    reg: RegistryCast
    mine: Teacher
    head: Teacher
    other: Teacher
    outside: Teacher

    @property
    def cast(self) -> Any:
        return self.reg.cast

    def person(self, key: str) -> Any:
        return self.reg.person(key)


@pytest.fixture
def staff_cast(registry_cast: RegistryCast) -> StaffCast:
    cast = registry_cast.cast
    school_class = cast.school_a.classes.get(grade=3, name="1班")
    return StaffCast(
        reg=registry_cast,
        mine=cast_teacher(cast),
        head=head_teacher(school_class, "周班主任"),
        other=teacher(cast.school_a, "吴老师"),
        outside=outside_teacher(cast),
    )
