"""Import through the real upload in Chromium: a workbook with bad rows on three sheets, and one
written by LibreOffice with numeric, empty and formula cells and a hidden sheet, are refused with
every bad row shown by sheet, row, column and reason, and nothing is written; a renaming workbook
shows every change old → new and is written only after "Umbenennungen bestätigen" is ticked."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import Page, expect

from model import exchange
from model.core.db import make_engine, write_session
from tests.e2e.conftest import DEMO_PASSWORD, RESULTS_DIR, login, open_from_menu
from tests.e2e.test_accessibility import assert_accessible
from tests.model.test_exchange import BAD_ROWS, bad_workbook
from tests.model.test_exchange_files import BAD_FILE_ERRORS, LIBREOFFICE_BAD, LIBREOFFICE_RENAME
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


def open_import(page: Page) -> None:
    login(page, "cdo", DEMO_PASSWORD)
    # Through the menu, as a user does (a reload right after login can beat the cookie write).
    open_from_menu(page, "Verwaltung")
    page.get_by_role("tab", name="Import/Export", exact=True).click()
    wait_for_app(page)


def upload(page: Page, name: str, content: bytes) -> None:
    uploader = page.locator("[class*='st-key-adm_import_'][class*='_upload'] input[type=file]")
    uploader.set_input_files(files=[{"name": name, "mimeType": XLSX, "buffer": content}])


def test_a_workbook_with_bad_rows_on_three_sheets_is_refused_with_every_error(
    page: Page, database_url: str
) -> None:
    before = row_counts(database_url)
    open_import(page)
    upload(page, "Altliste.xlsx", bad_workbook())
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


def test_a_libreoffice_workbook_with_numeric_empty_formula_cells_and_a_hidden_sheet_changes_nothing(
    page: Page, database_url: str
) -> None:
    before = row_counts(database_url)
    open_import(page)
    upload(page, "fehlerhaft.xlsx", LIBREOFFICE_BAD.read_bytes())
    expect(page.get_by_text("8 Fehler gefunden – es wird nichts importiert.", exact=False)).to_be_visible()
    wait_for_app(page)

    rows = shown_rows(page, ["Blatt", "Zeile", "Spalte", "Grund"])
    shown = [(sheet, None if row == "–" else int(row), column) for sheet, row, column, _ in rows]
    assert shown == list(BAD_FILE_ERRORS)
    for (sheet, row, column), (*_, reason) in zip(shown, rows, strict=True):
        assert BAD_FILE_ERRORS[(sheet, row, column)] in reason, reason
    notices = shown_rows(page, ["Blatt", "Zeilen", "Spalte", "Hinweis"])
    assert any(
        sheet == "Organisationseinheiten" and "Zahlen statt Text" in text for sheet, _, _, text in notices
    )
    expect(page.get_by_role("button", name="Import ausführen")).to_have_count(0)
    assert row_counts(database_url) == before


def restore_hauptamt(database_url: str) -> None:
    """Unit 10 as the demo has it, so that later tests of this server see the demo city."""
    sheet = "Kürzel;Name;Art;Übergeordnet (Kürzel);Beschäftigte\n10;Hauptamt;Amt;Dez I;86\n"
    engine = make_engine(database_url)
    try:
        parsed = exchange.read_upload(files=[("Organisationseinheiten.csv", sheet.encode())])
        with write_session(engine) as session:
            plan = exchange.plan_import(session=session, parsed=parsed)
            exchange.apply_import(session=session, plan=plan, actor="e2e", accept_renames=True)
    finally:
        engine.dispose()


def test_a_renaming_workbook_lists_old_and_new_and_is_written_after_the_tick(
    page: Page, database_url: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    before = row_counts(database_url)
    open_import(page)
    upload(page, "Einheiten.xlsx", LIBREOFFICE_RENAME.read_bytes())
    changes = page.locator("[data-testid=stDataFrame]").filter(has_text="Bisher")
    expect(changes).to_be_visible()
    wait_for_app(page)
    for field, old, new in (("Name", "Hauptamt", "Bürgerbüro Nord"), ("Übergeordnet", "Dez I", "33")):
        row = changes.locator("tr").filter(has_text=field).filter(has_text=new)
        expect(row).to_contain_text(old)
        expect(row).to_contain_text("Kürzel 10")
    warning = page.locator("[data-testid=stAlert]").filter(has_text="wahrscheinlich verwechselte Schlüssel")
    expect(warning).to_contain_text("Name „Hauptamt“ → „Bürgerbüro Nord“")
    changes.scroll_into_view_if_needed()
    RESULTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=RESULTS_DIR / "import-aenderungen-1280x720.png")
    assert_accessible(page)

    page.get_by_role("button", name="Import ausführen").click()  # not ticked: refused
    refusal = page.locator("[data-testid=stAlert]").filter(has_text="wahrscheinlich verwechseltem Schlüssel")
    expect(refusal).to_contain_text("Kürzel 10")
    wait_for_app(page)
    assert row_counts(database_url) == before

    try:
        page.get_by_text("Umbenennungen bestätigen", exact=True).click()
        wait_for_app(page)
        page.get_by_role("button", name="Import ausführen").click()
        expect(
            page.get_by_text("Import abgeschlossen (Organisationseinheiten: 0 neu, 1 geändert).")
        ).to_have_count(
            2  # beside the form and as a toast
        )
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            name = connection.execute("SELECT name FROM org_unit WHERE code = '10'").fetchone()[0]
        assert name == "Bürgerbüro Nord"
    finally:
        restore_hauptamt(database_url)
