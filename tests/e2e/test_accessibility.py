"""WCAG 2.1 A/AA with axe-core on the login page and on Übersicht, for the admin and leitung views."""

from __future__ import annotations

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


@pytest.mark.parametrize("username", ["cdo", "leitung"])
def test_overview_is_accessible(page: Page, username: str) -> None:
    login(page, username, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()

    assert_accessible(page)
