"""Browser fixtures: one demo-seeded SQLite file and one app server per session, a fresh context per test."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from model import demo
from tests.support.app_server import ROOT, new_cookie_key, streamlit_server, wait_for_app

DEMO_PASSWORD = demo.DEMO_PASSWORD
# Demo account per role code: {"admin": "cdo", "leitung": "leitung", "lotse": "lotse"}.
DEMO_ACCOUNTS = {role: username for username, role in demo.DEMO_ACCOUNTS.items()}
# A dedicated account for the lockout test, so that no demo account ends up locked.
LOCKOUT_USER = "sperrkonto"
LOCKOUT_PASSWORD = "Sperr-Test-Passwort-2026"
COOKIE_NAME = "lotsen_cockpit_auth"
VIEWPORT = {"width": 1366, "height": 900}
RESULTS_DIR = ROOT / "test-results"
# Streamlit reruns can take a while on a loaded CI machine; fail late rather than flakily.
expect.set_options(timeout=20_000)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium_path() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _manage(database_url: str, *args: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A temp SQLite file, migrated and seeded like `make run` does, plus the lockout account."""
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'lotsen.db'}"
    _manage(url, "migrate")
    _manage(url, "seed", "--scale", "demo")
    _manage(
        url,
        "create-user",
        LOCKOUT_USER,
        "--role",
        "lotse",
        "--name",
        "Sperr-Test",
        env={"LOTSEN_NEW_PASSWORD": LOCKOUT_PASSWORD},
    )
    return url


@pytest.fixture(scope="session")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server") / "streamlit.log"


@pytest.fixture(scope="session")
def app_url(database_url: str, server_log: Path) -> Iterator[str]:
    with streamlit_server(database_url, cookie_key=new_cookie_key(), log_file=server_log) as url:
        yield url


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        reason = "Chromium not found (/usr/bin/chromium); install Debian's `chromium` (make system-deps)."
        if os.environ.get("CI"):
            pytest.fail(f"e2e tests need a browser in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    browser = playwright_instance.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    # Keep each phase's report on the item, so that fixtures can see whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_context(
    browser: Browser, app_url: str, server_log: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[], BrowserContext]]:
    """Factory for fresh browser contexts (German locale, laptop viewport).

    After a failed test, test-results/ holds a screenshot of every page and the server log so far
    (the app redacts tracebacks in the browser; the log has them).
    """
    contexts: list[BrowserContext] = []

    def _new() -> BrowserContext:
        context = browser.new_context(viewport=VIEWPORT, locale="de-DE", base_url=app_url)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context

    yield _new
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for c, context in enumerate(contexts):
            for p, page in enumerate(context.pages):
                with contextlib.suppress(PlaywrightError):
                    page.screenshot(path=RESULTS_DIR / f"{name}-{c}-{p}.png", full_page=True)
        if server_log.exists():
            shutil.copyfile(server_log, RESULTS_DIR / f"{name}-server.log")
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context: Callable[[], BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def open_app(page: Page, path: str = "/") -> Page:
    page.goto(path)
    wait_for_app(page)
    return page


def login(page: Page, username: str, password: str) -> None:
    """Fill and submit the real login form (opening the app first if no form is shown)."""
    user_field = page.get_by_label("Benutzername", exact=True)
    if not user_field.is_visible():
        open_app(page)
    wait_for_app(page)
    password_field = page.get_by_label("Passwort", exact=True)
    # Logged in (the logout button) or refused (a message): the answer to a submit.
    answered = page.get_by_role("button", name="Abmelden").or_(page.locator("[data-testid=stAlert]"))
    for attempt in range(3):
        user_field.fill(username)
        password_field.fill(password)
        page.get_by_role("button", name="Anmelden").click()
        # No answer within 15 s on a loaded machine: fill in and click again, as a person would.
        try:
            expect(answered.first).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    wait_for_app(page)
    _wait_for_login_cookie(page)


def _wait_for_login_cookie(page: Page, timeout: float = 20.0) -> None:
    """The cookie is written by a script in the login run's page; a page.goto() before it ran
    would open the login form again. Wait for it (a failed login simply has none)."""
    if page.get_by_label("Benutzername", exact=True).is_visible():
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(cookie["name"] == COOKIE_NAME for cookie in page.context.cookies()):
            return
        page.wait_for_timeout(100)
    pytest.fail("The login cookie was not set within 20 s.", pytrace=False)


def open_from_menu(page: Page, link: str, heading: str | None = None, attempts: int = 3) -> None:
    """Click `link` in the sidebar menu until the page's heading shows.

    The login no longer answers with a late rerun that could swallow the first click (ui/auth.py;
    test_login checks that a login takes one run); a click lost anyway on a loaded CI machine is
    clicked again, as a person would.
    """
    target = page.get_by_role("heading", name=heading or link, level=1)
    for attempt in range(attempts):
        page.locator("[data-testid=stSidebarNav]").get_by_role("link", name=link, exact=True).click()
        wait_for_app(page)
        try:
            expect(target).to_be_visible(timeout=8_000)
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise
