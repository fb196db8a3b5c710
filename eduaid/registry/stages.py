"""School stages: the usual age band of each (on 31 August of the school year's first year)."""

from __future__ import annotations

from eduaid.registry.models import Stage

AGE_BANDS: dict[str, tuple[int, int]] = {
    Stage.PRESCHOOL: (2, 6),
    Stage.PRIMARY: (5, 13),
    Stage.JUNIOR: (11, 16),
    Stage.SENIOR: (14, 19),
    Stage.VOCATIONAL: (14, 20),
    Stage.JUNIOR_COLLEGE: (16, 25),
    Stage.UNDERGRADUATE: (16, 26),
    Stage.MASTER: (20, 40),
    Stage.DOCTOR: (22, 50),
}

COMPULSORY_AGES = (6, 15)


def age_fits(stage: str, age: int) -> bool:
    low, high = AGE_BANDS[stage]
    return low <= age <= high


def compulsory_age(age: int) -> bool:
    return COMPULSORY_AGES[0] <= age <= COMPULSORY_AGES[1]
