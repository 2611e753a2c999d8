"""German number and date texts for what the model writes itself (deck, command line): no Streamlit."""

from __future__ import annotations

from datetime import UTC, date, datetime

from model.core import clock

# Vega expressions for the labels of charts drawn from the model (the deck's images): the same texts
# as the functions below, computed by Vega for each axis tick.
VEGA_QUARTER = "'Q' + (floor(month(datum.value) / 3) + 1) + ' ' + year(datum.value)"  # a date → 'Q3 2026'
VEGA_PERCENT = "format(datum.value, 'd') + ' %'"  # 0 to 100 → '60 %'


def fmt_number(value: float | None, decimals: int = 0) -> str:
    """1234.5 → '1.234,5'; None → '–'."""
    if value is None:
        return "–"
    return f"{value:,.{decimals}f}".replace(",", "#").replace(".", ",").replace("#", ".")


def fmt_percent(share: float | None, decimals: int = 0) -> str:
    """0.425 → '43 %' (one decimal: '42,5 %'); None → '–'."""
    return "–" if share is None else f"{fmt_number(share * 100, decimals)} %"


def fmt_signed(value: float, decimals: int = 0) -> str:
    """A change with its sign: '+3', '−2', '±0'."""
    if round(value, decimals) == 0:
        return "±0"
    return ("+" if value > 0 else "−") + fmt_number(abs(value), decimals)


def fmt_quarter(value: str | None) -> str:
    """'2026-Q3' → 'Q3 2026'; empty → '–'."""
    if not value:
        return "–"
    year, quarter = value.split("-")
    return f"{quarter} {year}"


def fmt_date(value: date | None) -> str:
    return "–" if value is None else value.strftime("%d.%m.%Y")


def fmt_datetime(value: datetime) -> str:
    """'23.11.2026, 14:05 Uhr' in German local time; naive values are UTC (as SQLite returns them)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(clock.LOCAL_TIMEZONE).strftime("%d.%m.%Y, %H:%M Uhr")


def fmt_time(value: datetime) -> str:
    """'14:05 Uhr' in German local time (naive values are UTC)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(clock.LOCAL_TIMEZONE).strftime("%H:%M Uhr")
