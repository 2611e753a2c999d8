"""Bounded work per import (issue 16, hole 3): a sheet past the row limit is refused before it is
checked, and however many errors a file has, the first 500 (by sheet, row and column) are kept
with their count – in the dry run and in the real run."""

from __future__ import annotations

import pytest

from model import demo, exchange
from model.core.db import read_session, write_session
from model.exchange import ImportRejected, UploadError
from tests.model.test_exchange import cell_values, export, workbook_bytes
from tests.support.big_imports import bad_rows_csv

UNIT_HEADERS = exchange.UNITS.headers[:3]


def test_a_sheet_past_the_default_row_limit_is_refused_naming_the_limit(engine) -> None:
    demo.seed(engine=engine, scale="demo")
    before = cell_values(export(engine))

    with pytest.raises(UploadError) as refused:
        exchange.read_upload(files=[bad_rows_csv(100_001)])

    assert str(refused.value) == (
        "„Organisationseinheiten.csv“ hat mehr als 100.000 Datenzeilen: höchstens 100.000 Zeilen je "
        "Blatt und Import. Bitte die Daten auf mehrere Importe aufteilen. Es wurde nichts geändert."
    )
    assert cell_values(export(engine)) == before


def test_the_row_limit_is_a_setting_and_counts_the_rows_of_a_workbook_sheet(monkeypatch) -> None:
    monkeypatch.setenv("LOTSEN_IMPORT_MAX_ROWS", "3")
    rows = [[f"K{number}", "Name", "Amt"] for number in range(4)]
    exchange.read_upload(
        files=[("a.xlsx", workbook_bytes({"Organisationseinheiten": [UNIT_HEADERS, *rows[:3]]}))]
    )

    workbook = workbook_bytes({"Hinweise": [["x"]] * 10, "Organisationseinheiten": [UNIT_HEADERS, *rows]})
    with pytest.raises(
        UploadError, match="„a.xlsx“, Blatt „Organisationseinheiten“, hat mehr als 3 Datenzeilen"
    ):
        exchange.read_upload(files=[("a.xlsx", workbook)])


def test_many_bad_rows_keep_the_first_500_errors_and_their_count_in_dry_and_real_run(engine) -> None:
    demo.seed(engine=engine, scale="demo")
    lotsen = "Name;E-Mail;Organisationseinheit (Kürzel);Stufe\n" + "x;kein-at;10;nominiert\n" * 3
    files = [bad_rows_csv(2_000), ("Lotsen.csv", lotsen.encode())]
    parsed = exchange.read_upload(files=files)
    with read_session(engine) as session:
        plan = exchange.plan_import(session=session, parsed=parsed)

    assert (len(plan.errors), plan.error_count) == (500, 2_003)
    assert [(e.sheet, e.row) for e in plan.errors] == [
        ("Organisationseinheiten", row) for row in range(2, 502)
    ]
    assert plan.more_errors() == "… und 1.503 weitere Fehler"
    with pytest.raises(ImportRejected) as rejected, write_session(engine) as session:
        exchange.apply_import(session=session, plan=plan, actor="test")
    assert (len(rejected.value.errors), rejected.value.error_count) == (500, 2_003)
    assert str(rejected.value) == "Import abgelehnt: 2.003 Fehler, es wurde nichts geschrieben."


def test_the_capped_list_keeps_the_first_by_position_whatever_the_order_they_come_in() -> None:
    from model.exchange.findings import Capped, RowError, error_position

    errors = [RowError("Lotsen", row, "Name", "x") for row in range(1_000, 0, -1)]
    errors.append(RowError("Organisationseinheiten", 7, "Art", "x"))
    capped: Capped[RowError] = Capped(error_position, limit=3)
    capped.extend(errors[:500])
    other: Capped[RowError] = Capped(error_position, limit=3)
    other.extend(errors[500:])
    capped.merge(other)

    assert [(e.sheet, e.row) for e in capped.items()] == [
        ("Organisationseinheiten", 7),
        ("Lotsen", 1),
        ("Lotsen", 2),
    ]
    assert (capped.total, capped.left_off) == (1_001, 998)
