"""Roadmap in real Chromium: brushing the matrix filters the table; no WCAG 2.1 AA violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, login, open_from_menu
from tests.e2e.test_accessibility import assert_accessible
from tests.support.app_server import wait_for_app

pytestmark = pytest.mark.e2e

MATRIX = ".st-key-roadmap_matrix .marks"  # Vega's drawing surface
SELECTION_CAPTION = re.compile(r"^(\d+) von (\d+) Maßnahmen ausgewählt\.$")


def open_roadmap(page: Page, username: str) -> None:
    login(page, username, DEMO_PASSWORD)
    # Through the menu, as a user does (a reload right after login can beat the cookie write).
    open_from_menu(page, "Roadmap")
    # Vega draws asynchronously after the script run.
    expect(page.locator(MATRIX)).to_be_visible()


def matrix_box(page: Page) -> dict[str, float]:
    """Where the matrix is drawn, once it has stopped moving: under load Vega and the page's layout
    can still shift it after it became visible, and a drag at the old place selects nothing."""
    matrix = page.locator(MATRIX)
    matrix.scroll_into_view_if_needed()
    box = matrix.bounding_box()
    for _ in range(50):
        page.wait_for_timeout(200)
        again = matrix.bounding_box()
        if again == box:
            break
        box = again
    assert box is not None
    return box


def selection_caption(page: Page) -> str:
    return page.get_by_text(SELECTION_CAPTION).inner_text()


def test_brushing_the_matrix_filters_the_table(page: Page) -> None:
    open_roadmap(page, "leitung")
    expect(page.get_by_text(re.compile(r"^Alle \d+ Maßnahmen\."))).to_be_visible()
    box = matrix_box(page)

    # Drag a rectangle over the upper left of the plot: low effort, high benefit.
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.08)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.35, steps=8)
    page.mouse.up()
    expect(page.get_by_text(SELECTION_CAPTION)).to_be_visible()
    wait_for_app(page)

    chosen, total = map(int, SELECTION_CAPTION.match(selection_caption(page)).groups())
    assert 0 < chosen < total
    table = page.locator(".st-key-roadmap_selection [role=grid]")
    expect(table).to_have_attribute("aria-rowcount", str(chosen + 1))  # header + chosen rows


def point_under_mouse(page: Page) -> tuple[float, float]:
    """Move over the plot until Vega shows a tooltip: there is a point (canvas has no DOM marks)."""
    box = matrix_box(page)
    for row in range(4, 34):
        for column in range(5, 30):
            x, y = box["x"] + box["width"] * column / 40, box["y"] + box["height"] * row / 40
            page.mouse.move(x, y)
            page.wait_for_timeout(20)
            if page.locator("#vg-tooltip-element.visible").count():
                return x, y
    raise AssertionError("no point found in the matrix")


def test_clicking_a_point_shows_that_measure_in_table_and_detail(page: Page) -> None:
    open_roadmap(page, "lotse")
    x, y = point_under_mouse(page)
    tooltip = page.locator("#vg-tooltip-element").inner_text()
    assert re.search(r"Score\s+\d+,\d \(Klasse [ABC]\)", tooltip)  # German decimal comma

    page.mouse.click(x, y)
    expect(page.get_by_text(re.compile(r"^1 von \d+ Maßnahmen ausgewählt\.$"))).to_be_visible()
    wait_for_app(page)

    expect(page.locator(".st-key-roadmap_selection [role=grid]")).to_have_attribute("aria-rowcount", "2")
    title = page.get_by_role("combobox", name="Maßnahme").input_value()
    assert title and title.split(" ")[0] in tooltip


@pytest.mark.parametrize("username", ["cdo", "leitung", "lotse"])
def test_roadmap_is_accessible(page: Page, username: str) -> None:
    open_roadmap(page, username)

    assert_accessible(page)
