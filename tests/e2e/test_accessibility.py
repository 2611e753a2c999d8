"""WCAG 2.1 A/AA with axe-core on the login page and on Übersicht, for the admin and leitung views."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, login, open_app

pytestmark = pytest.mark.e2e

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def axe_violations(page: Page) -> list[dict]:
    return Axe().run(page, options=AXE_OPTIONS).response["violations"]


def describe(violations: list[dict]) -> str:
    """One block per rule: id, impact, help text and the offending nodes' selectors and HTML."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} – {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    # Charts draw after the script run: check them drawn, not their empty containers.
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-testid=stVegaLiteChart]")]
            .every((chart) => chart.querySelector("svg, canvas"))"""
    )
    assert page.evaluate("document.documentElement.lang") == "de"
    violations = axe_violations(page)
    assert not violations, f"{len(violations)} axe violation(s) on {page.url}:\n{describe(violations)}"


def test_login_page_is_accessible(page: Page) -> None:
    open_app(page)
    expect(page.get_by_label("Benutzername", exact=True)).to_be_visible()

    assert_accessible(page)
    expect(page.get_by_role("button", name="Passwort anzeigen")).to_be_visible()
    assert "Show password" not in page.locator("body").aria_snapshot()


@pytest.mark.parametrize("username", ["cdo", "leitung"])
def test_overview_is_accessible(page: Page, username: str) -> None:
    login(page, username, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()

    assert_accessible(page)


def test_streamlits_own_controls_are_labelled_in_german(page: Page) -> None:
    """With lang="de", English labels would be read out with German pronunciation (WCAG 3.1.2)."""
    login(page, "cdo", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()

    expect(page.get_by_role("link", name="Zum Hauptinhalt springen")).to_have_count(1)
    expect(page.get_by_role("button", name="Seitenleiste einklappen")).to_be_visible()
    expect(page.get_by_role("navigation", name="Seiten der Anwendung")).to_be_visible()
    expect(page.get_by_role("button", name="Hilfe zu Lotsinnen und Lotsen im Programm")).to_be_visible()
    snapshot = page.locator("body").aria_snapshot()
    for english in ("Skip to main content", "Collapse sidebar", "Link to heading", "Help for", "App pages"):
        assert english not in snapshot, english
    # Streamlit draws these again on every page: they stay German after moving on.
    page.locator("[data-testid=stSidebarNav]").get_by_role("link", name="Verwaltung", exact=True).click()
    page.get_by_role("tab", name="Import/Export").click()
    expect(page.get_by_role("button", name="Hochladen", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^höchstens \S+ je Datei • XLSX, CSV$"))).to_be_visible()
    snapshot = page.locator("body").aria_snapshot()
    for english in ("Help for", "file upload", "per file", '"Upload"'):
        assert english not in snapshot, english
