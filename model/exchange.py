"""The exchange format of PRODUCT.md: import = export = template.

One .xlsx workbook (or one CSV per sheet, named like the sheet) with the sheets Organisationseinheiten,
Lotsen, Maßnahmen, IT-Personal and Förderprogramme. An import is planned first (a dry run that names
every bad cell with sheet, row, column and a German reason) and applied all-or-nothing in the caller's
write transaction, upserting by natural key (Kürzel, E-Mail, Titel, Name) with an audit row per record.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from pathlib import PurePath
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import insert, update
from sqlmodel import Session, select

from model import clock, stage_months, unit_paths
from model.audit import record_audit
from model.enums import (
    Category,
    Donor,
    FundingStatus,
    ItTaskArea,
    MeasureStatus,
    PilotStage,
    UnitKind,
    from_label,
    labels_of,
)
from model.ozg import load_ozg_catalogue
from model.tables import FundingProgramme, ItStaff, Measure, OrgUnit, Pilot, PilotStageChange
from model.tabular import set_cell

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 250 * 1024 * 1024  # all parts of one workbook, uncompressed
MAX_PACKING_RATIO = 200  # sheet XML packs ~10–20×; a zip bomb packs thousands×
MAX_ZIP_MEMBERS = 2_000
MAX_COST = 1_000_000_000.0
CHUNK = 500
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
STAGE_REASON = "Import"

Progress = Callable[[float, str], None]


class UploadError(ValueError):
    """A German reason why an uploaded file was refused as a whole; nothing was read."""


class ImportRejected(ValueError):
    """The import has errors; nothing was written. `errors` names each bad cell."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"Import abgelehnt: {len(errors)} Fehler, es wurde nichts geschrieben.")
        self.errors = errors


# ---------------------------------------------------------------- the format


class Kind(StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # line breaks allowed
    EMAIL = "email"
    WHOLE = "whole"
    NUMBER = "number"
    DATE = "date"
    QUARTER = "quarter"
    CHOICE = "choice"


# One column of a sheet: German header, the record field it fills, and its rules.
@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: Kind
    required: bool = False
    max_length: int = 200
    minimum: float | None = None
    maximum: float | None = None
    choices: type[StrEnum] | None = None
    default: Any = None
    aliases: tuple[str, ...] = ()


# One sheet: its name, its columns in file order, and the fields of its natural key.
@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def column(self, field_name: str) -> Column:
        return next(column for column in self.columns if column.field == field_name)


def _score(header: str, name: str, default: int) -> Column:
    return Column(header, name, Kind.WHOLE, minimum=1, maximum=5, default=default)


UNITS = SheetSpec(
    "Organisationseinheiten",
    (
        Column("Kürzel", "code", Kind.TEXT, required=True, max_length=30),
        Column("Name", "name", Kind.TEXT, required=True),
        Column("Art", "kind", Kind.CHOICE, required=True, choices=UnitKind),
        Column("Übergeordnet (Kürzel)", "parent_code", Kind.TEXT, max_length=30),
        Column("Beschäftigte", "headcount", Kind.WHOLE, minimum=0, maximum=1_000_000, default=0),
        Column("Soll-Lotsen", "target_pilots", Kind.WHOLE, minimum=0, maximum=1_000),
    ),
    key=("code",),
)
PILOTS = SheetSpec(
    "Lotsen",
    (
        Column("Name", "name", Kind.TEXT, required=True),
        Column("E-Mail", "email", Kind.EMAIL, required=True, max_length=254),
        Column("Organisationseinheit (Kürzel)", "unit_code", Kind.TEXT, required=True, max_length=30),
        Column("Stufe", "stage", Kind.CHOICE, required=True, choices=PilotStage),
        Column("Seit", "stage_since", Kind.DATE),
        Column("Stunden pro Woche", "hours_per_week", Kind.NUMBER, minimum=0, maximum=40, default=2.0),
    ),
    key=("email",),
)
MEASURES = SheetSpec(
    "Maßnahmen",
    (
        Column("Titel", "title", Kind.TEXT, required=True),
        Column("Beschreibung", "description", Kind.LONG_TEXT, max_length=4000),
        Column("Kategorie", "category", Kind.CHOICE, required=True, choices=Category),
        Column("Organisationseinheit (Kürzel)", "unit_code", Kind.TEXT, max_length=30),
        Column("Status", "status", Kind.CHOICE, required=True, choices=MeasureStatus),
        _score("Nutzen Bürger", "benefit_citizens", 3),
        _score("Nutzen Verwaltung", "benefit_admin", 3),
        _score("Dringlichkeit", "urgency", 3),
        _score("Rechtliche Pflicht", "legal_duty", 1),
        _score("Aufwand", "effort", 3),
        Column("Start", "start_quarter", Kind.QUARTER),
        Column("Ende", "end_quarter", Kind.QUARTER),
        Column("Kosten konsumtiv", "cost_operating", Kind.NUMBER, minimum=0, maximum=MAX_COST, default=0.0),
        Column("Kosten investiv", "cost_capital", Kind.NUMBER, minimum=0, maximum=MAX_COST, default=0.0),
        Column("Personentage", "person_days", Kind.NUMBER, minimum=0, maximum=100_000, default=0.0),
        Column("OZG-ID", "ozg_id", Kind.TEXT, max_length=20),
        Column("Reifegrad Ziel", "maturity_target", Kind.WHOLE, minimum=0, maximum=4),
        Column("Förderprogramm", "funding_name", Kind.TEXT),
    ),
    key=("title",),
)
IT_STAFF = SheetSpec(
    "IT-Personal",
    (
        Column("Organisationseinheit (Kürzel)", "unit_code", Kind.TEXT, required=True, max_length=30),
        Column("Aufgabenbereich", "task_area", Kind.CHOICE, required=True, choices=ItTaskArea),
        Column("VZÄ", "fte", Kind.NUMBER, required=True, minimum=0, maximum=10_000),
    ),
    key=("unit_code", "task_area"),
)
FUNDING = SheetSpec(
    "Förderprogramme",
    (
        Column("Name", "name", Kind.TEXT, required=True),
        Column("Geber", "donor", Kind.CHOICE, required=True, choices=Donor),
        Column("Frist", "deadline", Kind.DATE),
        Column("Beantragt", "amount_applied", Kind.NUMBER, minimum=0, maximum=MAX_COST, default=0.0),
        Column("Bewilligt", "amount_granted", Kind.NUMBER, minimum=0, maximum=MAX_COST, default=0.0),
        Column("Status", "status", Kind.CHOICE, required=True, choices=FundingStatus),
    ),
    key=("name",),
)
SHEETS: tuple[SheetSpec, ...] = (UNITS, PILOTS, MEASURES, IT_STAFF, FUNDING)


def _token(text: str) -> str:
    """Comparable form of a sheet name or header: NFC, case- and umlaut-insensitive, no (…) notes."""
    text = re.sub(r"\(.*?\)", "", unicodedata.normalize("NFC", text)).casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[\s_\-.*/]+", "", text)


_SHEET_BY_TOKEN = {_token(spec.name): spec for spec in SHEETS}


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


# ---------------------------------------------------------------- cell values


class _CellError(Exception):
    """The German reason why one cell cannot be imported."""


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_QUARTER = re.compile(r"^(\d{4})\s*[-/ ]?\s*Q([1-4])$", re.IGNORECASE)
_QUARTER_FIRST = re.compile(r"^Q([1-4])\s*[-/ ]?\s*(\d{4})$", re.IGNORECASE)
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?$")
_THOUSANDS = re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+$")


def _de_number(value: float) -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
    return text.replace(",", "#").replace(".", ",").replace("#", ".").replace("-", "−")


def _shown(value: Any) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:39] + "…"


