"""A teacher with a login at school_a, and the catchment map of village_a."""

from __future__ import annotations

from typing import Any

from eduaid.conftest import Cast


def teacher_of(cast: Cast, *, user: bool = True, name: str = "王老师", school: Any = None) -> Any:
    from eduaid.staff.models import Teacher

    return Teacher.objects.create(
        school=school or cast.school_a, name=name, user=cast.user("teacher") if user else None
    )


def map_catchment(cast: Cast) -> None:
    from eduaid.staff.models import CatchmentSchool

    CatchmentSchool.objects.create(village=cast.village_a, stage="primary", school=cast.school_a)
    CatchmentSchool.objects.create(village=cast.village_a, stage="junior", school=cast.school_a)
