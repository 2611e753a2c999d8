"""Exchange format: round trip, all-or-nothing import with located errors, encodings, refused files."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func
from sqlmodel import select

from model import demo, exchange
from model.core.db import make_engine, read_session, write_session
from model.core.migrate import migrate
from model.core.tables import (
    AuditEntry,
    FundingProgramme,
    ItStaff,
    Measure,
    OrgUnit,
    Pilot,
    PilotStageChange,
)
from model.exchange import ImportRejected, UploadError
from model.roadmap.ozg import CATALOGUE_FILE

UNIT_HEADERS = exchange.UNITS.headers
PILOT_HEADERS = exchange.PILOTS.headers
MEASURE_HEADERS = exchange.MEASURES.headers
FUNDING_HEADERS = exchange.FUNDING.headers
FORMULA_TITLE = '=HYPERLINK("http://x")'


def workbook_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """A hand-made workbook: sheet name → rows (the first row holds the headers)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cell_values(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.values) for sheet in workbook.worksheets}


def plan_of(engine, files: list[tuple[str, bytes]]) -> exchange.ImportPlan:
    parsed = exchange.read_upload(files=files)
    with read_session(engine) as session:
        return exchange.plan_import(session=session, parsed=parsed)


def run_import(
    engine, files: list[tuple[str, bytes]], actor: str = "cdo", *, accept_renames: bool = True
) -> exchange.ImportResult:
    """Dry run, then the import as confirmed by the user (renames included unless told otherwise)."""
    plan = plan_of(engine, files)
    with write_session(engine) as session:
        return exchange.apply_import(session=session, plan=plan, actor=actor, accept_renames=accept_renames)


def result_notices(engine, data: bytes) -> list[str]:
    return [notice.line() for notice in plan_of(engine, [("export.xlsx", data)]).notices]


def export(engine) -> bytes:
    with read_session(engine) as session:
        return exchange.export_workbook(session=session)


def count(engine, model) -> int:
    with read_session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture(autouse=True)
def fixed_today(fake_clock):
    """Today is 23.11.2026 for every test here (dates in the sheets are relative to it)."""
    return fake_clock


@pytest.fixture
def other_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


def test_template_is_the_export_of_an_empty_database(engine) -> None:
    template = cell_values(exchange.template_workbook())
    assert cell_values(export(engine)) == template
    assert list(template) == [
        "Organisationseinheiten",
        "Lotsen",
        "Maßnahmen",
        "IT-Personal",
        "Förderprogramme",
        "Auswahllisten",
    ]
    assert template["Lotsen"][0] == (
        "Name",
        "E-Mail",
        "Organisationseinheit (Kürzel)",
        "Stufe",
        "Seit",
        "Stunden pro Woche",
    )
    assert template["Förderprogramme"][0] == ("Name", "Geber", "Frist", "Beantragt", "Bewilligt", "Status")
    # One example row per sheet, marked in its first cell.
    for sheet in list(template)[:5]:
        assert len(template[sheet]) == 2, sheet
        assert str(template[sheet][1][0]).startswith("Beispiel: "), sheet


def test_demo_export_import_into_empty_database_export_again_gives_the_same_workbook(
    engine, other_engine
) -> None:
    demo.seed(engine=engine, scale="demo")
    first = export(engine)
    result = run_import(other_engine, [("Lotsen-Cockpit_Export.xlsx", first)])
    second = export(other_engine)

    first_values, second_values = cell_values(first), cell_values(second)
    for sheet, rows in first_values.items():
        assert second_values[sheet] == rows, sheet
    assert len(first_values["Lotsen"]) - 1 == count(engine, Pilot) == count(other_engine, Pilot) == 30
    assert count(other_engine, Measure) == count(engine, Measure) == 36  # 4 open ideas wait apart
    data_sheets = [spec.name for spec in exchange.SHEETS]
    assert result.created == sum(len(first_values[sheet]) - 1 for sheet in data_sheets)
    assert not result_notices(other_engine, first)  # an export reads back without a single notice
    # Every imported Lotse starts its history with the imported stage on its "Seit" date.
    with read_session(other_engine) as session:
        pilot = session.exec(select(Pilot).order_by(Pilot.email)).first()
        history = session.exec(select(PilotStageChange).where(PilotStageChange.pilot_id == pilot.id)).all()
    assert [(h.from_stage, h.to_stage, h.changed_on) for h in history] == [
        (None, pilot.stage, pilot.stage_since)
    ]


