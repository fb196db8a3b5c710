"""Screenshot the main pages of a running EduAid, at desktop and phone widths, for a human to look at.

    uv run python scripts/screenshots.py [--base-url http://127.0.0.1:8000] \
        [--login admin:Eduaid-2024 --login xuexiao:Eduaid-2024 ...] [--out test-artifacts/screenshots]

Uses Debian's Chromium (/usr/bin/chromium) through Playwright; never downloads a browser.
For each login it saves <login>-<page>-<desktop|phone>.png (the first screen) and ...-full.png (the whole
page), and prints one line per shot:
the page, the HTTP status and the file. Pages a role may not open are shot as they look (403/404).
A server with data:  EDUAID_DATA_DIR=$(mktemp -d) uv run eduaid demo --addr 127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import ViewportSize, sync_playwright

CHROMIUM = "/usr/bin/chromium"
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
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1366, "height": 900},
    "phone": {"width": 390, "height": 844},
}
DEFAULT_LOGINS = ["admin:Eduaid-2024", "xuexiao:Eduaid-2024"]

# name -> path, or (list page, link to follow on it[, button to press there]) for a detail page.
PAGES: list[tuple[str, str | tuple[str, ...]]] = [
    ("home", "/"),
    ("students", "/students/"),
    ("student", ("/students/", "[data-testid=student-table] tbody a")),
    ("student-revealed", ("/students/", "[data-testid=student-table] tbody a", "[data-testid=reveal-id]")),
    ("households", "/households/"),
    ("household", ("/households/", "[data-testid=household-table] tbody a")),
    ("findings", "/findings/"),
    ("findings-dropouts", "/findings/?kind=dropouts"),
    ("schools", "/schools/"),
    ("school", ("/schools/", "[data-testid=school-table] tbody a")),
    ("townships", "/townships/"),
    ("township", ("/townships/", "main table tbody a")),
    ("villages", "/villages/"),
    ("users", "/accounts/users/"),
    ("user-new", "/accounts/users/new/"),
    ("audit", "/audit/"),
    ("not-found", "/schools/999999999/"),
]


def safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def shoot(page: Any, out: Path, stem: str, label: str, status: int | None) -> None:
    path = out / f"{stem}.png"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path))  # what the user sees first
    page.screenshot(path=str(out / f"{stem}-full.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    note = f"  ({overflow}px wider than the window)" if overflow > 0 else ""
    print(f"{label:<28} {status or '-':>4}  {path}{note}")


def log_in(page: Any, username: str, password: str) -> bool:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("[data-testid=login-form] button[type=submit]")
    if page.url.rstrip("/").endswith("/accounts/login"):
        print(f"{username}: login failed", file=sys.stderr)
        return False
    if "/accounts/password/" in page.url:
        print(f"{username}: must change the password first; shooting that page only", file=sys.stderr)
    return True


def status_of(page: Any, path: str) -> int | None:
    response = page.goto(path)
    return response.status if response else None


def shoot_login(browser: Any, base_url: str, viewport: ViewportSize, width_name: str, out: Path) -> None:
    context = browser.new_context(
        base_url=base_url, viewport=viewport, locale="zh-CN", reduced_motion="reduce"
    )
    page = context.new_page()
    shoot(page, out, f"login-{width_name}", f"login ({width_name})", status_of(page, "/accounts/login/"))
    context.close()


def shoot_user(
    browser: Any,
    base_url: str,
    viewport: ViewportSize,
    width_name: str,
    out: Path,
    username: str,
    password: str,
) -> bool:
    context = browser.new_context(
        base_url=base_url, viewport=viewport, locale="zh-CN", reduced_motion="reduce"
    )
    page = context.new_page()
    try:
        if not log_in(page, username, password):
            return False
        for name, where in PAGES:
            if isinstance(where, tuple):
                list_path, selector, *press = where
                page.goto(list_path)
                link = page.locator(selector).first
                href = link.get_attribute("href") if link.count() else None
                if not href:
                    continue
                path = href
            else:
                path, press = where, []
            status = status_of(page, path)
            if press and page.locator(press[0]).count():
                with page.expect_navigation() as nav:
                    page.locator(press[0]).first.click()
                status = nav.value.status if nav.value else None
            stem = f"{safe(username)}-{name}-{width_name}"
            shoot(page, out, stem, f"{username} {name} ({width_name})", status)
            toggler = page.locator(".navbar-toggler")
            if name == "home" and toggler.is_visible():  # the collapsed menu, opened
                toggler.click()
                page.locator("#mainnav.show").wait_for()
                page.wait_for_timeout(400)  # the collapse animation
                shoot(
                    page, out, f"{safe(username)}-menu-{width_name}", f"{username} menu ({width_name})", None
                )
        return True
    finally:
        context.close()


def run(base_url: str, logins: list[tuple[str, str]], out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    failures = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width_name, viewport in VIEWPORTS.items():
                shoot_login(browser, base_url, viewport, width_name, out)
                for username, password in logins:
                    if not shoot_user(browser, base_url, viewport, width_name, out, username, password):
                        failures += 1
        finally:
            browser.close()
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--login",
        action="append",
        metavar="USER:PASSWORD",
        help=f"repeatable; default {' '.join(DEFAULT_LOGINS)} (the demo logins)",
    )
    parser.add_argument("--out", type=Path, default=Path("test-artifacts/screenshots"))
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        parser.error(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    logins = []
    for item in args.login or DEFAULT_LOGINS:
        username, sep, password = item.partition(":")
        if not sep:
            parser.error(f"--login {item!r}: write USER:PASSWORD")
        logins.append((username, password))
    return run(args.base_url.rstrip("/"), logins, args.out)


if __name__ == "__main__":
    sys.exit(main())