def _text(column: Column, raw: Any) -> str:
    if isinstance(raw, bool | datetime | date):
        raise _CellError(f"„{_shown(raw)}“ ist kein Text.")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(text):
        raise _CellError("Der Text enthält unzulässige Steuerzeichen.")
    if "\n" in text and column.kind is not Kind.LONG_TEXT:
        raise _CellError("Der Text darf keinen Zeilenumbruch enthalten.")
    if len(text) > column.max_length:
        raise _CellError(
            f"Der Text ist zu lang: {len(text)} Zeichen, erlaubt sind höchstens {column.max_length}."
        )
    if column.kind is Kind.EMAIL and not _EMAIL.match(text):
        raise _CellError(f"„{_shown(text)}“ ist keine gültige E-Mail-Adresse.")
    return text


def _number(raw: Any) -> float:
    if isinstance(raw, bool | datetime | date):
        raise _CellError(f"„{_shown(raw)}“ ist keine Zahl.")
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        text = str(raw).strip().removesuffix("€").strip().replace(" ", "").replace("\u00a0", "")
        text = text.replace("−", "-")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        elif _THOUSANDS.match(text):
            text = text.replace(".", "")
        try:
            number = float(text)
        except ValueError:
            raise _CellError(f"„{_shown(raw)}“ ist keine Zahl.") from None
    if not math.isfinite(number):
        raise _CellError(f"„{_shown(raw)}“ ist keine Zahl.")
    return number


def _in_range(column: Column, number: float) -> None:
    low, high = column.minimum, column.maximum
    if low == 0 and number < 0:
        raise _CellError(f"Der Wert darf nicht negativ sein ({_de_number(number)}).")
    if (low is not None and number < low) or (high is not None and number > high):
        raise _CellError(
            f"Der Wert {_de_number(number)} liegt außerhalb des erlaubten Bereichs "
            f"{_de_number(low or 0)} bis {_de_number(high or 0)}."
        )


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        value = raw.date()
    elif isinstance(raw, date):
        value = raw
    else:
        text = str(raw).strip()
        german, iso = _GERMAN_DATE.match(text), _ISO_DATE.match(text)
        try:
            if german:
                value = date(int(german.group(3)), int(german.group(2)), int(german.group(1)))
            elif iso:
                value = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
            else:
                raise ValueError(text)
        except ValueError:
            raise _CellError(
                f"„{_shown(raw)}“ ist kein gültiges Datum (TT.MM.JJJJ oder JJJJ-MM-TT)."
            ) from None
    if not 1990 <= value.year <= 2100:
        raise _CellError(f"Das Datum {value:%d.%m.%Y} liegt außerhalb von 1990 bis 2100.")
    return value


