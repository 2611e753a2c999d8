"""Tables to files: CSV and Excel that a spreadsheet opens without running anything.

Text that starts like a formula (= + - @, tab, CR) is neutralised: in CSV with a leading
apostrophe (OWASP), in Excel by writing an explicit text cell, which keeps the value exact.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with BOM (Excel reads umlauts), semicolon-separated, decimal comma, safe text."""
    safe = frame.map(lambda v: f"'{v}" if looks_like_formula(v) else v)
    # CRLF line ends (what Excel writes) also make the csv module quote fields holding a bare CR.
    text = safe.to_csv(index=False, sep=";", decimal=",", date_format="%d.%m.%Y", lineterminator="\r\n")
    return text.encode("utf-8-sig")


def set_cell(cell: Cell, value: object) -> None:
    """Write a value; strings always as text cells, never as formulas."""
    if isinstance(value, float) and pd.isna(value):
        value = None
    elif isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.number_format = "DD.MM.YYYY HH:MM"
    elif isinstance(value, date):
        cell.number_format = "DD.MM.YYYY"


def write_sheet(workbook: Workbook, title: str, frame: pd.DataFrame) -> None:
    sheet = workbook.create_sheet(title=title[:31])
    for column, header in enumerate(frame.columns, start=1):
        set_cell(sheet.cell(row=1, column=column), str(header))
        sheet.cell(row=1, column=column).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = max(12, min(50, len(str(header)) + 4))
    for row_number, row in enumerate(frame.itertuples(index=False), start=2):
        for column, value in enumerate(row, start=1):
            set_cell(sheet.cell(row=row_number, column=column), value)
    sheet.freeze_panes = "A2"


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook with a sheet per frame (German headers as given)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, frame in sheets.items():
        write_sheet(workbook, title, frame)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