def test_importing_the_same_workbook_again_changes_nothing(engine) -> None:
    demo.seed(engine=engine, scale="demo")
    audit_before = count(engine, AuditEntry)
    result = run_import(engine, [("export.xlsx", export(engine))])
    assert (result.created, result.changed) == (0, 0)
    assert all(s.unchanged == s.rows > 0 for s in result.sheets)
    assert count(engine, AuditEntry) == audit_before + 1  # only the import's own summary row


def base_sheets() -> dict[str, list[list[object]]]:
    """A small valid workbook: two units, two Lotsen, two measures, one programme."""
    return {
        "Organisationseinheiten": [
            UNIT_HEADERS,
            ["Dez II", "Dezernat II – Finanzen", "Dezernat", None, 6, None],
            ["33", "Bürgeramt", "Amt", "Dez II", 47, 2],
        ],
        "Lotsen": [
            PILOT_HEADERS,
            ["Jürgen Weiß", "juergen.weiss@example.org", "33", "aktiv", "01.03.2026", 4],
            ["Ayşe Öztürk", "ayse.oeztuerk@example.org", "33", "in Qualifizierung", date(2026, 5, 4), "2,5"],
        ],
        "Maßnahmen": [
            MEASURE_HEADERS,
            ["E-Akte im Bürgeramt", "Papierlos", "Digitalisierung nach innen (Prozesse)", "33", "geplant",
             4, 5, 3, 1, 2, "2026-Q1", "2026-Q4", 12000.5, 0, 30, None, None, "Digitalstrategie NRW"],
            ["Online-Terminvergabe", None, "E-Government/OZG", "33", "in Umsetzung",
             5, 3, 4, 2, 1, "2025-Q3", "2026-Q2", 0, "25.000", 10, "10110", 3, None],
        ],
        "Förderprogramme": [
            FUNDING_HEADERS,
            ["Digitalstrategie NRW", "Land", "30.06.2027", 50000, 0, "beantragt"],
        ],
    }  # fmt: skip


def test_a_valid_workbook_imports_with_labels_german_numbers_and_references(engine) -> None:
    result = run_import(engine, [("liste.xlsx", workbook_bytes(base_sheets()))], actor="anna")

    assert [(s.sheet, s.created) for s in result.sheets] == [
        ("Organisationseinheiten", 2),
        ("Lotsen", 2),
        ("Maßnahmen", 2),
        ("Förderprogramme", 1),
    ]
    with read_session(engine) as session:
        unit = session.exec(select(OrgUnit).where(OrgUnit.code == "33")).one()
        parent = session.get(OrgUnit, unit.parent_id)
        ayse = session.exec(select(Pilot).where(Pilot.name == "Ayşe Öztürk")).one()
        e_file = session.exec(select(Measure).where(Measure.title == "E-Akte im Bürgeramt")).one()
        booking = session.exec(select(Measure).where(Measure.title == "Online-Terminvergabe")).one()
        programme = session.get(FundingProgramme, e_file.funding_id)
        audit = session.exec(select(AuditEntry).where(AuditEntry.entity == "pilot")).all()
    assert (parent.code, unit.target_pilots, unit.kind) == ("Dez II", 2, "amt")
    assert (ayse.stage, ayse.stage_since, ayse.hours_per_week) == ("in_training", date(2026, 5, 4), 2.5)
    assert (e_file.cost_operating, e_file.unit_id, programme.name) == (
        12000.5,
        unit.id,
        "Digitalstrategie NRW",
    )
    assert (booking.cost_capital, booking.ozg_id, booking.maturity_target) == (25000.0, "10110", 3)
    assert {entry.actor for entry in audit} == {"anna"}
    assert all(entry.action == "create" for entry in audit)


