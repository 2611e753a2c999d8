"""First render of every page in real Chromium, next to an empty Streamlit app (issue 7's goal: within 2x).

    .venv/bin/python scripts/first_render.py [--scale S|M|L] [--database-url URL] [--runs N] [--json]

Starts the app (tests/support/app_server.py) on a temporary database seeded at the scale (or on
DATABASE_URL / --database-url as it is, which needs the demo accounts) and a two-page Streamlit app
with nothing but a title on another port. Per role it logs in once and then opens every page of the
role twice over:
- "Menü": by its link in the sidebar, in the same session (how people move around the app);
- "URL": by its address, a new browser session each time (a bookmark or a link in an e-mail).
The time runs from the click or the navigation until the app's script run has ended and stayed ended
([data-testid=stApp][data-test-script-state=notRunning] for STABLE_FOR seconds; the stable wait
itself is not counted). "erste" is a page's first render in the server's life (its reads not yet
cached), "Median" the median of the following `--runs`. The empty app is measured the same way, before
and after the cockpit; the faster of the two is the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from model import demo  # noqa: E402
from model.core.db import make_engine  # noqa: E402
from model.core.enums import Role  # noqa: E402
from model.core.migrate import migrate  # noqa: E402
from tests.support.app_server import APP_ROOT, free_port, new_cookie_key, streamlit_server  # noqa: E402
from ui.navigation import PAGES, available  # noqa: E402

STABLE_FOR = 0.5  # seconds the run must stay over before a run counts as the last one
TIMEOUT = 120.0
POLL_MS = 20
EMPTY_APP = """import streamlit as st


def eins():
    st.title("Eins")


def zwei():
    st.title("Zwei")