def _quarter(raw: Any) -> str:
    text = str(raw).strip()
    year_first, quarter_first = _QUARTER.match(text), _QUARTER_FIRST.match(text)
    if year_first:
        year, quarter = year_first.group(1), year_first.group(2)
    elif quarter_first:
        year, quarter = quarter_first.group(2), quarter_first.group(1)
    else:
        raise _CellError(f"„{_shown(raw)}“ ist kein Quartal (Beispiel: 2025-Q3).")
    if not 2000 <= int(year) <= 2099:
        raise _CellError(f"Das Quartal {year}-Q{quarter} liegt außerhalb von 2000 bis 2099.")
    return f"{year}-Q{quarter}"


def _choice(column: Column, raw: Any) -> str:
    assert column.choices is not None
    try:
        return from_label(column.choices, str(raw)).value
    except ValueError:
        allowed = ", ".join(labels_of(column.choices).values())
        raise _CellError(f"„{_shown(raw)}“ ist kein gültiger Wert. Erlaubt: {allowed}.") from None


def _convert(column: Column, raw: Any) -> Any:
    """The stored value of one cell, or _CellError with the German reason."""
    if isinstance(raw, FormulaCell):
        raise _CellError(
            f"Die Zelle enthält eine Formel oder einen Fehlerwert ({_shown(raw.text)}). "
            "Bitte nur Werte importieren (in Excel: Kopieren → Werte einfügen)."
        )
    if _blank(raw):
        if column.required:
            raise _CellError("Pflichtfeld ist leer.")
        return column.default
    match column.kind:
        case Kind.TEXT | Kind.LONG_TEXT | Kind.EMAIL:
            return _text(column, raw)
        case Kind.WHOLE:
            number = _number(raw)
            if not number.is_integer():
                raise _CellError(f"„{_shown(raw)}“ ist keine ganze Zahl.")
            _in_range(column, number)
            return int(number)
        case Kind.NUMBER:
            number = _number(raw)
            _in_range(column, number)
            return number
        case Kind.DATE:
            return _date(raw)
        case Kind.QUARTER:
            return _quarter(raw)
        case Kind.CHOICE:
            return _choice(column, raw)
    raise AssertionError(column.kind)


# ---------------------------------------------------------------- the plan


# One valid row: its row number and the converted values of the columns present.
@dataclass(frozen=True)
class Record:
    number: int
    values: dict[str, Any]
    valid: bool = True  # False: a cell error; still checked for references, never written


# What would happen to one record: create or change (with old → new per field).
@dataclass(frozen=True)
class Change:
    sheet: str
    number: int
    key: tuple[Any, ...]
    values: dict[str, Any]
    existing_id: int | None  # None: create
    changes: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class SheetSummary:
    sheet: str
    rows: int
    created: int
    changed: int
    unchanged: int


# The dry run: per sheet what would be created or changed, and every error.
@dataclass
class ImportPlan:
    parsed: ParsedWorkbook
    sheets: list[SheetSummary]
    errors: list[RowError]
    changes: list[Change]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def notes(self) -> list[str]:
        return self.parsed.notes

    def summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(s.sheet, s.rows, s.created, s.changed, s.unchanged) for s in self.sheets],
            columns=["Blatt", "Zeilen", "Neu", "Geändert", "Unverändert"],
        )

    def error_frame(self) -> pd.DataFrame:
        return error_frame(self.errors)


def error_frame(errors: list[RowError]) -> pd.DataFrame:
    """The errors as the table the Verwaltung shows: Blatt, Zeile, Spalte, Grund."""
    return pd.DataFrame(
        [(e.sheet, e.row, e.column, e.reason) for e in errors], columns=["Blatt", "Zeile", "Spalte", "Grund"]
    )


@dataclass(frozen=True)
class ImportResult:
    sheets: list[SheetSummary]
    audit_rows: int
    seconds: float

    @property
    def created(self) -> int:
        return sum(s.created for s in self.sheets)

    @property
    def changed(self) -> int:
        return sum(s.changed for s in self.sheets)

    def message(self) -> str:
        parts = "; ".join(f"{s.sheet}: {s.created} neu, {s.changed} geändert" for s in self.sheets)
        return f"Import abgeschlossen ({parts})."


