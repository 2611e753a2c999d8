"""Verwaltung → Import/Export, Audit-Log, Sicherung through the page (AppTest) as the demo admin."""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from model.accounts.auth import UserInfo
from model.core import backup
from model.core.db import read_session
from model.core.enums import Role
from model.core.tables import AuditEntry, OrgUnit, Pilot
from tests.model.test_exchange import BAD_ROWS, bad_workbook, cell_values, export, workbook_bytes
from tests.model.test_exchange_files import BAD_FILE_ERRORS, LIBREOFFICE_BAD, LIBREOFFICE_RENAME
from tests.pages.conftest import DEMO_USERS, log_in, new_app, private_demo_copy
from tests.support.big_imports import bad_rows_csv
from ui.admin_exchange import PLAN_KEY

PAGE = "pages/verwaltung.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_COLUMNS = ["Blatt", "Zeile", "Spalte", "Grund"]
# own_demo copies the demo SQLite file; the import itself also runs on PostgreSQL in tests/model.
ON_A_FILE_COPY = pytest.mark.sqlite_only(reason="works on a sqlite3 copy of the demo database file")


@pytest.fixture
def own_demo(demo_database, tmp_path) -> Iterator[Engine]:
    """A private copy of the session's demo database (writes here touch no other test)."""
    yield from private_demo_copy(demo_database, tmp_path / "exchange.db")


def open_tab(tab: str) -> AppTest:
    at = log_in(new_app().run(), DEMO_USERS["admin"])
    at.switch_page(PAGE)
    at.session_state["reiter"] = tab
    return at.run()


def count(engine: Engine, model) -> int:
    with read_session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def click(at: AppTest, label: str) -> AppTest:
    next(button for button in at.button if button.label == label).click()
    return at.run()


@ON_A_FILE_COPY
def test_a_workbook_with_bad_rows_shows_every_error_and_writes_nothing(own_demo) -> None:
    units, audit = count(own_demo, OrgUnit), count(own_demo, AuditEntry)
    at = open_tab("Import/Export")
    at.file_uploader[0].set_value(("fehler.xlsx", bad_workbook(), XLSX))
    at.run()

    assert not at.exception
    shown_table = next(t.value for t in at.table if list(t.value.columns)[:2] == ["Blatt", "Zeile"])
    errors = shown_table.map(lambda value: value.replace("\\", "") if isinstance(value, str) else value)
    assert list(errors.columns) == ["Blatt", "Zeile", "Spalte", "Grund"]
    assert [tuple(row) for row in errors[["Blatt", "Zeile", "Spalte"]].values.tolist()] == list(BAD_ROWS)
    for (sheet, row, column), reason in BAD_ROWS.items():
        (shown,) = errors.loc[
            (errors["Blatt"] == sheet) & (errors["Zeile"] == row) & (errors["Spalte"] == column)
        ]["Grund"]
        assert reason in shown
    assert any("6 Fehler gefunden – es wird nichts importiert" in e.value for e in at.error)
    assert "Import ausführen" not in [button.label for button in at.button]
    assert (count(own_demo, OrgUnit), count(own_demo, AuditEntry)) == (units, audit)


@ON_A_FILE_COPY
def test_a_valid_workbook_is_imported_after_confirmation_with_audit_rows_of_the_admin(own_demo) -> None:
    sheets = {
        "Organisationseinheiten": [
            ["Kürzel", "Name", "Art", "Übergeordnet (Kürzel)", "Beschäftigte", "Soll-Lotsen"],
            ["DIGI", "Digitallabor", "Stabsstelle", "Dez I", 5, 1],
        ],
        "Lotsen": [
            ["Name", "E-Mail", "Organisationseinheit (Kürzel)", "Stufe", "Seit", "Stunden pro Woche"],
            ["Jürgen Weiß", "juergen.weiss@example.org", "DIGI", "nominiert", "02.11.2026", 3],
        ],
    }
    at = open_tab("Import/Export")
    at.file_uploader[0].set_value(("neu.xlsx", workbook_bytes(sheets), XLSX))
    at.run()
    summary = next(t.value for t in at.table if "Neu" in t.value.columns)
    assert summary[["Blatt", "Neu", "Geändert"]].values.tolist() == [
        ["Organisationseinheiten", 1, 0],
        ["Lotsen", 1, 0],
    ]
    assert count(own_demo, Pilot) == 30  # nothing written by the dry run

    at = click(at, "Import ausführen")

    assert not at.exception
    assert any(s.value.startswith("Import abgeschlossen") for s in at.success)
    with read_session(own_demo) as session:
        unit = session.exec(select(OrgUnit).where(OrgUnit.code == "DIGI")).one()
        pilot = session.exec(select(Pilot).where(Pilot.email == "juergen.weiss@example.org")).one()
        rows = session.exec(select(AuditEntry).where(AuditEntry.entity.in_(["org_unit", "pilot"]))).all()
    assert pilot.unit_id == unit.id
    created = [(r.actor, r.action, r.entity) for r in rows if r.entity_id in (str(unit.id), str(pilot.id))]
    assert ("cdo", "create", "org_unit") in created and ("cdo", "create", "pilot") in created

    log = open_tab("Audit-Log")
    table = next(frame.value for frame in log.dataframe if "Feld" in frame.value.columns)
    mine = table[(table["Benutzer"] == "cdo") & (table["Feld"] == "Name")]
    assert {"Digitallabor", "Jürgen Weiß"} <= set(mine["Neu"])


