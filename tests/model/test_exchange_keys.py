"""Keys are text everywhere: an org chart that is not the demo city (KGSt-style numbers 10 … 80,
an Abteilung 32.1 and a Stabsstelle 010) into an empty and into the demo database."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import Workbook
from sqlmodel import select

from model import demo, exchange
from model.core.db import read_session, write_session
from model.core.tables import OrgUnit, Pilot
from model.exchange import RenamesNotConfirmed
from tests.model.test_exchange import cell_values, export, plan_of

KGST_UNITS = """Kürzel;Name;Art;Übergeordnet (Kürzel);Beschäftigte;Soll-Lotsen
I;Dezernat I – Oberbürgermeister;Dezernat;;4;
II;Dezernat II – Finanzen und Wirtschaft;Dezernat;;3;
III;Dezernat III – Bildung und Soziales;Dezernat;;3;
IV;Dezernat IV – Bauen und Umwelt;Dezernat;;3;
010;Büro des Oberbürgermeisters;Stabsstelle;I;6;
10;Haupt- und Personalamt;Amt;I;62;
20;Kämmerei;Amt;II;58;
30;Rechts- und Ordnungsamt;Amt;II;55;
32.1;Straßenverkehrsbehörde;Abteilung;30;18;
40;Schul- und Sportamt;Amt;III;38;
50;Sozialamt;Amt;III;96;
60;Bauverwaltungsamt;Amt;IV;24;
70;Umweltamt;Amt;IV;29;
80;Amt für Wirtschaftsförderung;Amt;II;12;2
"""
KGST_PILOTS = """Name;E-Mail;Organisationseinheit (Kürzel);Stufe;Seit;Stunden pro Woche
Lena Büro;lena.buero@kgst-stadt.example;010;aktiv;01.02.2026;3
Tom Haupt;tom.haupt@kgst-stadt.example;10;qualifiziert;15.03.2026;2
Ida Verkehr;ida.verkehr@kgst-stadt.example;32.1;nominiert;;1
"""
FILES = [("Organisationseinheiten.csv", KGST_UNITS.encode()), ("Lotsen.csv", KGST_PILOTS.encode())]


@pytest.fixture(autouse=True)
def fixed_today(fake_clock):
    return fake_clock


def units(engine) -> dict[str, tuple[str, str, str | None]]:
    with read_session(engine) as session:
        rows = session.exec(
            select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnit.parent_id)
        ).all()
    codes = {unit_id: code for unit_id, code, *_ in rows}
    return {code: (name, kind, codes.get(parent)) for _, code, name, kind, parent in rows}


def pilot_units(engine) -> dict[str, str]:
    with read_session(engine) as session:
        rows = session.exec(
            select(Pilot.email, OrgUnit.code).join(OrgUnit, Pilot.unit_id == OrgUnit.id)
        ).all()
    return dict(rows)


def kgst_xlsx(*, numeric: bool) -> bytes:
    """The KGSt list as a spreadsheet stores it: Kürzel of digits as numbers (what LibreOffice and
    Excel make of a CSV, tests/fixtures) or as text cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Organisationseinheiten"
    for number, line in enumerate(KGST_UNITS.splitlines()):
        cells: list[object] = [cell or None for cell in line.split(";")]
        if number and numeric:
            cells = [int(c) if isinstance(c, str) and c.isdigit() else c for c in cells]
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_kgst_city_imports_into_an_empty_database_with_010_and_10_apart(engine) -> None:
    started = time.perf_counter()
    plan = plan_of(engine, FILES)
    with write_session(engine) as session:
        result = exchange.apply_import(session=session, plan=plan, actor="cdo")
    seconds = time.perf_counter() - started
    print(f"KGSt-Stadt (14 Einheiten, 3 Lotsen) in eine leere Datenbank: {seconds * 1000:.0f} ms")

    assert plan.notices == [] and not plan.mixups
    assert [(s.sheet, s.created) for s in result.sheets] == [("Organisationseinheiten", 14), ("Lotsen", 3)]
    stored = units(engine)
    assert stored["010"] == ("Büro des Oberbürgermeisters", "stabsstelle", "I")
    assert stored["10"] == ("Haupt- und Personalamt", "amt", "I")
    assert stored["32.1"] == ("Straßenverkehrsbehörde", "abteilung", "30")
    assert [code for code, (_, kind, _) in stored.items() if kind == "dezernat"] == ["I", "II", "III", "IV"]
    assert pilot_units(engine) == {
        "lena.buero@kgst-stadt.example": "010",
        "tom.haupt@kgst-stadt.example": "10",
        "ida.verkehr@kgst-stadt.example": "32.1",
    }
    assert seconds < 5