st.navigation([st.Page(eins, title="Eins"), st.Page(zwei, title="Zwei")]).run()
"""
EMPTY_PAGES = ("Eins", "Zwei")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
ACCOUNTS = {Role(role): username for username, role in demo.DEMO_ACCOUNTS.items()}
STATE_JS = """(selector) => {
    const app = document.querySelector(selector);
    return app && [app.dataset.testScriptState, app.dataset.testConnectionState];
}"""


def settled_ms(page: Page, started: float) -> float:
    """Milliseconds from `started` until the script run ended for good (the stable wait not counted)."""
    stable_since: float | None = None
    while True:
        state = page.evaluate(STATE_JS, APP_ROOT)
        now = time.perf_counter()
        if state and state[0] == "notRunning" and state[1] in (None, "CONNECTED"):
            stable_since = stable_since or now
            if now - stable_since >= STABLE_FOR:
                return (stable_since - started) * 1000
        else:
            stable_since = None
        if now - started > TIMEOUT:
            raise TimeoutError(f"{page.url}: no settled script run within {TIMEOUT:.0f} s (last: {state})")
        page.wait_for_timeout(POLL_MS)


# Counts changes of the script state and notes when the last run ended, in the page's own clock.
WATCH_JS = """(selector) => {
    const app = document.querySelector(selector);
    if (window.lcWatch && window.lcWatch.app === app) return;
    window.lcWatch = {app: app, runs: 0, idleAt: performance.now()};
    new MutationObserver((records) => {
        // A fast run may flip to "running" and back within one batch: count every change.
        window.lcWatch.runs += records.length;
        if (app.dataset.testScriptState === "notRunning") window.lcWatch.idleAt = performance.now();
    }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}"""
IDLE_JS = """() => {
    const heading = document.querySelector("h1");
    return [window.lcWatch.runs, window.lcWatch.idleAt, performance.now(),
        window.lcWatch.app.dataset.testScriptState, heading ? heading.innerText : ""];
}"""


def menu_ms(page: Page, title: str) -> float:
    """Milliseconds from clicking `title` in the sidebar until the new page's run has ended for good.

    A fast run may never show "running" to the browser, so the new page's heading counts as well.
    """
    page.evaluate(WATCH_JS, APP_ROOT)
    runs_before, _, clicked, _, old_heading = page.evaluate(IDLE_JS)
    page.locator("[data-testid=stSidebarNav]").get_by_role("link", name=title, exact=True).click()
    shown_at: float | None = None
    while True:
        runs, idle_at, now, state, heading = page.evaluate(IDLE_JS)
        if shown_at is None and heading != old_heading:
            shown_at = now
        if shown_at is not None and state == "notRunning":
            ended = max(shown_at, idle_at if runs > runs_before else shown_at)
            if now - ended >= STABLE_FOR * 1000:
                return ended - clicked
        if now - clicked > TIMEOUT * 1000:
            raise TimeoutError(f"{title}: no settled rerun within {TIMEOUT:.0f} s")
        page.wait_for_timeout(POLL_MS)


def show_menu(page: Page) -> None:
    """The Präsentation hides the sidebar for the shared screen; its own switch brings it back."""
    menu = page.locator("[data-testid=stSidebarNav]")
    if menu.is_visible():
        return
    page.get_by_text("Menü einblenden", exact=True).click()
    menu.wait_for(state="visible", timeout=TIMEOUT * 1000)
    settled_ms(page, time.perf_counter())


def open_ms(page: Page, url: str) -> float:
    started = time.perf_counter()
    page.goto(url)
    return settled_ms(page, started)


def heading(page: Page) -> str:
    first = page.locator("h1").first
    return first.inner_text().strip() if first.count() else ""


@contextmanager
def seeded_database(scale: str) -> Iterator[str]:
    directory = Path(tempfile.mkdtemp(prefix=f"lotsen-render-{scale}-"))
    url = f"sqlite:///{directory / 'render.db'}"
    try:
        engine = make_engine(url)
        migrate(engine)
        demo.seed(engine=engine, scale=scale)
        engine.dispose()
        yield url
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


@contextmanager
def empty_server() -> Iterator[str]:
    """A Streamlit server for a one-line app, on its own port."""
    directory = Path(tempfile.mkdtemp(prefix="lotsen-empty-"))
    (directory / "empty.py").write_text(EMPTY_APP, encoding="utf-8")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "streamlit", "run", "empty.py", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603
        command, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while not _healthy(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("The empty Streamlit app did not start.")
            time.sleep(0.2)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def log_in(page: Page, base_url: str, role: Role) -> None:
    open_ms(page, base_url)
    page.get_by_label("Benutzername", exact=True).fill(ACCOUNTS[role])
    page.get_by_label("Passwort", exact=True).fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    settled_ms(page, time.perf_counter())


def _median(values: list[float]) -> int:
    return round(statistics.median(values))


def measure_pages(browser: Browser, base_url: str, runs: int) -> list[dict[str, Any]]:
    rows = []
    for role in Role:
        specs = [spec for spec in PAGES if role in spec.roles and available(spec)]
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="de-DE")
        page = context.new_page()
        log_in(page, base_url, role)
        # In the session: every page once (first render), then `runs` more rounds. The login lands
        # on the default page, so each round ends there (its "first" is its second render).
        menu: dict[str, list[float]] = {spec.path: [] for spec in specs}
        for _ in range(1 + runs):
            for spec in specs[1:] + specs[:1]:
                menu[spec.path].append(menu_ms(page, spec.title))
                show_menu(page)
        for spec in specs:
            by_url = [open_ms(page, f"{base_url}/{spec.path}") for _ in range(1 + runs)]
            shown = heading(page)
            if shown in ("Lotsen-Cockpit", "Kein Zugriff"):
                raise RuntimeError(f"/{spec.path} as {role.value} shows „{shown}“ instead of the page.")
            row = {
                "page": f"/{spec.path}",
                "role": role.value,
                "menu_first_ms": round(menu[spec.path][0]),
                "menu_median_ms": _median(menu[spec.path][1:]),
                "url_first_ms": round(by_url[0]),
                "url_median_ms": _median(by_url[1:]),
            }
            rows.append(row)
            print(f"/{spec.path} ({role.value}): {row}", file=sys.stderr)
        context.close()
    return rows


def measure_empty(browser: Browser, base_url: str, runs: int) -> dict[str, int]:
    page = browser.new_page()
    open_ms(page, base_url)  # the first contact warms the browser, not the app
    by_url = [open_ms(page, base_url) for _ in range(max(runs, 3))]
    by_menu = [menu_ms(page, EMPTY_PAGES[(n + 1) % 2]) for n in range(2 * max(runs, 3))]
    page.close()
    return {"menu_ms": _median(by_menu), "url_ms": _median(by_url)}


def _de(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") if value >= 1000 else f"{value:.2f}".replace(".", ",")


def table(result: dict[str, Any]) -> str:
    empty = result["empty"]
    lines = [
        f"Leere Streamlit-App / empty app: Menü {empty['menu_ms']} ms, URL {empty['url_ms']} ms "
        "(Median, die schnellere Messung vor oder nach dem Cockpit) · "
        f"Stufe / scale {result['scale']}",
        "",
        "| Seite / page | Rolle / role | Menü erste ms | Menü Median ms | ÷ leer "
        "| URL erste ms | URL Median ms | ÷ leer |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    lines += [
        f"| {row['page']} | {row['role']} | {row['menu_first_ms']} | {row['menu_median_ms']} "
        f"| {_de(row['menu_first_ms'] / empty['menu_ms'])} | {row['url_first_ms']} | {row['url_median_ms']} "
        f"| {_de(row['url_first_ms'] / empty['url_ms'])} |"
        for row in result["pages"]
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> dict[str, Any]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    database_url = args.database_url or os.environ.get("DATABASE_URL")
    with (
        seeded_database(args.scale) if database_url is None else _as_is(database_url) as url,
        streamlit_server(url, cookie_key=new_cookie_key()) as app_url,
        empty_server() as empty_url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        before = measure_empty(browser, empty_url, args.runs)
        pages = measure_pages(browser, app_url, args.runs)
        after = measure_empty(browser, empty_url, args.runs)
        browser.close()
    # Measured before and after the cockpit; the faster of the two is the (stricter) baseline, so a
    # slow moment of the machine during one of them cannot make the cockpit look better.
    empty = {key: min(before[key], after[key]) for key in before}
    return {
        "scale": args.scale, "load": os.getloadavg()[0], "empty": empty,
        "empty_before": before, "empty_after": after, "pages": pages,
    }  # fmt: skip


@contextmanager
def _as_is(url: str) -> Iterator[str]:
    yield url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="S", choices=["S", "M", "L"])
    parser.add_argument(
        "--database-url", help="vorhandene Datenbank mit Demo-Konten (auch über DATABASE_URL)"
    )
    parser.add_argument("--runs", type=int, default=3, help="weitere Aufrufe je Seite für den Median")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args)
    print(json.dumps(result, ensure_ascii=False) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
