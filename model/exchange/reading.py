"""Reading an upload: checked files (size, kind, encoding, zip bombs) into raw rows per sheet."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet._reader import WorkSheetParser

from model.exchange.spec import _SHEET_BY_TOKEN, EXAMPLE_PREFIX, LISTS_SHEET, SHEETS, SheetSpec, _token

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 250 * 1024 * 1024  # all parts of one workbook, uncompressed
MAX_PACKING_RATIO = 200  # sheet XML packs ~10–20×; a zip bomb packs thousands×
MAX_ZIP_MEMBERS = 2_000
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
MAX_COLUMNS = 16_384  # XFD, the last column a spreadsheet has
NO_COLUMN = "–"  # an error or notice about a whole row or sheet


class UploadError(ValueError):
    """A German reason why an uploaded file was refused as a whole; nothing was read."""


# ---------------------------------------------------------------- parsed upload


# One problem, located as a spreadsheet user finds it (header = row 1; row None: the whole sheet).
@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int | None
    column: str
    reason: str

    def line(self) -> str:
        where = [self.sheet]
        if self.row is not None:
            where.append(f"Zeile {self.row}")
        if self.column != NO_COLUMN:
            where.append(f"Spalte {self.column}")
        return f"{', '.join(where)}: {self.reason}"


# Something the import did on its own (a row skipped, a number read as text): said, never silent.
@dataclass(frozen=True)
class Notice:
    sheet: str
    rows: tuple[int, ...]  # empty: the whole sheet
    column: str
    reason: str

    @property
    def rows_text(self) -> str:
        return row_ranges(self.rows)

    def line(self) -> str:
        where = [self.sheet]
        if self.rows:
            where.append(f"{'Zeile' if len(self.rows) == 1 else 'Zeilen'} {self.rows_text}")
        if self.column != NO_COLUMN:
            where.append(f"Spalte {self.column}")
        return f"{', '.join(where)}: {self.reason}"


def row_ranges(rows: tuple[int, ...]) -> str:
    """2, 3, 4, 7 → "2–4, 7"."""
    runs: list[list[int]] = []
    for number in sorted(set(rows)):
        if runs and runs[-1][1] == number - 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(str(first) if first == last else f"{first}–{last}" for first, last in runs)


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
    errors: list[RowError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(sheet.rows) for sheet in self.sheets.values())


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


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " MB"


def read_upload(*, files: list[tuple[str, bytes]]) -> ParsedWorkbook:
    """Check and read uploaded files (name, content) into sheets; UploadError for a refused file.

    Everything else that is wrong in a file (hidden or merged cells, formulas, a header missing)
    becomes a located RowError or Notice of the result, never an exception.
    """
    if not files:
        raise UploadError("Es wurde keine Datei ausgewählt.")
    total = sum(len(content) for _, content in files)
    if total > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"Die Datei ist zu groß ({_megabytes(total)}); höchstens {_megabytes(MAX_UPLOAD_BYTES)} "
            "je Import. Bitte die Daten auf mehrere Importe aufteilen."
        )
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
            tables = _workbook_tables(name, content)
        elif PurePath(name).suffix.lower() in (".xlsx", ".xlsm"):
            raise UploadError(
                f"„{name}“ ist keine Excel-Arbeitsmappe (.xlsx): der Inhalt hat ein anderes Format."
            )
        else:
            tables = [_csv_table(name, content)]
        for table in tables:
            _add_sheet(parsed, source=name, table=table)
    if not parsed.sheets and not parsed.errors:
        expected = ", ".join(spec.name for spec in SHEETS)
        raise UploadError(
            f"Keine Datei enthält ein ausgefülltes Blatt des Austauschformats ({expected}). Eine "
            "CSV-Datei heißt wie ihr Blatt, z. B. „Lotsen.csv“."
        )
    return parsed


def _workbook_tables(name: str, content: bytes) -> list[RawTable]:
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
        tables = [_read_sheet(workbook, sheet) for sheet in workbook.worksheets]
        workbook.close()
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
            f"({_megabytes(unpacked)}; möglicherweise eine ZIP-Bombe)."
        )


def _read_sheet(workbook: Any, sheet: Any) -> RawTable:
    """One pass over the sheet's XML: cell values plus hidden rows and columns and merged ranges.

    The read-only sheet does not keep rows, columns or merges, so its parser is run here directly
    (private openpyxl API of the pinned 3.1.5; tests/model/test_exchange_files.py covers it).
    """
    rows: dict[int, dict[int, Any]] = {}
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=False,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            values = {cell["column"] - 1: _cell_value(cell) for cell in cells}
            kept = {index: value for index, value in values.items() if value is not None}
            if kept:
                rows.setdefault(number, {}).update(kept)
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
        hidden=sheet.sheet_state != "visible",
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


def _csv_table(name: str, content: bytes) -> RawTable:
    if PurePath(name).suffix.lower() not in (".csv", ".txt"):
        raise UploadError(
            f"„{name}“ kann nicht importiert werden: erlaubt sind Excel-Arbeitsmappen (.xlsx) "
            "und CSV-Dateien (.csv) je Blatt."
        )
    text = _decode(name, content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UploadError(f"„{name}“ ist keine lesbare CSV-Datei ({exc}).") from None
    rows = {
        number: {index: _csv_value(value) for index, value in enumerate(record) if value}
        for number, record in enumerate(records, 1)
    }
    return RawTable(PurePath(name).stem, {number: cells for number, cells in rows.items() if cells})


def _csv_value(value: str) -> str:
    # Our CSV downloads neutralise formulas with a leading apostrophe (OWASP); take it off again.
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
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
            parsed.notices.append(
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
        parsed.errors.append(
            RowError(spec.name, None, NO_COLUMN, f"Das Blatt kommt doppelt vor ({other} und {source}).")
        )
        return
    if not any(not _blank(value) for cells in table.rows.values() for value in cells.values()):
        parsed.notices.append(Notice(spec.name, (), NO_COLUMN, "Das Blatt ist leer und wurde übergangen."))
        return
    if table.hidden:
        parsed.errors.append(
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
            parsed.errors.append(
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
        parsed.notices.append(
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
        parsed.errors.append(
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
        parsed.errors.append(
            RowError(spec.name, 1, NO_COLUMN, "Die Kopfzeile ist ausgeblendet. Bitte einblenden und prüfen.")
        )
    for index in sorted(header):
        value = header[index]
        letter = get_column_letter(index + 1)
        if isinstance(value, FormulaCell):
            parsed.errors.append(
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
            parsed.notices.append(
                Notice(
                    spec.name,
                    (1,),
                    f"{_shown(value)} ({letter})",
                    f"Unbekannte Spalte{hidden}; ihr Inhalt wird nicht importiert. Bekannt sind: {known}.",
                )
            )
        elif column.field in positions:
            parsed.errors.append(RowError(spec.name, 1, column.header, "Die Spalte kommt doppelt vor."))
        else:
            positions[column.field] = index
            if index in table.hidden_columns:
                parsed.errors.append(
                    RowError(
                        spec.name,
                        None,
                        column.header,
                        f"Die Spalte {letter} ist ausgeblendet: was importiert würde, ist nicht zu sehen. "
                        "Bitte alle Spalten einblenden und prüfen.",
                    )
                )
    if not positions:
        parsed.errors.append(
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
        parsed.errors.append(RowError(spec.name, 1, header_text, "Die Pflichtspalte fehlt."))
    return None if missing else positions


def _shown(value: Any) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:39] + "…"