def test_an_upsert_changes_by_natural_key_audits_old_to_new_and_records_the_stage_step(engine) -> None:
    run_import(engine, [("liste.xlsx", workbook_bytes(base_sheets()))])
    sheets = base_sheets()
    sheets["Lotsen"][1] = ["Jürgen Weiß", "JUERGEN.WEISS@example.org", "Dez II", "pausiert", "01.09.2026", 4]
    del sheets["Maßnahmen"], sheets["Organisationseinheiten"], sheets["Förderprogramme"]
    with read_session(engine) as session:
        before = session.exec(select(Pilot).where(Pilot.name == "Jürgen Weiß")).one()

    result = run_import(engine, [("update.xlsx", workbook_bytes(sheets))], actor="anna")

    assert [(s.created, s.changed, s.unchanged) for s in result.sheets] == [(0, 1, 1)]
    with read_session(engine) as session:
        after = session.get(Pilot, before.id)
        dez = session.exec(select(OrgUnit).where(OrgUnit.code == "Dez II")).one()
        steps = session.exec(
            select(PilotStageChange)
            .where(PilotStageChange.pilot_id == before.id)
            .order_by(PilotStageChange.id)
        ).all()
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.entity == "pilot", AuditEntry.action == "update")
        ).one()
    assert (after.stage, after.unit_id, after.stage_since) == ("paused", dez.id, date(2026, 9, 1))
    assert after.version == before.version + 1
    assert [(s.from_stage, s.to_stage, s.changed_on) for s in steps][-1] == (
        "active",
        "paused",
        date(2026, 9, 1),
    )
    assert entry.actor == "anna"
    assert '"stage": ["active", "paused"]' in entry.changes
    assert f'"unit_id": [{before.unit_id}, {dez.id}]' in entry.changes


def bad_workbook() -> bytes:
    """Valid rows plus bad rows on three sheets; BAD_ROWS says what each bad cell must report."""
    sheets = base_sheets()
    sheets["Organisationseinheiten"].append(["51", "Jugendamt", "Amt", "Dez XX", 10, None])  # row 4
    sheets["Lotsen"].append(["Max Muster", "max@example.org", "33", "Chef", None, 2])  # row 4
    sheets["Lotsen"].append(["Max Doppelt", "AYSE.oeztuerk@example.org", "33", "aktiv", None, 2])  # row 5
    sheets["Maßnahmen"][2][5] = 7  # row 3, Nutzen Bürger
    new_measure = ["Neue Maßnahme", None, "Fördermittel", "99", "Idee", 3, 3, 3, 1, 3, None, None, -100]
    sheets["Maßnahmen"].append([*new_measure, 0, 0, None, None, None])  # row 4: unknown unit, costs < 0
    return workbook_bytes(sheets)


# (sheet, row, column) → part of the German reason, in the order the dry run lists them.
BAD_ROWS: dict[tuple[str, int, str], str] = {
    ("Organisationseinheiten", 4, "Übergeordnet (Kürzel)"): "„Dez XX“ gibt es weder",
    ("Lotsen", 4, "Stufe"): "„Chef“ ist kein gültiger Wert. Erlaubt: nominiert",
    ("Lotsen", 5, "E-Mail"): "mehrfach vor (zuerst in Zeile 3)",
    ("Maßnahmen", 3, "Nutzen Bürger"): "außerhalb des erlaubten Bereichs 1 bis 5",
    ("Maßnahmen", 4, "Organisationseinheit (Kürzel)"): "„99“ gibt es weder",
    ("Maßnahmen", 4, "Kosten konsumtiv"): "nicht negativ",
}


