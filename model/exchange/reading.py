"""Reading an upload: checked files (size, kind, encoding, zip bombs) into raw rows per sheet."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet._reader import WorkSheetParser

from model.core.errors import DomainError
from model.core.german import fmt_megabytes, fmt_number
from model.core.settings import get_settings
from model.exchange.findings import NO_COLUMN, Capped, Notice, RowError, error_position, notice_position
from model.exchange.spec import _SHEET_BY_TOKEN, EXAMPLE_PREFIX, LISTS_SHEET, SHEETS, SheetSpec, _token

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 250 * 1024 * 1024  # all parts of one workbook, uncompressed
MAX_PACKING_RATIO = 200  # sheet XML packs ~10–20×; a zip bomb packs thousands×
MAX_ZIP_MEMBERS = 2_000
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
MAX_COLUMNS = 16_384  # XFD, the last column a spreadsheet has


class UploadError(DomainError, ValueError):
    """A German reason why an uploaded file was refused as a whole; nothing was read."""


# ---------------------------------------------------------------- parsed upload


# A formula cell: imported values must be values, never something Excel computes.
@dataclass(frozen=True)
class FormulaCell:
    text: str


# One data row as read: its row number in the file and the raw value per field.
@dataclass(frozen=True)
class RawRow:
    number: int
    cells: dict[str, Any]


@dataclass
class ParsedSheet:
    spec_name: str
    source: str
    fields: tuple[str, ...]  # the columns present in the file
    rows: list[RawRow]


# What read_upload found: the sheets of the format, structural errors, and notices.
@dataclass
class ParsedWorkbook:
    files: tuple[str, ...]
    sheets: dict[str, ParsedSheet] = field(default_factory=dict)
    errors: Capped[RowError] = field(default_factory=lambda: Capped(error_position))
    notices: Capped[Notice] = field(default_factory=lambda: Capped(notice_position))


# One sheet as the file stores it: cells by row number and column index (0 = A), and what the
# spreadsheet hides from the person who looks at it.
@dataclass
class RawTable:
    title: str
    rows: dict[int, dict[int, Any]]
    hidden: bool = False
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()
    merged: tuple[CellRange, ...] = ()


@dataclass(frozen=True)
class CellRange:
    ref: str  # "A2:A4"
    first_row: int
    last_row: int
    first_column: int  # 0 = A
    last_column: int


def read_upload(*, files: list[tuple[str, bytes]], max_rows: int | None = None) -> ParsedWorkbook:
    """Check and read uploaded files (name, content) into sheets; UploadError for a refused file.

    A sheet with more than `max_rows` data rows (default: the setting import_max_rows) is refused
    as soon as the row past the limit is read. Everything else that is wrong in a file (hidden or
    merged cells, formulas, a header missing)
    becomes a located RowError or Notice of the result, never an exception.
    """
    if not files:
        raise UploadError("Es wurde keine Datei ausgewählt.")
    total = sum(len(content) for _, content in files)
    if total > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"Die Datei ist zu groß ({fmt_megabytes(total)}); höchstens {fmt_megabytes(MAX_UPLOAD_BYTES)} "
            "je Import. Bitte die Daten auf mehrere Importe aufteilen."
        )
    limit = get_settings().import_max_rows if max_rows is None else max_rows
    parsed = ParsedWorkbook(files=tuple(name for name, _ in files))
    for name, content in files:
        if not content:
            raise UploadError(f"„{name}“ ist leer.")
        if content.startswith(OLE_MAGIC):
            raise UploadError(
                f"„{name}“ ist im alten Excel-Format (.xls). Bitte in Excel als "
                "„Excel-Arbeitsmappe (.xlsx)“ speichern und erneut hochladen."
            )
        if content.startswith(ZIP_MAGIC):
            tables = _workbook_tables(name, content, limit)
        elif PurePath(name).suffix.lower() in (".xlsx", ".xlsm"):
            raise UploadError(
                f"„{name}“ ist keine Excel-Arbeitsmappe (.xlsx): der Inhalt hat ein anderes Format."
            )
        else:
            tables = [_csv_table(name, content, limit)]
        for table in tables:
            _add_sheet(parsed, source=name, table=table)
    if not parsed.sheets and not parsed.errors.total:
        expected = ", ".join(spec.name for spec in SHEETS)
        raise UploadError(
            f"Keine Datei enthält ein ausgefülltes Blatt des Austauschformats ({expected}). Eine "
            "CSV-Datei heißt wie ihr Blatt, z. B. „Lotsen.csv“."
        )
    return parsed


class _TooManyRows(Exception):
    def __init__(self, sheet: str) -> None:
        self.sheet = sheet


def _too_many_rows(name: str, sheet: str, limit: int) -> UploadError:
    where = f"„{name}“" if PurePath(name).stem == sheet else f"„{name}“, Blatt „{sheet}“,"
    return UploadError(
        f"{where} hat mehr als {fmt_number(limit)} Datenzeilen: höchstens {fmt_number(limit)} Zeilen "
        "je Blatt und Import. Bitte die Daten auf mehrere Importe aufteilen. Es wurde nichts geändert."
    )


def _counted(rows: Iterable[tuple[int, dict[int, Any]]], title: str, limit: int) -> dict[int, dict[int, Any]]:
    """Rows with content by row number; _TooManyRows at the first data row past the limit."""
    kept: dict[int, dict[int, Any]] = {}
    for number, cells in rows:
        if not cells:
            continue
        if number not in kept and number > 1 and len(kept) - (1 in kept) >= limit:
            raise _TooManyRows(title)
        kept.setdefault(number, {}).update(cells)
    return kept


def _workbook_tables(name: str, content: bytes, limit: int) -> list[RawTable]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UploadError(
            f"„{name}“ ist beschädigt oder unvollständig: keine lesbare Excel-Arbeitsmappe (.xlsx)."
        ) from None
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise UploadError(
                f"„{name}“ ist keine Excel-Arbeitsmappe (.xlsx), sondern ein anderes ZIP-Archiv."
            )
        _guard_zip_bomb(name, members)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        tables = [_read_sheet(workbook, sheet, limit) for sheet in workbook.worksheets]
        workbook.close()
    except _TooManyRows as exc:
        raise _too_many_rows(name, exc.sheet, limit) from None
    except Exception:  # openpyxl signals a damaged part with many exception types
        raise UploadError(
            f"„{name}“ ist beschädigt oder unvollständig und kann nicht gelesen werden. "
            "Bitte in Excel öffnen, erneut als .xlsx speichern und noch einmal hochladen."
        ) from None
    return tables


def _guard_zip_bomb(name: str, members: list[zipfile.ZipInfo]) -> None:
    """Refuse archives that would unpack to far more than an honest workbook, before any unpacking."""
    unpacked = sum(member.file_size for member in members)
    packed_bomb = any(
        member.file_size > 1024 * 1024 and member.file_size > MAX_PACKING_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if len(members) > MAX_ZIP_MEMBERS or unpacked > MAX_UNPACKED_BYTES or packed_bomb:
        raise UploadError(
            f"„{name}“ wird nicht gelesen: entpackt wäre die Datei ungewöhnlich groß "
            f"({fmt_megabytes(unpacked)}; möglicherweise eine ZIP-Bombe)."
        )


def _read_sheet(workbook: Any, sheet: Any, limit: int) -> RawTable:
    """One streaming pass over the sheet's XML: cell values plus hidden rows and columns and merged
    ranges; a sheet outside the format is not read at all.

    The read-only sheet does not keep rows, columns or merges, so its parser is run here directly
    (private openpyxl API of the pinned 3.1.5; tests/model/test_exchange_files.py covers it).
    """
    hidden = sheet.sheet_state != "visible"
    if _token(sheet.title) not in _SHEET_BY_TOKEN:
        return RawTable(title=sheet.title, rows={}, hidden=hidden)
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=False,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        values = (
            (number, {cell["column"] - 1: v for cell in cells if (v := _cell_value(cell)) is not None})
            for number, cells in parser.parse()
        )
        rows = _counted(values, sheet.title, limit)
    hidden_rows = frozenset(
        int(number) for number, attrs in parser.row_dimensions.items() if _is_true(attrs.get("hidden"))
    )
    hidden_columns = frozenset(
        index
        for attrs in parser.column_dimensions.values()
        if _is_true(attrs.get("hidden"))
        for index in range(int(attrs.get("min", 1)) - 1, min(int(attrs.get("max", 1)), MAX_COLUMNS))
    )
    merged = tuple(_cell_range(merge.ref) for merge in getattr(parser.merged_cells, "mergeCell", []) or [])
    return RawTable(
        title=sheet.title,
        rows=rows,
        hidden=hidden,
        hidden_rows=hidden_rows,
        hidden_columns=hidden_columns,
        merged=merged,
    )


def _is_true(flag: Any) -> bool:
    return str(flag).strip().lower() in ("1", "true")


def _cell_range(ref: str) -> CellRange:
    first_column, first_row, last_column, last_row = range_boundaries(ref)
    return CellRange(ref, first_row, last_row, first_column - 1, last_column - 1)


def _cell_value(cell: dict[str, Any]) -> Any:
    value = cell["value"]
    if cell["data_type"] in ("f", "e"):  # a formula or an error value such as #DIV/0!
        return FormulaCell(str(getattr(value, "text", value)))
    return value


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def _decode(name: str, content: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252, read correctly; anything else refused."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in content:
        raise UploadError(
            f"„{name}“ ist keine Textdatei in UTF-8 oder Windows-1252 (vermutlich UTF-16 oder eine "
            "Binärdatei). Bitte in Excel als „CSV UTF-8 (durch Trennzeichen getrennt)“ speichern."
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if content.startswith(codecs.BOM_UTF8) or _UTF8_SEQUENCE.search(content):
        raise UploadError(
            f"„{name}“ mischt UTF-8 mit einer anderen Zeichenkodierung; Umlaute wären verfälscht. "
            "Bitte als „CSV UTF-8 (durch Trennzeichen getrennt)“ speichern."
        )
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise UploadError(
            f"„{name}“ hat eine unbekannte Zeichenkodierung (erlaubt: UTF-8 oder Windows-1252). "
            "Bitte als „CSV UTF-8 (durch Trennzeichen getrennt)“ speichern."
        ) from None


def _csv_table(name: str, content: bytes, limit: int) -> RawTable:
    if PurePath(name).suffix.lower() not in (".csv", ".txt"):
        raise UploadError(
            f"„{name}“ kann nicht importiert werden: erlaubt sind Excel-Arbeitsmappen (.xlsx) "
            "und CSV-Dateien (.csv) je Blatt."
        )
    text = _decode(name, content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    values = (
        (number, {index: _csv_value(value) for index, value in enumerate(record) if value})
        for number, record in enumerate(records, 1)
    )
    title = PurePath(name).stem
    try:
        return RawTable(title, _counted(values, title, limit))
    except csv.Error as exc:
        raise UploadError(f"„{name}“ ist keine lesbare CSV-Datei ({exc}).") from None
    except _TooManyRows:
        raise _too_many_rows(name, title, limit) from None


def _csv_value(value: str) -> str:
    # Our CSV downloads neutralise formulas with a leading apostrophe (OWASP); take it off again.
    if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_example(cells: dict[int, Any]) -> bool:
    """The template's example rows start with "Beispiel:" in their first cell; they are never imported."""
    first = cells.get(0)
    return isinstance(first, str) and first.strip().casefold().startswith(EXAMPLE_PREFIX.casefold())


