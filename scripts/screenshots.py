"""README screenshots: start the app on a fresh demo database, log in as cdo, photograph four pages.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--scale demo]

Needs Chromium (Debian's `chromium`, see `make system-deps`) and the dev requirements (Playwright).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from model import demo  # noqa: E402
from model.core.db import make_engine  # noqa: E402
from model.core.migrate import migrate  # noqa: E402
from tests.support.app_server import streamlit_server, wait_for_app  # noqa: E402

PAGES = (
    ("uebersicht", "Übersicht"),
    ("rollout", "Rollout"),
    ("abdeckung", "Abdeckung"),
    ("roadmap", "Roadmap"),
)
WIDTH, HEIGHT = 1440, 900
MAX_HEIGHT = 6000
DRILL_DEZERNAT = "Dez III"
CHART = "[data-testid='stVegaLiteChart'] svg, [data-testid='stVegaLiteChart'] canvas"


def chromium() -> str:
    path = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
    if path is None:
        raise SystemExit("Chromium fehlt: bitte `make system-deps` ausführen.")
    return path


def seeded_database(folder: Path, scale: str) -> str:
    url = f"sqlite:///{folder / 'screenshots.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo.seed(engine=engine, scale=scale)
    engine.dispose()
    return url


def log_in(page: Page, base_url: str) -> None:
    page.goto(base_url)
    wait_for_app(page)
    page.get_by_label("Benutzername", exact=True).fill("cdo")
    page.get_by_label("Passwort", exact=True).fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    wait_for_app(page)


def open_page(page: Page, title: str) -> None:
    """Move through the sidebar menu, as a person would (a fresh URL would start a new session)."""
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name=title, level=1).wait_for()
    if page.locator("[data-testid='stVegaLiteChart']").count():
        page.locator(CHART).first.wait_for()


def drill_into(page: Page, dezernat: str) -> None:
    """On Abdeckung: click the Soll bar of a Dezernat, so that the picture shows its units too."""
    bar = page.locator(f".st-key-chart_dezernate_box [aria-label^='{dezernat}, Soll']").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    if box is not None:
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        wait_for_app(page)
        page.mouse.move(0, 0)


def photograph(page: Page, target: Path) -> None:
    # Streamlit scrolls inside its main container: grow the window to the content for a full picture.
    page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": WIDTH, "height": min(max(HEIGHT, int(height)), MAX_HEIGHT)})
    wait_for_app(page)
    page.wait_for_timeout(800)  # charts re-layout to the new size
    page.screenshot(path=str(target))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshots der Analyse-Seiten für die README")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--scale", default="demo", choices=sorted(demo.SCALES))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lotsen-screenshots-") as folder:
        url = seeded_database(Path(folder), args.scale)
        with streamlit_server(url) as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium(), args=["--headless", "--no-sandbox"]
            )
            page = browser.new_context(locale="de-DE", viewport={"width": WIDTH, "height": HEIGHT}).new_page()
            log_in(page, base_url)
            for path, title in PAGES:
                target = args.out / f"{path}.png"
                open_page(page, title)
                if path == "abdeckung":
                    drill_into(page, DRILL_DEZERNAT)
                photograph(page, target)
                print(f"{title}: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
