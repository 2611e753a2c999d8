"""A Lotse reports in the browser; the CDO sees it in the feed, the training matrix and on Übersicht."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import aliased

from model.core.db import make_engine, read_session
from model.core.tables import AppUser, OrgUnit, Pilot
from tests.e2e.conftest import DEMO_PASSWORD, login, open_from_menu
from tests.e2e.test_accessibility import assert_accessible
from tests.support.app_server import wait_for_app

pytestmark = pytest.mark.e2e

MODULE = "Prozessmanagement & BPMN"
NOTE = "E2E-Workshop mit dem Meldeteam"


def lotse_place(database_url: str) -> tuple[str, str, str]:
    """Name of the demo account "lotse"'s record, its unit's Kürzel and the Kürzel of the Dezernat."""
    engine = make_engine(database_url)
    parent = aliased(OrgUnit)
    try:
        with read_session(engine) as session:
            name, unit_code, dezernat_code = session.exec(
                select(Pilot.name, OrgUnit.code, parent.code)
                .join(AppUser, AppUser.pilot_id == Pilot.id)
                .join(OrgUnit, OrgUnit.id == Pilot.unit_id)
                .join(parent, parent.id == OrgUnit.parent_id)
                .where(AppUser.username == "lotse")
            ).one()
    finally:
        engine.dispose()
    return name, unit_code, dezernat_code


def logged_in(new_context: Callable[[], BrowserContext], username: str) -> Page:
    page = new_context().new_page()
    login(page, username, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
    return page


def go_to(page: Page, title: str) -> None:
    open_from_menu(page, title)


def choose(page: Page, label: str, option: str) -> None:
    """Pick a selectbox option by typing it, as a keyboard user would."""
    field = page.get_by_label(label, exact=True)
    field.click()
    field.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    expect(field).to_have_value(option)


def open_support_requests(page: Page) -> int:
    metric = page.locator("[data-testid=stMetric]").filter(has_text="Offene Unterstützungswünsche")
    value = metric.locator("[data-testid=stMetricValue]").inner_text()
    return int(value.replace(".", ""))


def table(page: Page, index: int) -> Locator:
    return page.locator("[data-testid=stMain] [data-testid=stTable]").nth(index)


def test_lotse_reports_and_the_cdo_sees_it(
    new_context: Callable[[], BrowserContext], database_url: str
) -> None:
    name, unit_code, dezernat_code = lotse_place(database_url)
    cdo = logged_in(new_context, "cdo")
    requests_before = open_support_requests(cdo)

    lotse = logged_in(new_context, "lotse")
    go_to(lotse, "Mein Status")
    assert_accessible(lotse)
    choose(lotse, "Aktivität", "Workshop")
    lotse.get_by_label("Anzahl", exact=True).fill("2")
    lotse.get_by_label("Notiz zur Aktivität (optional)", exact=True).fill(NOTE)
    choose(lotse, "Abgeschlossenes Modul", MODULE)
    lotse.get_by_label("Hindernis (optional)", exact=True).fill("Raum für den nächsten Workshop fehlt")
    lotse.get_by_text("Unterstützung gewünscht", exact=True).click()
    lotse.get_by_role("button", name="Meldung speichern").click()
    wait_for_app(lotse)

    expect(
        lotse.get_by_test_id("stMain").get_by_text(re.compile(r"^Danke! Ihre Meldung wurde gespeichert"))
    ).to_be_visible()
    history = table(lotse, 1)
    expect(history).to_contain_text(f"Workshop (2×) – {NOTE}")
    expect(history.get_by_role("cell", name=MODULE, exact=True)).to_be_visible()
    expect(table(lotse, 0).get_by_role("row").filter(has_text=MODULE)).to_contain_text("abgeschlossen")
    assert_accessible(lotse)

    cdo.reload()
    wait_for_app(cdo)
    expect(cdo.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
    assert open_support_requests(cdo) == requests_before + 1

    # The shared scope filter from the link: the Lotse's own unit, so the training matrix is short.
    cdo.goto(f"/lotsen?dez={quote(dezernat_code)}&oe={quote(unit_code)}")
    wait_for_app(cdo)
    expect(cdo.get_by_role("heading", name="Lotsen & Qualifizierung", level=1)).to_be_visible()
    requests = table(cdo, 0)
    expect(requests.get_by_role("row").filter(has_text=name)).to_contain_text(
        "Raum für den nächsten Workshop fehlt"
    )
    feed = table(cdo, 1)
    expect(feed.get_by_role("row").filter(has_text=MODULE)).to_contain_text(name)
    expect(feed.get_by_role("row").filter(has_text=NOTE)).to_contain_text("Workshop (2×)")

    cdo.get_by_role("tab", name="Qualifizierung").click()
    matrix = cdo.locator("[data-testid=stDataFrame]").filter(has_text=MODULE).last
    column = matrix.locator("th").filter(has_text=MODULE).get_attribute("aria-colindex")
    own_row = matrix.locator("tr").filter(has_text=name)
    expect(own_row.locator(f"td[aria-colindex='{column}']")).to_have_text("abgeschlossen")
    # One person's detail open, every tab once shown (a hidden tab's chart is not drawn), axe on each.
    cdo.get_by_role("tab", name="Lotsen").click()
    choose(cdo, "Lotsin oder Lotse für die Detailansicht", f"{name} ({unit_code})")
    wait_for_app(cdo)
    expect(cdo.get_by_role("heading", name=name, level=3)).to_be_visible()
    cdo.get_by_text("Datenschutz: Auskunft und Anonymisierung (DSGVO)").click()
    for tab in ("Qualifizierung", "Lotsen", "Unterstützung und Meldungen"):
        cdo.get_by_role("tab", name=tab).click()
        assert_accessible(cdo)
