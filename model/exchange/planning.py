"""The dry run: every error, and per record what would be created or changed (old → new)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from model.core import clock
from model.core.errors import DomainError
from model.core.german import fmt_date, fmt_number
from model.core.tables import FundingProgramme, ItStaff, Measure, OrgUnit, Pilot
from model.exchange.cells import _CellError, _convert, is_number
from model.exchange.describe import change_frame, change_line, key_label, mixup_error
from model.exchange.findings import (
    MAX_LISTED,
    NO_COLUMN,
    Capped,
    Notice,
    RowError,
    error_position,
    more_line,
    notice_position,
)
from model.exchange.reading import ParsedSheet, ParsedWorkbook
from model.exchange.spec import (
    CODE_FIELDS,
    FUNDING,
    IT_STAFF,
    MEASURES,
    PILOTS,
    SHEETS,
    UNITS,
    Column,
    SheetSpec,
)
from model.roadmap.ozg import load_ozg_catalogue


class ImportRejected(DomainError, ValueError):
    """The import has errors; nothing was written. `errors` names the first bad cells, `error_count`
    says how many there are."""

    def __init__(
        self, errors: list[RowError], message: str | None = None, *, error_count: int | None = None
    ) -> None:
        self.errors = errors
        self.error_count = len(errors) if error_count is None else error_count
        super().__init__(
            message
            or f"Import abgelehnt: {fmt_number(self.error_count)} Fehler, es wurde nichts geschrieben."
        )

    @property
    def left_off(self) -> int:
        return self.error_count - len(self.errors)


class RenamesNotConfirmed(ImportRejected):
    """Records whose identity would change (probably a mixed-up key) and nobody confirmed that."""

    def __init__(self, mixups: list[Change]) -> None:
        errors = [mixup_error(change) for change in mixups[:MAX_LISTED]]
        keys = ", ".join(f"{change.sheet} {key_label(change)}" for change in mixups[:5])
        more = f" und {len(mixups) - 5} weitere" if len(mixups) > 5 else ""
        super().__init__(
            errors,
            f"Import abgelehnt: {len(mixups)} {'Datensatz' if len(mixups) == 1 else 'Datensätze'} mit "
            f"wahrscheinlich verwechseltem Schlüssel ({keys}{more}); es wurde nichts geschrieben. Bitte "
            "die Änderungen prüfen und die Umbenennungen ausdrücklich bestätigen.",
            error_count=len(mixups),
        )
        self.mixups = mixups


# ---------------------------------------------------------------- the plan


# One valid row: its row number and the converted values of the columns present.
@dataclass(frozen=True)
class Record:
    number: int
    values: dict[str, Any]
    valid: bool = True  # False: a cell error; still checked for references, never written


# What would happen to one record: create or change (with old → new per field). `mixup`: all its
# identity fields change at once (SheetSpec.identity), so the key probably names another record.
@dataclass(frozen=True)
class Change:
    sheet: str
    number: int
    key: tuple[Any, ...]
    values: dict[str, Any]
    existing_id: int | None  # None: create
    changes: dict[str, tuple[Any, Any]]
    mixup: bool = False

    def line(self) -> str:
        return change_line(self)


@dataclass(frozen=True)
class SheetSummary:
    sheet: str
    rows: int
    created: int
    changed: int
    unchanged: int


class _Counted:
    """The first errors and notices of an import with their totals (ImportPlan, DryRun)."""

    errors: list[Any]
    notices: list[Any]
    error_count: int
    notice_count: int

    @property
    def ok(self) -> bool:
        return not self.error_count

    def more_errors(self) -> str | None:
        """ "… und 999.500 weitere Fehler" when errors were left off, else None."""
        left_off = self.error_count - len(self.errors)
        return more_line(left_off, "Fehler") if left_off else None

    def more_notices(self) -> str | None:
        left_off = self.notice_count - len(self.notices)
        return more_line(left_off, "Hinweise") if left_off else None


# The dry run: per sheet what would be created or changed, the first errors and notices (by sheet,
# row and column; MAX_LISTED of each) with their counts.
@dataclass
class ImportPlan(_Counted):
    parsed: ParsedWorkbook
    sheets: list[SheetSummary]
    errors: list[RowError]
    changes: list[Change]
    notices: list[Notice]
    error_count: int = 0
    notice_count: int = 0

    @property
    def mixups(self) -> list[Change]:
        """Changes that are written only when confirmed (probably a mixed-up key)."""
        return [change for change in self.changes if change.mixup]

    def change_frame(self) -> pd.DataFrame:
        return change_frame(self.changes)

    def notice_frame(self) -> pd.DataFrame:
        return notice_frame(_notice_rows(self.notices))

    def summary_frame(self) -> pd.DataFrame:
        return summary_frame(self.sheets)

    def error_frame(self) -> pd.DataFrame:
        return error_frame(self.errors)

    def dry_run(self, digest: str) -> DryRun:
        """What a page keeps of this plan: the first MAX_LISTED of everything, and the counts."""
        return DryRun(
            digest=digest,
            sheets=self.sheets,
            errors=self.errors,
            error_count=self.error_count,
            notices=_notice_rows(self.notices),
            notice_count=self.notice_count,
            changes=self.changes[:MAX_LISTED],
            change_count=len(self.changes),
            mixups=self.mixups,
        )


# What the Verwaltung keeps of a dry run between runs, small whatever the file held: the first
# MAX_LISTED errors, notices and changes with their counts, and the probable key mix-ups (only
# existing records can be one). The confirmation reads the uploaded file again (same digest).
@dataclass(frozen=True)
class DryRun(_Counted):
    digest: str
    sheets: list[SheetSummary]
    errors: list[RowError]
    error_count: int
    notices: list[tuple[str, str, str, str]]  # Blatt, Zeilen, Spalte, Hinweis
    notice_count: int
    changes: list[Change]
    change_count: int
    mixups: list[Change]

    def more_changes(self) -> str | None:
        left_off = self.change_count - len(self.changes)
        return more_line(left_off, "Datensätze") if left_off else None

    def change_frame(self) -> pd.DataFrame:
        return change_frame(self.changes)

    def notice_frame(self) -> pd.DataFrame:
        return notice_frame(self.notices)

    def summary_frame(self) -> pd.DataFrame:
        return summary_frame(self.sheets)

    def error_frame(self) -> pd.DataFrame:
        return error_frame(self.errors)


def _notice_rows(notices: list[Notice]) -> list[tuple[str, str, str, str]]:
    return [(n.sheet, n.rows_text or NO_COLUMN, n.column, n.reason) for n in notices]


def notice_frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["Blatt", "Zeilen", "Spalte", "Hinweis"])


def summary_frame(sheets: list[SheetSummary]) -> pd.DataFrame:
    return pd.DataFrame(
        [(s.sheet, s.rows, s.created, s.changed, s.unchanged) for s in sheets],
        columns=["Blatt", "Zeilen", "Neu", "Geändert", "Unverändert"],
    )


def error_frame(errors: list[RowError]) -> pd.DataFrame:
    """The errors as the table the Verwaltung shows: Blatt, Zeile, Spalte, Grund ("–": whole sheet)."""
    return pd.DataFrame(
        [(e.sheet, NO_COLUMN if e.row is None else e.row, e.column, e.reason) for e in errors],
        columns=["Blatt", "Zeile", "Spalte", "Grund"],
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
    key: tuple[Any, ...] = tuple(values.get(name) for name in spec.key)  # cell values, any type
    return tuple(
        part.casefold() if name == "email" else part for name, part in zip(spec.key, key, strict=True)
    )


def _key_text(spec: SheetSpec, values: dict[str, Any]) -> str:
    return " / ".join(str(values[name]) for name in spec.key)


@dataclass
class _SheetRecords:
    records: list[Record]
    keys: set[tuple[Any, ...]]  # every parsable key of the sheet, valid row or not


def _convert_sheet(
    spec: SheetSpec, sheet: ParsedSheet, errors: Capped[RowError], notices: Capped[Notice]
) -> _SheetRecords:
    result = _SheetRecords(records=[], keys=set())
    first_row: dict[tuple[Any, ...], int] = {}
    numeric: dict[str, list[int]] = {}  # text column → rows whose cell was a number
    columns = [(name, spec.column(name)) for name in sheet.fields]  # looked up once, not per cell
    text_columns = {name for name, column in columns if column.is_text}
    for row in sheet.rows:
        values: dict[str, Any] = {}
        row_errors: list[RowError] = []
        for name, column in columns:
            raw = row.cells.get(name)
            if name in text_columns and is_number(raw):
                numeric.setdefault(name, []).append(row.number)
            try:
                values[name] = _convert(column, raw)
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
    for name, rows in numeric.items():
        notices.add(numeric_notice(spec, spec.column(name), rows))
    return result


def numeric_notice(spec: SheetSpec, column: Column, rows: list[int]) -> Notice:
    what = "Kürzel" if column.field in CODE_FIELDS else "Werte"
    return Notice(
        spec.name,
        tuple(rows),
        column.header,
        f"Zahlen statt Text: als Ziffern gelesen (z. B. 10 → „10“). Führende Nullen (aus „010“ wird 10) "
        f"können dabei schon beim Speichern der Datei verloren gegangen sein – bitte die {what} prüfen "
        "und die Spalte als Text formatieren (in der Vorlage ist sie es).",
    )


class _Planner:
    """Checks references across sheets and database, then decides create/change per record."""

    def __init__(self, session: Session, parsed: ParsedWorkbook) -> None:
        self.parsed = parsed
        self.errors: Capped[RowError] = Capped(error_position)
        self.errors.merge(parsed.errors)
        self.notices: Capped[Notice] = Capped(notice_position)
        self.notices.merge(parsed.notices)
        self.existing = _load_existing(session)
        self.sheets = {
            spec.name: _convert_sheet(spec, parsed.sheets[spec.name], self.errors, self.notices)
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
            if "code" in record.values and "parent_code" in record.values:  # an empty Kürzel has none
                parents[record.values["code"]] = record.values["parent_code"]
        return parents

    def error(self, spec: SheetSpec, record: Record, field_name: str, reason: str) -> None:
        self.errors.add(RowError(spec.name, record.number, spec.column(field_name).header, reason))

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
        return ImportPlan(
            parsed=self.parsed,
            sheets=self.summaries,
            errors=self.errors.items(),
            changes=self.changes,
            notices=self.notices.items(),
            error_count=self.errors.total,
            notice_count=self.notices.total,
        )

    def plan_sheet(self, spec: SheetSpec, check: Callable[[Record], bool]) -> None:
        created = changed = unchanged = 0
        existing_by_key = self.existing_records(spec)
        for record in self.sheets[spec.name].records:
            if not check(record) or not record.valid:
                continue
            current = existing_by_key.get(_key_of(spec, record.values))
            values = self.completed(spec, record, current)
            mixup = False
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
                mixup = bool(spec.identity) and all(name in changes for name in spec.identity)
            self.changes.append(
                Change(
                    sheet=spec.name,
                    number=record.number,
                    key=_key_of(spec, record.values),
                    values=values,
                    existing_id=None if current is None else current["id"],
                    changes=changes,
                    mixup=mixup,
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
            self.error(PILOTS, record, "stage_since", f"Das Datum {fmt_date(since)} liegt in der Zukunft.")
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
