"""驻村帮扶: the team's members, activities and help records; a team sees its villages' households only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from eduaid.care import services
from eduaid.care.models import HelpRecord, TeamActivity, TeamMember
from eduaid.care.selectors import help_records_visible_to, teams_visible_to
from eduaid.care.tests.factories import outside_team
from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind


def test_teams_are_seen_by_the_team_its_township_and_the_county(registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    other = outside_team(registry_cast)
    assert list(teams_visible_to(cast.user("village_team"))) == [cast.team]
    assert list(teams_visible_to(cast.user("township_officer"))) == [cast.team]
    assert set(teams_visible_to(cast.user("leader"))) >= {cast.team, other}
    assert not teams_visible_to(cast.user("school_officer")).exists()
    assert not teams_visible_to(cast.user("teacher")).exists()


def test_the_team_adds_members_and_records_an_activity(client: Any, registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    team_user = cast.user("village_team")
    client.force_login(team_user)
    response = client.post(
        reverse("care:team_member_add", kwargs={"pk": cast.team.pk}),
        {"name": "刘卫东", "position": "第一书记", "phone": "13700001111", "joined_on": "2023-03-01"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("care:team_activity_new", kwargs={"pk": cast.team.pk}),
        {
            "held_on": "2024-03-09",
            "village": cast.village_a.pk,
            "title": "清洁家园",
            "participants": "工作队、村两委、党员志愿者",
            "participant_count": "26",
            "notes": "清理沟渠垃圾，村道两旁植树",
        },
    )
    assert response.status_code == 302
    assert TeamMember.objects.get().team == cast.team
    activity = TeamActivity.objects.get()
    assert (activity.title, activity.participant_count, activity.village) == ("清洁家园", 26, cast.village_a)
    page = client.get(reverse("care:team_detail", kwargs={"pk": cast.team.pk})).content.decode()
    assert "刘卫东" in page and "清洁家园" in page
    assert AuditEvent.objects.filter(kind=AuditKind.VILLAGE_TEAM).count() == 2


def test_an_activity_in_a_village_not_the_teams_is_refused(registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    with pytest.raises(ValidationError):
        services.team_activity_record(
            actor=cast.user("village_team"),
            team=cast.team,
            village=cast.village_b,
            held_on=dt.date(2024, 3, 1),
            title="清洁家园",
            participants="队员",
        )


@pytest.mark.parametrize("role", ["township_officer", "county_admin", "leader"])
def test_only_the_team_itself_writes_its_records(client: Any, registry_cast: RegistryCast, role: str) -> None:
    cast = registry_cast.cast
    with pytest.raises(PermissionDenied):
        services.team_member_add(
            actor=cast.user(role), team=cast.team, name="某", position="队员", joined_on=dt.date(2024, 1, 1)
        )
    client.force_login(cast.user(role))
    assert client.get(reverse("care:team_detail", kwargs={"pk": cast.team.pk})).status_code == 200
    assert client.get(reverse("care:team_activity_new", kwargs={"pk": cast.team.pk})).status_code == 403
    url = reverse("care:help_new", kwargs={"pk": registry_cast.households["poor"].pk})
    assert client.get(url).status_code == 403


def test_a_help_record_with_its_value_in_fen(client: Any, registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    household = registry_cast.households["unstable"]
    client.force_login(cast.user("village_team"))
    response = client.post(
        reverse("care:help_new", kwargs={"pk": household.pk}),
        {
            "helped_on": "2024-03-08",
            "kind": "goods",
            "description": "送去米面油和春季校服",
            "value": "356.50",
        },
    )
    assert response.status_code == 302
    help_row = HelpRecord.objects.get()
    assert (help_row.value_fen, help_row.team, help_row.household) == (35650, cast.team, household)
    page = client.get(reverse("registry:household_detail", kwargs={"pk": household.pk})).content.decode()
    assert "送去米面油和春季校服" in page and "356.50" in page
    services.help_record_add(
        actor=cast.user("village_team"),
        household=household,
        helped_on=dt.date(2024, 3, 9),
        kind="education",
        description="联系学校落实寄宿生生活补助",
    )
    assert HelpRecord.objects.filter(value_fen__isnull=True).count() == 1


def test_help_for_a_household_outside_the_villages_does_not_exist(
    client: Any, registry_cast: RegistryCast
) -> None:
    cast = registry_cast.cast
    outside = registry_cast.households["hardship"]
    with pytest.raises(PermissionDenied):
        services.help_record_add(
            actor=cast.user("village_team"),
            household=outside,
            helped_on=dt.date(2024, 3, 1),
            kind="money",
            description="慰问金",
            value_fen=50000,
        )
    client.force_login(cast.user("village_team"))
    assert client.get(reverse("care:help_new", kwargs={"pk": outside.pk})).status_code == 404
    assert client.get(reverse("care:visit_new_for_household", kwargs={"pk": outside.pk})).status_code == 404
    assert client.get(reverse("registry:household_detail", kwargs={"pk": outside.pk})).status_code == 404


def test_help_records_are_seen_with_their_household(registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    row = services.help_record_add(
        actor=cast.user("village_team"),
        household=registry_cast.households["poor"],
        helped_on=dt.date(2024, 3, 1),
        kind="employment",
        description="介绍到县城工业园务工",
    )
    assert list(help_records_visible_to(cast.user("township_officer"))) == [row]
    assert list(help_records_visible_to(cast.user("school_officer"))) == [row]  # a school_a pupil's home
    assert not help_records_visible_to(cast.user("teacher")).exists()


def test_the_team_page_lists_its_households_with_visits(client: Any, registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    services.visit_record(
        actor=cast.user("village_team"),
        household=registry_cast.households["poor"],
        visited_on=dt.date(2024, 3, 2),
        kind="home_visit",
        findings="交心谈心",
    )
    client.force_login(cast.user("village_team"))
    response = client.get(reverse("care:team_list"))
    assert response.status_code == 302  # its own team's page
    page = client.get(response["Location"]).content.decode()
    assert page.count('data-testid="team-household"') == 3  # poor, unstable, marginal in village_a
    home = client.get(reverse("core:home")).content.decode()
    assert 'data-care-count="visited">1<' in home


def test_a_member_leaves_once(registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    member = services.team_member_add(
        actor=cast.user("village_team"),
        team=cast.team,
        name="赵强",
        position="队员",
        joined_on=dt.date(2023, 3, 1),
    )
    services.team_member_leave(actor=cast.user("village_team"), member=member, left_on=dt.date(2024, 3, 15))
    with pytest.raises(ValidationError):
        services.team_member_leave(
            actor=cast.user("village_team"), member=member, left_on=dt.date(2024, 3, 15)
        )
