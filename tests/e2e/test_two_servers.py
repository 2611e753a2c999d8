"""Two app servers on one PostgreSQL database, as behind a load balancer.

A Lotse saves a report through server A; the CDO, logged in on server B, sees it in the feed. Both
servers share LOTSEN_COOKIE_KEY and Streamlit's cookie secret, so the Lotse's login cookie from A also
opens B (what happens when the load balancer moves a user to the other server).
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, VIEWPORT, _manage, login, open_app
from tests.support.app_server import new_cookie_key, streamlit_server, wait_for_app
from tests.support.pg_server import PgServer

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

REPORT_FIELD = "Was haben Sie seit der letzten Meldung getan? (optional)"


@pytest.fixture(scope="module")
def shared_database(postgres_server: PgServer) -> Iterator[str]:
    """One PostgreSQL database, migrated and seeded with the demo city like `make run` does."""
    url = postgres_server.create_database("two_servers")
    _manage(url, "migrate")
    _manage(url, "seed", "--scale", "demo")
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(scope="module")
def two_servers(shared_database: str) -> Iterator[tuple[str, str]]:
    """Base URLs of servers A and B: different ports, same database, same secrets."""
    cookie_key = new_cookie_key()
    same_secret = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(32)}
    with ExitStack() as stack:
        urls = [
            stack.enter_context(streamlit_server(shared_database, cookie_key=cookie_key, env=same_secret))
            for _ in range(2)
        ]
        yield urls[0], urls[1]


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def logged_in(browser: Browser, contexts: list[BrowserContext], base_url: str, username: str) -> Page:
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE", base_url=base_url)
    context.set_default_timeout(30_000)
    contexts.append(context)
    page = context.new_page()
    login(page, username, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
    wait_for_app(page)  # the login cookie lands after the first run
    return page


def test_a_status_saved_through_one_server_is_seen_through_the_other(
    browser: Browser, contexts: list[BrowserContext], two_servers: tuple[str, str]
) -> None:
    server_a, server_b = two_servers
    assert server_a != server_b
    report = f"Zwei Server, eine Datenbank ({uuid.uuid4().hex[:8]})"

    lotse = logged_in(browser, contexts, server_a, "lotse")
    open_app(lotse, "/mein-status")
    lotse.get_by_label(REPORT_FIELD, exact=True).fill(report)
    lotse.get_by_role("button", name="Meldung speichern").click()
    wait_for_app(lotse)
    expect(
        lotse.get_by_test_id("stMain").get_by_text(re.compile(r"^Danke! Ihre Meldung wurde gespeichert"))
    ).to_be_visible()

    cdo = logged_in(browser, contexts, server_b, "cdo")
    open_app(cdo, "/lotsen")
    expect(cdo.get_by_role("heading", name="Lotsen & Qualifizierung", level=1)).to_be_visible()
    feed = cdo.locator("[data-testid=stMain] [data-testid=stTable]").nth(1)
    expect(feed.get_by_role("row").filter(has_text=report)).to_have_count(1)

    # The load balancer moves the Lotse to server B: the cookie of A still logs her in there.
    lotse.goto(f"{server_b}/mein-status")
    wait_for_app(lotse)
    expect(lotse.get_by_role("heading", name="Mein Status", level=1)).to_be_visible()
    expect(lotse.get_by_label("Benutzername", exact=True)).to_have_count(0)
    expect(lotse.locator("[data-testid=stMain]")).to_contain_text(report)
