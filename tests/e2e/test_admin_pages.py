"""Verwaltung, IT-Strukturen and Fördermittel in real Chromium: axe-core finds no WCAG 2.1 AA violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, login, open_app
from tests.e2e.test_accessibility import assert_accessible
from tests.support.app_server import wait_for_app

pytestmark = pytest.mark.e2e

VERWALTUNG_TABS = [
    "Organisationseinheiten",
    "Benutzer",
    "Programm",
    "Maßnahmen",
    "Förderprogramme",
    "IT-Personal",
    "Import/Export",
    "Audit-Log",
    "Sicherung",
]


def open_page(page: Page, username: str, path: str, title: str) -> None:
    login(page, username, DEMO_PASSWORD)
    # The login cookie is written by a component after the first run: let it land before navigating.
    expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
    wait_for_app(page)
    open_app(page, path)
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def charts_drawn(page: Page) -> None:
    """Vega draws after the script run; wait until every chart has its canvas or svg."""
    charts = page.locator("[data-testid=stVegaLiteChart]")
    for index in range(charts.count()):
        expect(charts.nth(index).locator("canvas, svg").first).to_be_visible()


def test_every_verwaltung_tab_is_accessible(page: Page) -> None:
    open_page(page, "cdo", "/verwaltung", "Verwaltung")
    for tab in VERWALTUNG_TABS:
        page.get_by_role("tab", name=tab, exact=True).click()
        wait_for_app(page)
        expect(page.get_by_role("tab", name=tab, exact=True)).to_have_attribute("aria-selected", "true")
        assert_accessible(page)


@pytest.mark.parametrize("username", ["cdo", "leitung"])
def test_it_strukturen_is_accessible(page: Page, username: str) -> None:
    open_page(page, username, "/it-strukturen", "IT-Strukturen")
    expect(page.get_by_role("heading", name="Mögliche Doppelstrukturen")).to_be_visible()
    charts_drawn(page)
    assert_accessible(page)


@pytest.mark.parametrize("username", ["cdo", "leitung"])
def test_foerdermittel_is_accessible(page: Page, username: str) -> None:
    open_page(page, username, "/foerdermittel", "Fördermittel")
    charts_drawn(page)
    assert_accessible(page)