def _add_sheet(parsed: ParsedWorkbook, *, source: str, table: RawTable) -> None:
    spec = _SHEET_BY_TOKEN.get(_token(table.title))
    if spec is None:
        if _token(table.title) != _token(LISTS_SHEET):  # the template's own drop-down lists
            hidden = " (ausgeblendet)" if table.hidden else ""
            parsed.notices.add(
                Notice(
                    table.title,
                    (),
                    NO_COLUMN,
                    f"Das Blatt{hidden} aus „{source}“ gehört nicht zum Austauschformat und wurde "
                    "übergangen.",
                )
            )
        return
    if spec.name in parsed.sheets:
        other = parsed.sheets[spec.name].source
        parsed.errors.add(
            RowError(spec.name, None, NO_COLUMN, f"Das Blatt kommt doppelt vor ({other} und {source}).")
        )
        return
    if not any(not _blank(value) for cells in table.rows.values() for value in cells.values()):
        parsed.notices.add(Notice(spec.name, (), NO_COLUMN, "Das Blatt ist leer und wurde übergangen."))
        return
    if table.hidden:
        parsed.errors.add(
            RowError(
                spec.name,
                None,
                NO_COLUMN,
                "Das Blatt ist ausgeblendet: was importiert würde, ist in der Tabellenkalkulation nicht "
                "zu sehen. Bitte einblenden (Rechtsklick auf einen Blattreiter → Einblenden), prüfen "
                "und erneut hochladen – oder das Blatt löschen.",
            )
        )
    positions = _header_positions(parsed, spec, table)
    if positions is None:
        return
    headers = {index: spec.column(name).header for name, index in positions.items()}
    _check_merged(parsed, spec, table, headers)
    raw_rows: list[RawRow] = []
    examples: list[int] = []
    for number in sorted(table.rows):
        cells = table.rows[number]
        if number == 1 or not any(not _blank(value) for value in cells.values()):
            continue
        if is_example(cells):
            examples.append(number)
            continue
        if number in table.hidden_rows:
            parsed.errors.add(
                RowError(
                    spec.name,
                    number,
                    NO_COLUMN,
                    "Die Zeile ist ausgeblendet oder durch einen Filter verborgen: was importiert würde, "
                    "ist nicht zu sehen. Bitte alle Zeilen einblenden, Filter aufheben und prüfen.",
                )
            )
        raw_rows.append(RawRow(number, {name: cells.get(index) for name, index in positions.items()}))
    if examples:
        parsed.notices.add(
            Notice(
                spec.name,
                tuple(examples),
                headers.get(0, "A"),
                f"Beispielzeile („{EXAMPLE_PREFIX} …“ in der ersten Zelle) wurde nicht importiert.",
            )
        )
    parsed.sheets[spec.name] = ParsedSheet(spec.name, source, tuple(positions), raw_rows)


