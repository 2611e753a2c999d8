"""Deep links into a freshly started server, several at the same moment.

Until a process's first st.navigation call, Streamlit runs pages/<path>.py for a deep link directly,
without app.py (its legacy multipage mode). The app detects that per script run and reruns through
app.py; a process-wide flag would let every session but the first show "Kein Zugriff" or Streamlit's
own page menu after a restart. Each session here must get the login form, with the German menu of
nothing but the login.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import DEMO_ACCOUNTS, DEMO_PASSWORD, VIEWPORT
from tests.support.app_server import streamlit_server, wait_for_app

pytestmark = pytest.mark.e2e

DEEP_LINKS = ["/lotsen", "/roadmap", "/verwaltung", "/abdeckung", "/rollout", "/mein-status"]


def test_simultaneous_deep_links_after_a_restart_get_the_login(browser: Browser, database_url: str) -> None:
    with streamlit_server(database_url) as url:
        contexts = [browser.new_context(viewport=VIEWPORT, locale="de-DE", base_url=url) for _ in DEEP_LINKS]
        try:
            pages = [context.new_page() for context in contexts]
            # Start every navigation before waiting for any: the first runs of the fresh process overlap.
            for page, path in zip(pages, DEEP_LINKS, strict=True):
                page.goto(path, wait_until="commit")
            for page, path in zip(pages, DEEP_LINKS, strict=True):
                wait_for_app(page)
                expect(page.get_by_role("heading", name="Anmeldung"), path).to_be_visible()
                expect(page.get_by_role("heading", name="Kein Zugriff"), path).to_have_count(0)
                # No page list in the sidebar before a login (Streamlit's legacy menu would show one).
                expect(page.locator("[data-testid=stSidebarNav]"), path).to_have_count(0)
        finally:
            for context in contexts:
                context.close()


def test_the_first_login_after_a_restart_needs_one_submit(browser: Browser, database_url: str) -> None:
    """The first run of a fresh process is Streamlit's legacy wrapper: its form must not drop a submit."""
    with streamlit_server(database_url) as url:
        context = browser.new_context(viewport=VIEWPORT, locale="de-DE", base_url=url)
        try:
            page = context.new_page()
            page.goto("/")
            wait_for_app(page)
            page.get_by_label("Benutzername", exact=True).fill(DEMO_ACCOUNTS["admin"])
            page.get_by_label("Passwort", exact=True).fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Anmelden").click()  # once: no retry as in conftest.login
            expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
        finally:
            context.close()