# The database's current records, by natural key.
@dataclass
class _Existing:
    units: dict[str, dict[str, Any]]
    unit_codes: dict[int, str]
    pilots: dict[str, dict[str, Any]]  # by e-mail, case-folded
    measures: dict[str, dict[str, Any]]
    funding: dict[str, dict[str, Any]]
    funding_names: dict[int, str]
    staff: dict[tuple[str, str], dict[str, Any]]


def _rows(session: Session, model: Any, *names: str) -> list[dict[str, Any]]:
    columns = [getattr(model, name) for name in names]
    return [dict(zip(names, row, strict=True)) for row in session.exec(select(*columns)).all()]


def _load_existing(session: Session) -> _Existing:
    units = _rows(session, OrgUnit, "id", "code", "name", "kind", "parent_id", "headcount", "target_pilots")
    unit_codes = {unit["id"]: unit["code"] for unit in units}
    for unit in units:
        unit["parent_code"] = unit_codes.get(unit["parent_id"])
    pilots = _rows(session, Pilot, "id", "name", "email", "unit_id", "stage", "stage_since", "hours_per_week")
    for pilot in pilots:
        pilot["unit_code"] = unit_codes.get(pilot["unit_id"])
    funding = _rows(
        session,
        FundingProgramme,
        "id",
        "name",
        "donor",
        "deadline",
        "amount_applied",
        "amount_granted",
        "status",
    )
    funding_names = {programme["id"]: programme["name"] for programme in funding}
    measure_fields = [c.field for c in MEASURES.columns if c.field not in ("unit_code", "funding_name")]
    measures = _rows(session, Measure, "id", "unit_id", "funding_id", *measure_fields)
    for measure in measures:
        measure["unit_code"] = unit_codes.get(measure["unit_id"])
        measure["funding_name"] = funding_names.get(measure["funding_id"])
    staff = _rows(session, ItStaff, "id", "unit_id", "task_area", "fte")
    for row in staff:
        row["unit_code"] = unit_codes.get(row["unit_id"])
    return _Existing(
        units={unit["code"]: unit for unit in units},
        unit_codes=unit_codes,
        pilots={pilot["email"].casefold(): pilot for pilot in pilots},
        measures={measure["title"]: measure for measure in measures},
        funding={programme["name"]: programme for programme in funding},
        funding_names=funding_names,
        staff={(row["unit_code"], row["task_area"]): row for row in staff},
    )


def _key_of(spec: SheetSpec, values: dict[str, Any]) -> tuple[Any, ...]:
    key = tuple(values.get(name) for name in spec.key)
    return tuple(
        part.casefold() if name == "email" else part for name, part in zip(spec.key, key, strict=True)
    )


def _key_text(spec: SheetSpec, values: dict[str, Any]) -> str:
    return " / ".join(str(values[name]) for name in spec.key)


@dataclass
class _SheetRecords:
    records: list[Record]
    keys: set[tuple[Any, ...]]  # every parsable key of the sheet, valid row or not


def _convert_sheet(spec: SheetSpec, sheet: ParsedSheet, errors: list[RowError]) -> _SheetRecords:
    result = _SheetRecords(records=[], keys=set())
    first_row: dict[tuple[Any, ...], int] = {}
    for row in sheet.rows:
        values: dict[str, Any] = {}
        row_errors: list[RowError] = []
        for name in sheet.fields:
            column = spec.column(name)
            try:
                values[name] = _convert(column, row.cells.get(name))
            except _CellError as problem:
                row_errors.append(RowError(spec.name, row.number, column.header, str(problem)))
        if all(name in values for name in spec.key):
            key = _key_of(spec, values)
            if key in first_row:
                row_errors.insert(
                    0,
                    RowError(
                        spec.name,
                        row.number,
                        spec.column(spec.key[0]).header,
                        f"„{_key_text(spec, values)}“ kommt im Blatt mehrfach vor (zuerst in Zeile "
                        f"{first_row[key]}).",
                    ),
                )
            else:
                first_row[key] = row.number
            result.keys.add(key)
        errors.extend(row_errors)
        result.records.append(Record(row.number, values, valid=not row_errors))
    return result


