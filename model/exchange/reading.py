"""Reading an upload: checked files (size, kind, encoding, zip bombs) into raw rows per sheet."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from openpyxl import load_workbook

from model.exchange.spec import _SHEET_BY_TOKEN, SHEETS, SheetSpec, _token

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 250 * 1024 * 1024  # all parts of one workbook, uncompressed
MAX_PACKING_RATIO = 200  # sheet XML packs ~10–20×; a zip bomb packs thousands×
MAX_ZIP_MEMBERS = 2_000
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


class UploadError(ValueError):
    """A German reason why an uploaded file was refused as a whole; nothing was read."""


# ---------------------------------------------------------------- parsed upload


# One problem, located as a spreadsheet user finds it (header = row 1).
@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    reason: str

    def line(self) -> str:
        return f"{self.sheet}, Zeile {self.row}, Spalte {self.column}: {self.reason}"


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


# What read_upload found: the sheets of the format, structural errors, and notes.
@dataclass
class ParsedWorkbook:
    files: tuple[str, ...]
    sheets: dict[str, ParsedSheet] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(sheet.rows) for sheet in self.sheets.values())


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " MB"


def read_upload(*, files: list[tuple[str, bytes]]) -> ParsedWorkbook:
    """Check and read uploaded files (name, content) into sheets; UploadError for a refused file."""
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
        for title, rows in tables:
            _add_sheet(parsed, source=name, title=title, rows=rows)
    if not parsed.sheets and not parsed.errors:
        expected = ", ".join(spec.name for spec in SHEETS)
        raise UploadError(
            f"Keine Datei enthält ein Blatt des Austauschformats ({expected}). Eine CSV-Datei heißt "
            "wie ihr Blatt, z. B. „Lotsen.csv“."
        )
    return parsed


def _workbook_tables(name: str, content: bytes) -> list[tuple[str, Iterable[tuple[int, list[Any]]]]]:
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
        tables = [(sheet.title, list(_sheet_rows(sheet))) for sheet in workbook.worksheets]
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


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    sheet.reset_dimensions()  # some writers declare a wrong size; read what is really there
    for number, row in enumerate(sheet.iter_rows(), start=1):
        yield number, [_cell_value(cell) for cell in row]


def _cell_value(cell: Any) -> Any:
    if getattr(cell, "data_type", None) in ("f", "e"):  # a formula or an error value such as #DIV/0!
        return FormulaCell(str(cell.value))
    return cell.value


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


def _csv_table(name: str, content: bytes) -> tuple[str, list[tuple[int, list[Any]]]]:
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
    rows = [(number, [_csv_value(value) for value in record]) for number, record in enumerate(records, 1)]
    return PurePath(name).stem, rows


def _csv_value(value: str) -> str:
    # Our CSV downloads neutralise formulas with a leading apostrophe (OWASP); take it off again.
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _add_sheet(
    parsed: ParsedWorkbook, *, source: str, title: str, rows: Iterable[tuple[int, list[Any]]]
) -> None:
    spec = _SHEET_BY_TOKEN.get(_token(title))
    if spec is None:
        parsed.notes.append(f"„{title}“ ({source}) gehört nicht zum Austauschformat und wurde übergangen.")
        return
    if spec.name in parsed.sheets:
        other = parsed.sheets[spec.name].source
        parsed.errors.append(
            RowError(spec.name, 1, "–", f"Das Blatt kommt doppelt vor ({other} und {source}).")
        )
        return
    iterator = iter(rows)
    _, header = next(iterator, (1, []))
    positions = _header_positions(parsed, spec, header)
    if positions is None:
        return
    raw_rows = [
        RawRow(number, {name: (cells[i] if i < len(cells) else None) for name, i in positions.items()})
        for number, cells in iterator
        if any(not _blank(value) for value in cells)
    ]
    parsed.sheets[spec.name] = ParsedSheet(spec.name, source, tuple(positions), raw_rows)


def _header_positions(parsed: ParsedWorkbook, spec: SheetSpec, header: list[Any]) -> dict[str, int] | None:
    by_token = {
        _token(alias): column for column in spec.columns for alias in (column.header, *column.aliases)
    }
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        if _blank(value) or isinstance(value, FormulaCell):
            continue
        column = by_token.get(_token(str(value)))
        if column is None:
            parsed.notes.append(f"Blatt {spec.name}: Spalte „{value}“ ist unbekannt und wurde übergangen.")
        elif column.field in positions:
            parsed.errors.append(RowError(spec.name, 1, column.header, "Die Spalte kommt doppelt vor."))
        else:
            positions[column.field] = index
    if not positions:
        parsed.errors.append(
            RowError(
                spec.name,
                1,
                "–",
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
