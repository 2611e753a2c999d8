"""A city that is not the demo city (tests/support/kgst_city.py) in real Chromium at 1280×720 and
1920×1080: Übersicht and Abdeckung show the figures of `manage.py figures`, the bars of Dezernat I
say "1 von 2 erfüllt, 1 fehlend, 2 über Soll" in words a person and a screen reader can read, a
click on them drills into its two Ämter, and the page passes axe."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import RESULTS_DIR
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_analytics import chart, click_mark, mark
from tests.support import kgst_city
from tests.support.app_server import new_cookie_key, streamlit_server, wait_for_app
from tests.support.kgst_city import ACCOUNTS, PASSWORD

pytestmark = pytest.mark.e2e

SIZES = [{"width": 1280, "height": 720}, {"width": 1920, "height": 1080}]


@pytest.fixture(scope="module")
def city_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("kreuzfeld")
    database = f"sqlite:///{folder / 'kreuzfeld.db'}"
    kgst_city.build(database, folder / "import")
    with streamlit_server(database, cookie_key=new_cookie_key(), log_file=folder / "server.log") as url:
        yield url, database


def city_page(browser: Browser, url: str, size: dict[str, int]) -> Page:
    context = browser.new_context(viewport=size, locale="de-DE", base_url=url)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto("/")
    wait_for_app(page)
    page.get_by_label("Benutzername", exact=True).fill(ACCOUNTS["leitung"])
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    wait_for_app(page)
    return page


def tile(page: Page, label: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True))
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size['width']}x{size['height']}")
def test_the_city_reads_the_same_in_the_browser(browser: Browser, city_url, size) -> None:
    url, database = city_url
    expected = json.loads(kgst_city.manage(database, "figures", "--json").stdout)
    page = city_page(browser, url, size)
    try:
        expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
        assert tile(page, "Organisationseinheiten abgedeckt") == (
            f"{expected['units_covered']} von {expected['units_with_target']}"
        )

        page.goto("/abdeckung")
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Abdeckung", level=1)).to_be_visible()
        assert (
            tile(page, "Soll-Lotsen erfüllt") == f"{expected['covered_total']} von {expected['target_total']}"
        )
        assert tile(page, "Fehlende Lotsen") == str(expected["missing_total"])
        bars = chart(page, "chart_dezernate")
        # The words above each bar are drawn in the chart, whole and inside its width.
        words = bars.locator("svg text", has_text=re.compile(r"^1 von 2 erfüllt, 1 fehlend, 2 über Soll$"))
        expect(words).to_have_count(1)
        box, frame = words.bounding_box(), bars.locator("svg").first.bounding_box()
        assert box and frame and box["x"] + box["width"] <= frame["x"] + frame["width"]
        for branch in expected["top_units"]:
            described = mark(bars, f"{branch['code']}: {branch['covered']} von {branch['target']} erfüllt")
            expect(described).to_be_attached()
        shot = Path(RESULTS_DIR) / f"city-abdeckung-{size['width']}x{size['height']}.png"
        shot.parent.mkdir(exist_ok=True)
        page.screenshot(path=shot, full_page=True)

        click_mark(page, mark(bars, "Dez I: "))
        expect(page.get_by_role("heading", name=re.compile("^Einheiten in Dez I – "))).to_be_visible()
        units = chart(page, "chart_units")
        expect(mark(units, "10: 1 von 1 erfüllt, 2 über Soll")).to_be_attached()
        expect(mark(units, "11: 0 von 1 erfüllt, 1 fehlend")).to_be_attached()
        assert_accessible(page)
    finally:
        page.context.close()
