"""End-to-end checks in a real Chromium (Debian's /usr/bin/chromium, driven by Playwright's sync API).

One browser process per module, a fresh context (cookies, viewport) per test. The live server runs the
real middleware stack: login form, django-axes, the forced password change, scoped 404s.
Assertions use `data-testid` hooks, not translated text, except where the Chinese data is the point.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from eduaid.conftest import PASSWORD, Cast, RegistryCast

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000

# Transactional (the live server reads the data from another thread); serialized_rollback brings back
# the townships, villages and county offices that migrations load, which a flush would otherwise erase.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# The generated initial password: 12 letters and digits (see eduaid.accounts.passwords).
GENERATED_PASSWORD = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z2-9]*[2-9])[A-Za-z2-9]{12}(?![A-Za-z0-9])")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
            "(apt-get install -y chromium fonts-noto-cjk). Never `playwright install`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls that fixtures
    # and the database flush make here are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sync_connections = {alias: connections[alias] for alias in connections}
    try:
        with sync_playwright() as pw:
            _keep_serialized_contents(sync_connections)
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _keep_serialized_contents(sync_connections: dict[str, Any]) -> None:
    """Hand the migrated data snapshot to the connections used while Playwright's loop runs.

    Django keeps database connections in an asgiref Local that, once an event loop runs in the thread
    (Playwright's sync API keeps one), switches to a context-local store: the test thread then gets a
    fresh connection object to the same in-memory database, without the `_test_serialized_contents`
    that `serialized_rollback` restores from.
    """
    for alias, sync_connection in sync_connections.items():
        contents = getattr(sync_connection, "_test_serialized_contents", None)
        if contents is not None:
            connections[alias]._test_serialized_contents = contents


def _new_page(browser: Any, live_server: Any, viewport: dict[str, int]) -> Any:
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"JavaScript error: {exc}"))

    def check_asset(response: Any) -> None:
        if "/static/" in response.url and response.status >= 400:
            page.problems.append(f"static file {response.url} answered {response.status}")

    page.on("response", check_asset)
    page.on("requestfailed", lambda request: page.problems.append(f"request failed: {request.url}"))
    return page


def _close(page: Any) -> None:
    problems = list(dict.fromkeys(page.problems))
    page.context.close()
    assert problems == [], "the pages did not load cleanly:\n" + "\n".join(problems)


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    page = _new_page(browser, live_server, DESKTOP)
    yield page
    _close(page)


@pytest.fixture
def phone_page(browser: Any, live_server: Any) -> Iterator[Any]:
    page = _new_page(browser, live_server, PHONE)
    yield page
    _close(page)


def submit(page: Any, button: str = "button[type=submit]") -> Any:
    """Click a form's submit button and return the response of the page it leads to."""
    with page.expect_navigation() as nav:
        page.locator(button).first.click()
    return nav.value


def log_in(page: Any, username: str, password: str) -> Any:
    page.goto("/accounts/login/")
    form = page.get_by_test_id("login-form")
    form.locator("#id_username").fill(username)
    form.locator("#id_password").fill(password)
    return submit(page, "[data-testid=login-form] button[type=submit]")


def log_out(page: Any) -> None:
    page.get_by_test_id("user-menu").click()
    submit(page, "[data-testid=logout]")
    assert page.url.endswith("/accounts/login/")


def show_nav(page: Any, name: str) -> Any:
    """The main-menu link of a URL name, made visible: the phone menu and its group opened."""
    link = page.locator(f'[data-nav="{name}"]')
    if not link.is_visible():
        toggler = page.locator(".navbar-toggler")
        if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
            toggler.click()
        group = page.locator(f'li.dropdown:has([data-nav="{name}"]) > [data-nav-toggle]')
        if group.count():
            group.wait_for(state="visible")
            group.click()
        link.wait_for(state="visible")
    return link


def go_nav(page: Any, name: str) -> None:
    """Follow a main-menu link by its URL name (e.g. "org:school_list")."""
    link = show_nav(page, name)
    with page.expect_navigation():
        link.click()


def test_school_officer_sees_only_their_school(page: Any, cast: Cast) -> None:
    officer = cast.user("school_officer")
    response = log_in(page, "school_officer", PASSWORD)
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    assert page.get_by_test_id("org-unit").inner_text().strip() == officer.org_unit.name
    my_school = page.get_by_test_id("my-school")
    assert "东营小学" in my_school.inner_text()

    go_nav(page, "org:school_list")
    table = page.get_by_test_id("school-table").inner_text()
    assert "东营小学" in table
    assert "瞿阳街道第一小学" not in table
    assert "文城乡第一初级中学" not in table
    # The main menu offers what a school officer may use, and not the admin pages.
    assert page.locator('[data-nav="accounts:user_list"]').count() == 0

    page.get_by_test_id("school-table").get_by_role("link", name="东营小学").click()
    assert page.get_by_test_id("school-name").inner_text() == "东营小学"

    response = page.goto(f"/schools/{cast.school_b.pk}/")
    assert response.status == 404
    not_found = page.get_by_test_id("not-found")
    assert not_found.is_visible()
    assert CHINESE.search(not_found.locator("h1").inner_text()), "the 404 page is not in Chinese"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "瞿阳街道第一小学" not in page.content()


def test_admin_creates_a_school_officer_who_must_change_the_password(
    page: Any, live_server: Any, cast: Cast
) -> None:
    log_in(page, "county_admin", PASSWORD)
    go_nav(page, "accounts:user_list")
    with page.expect_navigation():
        page.get_by_test_id("new-user").click()

    form = page.get_by_test_id("user-form")
    # Paired townships are for bureau leaders only; the form shows them for that role.
    paired = form.locator("[data-field=paired_townships]")
    assert not paired.is_visible()
    form.locator("#id_role").select_option("leader")
    assert paired.is_visible()
    form.locator("#id_username").fill("qyxiao")
    form.locator("#id_full_name").fill("瞿阳专干")
    form.locator("#id_role").select_option("school_officer")
    unit = form.locator("#id_unit")
    assert unit.locator("optgroup").count() >= 3
    school_option = unit.locator(f'optgroup option[value="school:{cast.school_b.pk}"]')
    assert "瞿阳街道第一小学" in school_option.inner_text()
    unit.select_option(f"school:{cast.school_b.pk}")
    response = submit(page, "[data-testid=user-form] button[type=submit]")
    assert response.status == 200

    message = page.get_by_test_id("message").filter(has_text="qyxiao")
    assert message.get_attribute("data-level") == "success"
    found = GENERATED_PASSWORD.findall(message.inner_text())
    assert len(found) == 1, f"no single initial password in {message.inner_text()!r}"
    initial = found[0]

    log_out(page)
    log_in(page, "qyxiao", initial)
    assert page.url.endswith("/accounts/password/")
    # Every other page sends them back until the password is theirs.
    page.goto("/schools/")
    assert page.url.endswith("/accounts/password/")

    form = page.get_by_test_id("password-change-form")
    form.locator("#id_old_password").fill(initial)
    form.locator("#id_new_password1").fill("Quyang-2024-new")
    form.locator("#id_new_password2").fill("Quyang-2024-new")
    submit(page, "[data-testid=password-change-form] button[type=submit]")

    assert page.url == live_server.url + "/"
    assert page.get_by_test_id("message").first.get_attribute("data-level") == "success"
    assert "瞿阳街道第一小学" in page.get_by_test_id("my-school").inner_text()
    assert "瞿阳街道第一小学" in page.get_by_test_id("org-unit").inner_text()


def test_five_wrong_passwords_lock_the_account(page: Any, cast: Cast) -> None:
    for attempt in range(1, 5):
        response = log_in(page, "school_officer", f"wrong-{attempt}")
        assert response.status == 200
        assert page.get_by_test_id("login-error").is_visible(), f"attempt {attempt}"
    log_in(page, "school_officer", "wrong-5")  # the fifth failure locks the account

    response = log_in(page, "school_officer", PASSWORD)
    assert response.status == 429
    assert page.get_by_test_id("locked-out").is_visible()
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # Not logged in: the home page sends us back to the login form.
    page.goto("/")
    assert "/accounts/login/" in page.url
    # Another user from the same address is not affected.
    log_in(page, "teacher", PASSWORD)
    assert page.get_by_test_id("user-menu").is_visible()


def test_phone_layout_collapses_the_menu_and_does_not_overflow(phone_page: Any, cast: Cast) -> None:
    page = phone_page
    log_in(page, "county_admin", PASSWORD)
    assert not page.locator('[data-nav="org:school_list"]').is_visible()
    schools_link = show_nav(page, "org:school_list")
    with page.expect_navigation():
        schools_link.click()
    assert "东营小学" in page.get_by_test_id("school-table").inner_text()
    for path in ("/", "/schools/", "/townships/", "/accounts/users/", "/accounts/users/new/"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone screen"


def test_school_officer_finds_a_student_and_reveals_the_id_once(
    page: Any, registry_cast: RegistryCast
) -> None:
    kid = registry_cast.person("poor_kid")
    log_in(page, "school_officer", PASSWORD)
    go_nav(page, "registry:student_list")
    rows = page.get_by_test_id("student-row")
    assert rows.count() == 5  # the pupils of 东营小学 only
    page.get_by_test_id("student-search").fill("张")
    submit(page, "[data-testid=student-filter-submit]")
    assert rows.count() == 1
    assert rows.first.get_by_test_id("masked-id").inner_text() == "411728********" + kid.id_number[-4:]
    assert kid.id_number not in page.content()

    with page.expect_navigation():
        rows.first.get_by_test_id("student-link").click()
    assert page.get_by_test_id("person-name").inner_text() == "张小明"
    assert page.get_by_test_id("masked-id").inner_text() == "411728********" + kid.id_number[-4:]
    assert kid.id_number not in page.content()
    assert "脱贫户" in page.get_by_test_id("households").inner_text()

    submit(page, "[data-testid=reveal-id]")
    assert page.get_by_test_id("full-id").inner_text() == kid.id_number
    assert page.get_by_test_id("reveal-note").is_visible()
    # shown once: coming back to the profile masks it again
    page.goto(f"/students/{kid.pk}/")
    assert kid.id_number not in page.content()
    assert page.get_by_test_id("masked-id").is_visible()


def test_registry_pages_fit_a_phone(phone_page: Any, registry_cast: RegistryCast) -> None:
    page = phone_page
    log_in(page, "aid_center", PASSWORD)
    kid = registry_cast.person("plain_kid")
    household = registry_cast.households["poor"]
    for path in (
        "/students/",
        f"/students/{kid.pk}/",
        "/households/",
        f"/households/{household.pk}/",
        "/findings/",
    ):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone screen"
    page.goto("/findings/")
    page.get_by_test_id("eligible-chart").locator("svg").wait_for()
