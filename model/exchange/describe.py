"""The dry run in words: each change record by record, field by field, old → new, in German."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from model.core.enums import labels_of
from model.core.german import fmt_date
from model.exchange.cells import _de_number
from model.exchange.findings import RowError
from model.exchange.spec import CODE_FIELDS, SHEETS, Column, Kind, SheetSpec

if TYPE_CHECKING:
    from model.exchange.planning import Change

EMPTY = "–"
CREATED = "neu"
CHANGED = "geändert"
MIXUP = "wahrscheinlich verwechselter Schlüssel"
CHECK_KEY = "Schlüssel prüfen"  # the action of a probable mix-up in the change table
LINE_TEXT_LIMIT = 60
_SPECS = {spec.name: spec for spec in SHEETS}


def shown(column: Column, value: Any, *, quoted: bool = True, limit: int | None = LINE_TEXT_LIMIT) -> str:
    """A stored value as the sheet shows it: German labels, numbers and dates; „free text“ quoted."""
    if value is None or value == "":
        return EMPTY
    if column.kind is Kind.CHOICE and column.choices is not None:
        return labels_of(column.choices).get(value, str(value))
    if isinstance(value, date):
        return fmt_date(value)
    if column.kind in (Kind.WHOLE, Kind.NUMBER) and isinstance(value, int | float):
        return _de_number(value)
    text = str(value).replace("\n", " ")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    if quoted and column.is_text and column.field not in CODE_FIELDS:
        return f"„{text}“"
    return text


def key_label(change: Change) -> str:
    """ "Kürzel 10", "E-Mail jw@example.org", "Titel „E-Akte“" …"""
    spec = _SPECS[change.sheet]
    return ", ".join(
        f"{spec.column(name).label} {shown(spec.column(name), change.values.get(name))}" for name in spec.key
    )


def _fields(spec: SheetSpec, change: Change) -> list[Column]:
    return [
        column for column in spec.columns if column.field in change.changes and column.field not in spec.key
    ]


def change_line(change: Change) -> str:
    """One line per record, e.g. `Organisationseinheiten, Zeile 5, Kürzel 10: Name „Hauptamt“ →
    „Bürgerbüro Nord“; Art Amt → Abteilung; Übergeordnet – → 33 – wahrscheinlich verwechselter Schlüssel`."""
    spec = _SPECS[change.sheet]
    where = f"{change.sheet}, Zeile {change.number}, {key_label(change)}: "
    if change.existing_id is None:
        return where + "neu – " + _new_values(spec, change)
    parts = [
        f"{column.label} {shown(column, change.changes[column.field][0])} → "
        f"{shown(column, change.changes[column.field][1])}"
        for column in _fields(spec, change)
    ]
    return where + "; ".join(parts) + (f" – {MIXUP}" if change.mixup else "")


def _new_values(spec: SheetSpec, change: Change) -> str:
    parts = [
        f"{column.label} {shown(column, change.changes[column.field][1])}"
        for column in _fields(spec, change)
        if change.changes[column.field][1] not in (None, "")
    ]
    return "; ".join(parts) or "(nur der Schlüssel)"


def change_frame(changes: list[Change]) -> pd.DataFrame:
    """Record by record, field by field: a changed record has a row per changed field (Bisher → Neu);
    a new record one row with its values."""
    rows: list[tuple[str, int, str, str, str, str, str]] = []
    for change in changes:
        spec = _SPECS[change.sheet]
        key = key_label(change)
        if change.existing_id is None:
            rows.append((change.sheet, change.number, key, CREATED, "alle", EMPTY, _new_values(spec, change)))
            continue
        action = CHECK_KEY if change.mixup else CHANGED
        for column in _fields(spec, change):
            old, new = change.changes[column.field]
            rows.append(
                (
                    change.sheet,
                    change.number,
                    key,
                    action,
                    column.label,
                    shown(column, old, quoted=False, limit=None),
                    shown(column, new, quoted=False, limit=None),
                )
            )
    return pd.DataFrame(rows, columns=["Blatt", "Zeile", "Schlüssel", "Vorgang", "Feld", "Bisher", "Neu"])


def mixup_error(change: Change) -> RowError:
    """Why a change is refused without confirmation, located at its key cell."""
    spec = _SPECS[change.sheet]
    identity = " und ".join(
        f"{spec.column(name).label} ({shown(spec.column(name), change.changes[name][0])} → "
        f"{shown(spec.column(name), change.changes[name][1])})"
        for name in spec.identity
    )
    return RowError(
        change.sheet,
        change.number,
        spec.column(spec.key[0]).header,
        f"Wahrscheinlich verwechselter Schlüssel: {identity} ändern sich zugleich – vermutlich ist ein "
        "anderer Datensatz gemeint (etwa „010“, als Zahl 10 gespeichert). Geschrieben wird das nur nach "
        "ausdrücklicher Bestätigung (Verwaltung: „Umbenennungen bestätigen“; Kommandozeile: "
        "--accept-renames).",
    )