@ON_A_FILE_COPY
def test_restore_needs_the_confirmation_then_replaces_the_data_and_keeps_the_old_state(
    own_demo, tmp_path
) -> None:
    saved = backup.backup_bytes(engine=own_demo)
    with own_demo.begin() as connection:
        connection.exec_driver_sql("UPDATE org_unit SET name = 'Umbenannt' WHERE code = '33'")

    at = open_tab("Sicherung")
    assert [b.label for b in at.get("download_button")] == ["Sicherung erstellen und herunterladen"]
    at.file_uploader[0].set_value(("stand.db", saved, "application/octet-stream"))
    at = click(at, "Sicherung wiederherstellen")
    assert any("Bitte zuerst bestätigen" in e.value for e in at.error)

    at.checkbox[0].check()
    at = click(at, "Sicherung wiederherstellen")

    assert not at.exception
    assert any("„stand\\.db“ wurde wiederhergestellt" in s.value for s in at.success)  # name escaped
    with read_session(own_demo) as session:
        assert session.exec(select(OrgUnit.name).where(OrgUnit.code == "33")).one() == "Bürgeramt"
        entry = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()  # type: ignore[union-attr]
    assert (entry.actor, entry.action) == ("cdo", "restore")
    (safety,) = (tmp_path / "backups").iterdir()
    with sqlite3.connect(safety) as copy:
        assert copy.execute("SELECT name FROM org_unit WHERE code = '33'").fetchone() == ("Umbenannt",)


@pytest.mark.parametrize("part", ["render_import_export", "render_audit_log", "render_backup"])
@pytest.mark.parametrize("role", [Role.LEITUNG, Role.LOTSE])
def test_each_part_refuses_other_roles_by_itself(demo_database, part, role) -> None:
    def script(part: str, role: str) -> None:
        from model.accounts.auth import UserInfo
        from model.core.enums import Role
        from ui import admin_exchange

        getattr(admin_exchange, part)(
            UserInfo(id=2, username="x", display_name="X", role=Role(role), pilot_id=None)
        )

    at = AppTest.from_function(script, args=(part, role.value), default_timeout=30).run()
    assert [e.value for e in at.error] == ["Diesen Bereich darf nur das CDO-Büro (Administration) nutzen."]
    assert not at.file_uploader and not at.dataframe and not at.table and not at.get("download_button")
    assert UserInfo  # the real type is what the page passes


def unescaped(frame):
    return frame.map(lambda value: value.replace("\\", "") if isinstance(value, str) else value)


@ON_A_FILE_COPY
def test_a_libreoffice_workbook_with_numeric_empty_and_formula_cells_and_a_hidden_sheet_is_refused(
    own_demo,
) -> None:
    before = cell_values(export(own_demo))
    at = open_tab("Import/Export")
    at.file_uploader[0].set_value(("fehlerhaft.xlsx", LIBREOFFICE_BAD.read_bytes(), XLSX))
    at.run()

    assert not at.exception
    errors = unescaped(next(t.value for t in at.table if list(t.value.columns) == ERROR_COLUMNS))
    shown = [(sheet, None if row == "–" else int(row), column) for sheet, row, column in errors.values[:, :3]]
    assert shown == list(BAD_FILE_ERRORS)
    for (sheet, row, column), reason in zip(shown, errors["Grund"], strict=True):
        assert BAD_FILE_ERRORS[(sheet, row, column)] in reason
    notices = unescaped(next(t.value for t in at.table if "Hinweis" in t.value.columns))
    assert "Zahlen statt Text" in " ".join(notices["Hinweis"])
    assert any("8 Fehler gefunden – es wird nichts importiert" in e.value for e in at.error)
    assert "Import ausführen" not in [button.label for button in at.button]
    assert cell_values(export(own_demo)) == before


