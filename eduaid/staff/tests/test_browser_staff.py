"""Staff pages in a real Chromium at desktop and phone width: each role's pages load cleanly, fit a
phone, and are shot into /tmp/shots/staff/ to be looked at. A teacher on a phone finds their students."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from eduaid.conftest import PASSWORD, RegistryCast
from eduaid.core.tests.test_browser import browser, log_in, page, phone_page, submit  # noqa: F401 (fixtures)
from eduaid.staff.services import catchment_set, responsibility_assign, strategy_save
from eduaid.staff.tests.factories import cast_teacher, head_teacher, outside_teacher, teacher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ.get("EDUAID_SHOTS", "/tmp/shots")) / "staff"  # noqa: S108 (a place to look at)


@pytest.fixture(autouse=True)
def _pending_catalogue(settings: Any) -> None:
    """EDUAID_EXTRA_LOCALE names a folder with this part's compiled, not yet merged, Chinese, so the
    screenshots can be looked at in Chinese before the lead merges `locale/_pending/staff.po`."""
    extra = os.environ.get("EDUAID_EXTRA_LOCALE")
    if extra:
        settings.LOCALE_PATHS = [extra, *settings.LOCALE_PATHS]


def shoot(tab: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _fits(tab: Any) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth") <= tab.viewport_size["width"], tab.url


def _world(reg: RegistryCast) -> dict[str, Any]:
    cast = reg.cast
    mine = cast_teacher(cast)
    head = head_teacher(cast.school_a.classes.get(grade=3, name="1班"), "周美玲")
    teacher(cast.school_a, "吴建国")
    outside_teacher(cast)
    responsibility_assign(person=reg.person("poor_kid"), teacher=mine, actor=None, reason="班主任")
    responsibility_assign(person=reg.person("out_kid"), teacher=mine, actor=None, reason="划片")
    responsibility_assign(person=reg.person("no_id_kid"), teacher=head, actor=None)
    responsibility_assign(person=reg.person("no_id_kid"), teacher=mine, actor=None, reason="周老师病休")
    strategy_save(
        actor=None,
        school=cast.school_a,
        year=2024,
        measures="建立控辍保学台账，每月更新\n班主任每学期家访一次\n学业困难学生结对帮扶",
        leader="张校长",
    )
    catchment_set(actor=None, village=cast.village_a, stage="primary", school=cast.school_a)
    return {"head": head, "mine": mine}


def _visit(tabs: list[tuple[Any, str]], url: str, name: str, testid: str) -> None:
    for tab, width in tabs:
        response = tab.goto(url)
        assert response.status == 200, url
        assert tab.get_by_test_id(testid).first.is_visible()
        if width == "phone":
            _fits(tab)
        shoot(tab, f"{name}-{width}")


def test_a_teacher_finds_their_students_on_a_phone(
    phone_page: Any,  # noqa: F811 (the fixture)
    registry_cast: RegistryCast,
) -> None:
    _world(registry_cast)
    log_in(phone_page, "teacher", PASSWORD)
    card = phone_page.get_by_test_id("teacher-students")
    assert card.get_by_test_id("home-student").count() == 3
    _fits(phone_page)
    shoot(phone_page, "teacher-home-phone")
    with phone_page.expect_navigation():
        card.get_by_role("link", name=registry_cast.person("poor_kid").name).click()
    assert phone_page.get_by_test_id("profile-responsible").is_visible()
    shoot(phone_page, "teacher-profile-phone")
    phone_page.goto(reverse("staff:overview"))
    assert phone_page.get_by_test_id("assigned-row").count() == 3
    _fits(phone_page)
    shoot(phone_page, "teacher-my-students-phone")
    assert (
        phone_page.goto(
            reverse("registry:student_detail", kwargs={"pk": registry_cast.person("hardship_kid").pk})
        ).status
        == 404
    )


def test_the_school_officer_pages(
    page: Any,  # noqa: F811
    phone_page: Any,  # noqa: F811
    registry_cast: RegistryCast,
) -> None:
    world = _world(registry_cast)
    cast = registry_cast.cast
    tabs = [(page, "desktop"), (phone_page, "phone")]
    for tab, _width in tabs:
        log_in(tab, "school_officer", PASSWORD)
    school_class = cast.school_a.classes.get(grade=3, name="1班")
    _visit(tabs, reverse("staff:overview"), "school-overview", "overview-table")
    _visit(tabs, reverse("staff:teacher_list"), "school-teachers", "teacher-table")
    _visit(
        tabs,
        reverse("staff:teacher_detail", kwargs={"pk": world["mine"].pk}),
        "school-teacher-detail",
        "teacher-name",
    )
    _visit(tabs, reverse("staff:assign"), "school-assign-classes", "class-table")
    _visit(
        tabs,
        reverse("staff:assign") + f"?school={cast.school_a.pk}&class={school_class.pk}",
        "school-assign-class",
        "assign-table",
    )
    _visit(tabs, reverse("staff:coverage"), "school-coverage", "unassigned-table")
    _visit(
        tabs,
        reverse("staff:reassign", kwargs={"pk": registry_cast.person("no_id_kid").pk}),
        "school-reassign",
        "responsibility-history",
    )
    _visit(tabs, reverse("staff:class_heads"), "school-heads", "heads-form")
    _visit(tabs, reverse("staff:strategy_list"), "school-strategies", "strategy-table")
    _visit(tabs, reverse("staff:teacher_create"), "school-teacher-new", "teacher-form")
    _visit(
        tabs,
        reverse("staff:teacher_login", kwargs={"pk": world["head"].pk}),
        "school-teacher-login",
        "teacher-login-form",
    )
    # the bulk assignment works from the page: the 班主任 is proposed and poor_kid's box is ticked
    page.goto(reverse("staff:assign") + f"?school={cast.school_a.pk}&class={school_class.pk}")
    assert page.get_by_test_id("assign-teacher").input_value() == str(world["head"].pk)
    page.get_by_test_id("assign-teacher").select_option(str(world["head"].pk))
    page.locator("#assign-reason").fill("按班分配")
    submit(page, "[data-testid=assign-submit]")
    assert page.get_by_test_id("message").first.is_visible()
    shoot(page, "school-assign-done-desktop")


def test_the_township_and_county_pages(
    page: Any,  # noqa: F811
    phone_page: Any,  # noqa: F811
    registry_cast: RegistryCast,
) -> None:
    _world(registry_cast)
    tabs = [(page, "desktop"), (phone_page, "phone")]
    for tab, _width in tabs:
        log_in(tab, "township_officer", PASSWORD)
    _visit(tabs, reverse("staff:overview"), "township-overview", "overview-table")
    _visit(tabs, reverse("staff:catchment"), "township-catchment", "catchment-table")
    _visit(tabs, reverse("staff:coverage"), "township-coverage", "coverage-schools")
    for tab, _width in tabs:
        tab.context.clear_cookies()
        log_in(tab, "leader", PASSWORD)
    _visit(tabs, reverse("staff:overview"), "county-overview", "overview-table")
    _visit(tabs, reverse("staff:coverage"), "county-coverage", "coverage-townships")
    strategy = registry_cast.cast.school_a.strategies.get()
    _visit(
        tabs,
        reverse("staff:strategy_detail", kwargs={"pk": strategy.pk}),
        "county-strategy",
        "strategy-measures",
    )
