"""German texts of numbers, dates and quarters: one module for the pages, the charts, the deck, the
exchange and the command line. No Streamlit, so model/ and ui/ share it.

Missing values show "–" (an en dash), except in `amount_text`, which fills a text field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from model.core import clock

GERMAN_SEPARATORS = str.maketrans({",": ".", ".": ","})
EMPTY = "–"

# Vega expressions for axis labels (Streamlit drops vega-embed's formatLocale option).
VEGA_NUMBER = (
    "replace(replace(replace(format(datum.value, ',.{p}f'), regexp(',', 'g'), '#'), '.', ','),"
    " regexp('#', 'g'), '.')"
)
VEGA_DATE = "timeFormat(datum.value, '%d.%m.%Y')"
VEGA_MONTH = (
    "['Jan.','Feb.','März','Apr.','Mai','Juni','Juli','Aug.','Sept.','Okt.','Nov.','Dez.']"
    "[month(datum.value)] + ' ' + year(datum.value)"
)
VEGA_QUARTER = "'Q' + (floor(month(datum.value) / 3) + 1) + ' ' + year(datum.value)"  # a date → 'Q3 2026'
VEGA_PERCENT = "format(datum.value, 'd') + ' %'"  # 0 to 100 → '60 %' (the deck's share axis)


def vega_number(decimals: int = 0) -> str:
    """A Vega label expression writing the axis value as fmt_number does."""
    return VEGA_NUMBER.format(p=decimals)


def fmt_number(value: float | None, decimals: int = 0) -> str:
    """1234.5 → '1.234,5' (German grouping and decimal comma); None → '–'."""
    if value is None:
        return EMPTY
    return f"{value:,.{decimals}f}".translate(GERMAN_SEPARATORS)


def fmt_trimmed(value: float, decimals: int = 2) -> str:
    """A number without needless decimals: 1250.0 → '1.250', 0.75 → '0,75', 0.125 → '0,12'."""
    text = fmt_number(value, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def amount_text(value: float | None, decimals: int = 2) -> str:
    """A number for a text field in German format, without needless decimals: 1.250 · 0,75; empty
    for a missing value (None, NaN), so the field starts empty."""
    if value is None or pd.isna(value):
        return ""
    return fmt_trimmed(value, decimals)


def fmt_column(values: pd.Series, text: Callable[[Any], str]) -> pd.Series:
    """`text` applied to a whole column, once per distinct value; missing values show "–".

    Table and tooltip columns of thousands of rows hold few distinct scores, quarters or efforts:
    formatting each distinct value once keeps a page's Python work from growing with its rows.
    """
    present = values.dropna()
    texts = {value: text(value) for value in present.unique()}
    return values.map(texts).astype(object).where(values.notna(), EMPTY)


def fmt_percent(share: float | None, decimals: int = 0) -> str:
    """0.43 → '43 %' (one decimal: 0.425 → '42,5 %'); None → '–'."""
    return EMPTY if share is None else f"{fmt_number(share * 100, decimals)} %"


def fmt_euro(value: float | None) -> str:
    """1234.5 → '1.235 €' (whole euros); None → '–'."""
    return EMPTY if value is None else f"{fmt_number(value, 0)} €"


def fmt_signed(value: float, decimals: int = 0) -> str:
    """A change with its sign: '+3', '−2', '±0' (also for what rounds to 0)."""
    if round(value, decimals) == 0:
        return "±0"
    return ("+" if value > 0 else "−") + fmt_number(abs(value), decimals)


def fmt_megabytes(size: int) -> str:
    """Bytes as '25,0 MB': one decimal, no thousands separator (as the import messages say it)."""
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " MB"


def fmt_date(value: date | datetime | None) -> str:
    """date → '23.11.2026'; None → '–'."""
    return EMPTY if value is None else value.strftime("%d.%m.%Y")


def fmt_datetime(value: datetime | None) -> str:
    """'23.11.2026, 14:05 Uhr' in German local time; naive values are UTC (as SQLite returns them)."""
    if value is None:
        return EMPTY
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(clock.LOCAL_TIMEZONE).strftime("%d.%m.%Y, %H:%M Uhr")


def fmt_date_time(value: datetime) -> str:
    """'23.11.2026 14:05' as the value says, without a change of time zone (a spreadsheet's cell)."""
    return value.strftime("%d.%m.%Y %H:%M")


def fmt_time(value: datetime) -> str:
    """'14:05 Uhr' in German local time (naive values are UTC)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(clock.LOCAL_TIMEZONE).strftime("%H:%M Uhr")


def fmt_quarter(quarter: str | None) -> str:
    """'2026-Q3' → 'Q3 2026'; empty → '–'."""
    if not quarter:
        return EMPTY
    year, q = quarter.split("-")
    return f"{q} {year}"