class _Planner:
    """Checks references across sheets and database, then decides create/change per record."""

    def __init__(self, session: Session, parsed: ParsedWorkbook) -> None:
        self.parsed = parsed
        self.errors: list[RowError] = list(parsed.errors)
        self.existing = _load_existing(session)
        self.sheets = {
            spec.name: _convert_sheet(spec, parsed.sheets[spec.name], self.errors)
            for spec in SHEETS
            if spec.name in parsed.sheets
        }
        self.changes: list[Change] = []
        self.summaries: list[SheetSummary] = []
        self.keys_in_file = {
            spec.name: {key[0] for key in records.keys}
            for spec in (UNITS, FUNDING)
            if (records := self.sheets.get(spec.name)) is not None
        }
        self.parents = self.parent_map()

    def file_keys(self, spec: SheetSpec) -> set[Any]:
        return self.keys_in_file.get(spec.name, set())

    def parent_map(self) -> dict[str, str | None]:
        """Kürzel → übergeordnetes Kürzel as it would be after the import."""
        parents = {code: unit["parent_code"] for code, unit in self.existing.units.items()}
        for record in self.sheets[UNITS.name].records if UNITS.name in self.sheets else []:
            if "parent_code" in record.values:
                parents[record.values["code"]] = record.values["parent_code"]
        return parents

    def error(self, spec: SheetSpec, record: Record, field_name: str, reason: str) -> None:
        self.errors.append(RowError(spec.name, record.number, spec.column(field_name).header, reason))

    def check_unit(self, spec: SheetSpec, record: Record, field_name: str) -> bool:
        code = record.values.get(field_name)
        if code is None or code in self.existing.units or code in self.file_keys(UNITS):
            return True
        self.error(
            spec,
            record,
            field_name,
            f"Die Organisationseinheit „{code}“ gibt es weder im Blatt {UNITS.name} noch in der Datenbank.",
        )
        return False

    def run(self) -> ImportPlan:
        checks: dict[str, Callable[[Record], bool]] = {
            UNITS.name: self.check_unit_row,
            PILOTS.name: self.check_pilot_row,
            MEASURES.name: self.check_measure_row,
            IT_STAFF.name: lambda record: self.check_unit(IT_STAFF, record, "unit_code"),
            FUNDING.name: lambda record: True,
        }
        for spec in SHEETS:
            if spec.name in self.sheets:
                self.plan_sheet(spec, checks[spec.name])
        order = {spec.name: index for index, spec in enumerate(SHEETS)}
        headers = {spec.name: spec.headers for spec in SHEETS}

        def position(error: RowError) -> tuple[int, int, int]:
            columns = headers.get(error.sheet, [])
            return (
                order.get(error.sheet, 99),
                error.row,
                columns.index(error.column) if error.column in columns else -1,
            )

        return ImportPlan(
            parsed=self.parsed,
            sheets=self.summaries,
            errors=sorted(self.errors, key=position),
            changes=self.changes,
        )

    def plan_sheet(self, spec: SheetSpec, check: Callable[[Record], bool]) -> None:
        created = changed = unchanged = 0
        existing_by_key = self.existing_records(spec)
        for record in self.sheets[spec.name].records:
            if not check(record) or not record.valid:
                continue
            current = existing_by_key.get(_key_of(spec, record.values))
            values = self.completed(spec, record, current)
            if current is None:
                changes = {name: (None, value) for name, value in values.items()}
                created += 1
            else:
                changes = {
                    name: (current.get(name), value)
                    for name, value in values.items()
                    if not _same(current.get(name), value)
                }
                if not changes:
                    unchanged += 1
                    continue
                changed += 1
            self.changes.append(
                Change(
                    sheet=spec.name,
                    number=record.number,
                    key=_key_of(spec, record.values),
                    values=values,
                    existing_id=None if current is None else current["id"],
                    changes=changes,
                )
            )
        rows = len(self.parsed.sheets[spec.name].rows)
        self.summaries.append(SheetSummary(spec.name, rows, created, changed, unchanged))

    def existing_records(self, spec: SheetSpec) -> dict[tuple[Any, ...], dict[str, Any]]:
        existing = self.existing
        if spec is UNITS:
            return {(code,): unit for code, unit in existing.units.items()}
        if spec is PILOTS:
            return {(email,): pilot for email, pilot in existing.pilots.items()}
        if spec is MEASURES:
            return {(title,): measure for title, measure in existing.measures.items()}
        if spec is FUNDING:
            return {(name,): programme for name, programme in existing.funding.items()}
        return dict(existing.staff.items())

    def completed(self, spec: SheetSpec, record: Record, current: dict[str, Any] | None) -> dict[str, Any]:
        """The record's values; on create, columns missing from the file get their defaults."""
        values = dict(record.values)
        if spec is PILOTS:
            self.complete_stage_date(values, current)
        if current is None:
            for column in spec.columns:
                values.setdefault(column.field, column.default)
        return values

    @staticmethod
    def complete_stage_date(values: dict[str, Any], current: dict[str, Any] | None) -> None:
        # No "Seit": a new Lotse or a new stage starts today; an unchanged stage keeps its date.
        if values.get("stage_since") is not None:
            return
        stage_changes = current is None or ("stage" in values and values["stage"] != current["stage"])
        if stage_changes:
            values["stage_since"] = clock.today()
        else:
            values.pop("stage_since", None)

    def check_unit_row(self, record: Record) -> bool:
        parent, code = record.values.get("parent_code"), record.values.get("code")
        if parent is None or code is None:
            return True
        if parent == code:
            self.error(UNITS, record, "parent_code", "Eine Einheit kann nicht sich selbst übergeordnet sein.")
            return False
        if not self.check_unit(UNITS, record, "parent_code"):
            return False
        cycle = self.parent_cycle(code)
        if cycle:
            self.error(
                UNITS, record, "parent_code", f"Die Hierarchie enthält einen Kreis: {' → '.join(cycle)}."
            )
            return False
        return True

    def parent_cycle(self, start: str) -> list[str]:
        path, code = [start], self.parents.get(start)
        while code is not None and len(path) <= len(self.parents):
            path.append(code)
            if code == start:
                return path
            code = self.parents.get(code)
        return []

    def check_pilot_row(self, record: Record) -> bool:
        ok = self.check_unit(PILOTS, record, "unit_code")
        since = record.values.get("stage_since")
        if since is not None and since > clock.today():
            self.error(PILOTS, record, "stage_since", f"Das Datum {since:%d.%m.%Y} liegt in der Zukunft.")
            ok = False
        return ok

    def check_measure_row(self, record: Record) -> bool:
        ok = self.check_unit(MEASURES, record, "unit_code")
        values = record.values
        funding = values.get("funding_name")
        if (
            funding is not None
            and funding not in self.existing.funding
            and funding not in self.file_keys(FUNDING)
        ):
            self.error(
                MEASURES,
                record,
                "funding_name",
                f"Das Förderprogramm „{funding}“ gibt es weder im Blatt {FUNDING.name} "
                "noch in der Datenbank.",
            )
            ok = False
        ozg_id = values.get("ozg_id")
        if ozg_id is not None and ozg_id not in _ozg_ids():
            self.error(MEASURES, record, "ozg_id", f"Die OZG-ID „{ozg_id}“ steht nicht im OZG-Katalog.")
            ok = False
        start, end = values.get("start_quarter"), values.get("end_quarter")
        if start and end and start > end:
            self.error(MEASURES, record, "end_quarter", f"Das Ende ({end}) liegt vor dem Start ({start}).")
            ok = False
        return ok


