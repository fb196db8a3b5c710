"""Care records outside the `*_a` scopes of the test cast (school_b's pupil in village_b), for the
scope tests; and small builders used across the care tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from eduaid.care.models import (
    FollowUp,
    LeftBehindChild,
    MigrantRequest,
    TeamMember,
    Visit,
)
from eduaid.conftest import RegistryCast
from eduaid.core import idnumbers
from eduaid.org.models import OrgUnit, OrgUnitKind

DAY = dt.date(2024, 3, 1)


def county_user(r: RegistryCast) -> Any:
    return r.cast.user("county_admin")


def outside_visit(r: RegistryCast) -> Visit:
    return Visit.objects.create(
        person=r.person("hardship_kid"),
        household=r.households["hardship"],
        visited_on=DAY,
        kind="home_visit",
        recorded_by=county_user(r),
        findings="家中困难",
    )


def outside_follow_up(r: RegistryCast) -> FollowUp:
    return FollowUp.objects.create(visit=outside_visit(r), action="联系民政")


def outside_left_behind(r: RegistryCast) -> LeftBehindChild:
    return LeftBehindChild.objects.create(
        person=r.person("hardship_kid"),
        village=r.cast.village_b,
        school=r.cast.school_b,
        situation="both_away",
        guardian_name="王奶奶",
        guardian_relation="祖母",
        guardian_phone="13800000000",
        registered_on=DAY,
        registered_by=county_user(r),
    )


def migrant_id(seq: int) -> str:
    return idnumbers.synthetic("410102", dt.date(2016, 5, 5), seq)


def outside_migrant(r: RegistryCast) -> MigrantRequest:
    return MigrantRequest.objects.create(
        child_name="外来娃",
        child_id_number=migrant_id(91),
        guardian_name="外来父",
        residence_permit="豫A-2023-0001",
        applied_on=DAY,
        school_requested=r.cast.school_b,
        recorded_by=county_user(r),
    )


def outside_team(r: RegistryCast) -> OrgUnit:
    team, _created = OrgUnit.objects.get_or_create(kind=OrgUnitKind.VILLAGE_TEAM, name="驻瞿阳街道工作队")
    team.villages.add(r.cast.village_b)
    return team


def outside_member(r: RegistryCast) -> TeamMember:
    return TeamMember.objects.create(team=outside_team(r), name="外队员", position="队员", joined_on=DAY)