def test_bad_rows_on_three_sheets_write_nothing_and_each_is_reported_with_sheet_row_column_reason(
    engine,
) -> None:
    plan = plan_of(engine, [("fehler.xlsx", bad_workbook())])

    assert [(e.sheet, e.row, e.column) for e in plan.errors] == list(BAD_ROWS)
    for error in plan.errors:
        assert BAD_ROWS[(error.sheet, error.row, error.column)] in error.reason
    assert plan.summary_frame()["Neu"].tolist() == [2, 2, 1, 1]  # what the valid rows would create

    with pytest.raises(ImportRejected, match="nichts geschrieben"), write_session(engine) as session:
        exchange.apply_import(session=session, plan=plan, actor="cdo")
    for model in (OrgUnit, Pilot, Measure, FundingProgramme, AuditEntry, PilotStageChange):
        assert count(engine, model) == 0, model.__name__


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "reason"),
    [
        ("Organisationseinheiten", 3, "Übergeordnet (Kürzel)", "33", "nicht sich selbst"),
        ("Organisationseinheiten", 3, "Beschäftigte", "viele", "ist keine Zahl"),
        ("Organisationseinheiten", 3, "Beschäftigte", 4.5, "keine ganze Zahl"),
        ("Organisationseinheiten", 3, "Name", "x" * 201, "zu lang: 201 Zeichen, erlaubt sind höchstens 200"),
        ("Organisationseinheiten", 3, "Art", "Referat XY", "kein gültiger Wert"),
        ("Lotsen", 2, "E-Mail", "keine-adresse", "keine gültige E-Mail-Adresse"),
        ("Lotsen", 2, "Seit", "31.02.2026", "kein gültiges Datum"),
        ("Lotsen", 2, "Seit", "01.01.2099", "in der Zukunft"),
        ("Lotsen", 2, "Stunden pro Woche", 41, "außerhalb des erlaubten Bereichs 0 bis 40"),
        ("Lotsen", 2, "Name", None, "Pflichtfeld ist leer"),
        ("Maßnahmen", 2, "Reifegrad Ziel", 5, "außerhalb des erlaubten Bereichs 0 bis 4"),
        ("Maßnahmen", 2, "Start", "2026-Q5", "kein Quartal"),
        ("Maßnahmen", 2, "Ende", "2025-Q4", "vor dem Start"),
        ("Maßnahmen", 2, "OZG-ID", "99999999", "nicht im OZG-Katalog"),
        ("Maßnahmen", 2, "Förderprogramm", "Unbekannt", "weder im Blatt Förderprogramme"),
        ("Maßnahmen", 2, "Beschreibung", "y" * 4001, "höchstens 4000"),
        ("Förderprogramme", 2, "Bewilligt", "-1", "nicht negativ"),
        ("Förderprogramme", 2, "Geber", "Mars", "Erlaubt: EU, Bund, Land, Sonstige"),
    ],
)
def test_each_kind_of_bad_value_is_named(engine, sheet, row, column, value, reason) -> None:
    sheets = base_sheets()
    header = sheets[sheet][0]
    sheets[sheet][row - 1][header.index(column)] = value
    plan = plan_of(engine, [("fehler.xlsx", workbook_bytes(sheets))])
    assert [(e.sheet, e.row, e.column) for e in plan.errors] == [(sheet, row, column)]
    assert reason in plan.errors[0].reason


def test_a_cycle_in_the_hierarchy_is_refused(engine) -> None:
    sheets = base_sheets()
    sheets["Organisationseinheiten"][1][3] = "33"  # Dez II under 33, 33 under Dez II
    plan = plan_of(engine, [("kreis.xlsx", workbook_bytes(sheets))])
    assert {(e.sheet, e.row, e.column) for e in plan.errors} == {
        ("Organisationseinheiten", 2, "Übergeordnet (Kürzel)"),
        ("Organisationseinheiten", 3, "Übergeordnet (Kürzel)"),
    }
    assert "Kreis: Dez II → 33 → Dez II" in plan.errors[0].reason


def test_references_to_units_already_in_the_database_are_accepted(engine) -> None:
    run_import(engine, [("liste.xlsx", workbook_bytes(base_sheets()))])
    only_staff = {"IT-Personal": [exchange.IT_STAFF.headers, ["33", "Anwenderbetreuung/Support", "1,5"]]}
    result = run_import(engine, [("it.xlsx", workbook_bytes(only_staff))])
    assert [(s.sheet, s.created) for s in result.sheets] == [("IT-Personal", 1)]
    with read_session(engine) as session:
        staff = session.exec(select(ItStaff)).one()
    assert (staff.task_area, staff.fte) == ("user_support", 1.5)


def test_missing_required_columns_and_formula_cells_are_errors(engine) -> None:
    sheets = base_sheets()
    sheets["Lotsen"] = [[h for h in PILOT_HEADERS if h != "Stufe"], ["A", "a@example.org", "33", None, 2]]
    sheets["Förderprogramme"][1][3] = "=B2*2"  # openpyxl stores this as a real formula
    plan = plan_of(engine, [("liste.xlsx", workbook_bytes(sheets))])
    assert [(e.sheet, e.row, e.column) for e in plan.errors] == [
        ("Lotsen", 1, "Stufe"),
        ("Förderprogramme", 2, "Beantragt"),
    ]
    assert "Pflichtspalte fehlt" in plan.errors[0].reason
    assert "Formel" in plan.errors[1].reason


