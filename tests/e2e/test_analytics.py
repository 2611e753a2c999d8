"""Übersicht, Rollout and Abdeckung in real Chromium: drill-down by click, links, German formats, axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, login, open_from_menu
from tests.e2e.test_accessibility import assert_accessible
from tests.support.app_server import wait_for_app

pytestmark = pytest.mark.e2e

GERMAN_DATE = r"\d{2}\.\d{2}\.\d{4}"
THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
PAGES = {"Übersicht": "uebersicht", "Rollout": "rollout", "Abdeckung": "abdeckung"}


def go_to(page: Page, title: str) -> None:
    """Open a page through the sidebar menu (the session, and with it the filter, stays)."""
    open_from_menu(page, title)


def chart(page: Page, key: str) -> Locator:
    element = page.locator(f".st-key-{key}_box")
    element.locator("svg [role='graphics-symbol']").first.wait_for()
    return element


def mark(chart_element: Locator, text: str) -> Locator:
    """A data mark of an SVG chart by its German screen-reader text (Vega's aria-label)."""
    return chart_element.locator(f"[role='graphics-symbol'][aria-label*='{text}']").first


def point_at(page: Page, target: Locator) -> tuple[float, float]:
    """Where a mark is drawn on screen (Vega listens on the whole SVG, not on the mark)."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def click_mark(page: Page, target: Locator) -> None:
    page.mouse.click(*point_at(page, target))
    wait_for_app(page)


def main_text(page: Page) -> str:
    return page.get_by_test_id("stMain").inner_text()


def test_clicking_a_dezernat_bar_drills_into_its_units(page: Page) -> None:
    login(page, "cdo", DEMO_PASSWORD)
    go_to(page, "Abdeckung")
    dezernate = chart(page, "chart_dezernate")
    expect(page.get_by_role("heading", name=re.compile("^Einheiten in "))).to_have_count(0)

    click_mark(page, mark(dezernate, "Dez III: "))

    expect(page.get_by_role("heading", name=re.compile("^Einheiten in Dez III – "))).to_be_visible()
    units = chart(page, "chart_units")
    expect(mark(units, "51: ")).to_be_attached()  # the Jugendamt belongs to Dez III
    expect(mark(units, "37: ")).to_have_count(0)  # the Feuerwehr does not
    expect(page.get_by_text("Lotsinnen und Lotsen je Einheit")).to_be_visible()  # names for admin
    assert_accessible(page)


def test_a_copied_url_with_a_dezernat_reproduces_the_view(page: Page, context) -> None:  # type: ignore[no-untyped-def]
    login(page, "leitung", DEMO_PASSWORD)
    go_to(page, "Abdeckung")
    page.locator(".st-key-filter_dez").click()
    page.get_by_role("option", name=re.compile(r"^Dez II – ")).click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"^Stand: .* · Dez II – "))).to_be_visible()
    assert "dez=Dez+II" in page.url or "dez=Dez%20II" in page.url
    figures = page.get_by_test_id("stMetric").all_inner_texts()

    copy = context.new_page()
    copy.goto(page.url)
    wait_for_app(copy)

    expect(copy.get_by_role("heading", name="Abdeckung", level=1)).to_be_visible()
    expect(copy.get_by_text(re.compile(r"^Stand: .* · Dez II – "))).to_be_visible()
    expect(copy.get_by_role("heading", name=re.compile("^Einheiten in Dez II – "))).to_be_visible()
    # Waits like the checks above: under load the new session may still be drawing its first run.
    expect(copy.get_by_test_id("stMetric")).to_have_text(figures, use_inner_text=True)
    go_to(copy, "Rollout")  # the filter stays when moving on
    expect(copy.get_by_text(re.compile(r"^Stand: .* · Dez II – "))).to_be_visible()


def test_numbers_and_dates_are_german_in_the_browser(page: Page) -> None:
    login(page, "cdo", DEMO_PASSWORD)
    expect(page.get_by_text(re.compile(rf"^Stand: {GERMAN_DATE}, \d{{2}}:\d{{2}} Uhr"))).to_be_visible()
    line = chart(page, "chart_coverage_history")
    point = line.locator("[aria-roledescription='point'][aria-label^='Stand ']").last
    assert re.search(rf"Stand {GERMAN_DATE}, Abdeckung: \d+ %", point.get_attribute("aria-label") or "")
    page.mouse.move(*point_at(page, point))
    tooltip = page.locator("#vg-tooltip-element")
    expect(tooltip).to_contain_text(re.compile(rf"Stand\s*{GERMAN_DATE}"))

    go_to(page, "Abdeckung")
    per_hundred = page.get_by_text(re.compile("^Qualifizierte und aktive Lotsen je 100 Beschäftigte"))
    value = re.search(r"bei ([\d.]+) Beschäftigten", per_hundred.inner_text())
    assert value and THOUSANDS.match(value.group(1)), per_hundred.inner_text()  # e.g. 1.552

    go_to(page, "Rollout")
    gantt = chart(page, "chart_gantt")
    gate = mark(gantt, "Gremienbeschluss: ")
    assert re.search(rf"{GERMAN_DATE}, Gremium .+, Vorlage-Nr\. ", gate.get_attribute("aria-label") or "")
    expect(gantt.get_by_text(re.compile(rf"^heute, {GERMAN_DATE}$"))).to_be_attached()
    assert not re.search(r"\b(Jan|Feb|Mar|May|Jun|Jul|Oct|Dec) \d", main_text(page))  # no English dates


@pytest.mark.parametrize("username", ["cdo", "leitung"])
@pytest.mark.parametrize("title", list(PAGES))
def test_analytics_pages_are_accessible(page: Page, username: str, title: str) -> None:
    login(page, username, DEMO_PASSWORD)
    go_to(page, title)
    page.locator("[data-testid='stVegaLiteChart'] svg").first.wait_for()

    assert_accessible(page)
