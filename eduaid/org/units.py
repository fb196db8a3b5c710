"""Org units: each township and school gets one on demand; county offices and village teams are configured."""

from __future__ import annotations

from eduaid.org.models import OrgUnit, OrgUnitKind, School, Township


def unit_for_township(township: Township) -> OrgUnit:
    unit, _created = OrgUnit.objects.get_or_create(
        township=township,
        defaults={
            "kind": OrgUnitKind.TOWNSHIP,
            # The unit's official name is data, not interface text: always Chinese.
            "name": f"{township.name}中心学校",
        },
    )
    return unit


def unit_for_school(school: School) -> OrgUnit:
    unit, _created = OrgUnit.objects.get_or_create(
        school=school, defaults={"kind": OrgUnitKind.SCHOOL, "name": f"{school.name}（{school.code}）"}
    )
    return unit