def ozg_measures_sheet() -> list[list[object]]:
    with CATALOGUE_FILE.open(encoding="utf-8", newline="") as handle:
        services = list(csv.DictReader(handle))
    rows: list[list[object]] = [MEASURE_HEADERS]
    for service in services:
        row: list[object] = [None] * len(MEASURE_HEADERS)
        row[MEASURE_HEADERS.index("Titel")] = service["Leistung"]
        row[MEASURE_HEADERS.index("Beschreibung")] = f"{service['Lebenslage']} · {service['Themenfeld']}"
        row[MEASURE_HEADERS.index("Kategorie")] = "E-Government/OZG"
        row[MEASURE_HEADERS.index("Status")] = "geplant"
        row[MEASURE_HEADERS.index("OZG-ID")] = service["OZG-ID"]
        row[MEASURE_HEADERS.index("Reifegrad Ziel")] = 3
        rows.append(row)
    return rows


@pytest.mark.parametrize("form", ["xlsx", "csv-utf8", "csv-windows-1252"])
def test_a_measures_sheet_of_all_557_ozg_services_imports_completely(engine, form) -> None:
    rows = ozg_measures_sheet()
    if form == "xlsx":
        files = [("ozg.xlsx", workbook_bytes({"Maßnahmen": rows}))]
    else:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows(rows)
        encoding = "utf-8" if form == "csv-utf8" else "cp1252"
        files = [("Maßnahmen.csv", buffer.getvalue().encode(encoding))]

    result = run_import(engine, files)

    assert [(s.sheet, s.rows, s.created) for s in result.sheets] == [("Maßnahmen", 557, 557)]
    with read_session(engine) as session:
        stored = {m.ozg_id: (m.title, m.category, m.maturity_target) for m in session.exec(select(Measure))}
    expected = {row[15]: (row[0], "egov_ozg", 3) for row in rows[1:]}
    assert stored == expected
    assert stored["10513"][0] == "Abbruchgenehmigung"
    assert any("ä" in title or "ü" in title or "ß" in title for title, _, _ in stored.values())


UNITS_CSV = "Kürzel;Name;Art;Übergeordnet (Kürzel);Beschäftigte;Soll-Lotsen\n33;Bürgeramt;Amt;;1.234;\n"
PILOTS_CSV = (
    "Name;E-Mail;Organisationseinheit;Stufe;Seit;Stunden pro Woche\r\n"
    'Jürgen Weiß;jw@example.org;33;ausgewählt;02.01.2026;"2,5"\r\n'
    "'=Grüße;gruesse@example.org;33;nominiert;2026-01-03;1\r\n"
)


@pytest.mark.parametrize(
    ("encoding", "prefix"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")], ids=str
)
def test_csv_files_in_utf8_with_or_without_bom_and_windows_1252_are_read_correctly(
    engine, encoding, prefix
) -> None:
    files = [
        ("Organisationseinheiten.csv", prefix + UNITS_CSV.encode(encoding)),
        ("lotsen.CSV", prefix + PILOTS_CSV.encode(encoding)),
    ]
    run_import(engine, files)
    with read_session(engine) as session:
        unit = session.exec(select(OrgUnit)).one()
        pilots = {p.name: p for p in session.exec(select(Pilot))}
    assert (unit.name, unit.headcount) == ("Bürgeramt", 1234)
    assert set(pilots) == {"Jürgen Weiß", "=Grüße"}  # the apostrophe of a neutralised formula is dropped
    assert (pilots["Jürgen Weiß"].hours_per_week, pilots["Jürgen Weiß"].stage) == (2.5, "selected")


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(64):
                member.write(block)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("Lotsen.csv", PILOTS_CSV.encode("utf-16"), "vermutlich UTF-16"),
        ("Lotsen.csv", b"Name;E-Mail\nJ\x81rgen\x8d;j@example.org\n", "unbekannte Zeichenkodierung"),
        ("Lotsen.csv", "Jürgen".encode() + "Weiß".encode("cp1252"), "mischt UTF-8"),
        ("export.xlsx", "TRUNCATED", "beschädigt oder unvollständig"),
        ("bombe.xlsx", "BOMB", "ZIP-Bombe"),
        ("gross.csv", b"a;b\n" + b"x" * (25 * 1024 * 1024), "zu groß (25,0 MB); höchstens 20,0 MB"),
        ("alt.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "alten Excel-Format (.xls)"),
        ("archiv.xlsx", "ZIP", "keine Excel-Arbeitsmappe (.xlsx), sondern ein anderes ZIP-Archiv"),
        ("liste.xlsx", b"%PDF-1.7 ...", "keine Excel-Arbeitsmappe"),
        ("Lotsen.csv", b"\x89PNG\r\n\x1a\n\0\0", "UTF-16 oder eine Binärdatei"),
        ("notizen.md", b"# Notizen", "erlaubt sind Excel-Arbeitsmappen (.xlsx) und CSV-Dateien"),
        ("daten.csv", b"a;b\n1;2\n", "Eine CSV-Datei heißt wie ihr Blatt"),
        ("Lotsen.csv", b"", "ist leer"),
    ],
)
def test_bad_files_are_refused_with_a_german_message(engine, name, content, message) -> None:
    if content == "TRUNCATED":
        full = workbook_bytes(base_sheets())
        content = full[: len(full) // 2]
    elif content == "BOMB":
        content = zip_bomb()
        assert len(content) < 200_000
    elif content == "ZIP":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "kein Excel")
        content = buffer.getvalue()
    with pytest.raises(UploadError) as refused:
        exchange.read_upload(files=[(name, content)])
    assert message in str(refused.value)
    assert count(engine, AuditEntry) == 0


