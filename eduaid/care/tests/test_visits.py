"""Home visits and talks: who may record them, where they show, and their follow-up actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from eduaid.care import services
from eduaid.care.models import FollowUp, Visit
from eduaid.care.selectors import visits_visible_to
from eduaid.conftest import RegistryCast
from eduaid.core.models import AuditEvent, AuditKind

DAY = dt.date(2024, 3, 10)


def _visit(actor: Any, **kwargs: Any) -> Visit:
    kwargs.setdefault("visited_on", DAY)
    kwargs.setdefault("kind", "home_visit")
    kwargs.setdefault("findings", "孩子学习认真，奶奶身体不好")
    return services.visit_record(actor=actor, **kwargs)


def test_a_home_visit_to_a_student_is_filed_under_the_household_too(registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("school_officer")
    visit = _visit(officer, person=registry_cast.person("poor_kid"), actions=["联系村委", "送学习用品"])
    assert visit.household == registry_cast.households["poor"]
    assert visit.recorded_by == officer
    assert [a.action for a in visit.follow_ups.all()] == ["联系村委", "送学习用品"]
    assert AuditEvent.objects.filter(kind=AuditKind.VISIT, object_id=str(visit.pk)).exists()


def test_a_talk_stays_with_the_student_only(registry_cast: RegistryCast) -> None:
    visit = _visit(
        registry_cast.cast.user("school_officer"), person=registry_cast.person("poor_kid"), kind="talk"
    )
    assert visit.household is None


def test_a_visit_cannot_be_dated_in_the_future(registry_cast: RegistryCast) -> None:
    with pytest.raises(ValidationError):
        _visit(
            registry_cast.cast.user("school_officer"),
            person=registry_cast.person("poor_kid"),
            visited_on=dt.date(2024, 3, 16),
        )


@pytest.mark.parametrize(
    ("role", "key"), [("school_officer", "hardship_kid"), ("village_team", "hardship_kid")]
)
def test_a_visit_outside_the_scope_is_refused(registry_cast: RegistryCast, role: str, key: str) -> None:
    with pytest.raises(PermissionDenied):
        _visit(registry_cast.cast.user(role), person=registry_cast.person(key))


@pytest.mark.parametrize("role", ["leader", "aid_center", "inspector", "county_admin"])
def test_county_roles_read_visits_but_do_not_record_them(
    client: Any, registry_cast: RegistryCast, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        _visit(registry_cast.cast.user(role), person=registry_cast.person("poor_kid"))
    client.force_login(registry_cast.cast.user(role))
    url = reverse("care:visit_new_for_student", kwargs={"pk": registry_cast.person("poor_kid").pk})
    assert client.get(url).status_code == 403


def test_the_village_team_records_a_household_visit_that_shows_on_the_household_page(
    client: Any, registry_cast: RegistryCast
) -> None:
    household = registry_cast.households["poor"]
    client.force_login(registry_cast.cast.user("village_team"))
    response = client.post(
        reverse("care:visit_new_for_household", kwargs={"pk": household.pk}),
        {
            "visited_on": "2024-03-12",
            "kind": "talk",
            "companions": "村支书 张明",
            "findings": "户主务工收入稳定",
            "needs": "孩子需要课外辅导",
            "actions": "联系学校安排辅导\n下月回访",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", kwargs={"pk": household.pk})
    visit = Visit.objects.get()
    assert (visit.household, visit.person, visit.companions) == (household, None, "村支书 张明")
    assert visit.follow_ups.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "户主务工收入稳定" in page
    assert 'data-testid="care-household"' in page


def test_a_visit_shows_on_the_student_profile(client: Any, registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("school_officer")
    _visit(officer, person=registry_cast.person("poor_kid"), findings="家里新建了书桌")
    _visit(officer, person=registry_cast.person("marginal_kid"), findings="别人的家访")
    client.force_login(officer)
    page = client.get(reverse("registry:student_detail", kwargs={"pk": registry_cast.person("poor_kid").pk}))
    html = page.content.decode()
    assert 'data-testid="care-profile"' in html
    assert "家里新建了书桌" in html
    assert "别人的家访" not in html


def test_the_visit_form_keeps_what_was_typed_when_the_date_is_wrong(
    client: Any, registry_cast: RegistryCast
) -> None:
    client.force_login(registry_cast.cast.user("school_officer"))
    url = reverse("care:visit_new_for_student", kwargs={"pk": registry_cast.person("poor_kid").pk})
    response = client.post(url, {"visited_on": "2024-04-01", "kind": "home_visit", "findings": "未来的家访"})
    assert response.status_code == 200
    assert "未来的家访" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_follow_up_is_closed_once_with_date_and_who(client: Any, registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("township_officer")
    visit = _visit(officer, person=registry_cast.person("unstable_kid"), actions=["申请临时救助"])
    action = visit.follow_ups.get()
    client.force_login(officer)
    url = reverse("care:follow_up_close", kwargs={"pk": action.pk})
    response = client.post(url, {"done_on": "2024-03-14", "note": "已报民政办"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.done_on, action.done_by, action.done_note) == (dt.date(2024, 3, 14), officer, "已报民政办")
    assert client.post(url, {"done_on": "2024-03-15"}).status_code == 400  # already closed
    with pytest.raises(ValidationError):
        services.follow_up_close(actor=officer, follow_up=action, done_on=dt.date(2024, 3, 15))


def test_a_follow_up_cannot_be_done_before_the_visit(registry_cast: RegistryCast) -> None:
    officer = registry_cast.cast.user("township_officer")
    visit = _visit(officer, person=registry_cast.person("unstable_kid"), actions=["回访"])
    with pytest.raises(ValidationError):
        services.follow_up_close(actor=officer, follow_up=visit.follow_ups.get(), done_on=dt.date(2024, 3, 1))
    assert FollowUp.objects.get().done_on is None


def test_visits_are_seen_through_the_student_or_the_household(registry_cast: RegistryCast) -> None:
    cast = registry_cast.cast
    at_home = _visit(cast.user("school_officer"), person=registry_cast.person("poor_kid"))
    talk = _visit(cast.user("school_officer"), person=registry_cast.person("poor_kid"), kind="talk")
    outside = _visit(_insider_b(registry_cast), person=registry_cast.person("hardship_kid"))
    seen = {role: set(visits_visible_to(cast.user(role))) for role in cast.users}
    assert seen["school_officer"] == {at_home, talk}
    assert seen["village_team"] == {at_home, talk}  # the child lives in its village
    assert seen["township_officer"] == {at_home, talk}
    assert seen["teacher"] == set()
    assert seen["leader"] == {at_home, talk, outside}


def _insider_b(registry_cast: RegistryCast) -> Any:
    """A school officer of school_b (outside every `*_a` scope)."""
    from eduaid.accounts.models import User
    from eduaid.org.units import unit_for_school

    return User.objects.create(
        username="school_b_officer",
        full_name="乙校专干",
        role="school_officer",
        org_unit=unit_for_school(registry_cast.cast.school_b),
    )
