"""Workbooks as spreadsheets write them: LibreOffice files with numeric keys, formulas, hidden and
merged cells; renames that are probably mixed-up keys; the template with text formats, drop-downs
and example rows."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from model import demo, exchange
from model.core.db import read_session, write_session
from model.core.enums import from_label
from model.core.tables import AuditEntry, FundingProgramme, OrgUnit, Pilot
from model.exchange import ImportRejected, RenamesNotConfirmed
from tests.fixtures.make_libreoffice_fixtures import bad_workbook
from tests.model.test_exchange import cell_values, count, export, plan_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LIBREOFFICE_BAD = FIXTURES / "libreoffice_fehlerhaft.xlsx"
LIBREOFFICE_RENAME = FIXTURES / "libreoffice_umbenennung.xlsx"

# What the bad workbook must report: (sheet, row, column) → part of the German reason, in order.
BAD_FILE_ERRORS: dict[tuple[str, int | None, str], str] = {
    ("Organisationseinheiten", 4, "Kürzel"): "Pflichtfeld ist leer",
    ("Organisationseinheiten", 5, "Beschäftigte"): "Formel oder einen Fehlerwert (=2*10)",
    ("Organisationseinheiten", 6, "–"): "Die Zeile ist ausgeblendet",
    ("Organisationseinheiten", 7, "Name"): "Verbundene Zellen B7:B8",
    ("Organisationseinheiten", 8, "Name"): "Pflichtfeld ist leer",
    ("Lotsen", None, "–"): "Das Blatt ist ausgeblendet",
    ("Förderprogramme", None, "Bewilligt"): "Die Spalte E ist ausgeblendet",
    ("Förderprogramme", 2, "Beantragt"): "Formel oder einen Fehlerwert (=B1)",
}


@pytest.fixture(autouse=True)
def fixed_today(fake_clock):
    return fake_clock


@pytest.fixture
def demo_engine(engine):
    demo.seed(engine=engine, scale="demo")
    return engine


def openpyxl_bad_workbook(tmp_path: Path) -> bytes:
    path = tmp_path / "fehlerhaft.xlsx"
    bad_workbook(path)
    return path.read_bytes()


def test_the_fixtures_were_written_by_libreoffice() -> None:
    for path in (LIBREOFFICE_BAD, LIBREOFFICE_RENAME):
        with zipfile.ZipFile(path) as archive:
            assert b"<Application>LibreOffice" in archive.read("docProps/app.xml"), path.name


@pytest.mark.parametrize("writer", ["libreoffice", "openpyxl"])
def test_a_bad_workbook_gives_row_messages_and_changes_nothing(demo_engine, tmp_path, writer) -> None:
    content = LIBREOFFICE_BAD.read_bytes() if writer == "libreoffice" else openpyxl_bad_workbook(tmp_path)
    before, audit = export(demo_engine), count(demo_engine, AuditEntry)

    plan = plan_of(demo_engine, [("fehlerhaft.xlsx", content)])

    assert [(e.sheet, e.row, e.column) for e in plan.errors] == list(BAD_FILE_ERRORS)
    for error in plan.errors:
        assert BAD_FILE_ERRORS[(error.sheet, error.row, error.column)] in error.reason, error.line()
    notices = [notice.line() for notice in plan.notices]
    assert any(
        line.startswith("Organisationseinheiten, Zeile 3, Spalte Kürzel: Zahlen statt Text")
        and "Führende Nullen" in line
        for line in notices
    ), notices
    assert any("Notiz (G): Unbekannte Spalte (ausgeblendet)" in line for line in notices), notices
    with pytest.raises(ImportRejected, match="nichts geschrieben"), write_session(demo_engine) as session:
        exchange.apply_import(session=session, plan=plan, actor="cdo", accept_renames=True)
    assert cell_values(export(demo_engine)) == cell_values(before)
    assert count(demo_engine, AuditEntry) == audit


def test_an_empty_kuerzel_is_a_row_message_not_a_key_error(engine) -> None:
    csv = "Kürzel;Name;Art;Übergeordnet (Kürzel)\n;Ohne Kürzel;Amt;Dez I\nDez I;Dezernat I;Dezernat;\n"
    plan = plan_of(engine, [("Organisationseinheiten.csv", csv.encode())])
    assert [e.line() for e in plan.errors] == [
        "Organisationseinheiten, Zeile 2, Spalte Kürzel: Pflichtfeld ist leer."
    ]


def test_a_libreoffice_list_that_turned_010_into_10_is_a_probable_mixup_named_old_to_new(demo_engine) -> None:
    """The reported case: "010" saved as the number 10 would rename Hauptamt and move it with its Lotsen."""
    with read_session(demo_engine) as session:
        hauptamt = session.exec(select(OrgUnit).where(OrgUnit.code == "10")).one()
        lotsen = session.exec(select(Pilot.id).where(Pilot.unit_id == hauptamt.id)).all()
    before = export(demo_engine)

    plan = plan_of(demo_engine, [("Einheiten.xlsx", LIBREOFFICE_RENAME.read_bytes())])

    assert plan.ok
    assert [notice.line() for notice in plan.notices] == [
        "Organisationseinheiten, Zeilen 2–3, Spalte Kürzel: Zahlen statt Text: als Ziffern gelesen "
        "(z. B. 10 → „10“). Führende Nullen (aus „010“ wird 10) können dabei schon beim Speichern der "
        "Datei verloren gegangen sein – bitte die Kürzel prüfen und die Spalte als Text formatieren "
        "(in der Vorlage ist sie es).",
        "Organisationseinheiten, Zeile 2, Spalte Übergeordnet (Kürzel): Zahlen statt Text: als Ziffern "
        "gelesen (z. B. 10 → „10“). Führende Nullen (aus „010“ wird 10) können dabei schon beim Speichern "
        "der Datei verloren gegangen sein – bitte die Kürzel prüfen und die Spalte als Text formatieren "
        "(in der Vorlage ist sie es).",
    ]
    (mixup,) = plan.mixups
    assert mixup.line() == (
        "Organisationseinheiten, Zeile 2, Kürzel 10: Name „Hauptamt“ → „Bürgerbüro Nord“; "
        "Art Amt → Abteilung; Übergeordnet Dez I → 33; Beschäftigte 86 → 12 – wahrscheinlich "
        "verwechselter Schlüssel"
    )
    frame = plan.change_frame()
    assert frame[["Feld", "Bisher", "Neu"]].values.tolist() == [
        ["Name", "Hauptamt", "Bürgerbüro Nord"],
        ["Art", "Amt", "Abteilung"],
        ["Übergeordnet", "Dez I", "33"],
        ["Beschäftigte", "86", "12"],
    ]
    assert set(frame["Vorgang"]) == {"Schlüssel prüfen"}
    assert plan.summary_frame()[["Geändert", "Unverändert"]].values.tolist() == [[1, 1]]

    with pytest.raises(RenamesNotConfirmed) as refused, write_session(demo_engine) as session:
        exchange.apply_import(session=session, plan=plan, actor="cdo")
    assert "1 Datensatz mit wahrscheinlich verwechseltem Schlüssel (Organisationseinheiten Kürzel 10)" in str(
        refused.value
    )
    assert [e.line() for e in refused.value.errors] == [
        "Organisationseinheiten, Zeile 2, Spalte Kürzel: Wahrscheinlich verwechselter Schlüssel: Name "
        "(„Hauptamt“ → „Bürgerbüro Nord“) und Übergeordnet (Dez I → 33) ändern sich zugleich – vermutlich "
        "ist ein anderer Datensatz gemeint (etwa „010“, als Zahl 10 gespeichert). Geschrieben wird das nur "
        "nach ausdrücklicher Bestätigung (Verwaltung: „Umbenennungen bestätigen“; Kommandozeile: "
        "--accept-renames)."
    ]
    assert cell_values(export(demo_engine)) == cell_values(before)

    with write_session(demo_engine) as session:
        result = exchange.apply_import(session=session, plan=plan, actor="cdo", accept_renames=True)

    assert (result.created, result.changed) == (0, 1)
    with read_session(demo_engine) as session:
        renamed = session.get(OrgUnit, hauptamt.id)
        parent = session.get(OrgUnit, renamed.parent_id)
        moved = session.exec(select(Pilot.id).where(Pilot.unit_id == hauptamt.id)).all()
        summary = session.exec(select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert (renamed.name, renamed.kind, parent.code) == ("Bürgerbüro Nord", "abteilung", "33")
    assert sorted(moved) == sorted(lotsen)  # the Lotsen went with it: that is why it needs the tick
    assert '"confirmed_renames": [null, 1]' in summary.changes


def test_a_mixup_that_appears_only_after_the_dry_run_is_not_covered_by_the_confirmation(demo_engine) -> None:
    sheet = "Kürzel;Name;Art;Übergeordnet (Kürzel)\n99;Neues Amt;Amt;Dez II\n"
    plan = plan_of(demo_engine, [("Organisationseinheiten.csv", sheet.encode())])
    assert plan.ok and not plan.mixups
    with write_session(demo_engine) as session:  # meanwhile someone else adds unit 99 elsewhere
        session.add(OrgUnit(code="99", name="Altes Amt", kind="amt", parent_id=None, headcount=1))
    with pytest.raises(RenamesNotConfirmed), write_session(demo_engine) as session:
        exchange.apply_import(session=session, plan=plan, actor="cdo", accept_renames=True)


@pytest.mark.parametrize(
    ("sheet", "rows", "identity"),
    [
        (
            "Lotsen",
            [exchange.PILOTS.headers, ["Max Muster", "{email}", "51", "aktiv", None, 2]],
            "Name (",
        ),
        (
            "Förderprogramme",
            [exchange.FUNDING.headers, ["{funding}", "EU", "31.12.2030", 0, 0, "beantragt"]],
            "Geber (",
        ),
    ],
)
def test_other_sheets_flag_a_change_of_all_their_identity_fields(demo_engine, sheet, rows, identity) -> None:
    with read_session(demo_engine) as session:
        pilot = session.exec(select(Pilot).where(Pilot.anonymised == False)).first()  # noqa: E712
        funding = session.exec(select(FundingProgramme)).first()
    rows[1] = [
        value.format(email=pilot.email, funding=funding.name) if isinstance(value, str) else value
        for value in rows[1]
    ]
    workbook = Workbook()
    workbook.active.title = sheet
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = plan_of(demo_engine, [("liste.xlsx", buffer.getvalue())])
    (mixup,) = plan.mixups
    with pytest.raises(RenamesNotConfirmed) as refused, write_session(demo_engine) as session:
        exchange.apply_import(session=session, plan=plan, actor="cdo")
    assert identity in refused.value.errors[0].reason


def test_the_template_formats_keys_as_text_offers_german_drop_downs_and_an_example_row(engine) -> None:
    data = exchange.template_workbook()
    workbook = load_workbook(io.BytesIO(data))
    lists = workbook["Auswahllisten"]
    for spec in exchange.SHEETS:
        sheet = workbook[spec.name]
        assert sheet.freeze_panes == "A2", spec.name
        validations = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
        for index, column in enumerate(spec.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            assert 10 <= sheet.column_dimensions[letter].width <= 50, (spec.name, column.header)
            if column.is_text:
                assert sheet.column_dimensions[letter].number_format == "@", (spec.name, column.header)
                assert sheet.cell(row=2, column=index).number_format == "@", (spec.name, column.header)
            if column.choices is not None:
                validation = validations[f"{letter}2:{letter}1048576"]
                assert validation.type == "list" and validation.showErrorMessage
                sheet_name, cells = validation.formula1.split("!")
                first, last = cells.replace("$", "").split(":")
                labels = [cell.value for (cell,) in lists[f"{first}:{last}"]]
                # Every label of the drop-down is what the import accepts, and every value is offered.
                assert sorted(from_label(column.choices, label).value for label in labels) == sorted(
                    member.value for member in column.choices
                ), (spec.name, column.header)
        assert str(sheet.cell(row=2, column=1).value).startswith("Beispiel: ")
        assert sheet.cell(row=2, column=1).font.italic
    measures = {str(dv.sqref): dv.formula1 for dv in workbook["Maßnahmen"].data_validations.dataValidation}
    assert measures["F2:F1048576"] == '"1,2,3,4,5"'  # Nutzen Bürger
    assert measures["Q2:Q1048576"] == '"0,1,2,3,4"'  # Reifegrad Ziel

    plan = plan_of(engine, [("Vorlage.xlsx", data)])
    assert plan.ok and not plan.changes
    assert [(n.sheet, n.rows) for n in plan.notices] == [(spec.name, (2,)) for spec in exchange.SHEETS]
    assert all("Beispielzeile" in n.reason for n in plan.notices)


def test_an_example_row_among_real_rows_is_skipped_and_said(engine) -> None:
    workbook = load_workbook(io.BytesIO(exchange.template_workbook()))
    units = workbook["Organisationseinheiten"]
    units.append(["Dez I", "Dezernat I", "Dezernat", None, 9, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = plan_of(engine, [("Vorlage.xlsx", buffer.getvalue())])
    assert [c.line() for c in plan.changes] == [
        "Organisationseinheiten, Zeile 3, Kürzel Dez I: neu – Name „Dezernat I“; Art Dezernat; Beschäftigte 9"
    ]
    assert plan.notices[0].line() == (
        "Organisationseinheiten, Zeile 2, Spalte Kürzel: Beispielzeile („Beispiel: …“ in der ersten Zelle) "
        "wurde nicht importiert."
    )


def test_the_export_with_data_has_text_keys_drop_downs_and_no_example_rows(engine) -> None:
    demo.seed(engine=engine, scale="demo")
    workbook = load_workbook(io.BytesIO(export(engine)))
    units = workbook["Organisationseinheiten"]
    assert units.freeze_panes == "A2"
    assert {str(dv.sqref) for dv in units.data_validations.dataValidation} == {"C2:C1048576"}
    codes = [cell for (cell,) in units.iter_rows(min_row=2, max_col=1)]
    assert all(cell.number_format == "@" and cell.data_type == "s" for cell in codes)
    assert not any(str(cell.value).startswith("Beispiel:") for cell in codes)
    assert units.column_dimensions["B"].width > units.column_dimensions["A"].width  # names are long
