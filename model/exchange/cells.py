"""One cell's stored value, or the German reason why it cannot be imported."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from model.core.enums import from_label, labels_of
from model.core.german import fmt_date, fmt_date_time, fmt_trimmed
from model.exchange.reading import FormulaCell, _blank, _shown
from model.exchange.spec import Column, Kind

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
    return fmt_trimmed(value).replace("-", "−")


def digits(number: int | float) -> str:
    """A numeric cell in a text column as the text it shows: 10 → "10", 10.0 → "10", 32.1 → "32.1"."""
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    if isinstance(number, float):
        return format(Decimal(repr(number)), "f")
    return str(number)


def is_number(raw: Any) -> bool:
    return isinstance(raw, int | float) and not isinstance(raw, bool)


def _not_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return f"Die Zelle enthält den Wahrheitswert {'WAHR' if raw else 'FALSCH'}, erwartet wird Text."
    if isinstance(raw, datetime | date):
        shown = fmt_date(raw) if not isinstance(raw, datetime) or raw.time() == time() else fmt_date_time(raw)
        return (
            f"Die Zelle enthält ein Datum ({shown}), erwartet wird Text. Vermutlich hat die "
            "Tabellenkalkulation die Eingabe als Datum gedeutet (aus „10.4“ wird der 10. April): bitte die "
            "Spalte als Text formatieren und den Wert neu eingeben."
        )
    return f"Die Zelle enthält eine Uhrzeit oder Dauer ({_shown(raw)}), erwartet wird Text."


def _text(column: Column, raw: Any) -> str:
    if isinstance(raw, bool | datetime | date | time | timedelta):
        raise _CellError(_not_text(raw))
    if is_number(raw):
        if not math.isfinite(raw):
            raise _CellError(f"„{_shown(raw)}“ ist kein Text.")
        raw = digits(raw)
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
    if isinstance(raw, bool | datetime | date | time | timedelta):
        raise _CellError(f"„{_shown(raw)}“ ist keine Zahl.")
    # "12", the common case, needs no German number parsing
    if isinstance(raw, int | float) or (isinstance(raw, str) and raw.isascii() and raw.isdigit()):
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
        raise _CellError(f"Das Datum {fmt_date(value)} liegt außerhalb von 1990 bis 2100.")
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


@cache
def _choice_codes(choices: type[StrEnum]) -> dict[str, str]:
    """Case-folded label or code → code, as from_label reads them (the first match wins)."""
    codes: dict[str, str] = {}
    for member in choices:
        for text in (labels_of(choices)[member.value], member.value):
            codes.setdefault(text.casefold(), from_label(choices, text).value)
    return codes


@cache
def _allowed(choices: type[StrEnum]) -> str:
    return ", ".join(labels_of(choices).values())


def _choice(column: Column, raw: Any) -> str:
    assert column.choices is not None
    code = _choice_codes(column.choices).get(str(raw).strip().casefold())
    if code is None:
        raise _CellError(f"„{_shown(raw)}“ ist kein gültiger Wert. Erlaubt: {_allowed(column.choices)}.")
    return code


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
