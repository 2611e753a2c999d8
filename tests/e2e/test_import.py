"""Import through the real upload in Chromium: a workbook with bad rows on three sheets is refused,
every bad row is shown with sheet, row, column and reason, and nothing is written."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, login, open_from_menu
from tests.e2e.test_accessibility import assert_accessible
from tests.model.test_exchange import BAD_ROWS, bad_workbook
from tests.support.app_server import wait_for_app

pytestmark = pytest.mark.e2e

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNTED = ("org_unit", "pilot", "measure", "funding_programme", "pilot_stage_change", "audit_log")


def row_counts(database_url: str) -> dict[str, int]:
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED}  # noqa: S608


def shown_rows(page: Page, caption_columns: list[str]) -> list[list[str]]:
    """The body rows of the static table whose header is `caption_columns`, as the browser shows them."""
    for table in page.locator("[data-testid=stTable] table").all():
        headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
        if headers == caption_columns:
            return [
                [cell.strip() for cell in row.locator("td, th").all_inner_texts()]
                for row in table.locator("tbody tr").all()
            ]
    raise AssertionError(f"no table with the columns {caption_columns}")


def test_a_workbook_with_bad_rows_on_three_sheets_is_refused_with_every_error(
    page: Page, database_url: str
) -> None:
    before = row_counts(database_url)
    login(page, "cdo", DEMO_PASSWORD)
    # Through the menu, as a user does (a reload right after login can beat the cookie write).
    open_from_menu(page, "Verwaltung")
    page.get_by_role("tab", name="Import/Export", exact=True).click()
    wait_for_app(page)

    uploader = page.locator(".st-key-adm_exchange_upload_0 input[type=file]")
    uploader.set_input_files(files=[{"name": "Altliste.xlsx", "mimeType": XLSX, "buffer": bad_workbook()}])
    expect(page.get_by_text("6 Fehler gefunden – es wird nichts importiert.", exact=False)).to_be_visible()
    wait_for_app(page)

    rows = shown_rows(page, ["Blatt", "Zeile", "Spalte", "Grund"])
    assert [(sheet, int(row), column) for sheet, row, column, _ in rows] == list(BAD_ROWS)
    for (sheet, row, column, reason), expected in zip(rows, BAD_ROWS.values(), strict=True):
        assert expected in reason, (sheet, row, column, reason)
    assert {sheet for sheet, *_ in rows} == {"Organisationseinheiten", "Lotsen", "Maßnahmen"}
    expect(page.get_by_role("button", name="Import ausführen")).to_have_count(0)
    expect(page.get_by_role("button", name="CSV herunterladen")).to_be_visible()
    assert row_counts(database_url) == before

    assert_accessible(page)