@cache
def _ozg_ids() -> frozenset[str]:
    return frozenset(service.ozg_id for service in load_ozg_catalogue())


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float) and not isinstance(old, bool):
        return math.isclose(float(old), float(new), rel_tol=0, abs_tol=1e-9)
    return old == new


def plan_import(*, session: Session, parsed: ParsedWorkbook) -> ImportPlan:
    """Dry run: what the import would create and change, and every error. Writes nothing."""
    return _Planner(session, parsed).run()


# ---------------------------------------------------------------- applying


_ENTITIES = {
    UNITS.name: (OrgUnit, "org_unit"),
    PILOTS.name: (Pilot, "pilot"),
    MEASURES.name: (Measure, "measure"),
    IT_STAFF.name: (ItStaff, "it_staff"),
    FUNDING.name: (FundingProgramme, "funding_programme"),
}
_APPLY_ORDER = (FUNDING.name, UNITS.name, PILOTS.name, MEASURES.name, IT_STAFF.name)
_REFERENCE_FIELDS = {"parent_code": "parent_id", "unit_code": "unit_id", "funding_name": "funding_id"}


class _Applier:
    def __init__(self, session: Session, plan: ImportPlan, actor: str, progress: Progress | None) -> None:
        self.session = session
        self.actor = actor
        self.progress = progress
        self.plan = plan
        self.unit_ids = {code: unit["id"] for code, unit in _load_existing(session).units.items()}
        self.funding_ids = dict(
            session.exec(select(FundingProgramme.name, FundingProgramme.id)).all()  # type: ignore[arg-type]
        )
        self.done = 0
        self.total = max(len(plan.changes), 1)
        self.audit_rows = 0

    def tick(self, count: int, sheet: str) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(
                min(self.done / self.total, 1.0), f"{sheet}: {self.done} von {self.total} Datensätzen"
            )

    def stored(self, values: dict[str, Any]) -> dict[str, Any]:
        """Record values as table columns: natural references resolved to ids."""
        result: dict[str, Any] = {}
        for name, value in values.items():
            if name == "parent_code":
                continue  # set after all units exist
            if name == "unit_code":
                result["unit_id"] = None if value is None else self.unit_ids[value]
            elif name == "funding_name":
                result["funding_id"] = None if value is None else self.funding_ids[value]
            else:
                result[name] = value
        return result

    def audit(self, entity: str, entity_id: int, action: str, changes: dict[str, tuple[Any, Any]]) -> None:
        record_audit(
            session=self.session,
            actor=self.actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            changes=changes,
        )
        self.audit_rows += 1

    def apply_sheet(self, sheet: str) -> None:
        model, entity = _ENTITIES[sheet]
        changes = [change for change in self.plan.changes if change.sheet == sheet]
        ids: dict[int, int] = {}  # row number → id
        for start in range(0, len(changes), CHUNK):
            chunk = changes[start : start + CHUNK]
            created = [change for change in chunk if change.existing_id is None]
            for change, new_id in zip(created, self.insert(model, created), strict=True):
                ids[change.number] = new_id
                self.remember(sheet, change, new_id)
                if sheet == PILOTS.name:
                    self.stage_change(new_id, None, change.values)
            for change in chunk:
                if change.existing_id is not None:
                    self.update(model, sheet, change)
            self.tick(len(chunk), sheet)
        if sheet == UNITS.name:
            self.set_parents(changes)
            if changes:
                unit_paths.refresh(self.session)  # written past the ORM: every place anew
        # Audited last, so that references to records of the same sheet resolve to their ids.
        for change in changes:
            action = "create" if change.existing_id is None else "update"
            self.audit(entity, change.existing_id or ids[change.number], action, self.audited(change.changes))

    def insert(self, model: Any, created: list[Change]) -> list[int]:
        """Bulk INSERT … RETURNING id, in the order of `created` (no ORM object per row)."""
        if not created:
            return []
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(self.session.execute(statement, [self.stored(c.values) for c in created]).scalars())

    def remember(self, sheet: str, change: Change, new_id: int) -> None:
        if sheet == UNITS.name:
            self.unit_ids[change.values["code"]] = new_id
        elif sheet == FUNDING.name:
            self.funding_ids[change.values["name"]] = new_id

    def update(self, model: Any, sheet: str, change: Change) -> None:
        assert change.existing_id is not None
        new_values = {name: new for name, (_, new) in change.changes.items()}
        values = self.stored(new_values)
        if hasattr(model, "version"):
            values["version"] = model.version + 1
        if values:
            statement = update(model).where(model.id == change.existing_id).values(**values)
            self.session.execute(statement, execution_options={"synchronize_session": False})
        if sheet == PILOTS.name and "stage" in change.changes:
            self.stage_change(change.existing_id, change.changes["stage"][0], change.values)

    def set_parents(self, changes: list[Change]) -> None:
        rows = [
            {
                "id": change.existing_id or self.unit_ids[change.values["code"]],
                "parent_id": self.unit_id_of(change.changes["parent_code"][1]),
            }
            for change in changes
            if "parent_code" in change.changes
        ]
        if rows:
            self.session.execute(update(OrgUnit), rows)  # one executemany by primary key

    def stage_change(self, pilot_id: int, old_stage: str | None, values: dict[str, Any]) -> None:
        """Every imported stage enters the history the trends are computed from."""
        self.session.add(
            PilotStageChange(
                pilot_id=pilot_id,
                unit_id=self.unit_ids[values["unit_code"]]
                if "unit_code" in values
                else self.pilot_unit(pilot_id),
                from_stage=old_stage,
                to_stage=values["stage"],
                changed_on=values.get("stage_since") or clock.today(),
                reason=STAGE_REASON,
            )
        )

    def pilot_unit(self, pilot_id: int) -> int:
        return self.session.exec(select(Pilot.unit_id).where(Pilot.id == pilot_id)).one()

    def audited(self, changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
        """Audit fields as table columns (parent_id, unit_id, funding_id), like every other write."""
        result: dict[str, tuple[Any, Any]] = {}
        for name, (old, new) in changes.items():
            if name in ("parent_code", "unit_code"):
                result[_REFERENCE_FIELDS[name]] = (self.unit_id_of(old), self.unit_id_of(new))
            elif name == "funding_name":
                result["funding_id"] = (self.funding_ids.get(old), self.funding_ids.get(new))
            else:
                result[name] = (old, new)
        return result

    def unit_id_of(self, code: str | None) -> int | None:
        return None if code is None else self.unit_ids.get(code)


def apply_import(
    *, session: Session, plan: ImportPlan, actor: str, progress: Progress | None = None
) -> ImportResult:
    """Write the plan in the caller's transaction, all or nothing; ImportRejected if any error.

    The plan is made again inside the transaction, so data changed since the dry run is honoured.
    """
    started = time.perf_counter()
    fresh = plan_import(session=session, parsed=plan.parsed)
    if fresh.errors:
        raise ImportRejected(fresh.errors)
    applier = _Applier(session, fresh, actor, progress)
    for sheet in _APPLY_ORDER:
        applier.apply_sheet(sheet)
    if any(change.sheet == PILOTS.name for change in fresh.changes):
        # Lotsen are written in bulk, past the ORM: the stored month-end counts start over.
        stage_months.invalidate(session, since=None)
    record_audit(
        session=session,
        actor=actor,
        action="import",
        entity="database",
        entity_id=None,
        changes={
            "files": (None, ", ".join(plan.parsed.files)),
            **{s.sheet: (None, f"{s.created} neu, {s.changed} geändert") for s in fresh.sheets},
        },
    )
    session.flush()
    if progress is not None:
        progress(1.0, "Import abgeschlossen")
    return ImportResult(
        sheets=fresh.sheets, audit_rows=applier.audit_rows + 1, seconds=time.perf_counter() - started
    )


# ---------------------------------------------------------------- export


def _unit_rows(session: Session) -> tuple[list[list[Any]], dict[int, str]]:
    units = _rows(session, OrgUnit, "id", "code", "name", "kind", "parent_id", "headcount", "target_pilots")
    codes = {unit["id"]: unit["code"] for unit in units}
    children: dict[int | None, list[dict[str, Any]]] = {}
    for unit in units:
        parent = unit["parent_id"] if unit["parent_id"] in codes else None
        children.setdefault(parent, []).append(unit)
    ordered: list[dict[str, Any]] = []
    stack = sorted(children.get(None, []), key=lambda unit: unit["code"], reverse=True)
    while stack:  # depth first, siblings by Kürzel: the file reads like the organigram
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(sorted(children.get(unit["id"], []), key=lambda child: child["code"], reverse=True))
    labels = labels_of(UnitKind)
    rows = [
        [
            unit["code"],
            unit["name"],
            labels.get(unit["kind"], unit["kind"]),
            codes.get(unit["parent_id"]),
            unit["headcount"],
            unit["target_pilots"],
        ]
        for unit in ordered
    ]
    return rows, codes


def export_rows(*, session: Session) -> dict[str, list[list[Any]]]:
    """Every sheet's data rows in file order (German labels, natural references)."""
    unit_rows, codes = _unit_rows(session)
    stages, categories = labels_of(PilotStage), labels_of(Category)
    statuses, areas = labels_of(MeasureStatus), labels_of(ItTaskArea)
    donors, funding_statuses = labels_of(Donor), labels_of(FundingStatus)
    pilots = session.exec(
        select(
            Pilot.name, Pilot.email, Pilot.unit_id, Pilot.stage, Pilot.stage_since, Pilot.hours_per_week
        ).where(
            Pilot.anonymised == False  # noqa: E712 (SQL comparison)
        )
    ).all()
    pilot_rows = sorted(
        (
            [name, email, codes.get(unit_id), stages.get(stage, stage), since, hours]
            for name, email, unit_id, stage, since, hours in pilots
        ),
        key=lambda row: (str(row[2]), row[0].casefold(), row[1].casefold()),
    )
    programmes = _rows(
        session,
        FundingProgramme,
        "id",
        "name",
        "donor",
        "deadline",
        "amount_applied",
        "amount_granted",
        "status",
    )
    funding_names = {programme["id"]: programme["name"] for programme in programmes}
    measure_fields = [c.field for c in MEASURES.columns if c.field not in ("unit_code", "funding_name")]
    measures = _rows(session, Measure, "unit_id", "funding_id", *measure_fields)
    measure_rows = []
    for measure in sorted(measures, key=lambda m: (m["title"].casefold(), m["title"])):
        measure["unit_code"] = codes.get(measure["unit_id"])
        measure["funding_name"] = funding_names.get(measure["funding_id"])
        measure["category"] = categories.get(measure["category"], measure["category"])
        measure["status"] = statuses.get(measure["status"], measure["status"])
        measure_rows.append([measure[column.field] for column in MEASURES.columns])
    area_order = {code: index for index, code in enumerate(areas)}
    staff = session.exec(select(ItStaff.unit_id, ItStaff.task_area, ItStaff.fte)).all()
    staff_rows = [
        [codes.get(unit_id), areas.get(area, area), fte]
        for unit_id, area, fte in sorted(
            staff, key=lambda s: (str(codes.get(s[0])), area_order.get(s[1], 99))
        )
    ]
    funding_rows = [
        [
            p["name"],
            donors.get(p["donor"], p["donor"]),
            p["deadline"],
            p["amount_applied"],
            p["amount_granted"],
            funding_statuses.get(p["status"], p["status"]),
        ]
        for p in sorted(programmes, key=lambda p: (p["name"].casefold(), p["name"]))
    ]
    return {
        UNITS.name: unit_rows,
        PILOTS.name: pilot_rows,
        MEASURES.name: measure_rows,
        IT_STAFF.name: staff_rows,
        FUNDING.name: funding_rows,
    }


def _write_cell(sheet: Any, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet)
    set_cell(cell, value)  # strings become text cells: "=HYPERLINK(…)" stays text, never a formula
    if bold:
        cell.font = Font(bold=True)
    return cell


def _workbook(data: dict[str, list[list[Any]]]) -> bytes:
    workbook = Workbook(write_only=True)
    for spec in SHEETS:
        sheet = workbook.create_sheet(spec.name)
        sheet.freeze_panes = "A2"
        for index, header in enumerate(spec.headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(14, min(45, len(header) + 6))
        sheet.append([_write_cell(sheet, header, bold=True) for header in spec.headers])
        for row in data.get(spec.name, []):
            sheet.append([_write_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_workbook(*, session: Session) -> bytes:
    """The whole exchange data as one .xlsx workbook (the format the import reads)."""
    return _workbook(export_rows(session=session))


def template_workbook() -> bytes:
    """The export of an empty database: every sheet with its headers only."""
    return _workbook({})


def record_export(*, session: Session, actor: str, what: str) -> None:
    """Who took the data out (personal data included): an audit row, no data change."""
    record_audit(
        session=session,
        actor=actor,
        action="export",
        entity="database",
        entity_id=None,
        changes={"export": (None, what)},
    )