def test_the_upload_limit_counts_all_files_of_one_import() -> None:
    half = b"Name;E-Mail\n" + b"x" * (11 * 1024 * 1024)
    with pytest.raises(UploadError, match="zu groß"):
        exchange.read_upload(files=[("Lotsen.csv", half), ("Maßnahmen.csv", half)])


def test_a_formula_like_title_round_trips_exactly_as_a_text_cell(engine, other_engine) -> None:
    run_import(engine, [("liste.xlsx", workbook_bytes(base_sheets()))])
    with write_session(engine) as session:
        measure = session.exec(select(Measure).where(Measure.title == "E-Akte im Bürgeramt")).one()
        measure.title = FORMULA_TITLE
        measure.description = "+49 211 1234\n@alle: -bitte prüfen-"

    first = export(engine)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        xml = b"".join(archive.read(n) for n in names).decode()
    assert "<f>" not in xml  # no formula anywhere in the workbook
    sheet = load_workbook(io.BytesIO(first))["Maßnahmen"]
    cell = next(c for c in sheet["A"] if c.value == FORMULA_TITLE)
    assert cell.data_type == "s"

    run_import(other_engine, [("export.xlsx", first)])
    with read_session(other_engine) as session:
        titles = set(session.exec(select(Measure.title)).all())
    assert FORMULA_TITLE in titles
    assert cell_values(export(other_engine)) == cell_values(first)


def test_unknown_sheets_and_columns_are_reported_as_notes_not_errors(engine) -> None:
    sheets = base_sheets()
    sheets["Hinweise"] = [["Bitte ausfüllen"]]
    sheets["Lotsen"][0] = [*PILOT_HEADERS, "Telefon"]
    plan = plan_of(engine, [("liste.xlsx", workbook_bytes(sheets))])
    assert plan.ok
    lines = [notice.line() for notice in plan.notices]
    assert (
        "Hinweise: Das Blatt aus „liste.xlsx“ gehört nicht zum Austauschformat und wurde übergangen." in lines
    )
    assert any(line.startswith("Lotsen, Zeile 1, Spalte Telefon (G): Unbekannte Spalte") for line in lines)


def test_export_writes_dates_as_date_cells_and_labels_in_german(engine) -> None:
    run_import(engine, [("liste.xlsx", workbook_bytes(base_sheets()))])
    values = cell_values(export(engine))
    jurgen = next(row for row in values["Lotsen"] if row[0] == "Jürgen Weiß")
    assert jurgen[2:6] == ("33", "aktiv", datetime(2026, 3, 1), 4)
    assert values["Organisationseinheiten"][1:] == [
        ("Dez II", "Dezernat II – Finanzen", "Dezernat", None, 6, None),
        ("33", "Bürgeramt", "Amt", "Dez II", 47, 2),
    ]
