"""Fuzzing the import: many malformed workbooks and CSV files, random types in every column, empty,
duplicate and numeric keys, wrong and extra headers, empty sheets, hidden and merged cells, damaged
files. Only the documented German refusals may come out of read_upload and plan_import, an import
with errors writes nothing, and nothing at all changes in the database."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import select

from model import demo, exchange
from model.core.db import read_session, write_session
from model.core.tables import AuditEntry
from model.exchange import ImportRejected, UploadError
from tests.model.test_exchange import cell_values, export

CASES = 600
SEED = 20261123
FORMAT_SHEETS = [spec.name for spec in exchange.SHEETS]
DEMO_KEYS = ["10", "010", "33", "Dez I", "51.1", "Dez II", 10, 33, 10.0, 51.1]


class RolledBack(Exception):
    """Raised inside a write transaction to undo an import that had no errors."""


def random_text(rng: random.Random, *, control: bool) -> str:
    pieces = [
        "Bürgeramt",
        "Ärger & Öl",
        "x" * rng.choice((1, 30, 201, 5000)),
        "=SUMME(A1:A3)",
        "+49 211",
        "-minus",
        "@alle",
        "  Leerzeichen  ",
        "Zeile\nUmbruch",
        "a@b.de",
        "kein-at",
        "2025-Q3",
        "Q5 2030",
        "31.02.2026",
        "01.03.2026",
        "2026-03-01",
        "1.234,56",
        "-1",
        "NaN",
        "inf",
        "aktiv",
        "Amt",
        "Referat",
        "Land",
        "E-Government/OZG",
        "Anwenderbetreuung/Support",
        "beantragt",
        "geplant",
        "Beispiel: nichts",
        "#DIV/0!",
        "😀",
    ]
    if control:
        pieces.append("Steuer\x07zeichen")
    return rng.choice(pieces)


def random_value(rng: random.Random, *, control: bool = False) -> Any:
    kind = rng.randrange(14)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice(("", "   "))
    if kind == 2:
        return rng.choice((0, -1, 1, 5, 10, 41, 10**20, -(10**12)))
    if kind == 3:
        return rng.choice((10.0, 32.1, 2.5, -0.5, 1e-7, 1e300))
    if kind == 4:
        return rng.choice((True, False))
    if kind == 5:
        return rng.choice((datetime(2026, 3, 1, 12, 30), datetime(1900, 1, 1), date(2099, 12, 31)))
    if kind == 6:
        return rng.choice((time(10, 4), timedelta(hours=30)))
    if kind == 7:
        return rng.choice(DEMO_KEYS)
    return random_text(rng, control=control)


def random_header(rng: random.Random, spec: exchange.SheetSpec) -> list[Any]:
    headers: list[Any] = list(spec.headers)
    move = rng.randrange(8)
    if move == 0:
        rng.shuffle(headers)
    elif move == 1:
        headers.pop(rng.randrange(len(headers)))  # a required column may go missing
    elif move == 2:
        headers.append(rng.choice(("Telefon", "Bemerkung", spec.headers[0])))  # extra or duplicate
    elif move == 3:
        headers[rng.randrange(len(headers))] = random_value(rng)  # a wrong header of any type
    elif move == 4:
        headers = [h.upper() if isinstance(h, str) else h for h in headers]
    elif move == 5:
        headers.insert(0, None)
    return headers


def random_rows(rng: random.Random, width: int) -> list[list[Any]]:
    shape = rng.randrange(6)
    if shape == 0:
        return []  # only the header
    rows = [
        [random_value(rng) for _ in range(width + rng.randrange(-1, 3))] for _ in range(rng.randrange(1, 8))
    ]
    if shape == 1:
        rows.append(list(rows[0]))  # a duplicate key
    elif shape == 2:
        rows[0][0] = None  # an empty key
    return rows


def random_workbook(rng: random.Random) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for _ in range(rng.randrange(0, 4)):
        name = rng.choice([*FORMAT_SHEETS, "Hinweise", "lotsen", "IT Personal", "Tabelle1"])
        if name in workbook.sheetnames:
            continue
        sheet = workbook.create_sheet(name)
        spec = next((s for s in exchange.SHEETS if s.name.casefold() == name.casefold()), exchange.UNITS)
        if rng.random() < 0.1:
            continue  # an empty sheet
        for row in [random_header(rng, spec), *random_rows(rng, len(spec.columns))]:
            sheet.append(row)
        trick = rng.randrange(10)
        if trick == 0:
            sheet.sheet_state = rng.choice(("hidden", "veryHidden"))
        elif trick == 1:
            sheet.row_dimensions[rng.randrange(1, 4)].hidden = True
        elif trick == 2:
            sheet.column_dimensions[rng.choice("ABC")].hidden = True
        elif trick == 3:
            sheet.merge_cells(rng.choice(("A2:A3", "B1:C1", "C2:D4", "Z1:Z2")))
    if not any(sheet.sheet_state == "visible" for sheet in workbook.worksheets):
        workbook.create_sheet("Sichtbar")  # a workbook needs one visible sheet
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    damage = rng.randrange(12)
    if damage == 0:
        return content[: rng.randrange(len(content))]
    if damage == 1:
        position = rng.randrange(len(content))
        return content[:position] + bytes([rng.randrange(256)]) + content[position + 1 :]
    return content


def random_csv(rng: random.Random) -> tuple[str, bytes]:
    spec = rng.choice(exchange.SHEETS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=rng.choice((";", ",", "\t")))
    for row in [random_header(rng, spec), *random_rows(rng, len(spec.columns))]:
        writer.writerow(
            [
                "" if value is None else random_text(rng, control=True) if rng.random() < 0.2 else value
                for value in row
            ]
        )
    encoding = rng.choice(("utf-8", "utf-8-sig", "cp1252"))
    name = rng.choice((f"{spec.name}.csv", f"{spec.name.lower()}.CSV", "daten.csv", f"{spec.name}.txt"))
    return name, buffer.getvalue().encode(encoding, errors="replace")


def random_files(rng: random.Random) -> list[tuple[str, bytes]]:
    if rng.random() < 0.5:
        return [(rng.choice(("liste.xlsx", "liste.csv", "liste")), random_workbook(rng))]
    return [random_csv(rng) for _ in range(rng.randrange(1, 4))]


def audit_rows(engine) -> int:
    with read_session(engine) as session:
        return session.exec(select(func.count()).select_from(AuditEntry)).one()


@pytest.mark.sqlite_only(
    reason="600 imports against one demo database; the PostgreSQL pass runs the model tests"
)
def test_no_malformed_input_raises_anything_but_the_documented_german_refusals(engine, fake_clock) -> None:
    demo.seed(engine=engine, scale="demo")
    before, audit_before = export(engine), audit_rows(engine)
    rng = random.Random(SEED)
    outcome = {"refused file": 0, "rejected rows": 0, "would import": 0}
    for case in range(CASES):
        files = random_files(rng)
        try:
            parsed = exchange.read_upload(files=files)
        except UploadError as refused:
            assert str(refused) and not str(refused).startswith("Traceback"), case
            outcome["refused file"] += 1
            continue
        with read_session(engine) as session:
            plan = exchange.plan_import(session=session, parsed=parsed)
        for message in [*(e.line() for e in plan.errors), *(n.line() for n in plan.notices)]:
            assert message and "Traceback" not in message and "KeyError" not in message, (case, message)
        if plan.errors:
            outcome["rejected rows"] += 1
            with pytest.raises(ImportRejected), write_session(engine) as session:
                exchange.apply_import(session=session, plan=plan, actor="fuzz", accept_renames=True)
        else:
            outcome["would import"] += 1
            for change in plan.changes:
                assert change.line()
            plan.change_frame()
            with pytest.raises(RolledBack), write_session(engine) as session:
                exchange.apply_import(session=session, plan=plan, actor="fuzz", accept_renames=True)
                raise RolledBack
        assert audit_rows(engine) == audit_before, case
    print(f"Fuzz: {CASES} Eingaben – {outcome}")
    assert all(count > 10 for count in outcome.values()), outcome  # every path was taken often
    assert cell_values(export(engine)) == cell_values(before)
