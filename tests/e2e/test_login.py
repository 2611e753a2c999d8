"""Login through the real form: role menus, forbidden URLs, lockout, and logout revoking the cookie."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Cookie, Page, expect

from model.enums import Role
from tests.e2e.conftest import (
    COOKIE_NAME,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    LOCKOUT_PASSWORD,
    LOCKOUT_USER,
    VIEWPORT,
    login,
    open_app,
)
from tests.support.app_server import new_cookie_key, streamlit_server
from ui.navigation import PAGES, available, pages_for

pytestmark = pytest.mark.e2e

# PRODUCT.md's page table: path → (title, roles that may open it), built or not yet.
PRODUCT_PAGES: dict[str, tuple[str, frozenset[Role]]] = {
    "uebersicht": ("Übersicht", frozenset(Role)),
    "rollout": ("Rollout", frozenset(Role)),
    "abdeckung": ("Abdeckung", frozenset(Role)),
    "roadmap": ("Roadmap", frozenset(Role)),
    "lotsen": ("Lotsen & Qualifizierung", frozenset({Role.ADMIN})),
    "mein-status": ("Mein Status", frozenset({Role.LOTSE})),
    "it-strukturen": ("IT-Strukturen", frozenset({Role.ADMIN, Role.LEITUNG})),
    "foerdermittel": ("Fördermittel", frozenset({Role.ADMIN, Role.LEITUNG})),
    "praesentation": ("Präsentation", frozenset({Role.ADMIN, Role.LEITUNG})),
    "verwaltung": ("Verwaltung", frozenset({Role.ADMIN})),
}
# How a page's data shows on screen: none of it may appear behind a forbidden URL.
DATA_ELEMENTS = ", ".join(
    f"[data-testid=stMain] [data-testid={testid}]"
    for testid in ("stMetric", "stDataFrame", "stTable", "stVegaLiteChart")
)
ROLES = [Role(role) for role in DEMO_ACCOUNTS]


def role_id(role: Role) -> str:
    return role.value


def nav_titles(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("[data-testid=stSidebarNav] a").all_inner_texts()]


def expect_overview(page: Page) -> None:
    expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def expect_login_form(page: Page) -> None:
    expect(page.get_by_label("Benutzername", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Anmelden")).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    expect(page.get_by_role("heading", name="Übersicht")).to_have_count(0)


@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_login_shows_the_menu_of_the_role(page: Page, role: Role) -> None:
    login(page, DEMO_ACCOUNTS[role.value], DEMO_PASSWORD)

    expect_overview(page)
    expected = [spec.title for spec in pages_for(role)]
    # Streamlit hides the navigation when there is only one page to show.
    assert nav_titles(page) in (([], expected) if len(expected) == 1 else (expected,))
    assert page.evaluate("document.documentElement.lang") == "de"


@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_forbidden_url_shows_no_data(page: Page, role: Role) -> None:
    login(page, DEMO_ACCOUNTS[role.value], DEMO_PASSWORD)
    expect_overview(page)
    # Registered = served by st.navigation: in PAGES and its file exists.
    registered = {spec.path: spec for spec in PAGES if available(spec)}
    forbidden = sorted(
        {spec.path for spec in PAGES if role not in spec.roles}
        | {path for path, (_, roles) in PRODUCT_PAGES.items() if role not in roles}
    )

    for path in forbidden:
        open_app(page, f"/{path}")
        if path in registered:
            expect(page.get_by_role("heading", name="Kein Zugriff")).to_be_visible()
            expect(page.locator(DATA_ELEMENTS)).to_have_count(0)
        else:
            # Not built yet, so served to nobody: Streamlit's "page not found" notice, then the
            # default page, which every role may see.
            expect(page.get_by_role("dialog").filter(has_text="Page not found")).to_be_visible()
            expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
        title = registered[path].title if path in registered else PRODUCT_PAGES[path][0]
        expect(page.get_by_role("heading", name=title, exact=True)).to_have_count(0)
        assert title not in nav_titles(page), f"/{path} is in the menu of {role.value}"


def test_account_is_locked_after_repeated_wrong_passwords(page: Page) -> None:
    alerts = page.locator("[data-testid=stAlert]")
    for attempt in range(6):
        login(page, LOCKOUT_USER, f"falsches-passwort-{attempt}")
        expect(alerts.filter(has_text=re.compile("nicht korrekt|gesperrt"))).to_be_visible()
        expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)

    login(page, LOCKOUT_USER, LOCKOUT_PASSWORD)

    expect(alerts.filter(has_text="gesperrt")).to_be_visible()
    expect_login_form(page)


def test_logout_revokes_earlier_cookies(
    page: Page, context: BrowserContext, new_context: Callable[[], BrowserContext]
) -> None:
    login(page, "cdo", DEMO_PASSWORD)
    expect_overview(page)
    cookies = [cookie for cookie in context.cookies() if cookie["name"] == COOKIE_NAME]
    assert cookies, "the login sets the auth cookie"
    # Control: before the logout, the copied cookie alone logs a fresh browser in.
    expect_overview(open_with_cookies(new_context, cookies))

    page.get_by_role("button", name="Abmelden").click()
    expect_login_form(page)

    expect_login_form(open_with_cookies(new_context, cookies))


# Counts script runs from the page's first moment (installed before the app's own scripts).
COUNT_RUNS = """
window.lcRuns = 0;
new MutationObserver((records) => {
    for (const record of records) {
        if (record.target.dataset && record.target.dataset.testScriptState === "running") window.lcRuns += 1;
    }
}).observe(document, {attributes: true, subtree: true, attributeFilter: ["data-test-script-state"]});
"""


def test_a_login_and_a_new_session_with_the_cookie_take_one_run_each(
    page: Page, context: BrowserContext, new_context: Callable[[], BrowserContext]
) -> None:
    """No cookie component answers with a second run: nothing can swallow the submit on the login page or
    the first click after a login, and a bookmark opens its page in one run."""
    page.add_init_script(COUNT_RUNS)
    open_app(page)
    page.wait_for_timeout(1_000)
    assert page.evaluate("window.lcRuns") == 1, "the login page is one run"
    expect(page.locator("iframe")).to_have_count(0)
    page.evaluate("window.lcRuns = 0")
    page.get_by_label("Benutzername", exact=True).fill("leitung")
    page.get_by_label("Passwort", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect_overview(page)
    page.wait_for_timeout(2_000)
    assert page.evaluate("window.lcRuns") == 1
    cookies = [cookie for cookie in context.cookies() if cookie["name"] == COOKIE_NAME]
    assert cookies and cookies[0]["sameSite"] == "Strict"

    fresh = new_context()
    fresh.add_cookies(cookies)  # type: ignore[arg-type]
    fresh.add_init_script(COUNT_RUNS)
    bookmark = fresh.new_page()
    bookmark.goto("/rollout")
    expect(bookmark.get_by_role("heading", name="Rollout", level=1)).to_be_visible()
    bookmark.wait_for_timeout(2_000)
    assert bookmark.evaluate("window.lcRuns") == 1
    expect(bookmark.get_by_label("Benutzername", exact=True)).to_have_count(0)


def open_with_cookies(new_context: Callable[[], BrowserContext], cookies: list[Cookie]) -> Page:
    context = new_context()
    context.add_cookies(cookies)  # type: ignore[arg-type]
    return open_app(context.new_page())


def test_a_deep_link_on_a_fresh_server_asks_for_login_and_then_opens_that_view(browser, database_url) -> None:
    """The very first request to a new server process is a deep link with a filter."""
    with streamlit_server(database_url, cookie_key=new_cookie_key()) as base_url:
        context = browser.new_context(viewport=VIEWPORT, locale="de-DE", base_url=base_url)
        try:
            page = context.new_page()
            open_app(page, "/abdeckung?dez=Dez%20II")
            expect(page.get_by_label("Benutzername", exact=True)).to_be_visible()
            expect(page.locator("[data-testid=stSidebarNav]")).to_have_count(0)
            expect(page.get_by_text("Kein Zugriff")).to_have_count(0)

            login(page, "leitung", DEMO_PASSWORD)
            expect(page.get_by_role("heading", name="Abdeckung", level=1)).to_be_visible()
            assert "/abdeckung" in page.url
            assert "dez=Dez+II" in page.url or "dez=Dez%20II" in page.url
        finally:
            context.close()