@ON_A_FILE_COPY
def test_a_renaming_workbook_shows_old_and_new_and_is_written_only_after_the_tick(own_demo) -> None:
    before = cell_values(export(own_demo))
    at = open_tab("Import/Export")
    at.file_uploader[0].set_value(("Einheiten.xlsx", LIBREOFFICE_RENAME.read_bytes(), XLSX))
    at.run()

    assert not at.exception
    changes = next(frame.value for frame in at.dataframe if "Bisher" in frame.value.columns)
    assert changes[["Schlüssel", "Feld", "Bisher", "Neu"]].values.tolist() == [
        ["Kürzel 10", "Name", "Hauptamt", "Bürgerbüro Nord"],
        ["Kürzel 10", "Art", "Amt", "Abteilung"],
        ["Kürzel 10", "Übergeordnet", "Dez I", "33"],
        ["Kürzel 10", "Beschäftigte", "86", "12"],
    ]
    assert set(changes["Vorgang"]) == {"Schlüssel prüfen"}
    warning = " ".join(w.value.replace("\\", "") for w in at.warning)
    assert "1 wahrscheinlich verwechselte Schlüssel" in warning
    assert "Name „Hauptamt“ → „Bürgerbüro Nord“" in warning
    (confirm,) = [box for box in at.checkbox if box.label == "Umbenennungen bestätigen"]
    assert confirm.value is False

    at = click(at, "Import ausführen")  # without the tick: refused, nothing written
    assert not at.exception
    assert any("wahrscheinlich verwechseltem Schlüssel" in e.value.replace("\\", "") for e in at.error)
    assert cell_values(export(own_demo)) == before

    next(box for box in at.checkbox if box.label == "Umbenennungen bestätigen").check()
    at = click(at.run(), "Import ausführen")

    assert not at.exception
    assert any(s.value.replace("\\", "").startswith("Import abgeschlossen") for s in at.success)
    with read_session(own_demo) as session:
        assert session.exec(select(OrgUnit.name).where(OrgUnit.code == "10")).one() == "Bürgerbüro Nord"
    assert not at.file_uploader[0].value  # a new round: the uploader starts empty


@ON_A_FILE_COPY
def test_a_file_past_the_row_limit_is_refused_on_the_page_naming_the_limit(own_demo) -> None:
    units = count(own_demo, OrgUnit)
    at = open_tab("Import/Export")
    name, content = bad_rows_csv(100_001)
    at.file_uploader[0].set_value((name, content, "text/csv"))
    at.run()

    assert not at.exception
    assert [e.value.replace("\\", "") for e in at.error] == [  # Markdown-escaped
        "„Organisationseinheiten.csv“ hat mehr als 100.000 Datenzeilen: höchstens 100.000 Zeilen je Blatt "
        "und Import. Bitte die Daten auf mehrere Importe aufteilen. Es wurde nichts geändert."
    ]
    assert not at.table and count(own_demo, OrgUnit) == units


@ON_A_FILE_COPY
def test_a_million_bad_rows_show_the_first_500_errors_with_their_count_and_keep_the_session_small(
    own_demo, monkeypatch
) -> None:
    monkeypatch.setenv("LOTSEN_IMPORT_MAX_ROWS", "1000000")
    at = open_tab("Import/Export")
    name, content = bad_rows_csv()
    at.file_uploader[0].set_value((name, content, "text/csv"))
    at.run(timeout=900)

    assert not at.exception
    assert any(e.value.startswith("1.000.000 Fehler gefunden – es wird nichts importiert.") for e in at.error)
    errors = next(t.value for t in at.table if list(t.value.columns) == ERROR_COLUMNS)
    assert len(errors) == 500 and errors["Zeile"].tolist() == list(range(2, 502))
    captions = [caption.value for caption in at.caption]
    assert "… und 999.500 weitere Fehler." in captions
    assert any(caption.startswith("Die ersten 500 von 1.000.000 Fehlern") for caption in captions)
    kept = at.session_state[PLAN_KEY]  # what stays in the session between runs
    assert len(pickle.dumps(kept)) < 200_000
