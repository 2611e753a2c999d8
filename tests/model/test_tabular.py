"""Table downloads and the exchange export are formula-safe: text that looks like a formula stays text."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from model import exchange
from model.core import tabular
from model.core.db import read_session, write_session
from model.core.enums import Category, MeasureStatus
from model.core.tables import Measure
from model.roadmap import reads as roadmap

TITLE = '=HYPERLINK("http://x")'


def csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")  # BOM: Excel reads the umlauts
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.fixture
def measure_table(engine) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The Roadmap table (as the page downloads it) with one measure titled like a formula."""
    with write_session(engine) as session:
        session.add(
            Measure(title=TITLE, category=Category.INTERNAL.value, status=MeasureStatus.PLANNED.value)
        )
    with read_session(engine) as session:
        return roadmap.measure_table(session=session, filters=roadmap.MeasureFilter())


def test_a_measure_titled_like_a_formula_exports_to_csv_as_text(measure_table) -> None:
    header, row = csv_rows(tabular.csv_bytes(measure_table))

    assert row[header.index("title")] == "'" + TITLE


def test_a_measure_titled_like_a_formula_exports_to_excel_as_a_text_cell(measure_table) -> None:
    sheet = load_workbook(io.BytesIO(tabular.xlsx_bytes({"Roadmap": measure_table})))["Roadmap"]
    column = [cell.value for cell in sheet[1]].index("title") + 1

    cell = sheet.cell(row=2, column=column)
    assert cell.value == TITLE  # exact text, no apostrophe in Excel
    assert cell.data_type == "s"  # a string, not "f" (formula)


def test_the_exchange_export_keeps_the_title_as_text(engine, measure_table) -> None:
    with read_session(engine) as session:
        workbook = load_workbook(io.BytesIO(exchange.export_workbook(session=session)))

    sheet = workbook["Maßnahmen"]
    column = [cell.value for cell in sheet[1]].index("Titel") + 1
    cell = sheet.cell(row=2, column=column)
    assert (cell.value, cell.data_type) == (TITLE, "s")


def test_every_dangerous_start_is_neutralised_and_negative_numbers_stay_numbers() -> None:
    frame = pd.DataFrame(
        {
            "Titel": ["=1+1", "+49 211 1234", "-Rabatt", "@SUM(A1)", "\tTab", "normal"],
            "Anzahl": [-5, 0, 1, 2, 3, 4],
            "Betrag": [-1.5, 0.0, 1.0, 2.0, 3.0, 4.0],
        }
    )

    header, *rows = csv_rows(tabular.csv_bytes(frame))
    sheet = load_workbook(io.BytesIO(tabular.xlsx_bytes({"Test": frame})))["Test"]

    assert header == ["Titel", "Anzahl", "Betrag"]
    assert [row[0] for row in rows] == ["'=1+1", "'+49 211 1234", "'-Rabatt", "'@SUM(A1)", "'\tTab", "normal"]
    assert rows[0][1:] == ["-5", "-1,5"]  # numbers keep their sign, German decimal comma
    texts = [sheet.cell(row=r, column=1) for r in range(2, 8)]
    assert [(cell.value, cell.data_type) for cell in texts[:4]] == [
        ("=1+1", "s"),
        ("+49 211 1234", "s"),
        ("-Rabatt", "s"),
        ("@SUM(A1)", "s"),
    ]
    assert [(sheet.cell(row=2, column=c).value, sheet.cell(row=2, column=c).data_type) for c in (2, 3)] == [
        (-5, "n"),
        (-1.5, "n"),
    ]


def test_a_carriage_return_at_the_start_is_neutralised_too() -> None:
    frame = pd.DataFrame({"Titel": ["\r=1+1"]})

    assert "'\r=1+1" in tabular.csv_bytes(frame).decode("utf-8")
    sheet = load_workbook(io.BytesIO(tabular.xlsx_bytes({"Test": frame})))["Test"]
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("\r=1+1", "s")


def test_a_carriage_return_inside_a_value_keeps_the_row_together() -> None:
    frame = pd.DataFrame({"Notiz": ["erste\rzweite", "ok"], "Anzahl": [1, 2]})
    rows = list(
        csv.reader(io.StringIO(tabular.csv_bytes(frame).decode("utf-8-sig"), newline=""), delimiter=";")
    )
    assert rows == [["Notiz", "Anzahl"], ["erste\rzweite", "1"], ["ok", "2"]]