def _check_merged(parsed: ParsedWorkbook, spec: SheetSpec, table: RawTable, headers: dict[int, str]) -> None:
    """Merged cells hold one value for many rows or columns: refused, with their range."""
    for merged in table.merged:
        columns = [i for i in range(merged.first_column, merged.last_column + 1) if i in headers]
        if not columns:
            continue  # outside the format's columns: never read
        parsed.errors.add(
            RowError(
                spec.name,
                merged.first_row,
                headers[columns[0]],
                f"Verbundene Zellen {merged.ref}: nur die erste Zelle hat einen Wert. Bitte den "
                "Zellverbund aufheben und jede Zelle einzeln ausfüllen.",
            )
        )


def _header_positions(parsed: ParsedWorkbook, spec: SheetSpec, table: RawTable) -> dict[str, int] | None:
    by_token = {
        _token(alias): column for column in spec.columns for alias in (column.header, *column.aliases)
    }
    positions: dict[str, int] = {}
    header = table.rows.get(1, {})
    if 1 in table.hidden_rows:
        parsed.errors.add(
            RowError(spec.name, 1, NO_COLUMN, "Die Kopfzeile ist ausgeblendet. Bitte einblenden und prüfen.")
        )
    for index in sorted(header):
        value = header[index]
        letter = get_column_letter(index + 1)
        if isinstance(value, FormulaCell):
            parsed.errors.add(
                RowError(
                    spec.name,
                    1,
                    letter,
                    f"Die Überschrift ist eine Formel ({_shown(value.text)}); erwartet wird ein Spaltenname.",
                )
            )
            continue
        if _blank(value):
            continue
        column = by_token.get(_token(str(value)))
        if column is None:
            known = ", ".join(spec.headers)
            hidden = " (ausgeblendet)" if index in table.hidden_columns else ""
            parsed.notices.add(
                Notice(
                    spec.name,
                    (1,),
                    f"{_shown(value)} ({letter})",
                    f"Unbekannte Spalte{hidden}; ihr Inhalt wird nicht importiert. Bekannt sind: {known}.",
                )
            )
        elif column.field in positions:
            parsed.errors.add(RowError(spec.name, 1, column.header, "Die Spalte kommt doppelt vor."))
        else:
            positions[column.field] = index
            if index in table.hidden_columns:
                parsed.errors.add(
                    RowError(
                        spec.name,
                        None,
                        column.header,
                        f"Die Spalte {letter} ist ausgeblendet: was importiert würde, ist nicht zu sehen. "
                        "Bitte alle Spalten einblenden und prüfen.",
                    )
                )
    if not positions:
        parsed.errors.add(
            RowError(
                spec.name,
                1,
                NO_COLUMN,
                "Zeile 1 muss die Spaltenüberschriften enthalten: " + ", ".join(spec.headers) + ".",
            )
        )
        return None
    missing = [
        c.header for c in spec.columns if (c.required or c.field in spec.key) and c.field not in positions
    ]
    for header_text in missing:
        parsed.errors.add(RowError(spec.name, 1, header_text, "Die Pflichtspalte fehlt."))
    return None if missing else positions


def _shown(value: Any) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:39] + "…"