def test_a_kgst_city_into_the_demo_database_flags_renamed_units_and_writes_them_only_confirmed(
    engine,
) -> None:
    demo.seed(engine=engine, scale="demo")
    before = export(engine)

    plan = plan_of(engine, FILES)

    assert plan.ok
    lines = [change.line() for change in plan.mixups]
    assert lines == [
        "Organisationseinheiten, Zeile 7, Kürzel 10: Name „Hauptamt“ → „Haupt- und Personalamt“; "
        "Übergeordnet Dez I → I; Beschäftigte 86 → 62 – wahrscheinlich verwechselter Schlüssel",
        "Organisationseinheiten, Zeile 11, Kürzel 40: Name „Schulamt“ → „Schul- und Sportamt“; "
        "Übergeordnet Dez III → III – wahrscheinlich verwechselter Schlüssel",
    ]
    moved_only = [c.line() for c in plan.changes if c.existing_id is not None and not c.mixup]
    assert moved_only == [
        "Organisationseinheiten, Zeile 8, Kürzel 20: Übergeordnet Dez II → II",
        "Organisationseinheiten, Zeile 12, Kürzel 50: Übergeordnet Dez III → III",
    ]
    created = [
        c.line() for c in plan.changes if c.existing_id is None and c.sheet == "Organisationseinheiten"
    ]
    assert created[4] == (
        "Organisationseinheiten, Zeile 6, Kürzel 010: neu – Name „Büro des Oberbürgermeisters“; "
        "Art Stabsstelle; Übergeordnet I; Beschäftigte 6"
    )
    with (
        pytest.raises(
            RenamesNotConfirmed, match=r"2 Datensätze .*Kürzel 10, Organisationseinheiten Kürzel 40"
        ),
        write_session(engine) as session,
    ):
        exchange.apply_import(session=session, plan=plan, actor="cdo")
    assert cell_values(export(engine)) == cell_values(before)

    with write_session(engine) as session:
        exchange.apply_import(session=session, plan=plan, actor="cdo", accept_renames=True)
    stored = units(engine)
    assert stored["10"] == ("Haupt- und Personalamt", "amt", "I")
    assert stored["010"] == ("Büro des Oberbürgermeisters", "stabsstelle", "I")
    assert stored["10.4"][2] == "10"  # the demo's Abteilung stays under its Amt
    assert pilot_units(engine)["lena.buero@kgst-stadt.example"] == "010"


def test_text_010_and_numeric_10_are_two_units_and_the_number_is_said(engine) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Organisationseinheiten"
    sheet.append(exchange.UNITS.headers)
    sheet.append(["010", "Büro OB", "Stabsstelle", None, 6, None])
    sheet.append([10, "Hauptamt", "Amt", None, 60, None])
    sheet.append([10.0, "Doppelt", "Amt", None, 1, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    plan = plan_of(engine, [("liste.xlsx", buffer.getvalue())])

    assert [notice.line().split(": Zahlen statt Text")[0] for notice in plan.notices] == [
        "Organisationseinheiten, Zeilen 3–4, Spalte Kürzel"
    ]
    assert [e.line() for e in plan.errors] == [
        "Organisationseinheiten, Zeile 4, Spalte Kürzel: „10“ kommt im Blatt mehrfach vor "
        "(zuerst in Zeile 3)."
    ]
    assert [c.key for c in plan.changes] == [("010",), ("10",)]


def test_a_list_whose_010_became_the_number_10_is_refused_as_a_duplicate_with_the_warning(engine) -> None:
    plan = plan_of(engine, [("kgst.xlsx", kgst_xlsx(numeric=True))])
    assert [e.line() for e in plan.errors] == [
        "Organisationseinheiten, Zeile 7, Spalte Kürzel: „10“ kommt im Blatt mehrfach vor "
        "(zuerst in Zeile 6)."
    ]
    assert (
        plan.notices[0]
        .line()
        .startswith("Organisationseinheiten, Zeilen 6–9, 11–15, Spalte Kürzel: Zahlen statt Text")
    )
    text_plan = plan_of(engine, [("kgst.xlsx", kgst_xlsx(numeric=False))])
    assert text_plan.ok and not text_plan.notices


def test_an_unknown_unit_kind_names_the_allowed_ones(engine) -> None:
    sheet = "Kürzel;Name;Art;Übergeordnet (Kürzel)\nR 1;Referat Recht;Referat;\n"
    plan = plan_of(engine, [("Organisationseinheiten.csv", sheet.encode())])
    assert [e.line() for e in plan.errors] == [
        "Organisationseinheiten, Zeile 2, Spalte Art: „Referat“ ist kein gültiger Wert. Erlaubt: Dezernat, "
        "Stabsstelle, Amt, Fachbereich, Abteilung, Eigenbetrieb, Beteiligungsgesellschaft."
    ]
