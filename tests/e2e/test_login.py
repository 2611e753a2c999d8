"""Login through the real form: role menus, forbidden URLs, delays alike for every name, logout."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Cookie, Page, expect
from sqlalchemy import text

from model.core.db import make_engine
from model.core.enums import Role
from tests.e2e.conftest import (
    COOKIE_NAME,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    LOCKOUT_USER,
    VIEWPORT,
    login,
    open_app,
)
from tests.support.app_server import new_cookie_key, streamlit_server, wait_for_app
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


@pytest.fixture
def no_failures(database_url: str) -> Iterator[Callable[[], None]]:
    """Forget every failed login before, on call and after: this module's attempts come from one client."""
    engine = make_engine(database_url)

    def forget() -> None:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM login_failure"))

    forget()
    yield forget
    forget()
    engine.dispose()


def answers(page: Page, username: str, attempts: int) -> list[str]:
    """The alert after each of `attempts` logins with wrong passwords, the time of day left out."""
    alerts = page.locator("[data-testid=stAlert]")
    texts = []
    for attempt in range(attempts):
        login(page, username, f"falsches-passwort-{attempt}")
        expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
        texts.append(re.sub(r"\d{2}:\d{2}:\d{2}", "HH:MM:SS", alerts.first.inner_text()))
    return texts


def test_repeated_failures_delay_alike_for_known_and_unknown_names(
    page: Page, no_failures, server_log
) -> None:
    """Hole 7: only existing accounts got "gesperrt"; now no answer tells whether a name exists."""
    known = answers(page, LOCKOUT_USER, 7)
    no_failures()  # the client's own count starts again too
    unknown = answers(page, "gibt-es-nicht", 7)

    assert known == unknown
    assert known[:4] == ["Benutzername oder Passwort ist nicht korrekt."] * 4
    assert "nächste Anmeldung erst ab HH:MM:SS Uhr möglich" in known[-1]
    assert not any("gesperrt" in answer for answer in known)
    # The server log has the events, with the account's name, never a password or the unknown name.
    log = server_log.read_text(encoding="utf-8", errors="replace")
    assert f"login_failed user={LOCKOUT_USER} client=127.0.0.1" in log
    assert "login_delayed user=(unbekannt) client=127.0.0.1 until=" in log
    assert "falsches-passwort" not in log and "gibt-es-nicht" not in log


TIMED_SUBMIT = """(button) => new Promise((resolve) => {
    // A run's end is the change away from "running" (a fast run's two changes may come in one batch).
    const app = document.querySelector("[data-testid=stApp]");
    const t0 = performance.now();
    const observer = new MutationObserver((records) => {
        if (records.some((record) => record.oldValue === "running")) {
            observer.disconnect();
            resolve(performance.now() - t0);
        }
    });
    const watch = {attributes: true, attributeOldValue: true, attributeFilter: ["data-test-script-state"]};
    observer.observe(app, watch);
    document.querySelector(button).click();
})"""


def test_an_unknown_name_answers_as_slowly_as_a_wrong_password(page: Page, no_failures) -> None:
    """Hole 7 (a measured bound): before, 392 ms for an existing name, 60 ms for an unknown one.

    Medians of 20 submits of the real form each (click until the run is over), alternating, every
    attempt undelayed; both now run one bcrypt of cost 12, so the medians lie far closer than 2:1.
    """
    open_app(page)
    times: dict[str, list[float]] = {"cdo": [], "gibt-es-nicht": []}
    for _ in range(20):
        for username, measured in times.items():
            no_failures()
            page.get_by_label("Benutzername", exact=True).fill(username)
            page.get_by_label("Passwort", exact=True).fill("falsches-passwort-123")
            measured.append(page.evaluate(TIMED_SUBMIT, "[data-testid=stFormSubmitButton] button"))
            expect(page.locator("[data-testid=stAlert]").first).to_have_text(
                "Benutzername oder Passwort ist nicht korrekt."
            )
            wait_for_app(page)
    existing, unknown = statistics.median(times["cdo"]), statistics.median(times["gibt-es-nicht"])
    print(f"login medians of 20: existing user {existing:.0f} ms, unknown user {unknown:.0f} ms")
    assert unknown > existing / 2 and existing > unknown / 2


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


def test_a_token_beyond_the_maximum_age_is_refused_whatever_its_expiry(browser, database_url) -> None:
    """Point 8: a token dated 2100 signed with a leaked key stayed valid; now its issue time counts."""
    import time as clock_time
    from datetime import UTC, datetime, timedelta

    import jwt

    from model.accounts import auth as auth_store
    from model.core.db import write_session
    from model.core.enums import Role

    engine = make_engine(database_url)
    with write_session(engine) as session:  # an admin account no logout of another test revoked
        account = auth_store.create_user(
            session=session, username="altes-token", display_name="Altes Token", role=Role.ADMIN,
            password="Wolke-Tanne-Kaffeetasse-9", actor="test",
        )  # fmt: skip
        account.sessions_valid_after = datetime.now(UTC) - timedelta(days=2)
    engine.dispose()
    key = new_cookie_key()
    now = clock_time.time()
    year_2100 = 4_102_444_800.0
    tokens = {
        "old format, expiry 2100": {"username": "altes-token", "exp_date": year_2100},
        "issued 13 h ago, expiry 2100": {
            "username": "altes-token",
            "iat": now - 13 * 3600,
            "exp_date": year_2100,
        },
        "issued in 2099": {"username": "altes-token", "iat": year_2100 - 365 * 86400, "exp_date": year_2100},
        "issued 1 h ago (control)": {"username": "altes-token", "iat": now - 3600, "exp_date": now + 3600},
    }
    with streamlit_server(database_url, cookie_key=key) as base_url:
        shown = {}
        for name, payload in tokens.items():
            context = browser.new_context(viewport=VIEWPORT, locale="de-DE", base_url=base_url)
            try:
                token = jwt.encode(payload, key, algorithm="HS256")
                context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": base_url}])
                page = open_app(context.new_page())
                answer = page.get_by_role("button", name="Abmelden").or_(
                    page.get_by_label("Benutzername", exact=True)
                )
                expect(answer.first).to_be_visible()
                shown[name] = page.get_by_role("button", name="Abmelden").count() == 1
            finally:
                context.close()
    assert shown == {
        "old format, expiry 2100": False,
        "issued 13 h ago, expiry 2100": False,
        "issued in 2099": False,
        "issued 1 h ago (control)": True,
    }
