"""German formatting of numbers, dates and quarters, for tables, tiles and chart labels."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import streamlit as st

TIMEZONE = ZoneInfo("Europe/Berlin")
MONTHS = ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."]

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


def vega_number(decimals: int = 0) -> str:
    return VEGA_NUMBER.format(p=decimals)


def fmt_number(value: float | int | None, decimals: int = 0) -> str:
    """1234.5 → '1.234,5' (German grouping and decimal comma)."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "#").replace(".", ",").replace("#", ".")


def fmt_percent(share: float | None, decimals: int = 0) -> str:
    """0.425 → '42,5 %' (German spacing)."""
    return "–" if share is None else f"{fmt_number(share * 100, decimals)} %"


def fmt_euro(value: float | None) -> str:
    return "–" if value is None else f"{fmt_number(value, 0)} €"


def fmt_date(value: date | datetime | None) -> str:
    """date → '23.11.2026'."""
    return "–" if value is None else value.strftime("%d.%m.%Y")


def fmt_datetime(value: datetime | None) -> str:
    """UTC datetime → '23.11.2026, 14:05 Uhr' in German local time (naive values count as UTC)."""
    if value is None:
        return "–"
    local = (value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))).astimezone(TIMEZONE)
    return local.strftime("%d.%m.%Y, %H:%M Uhr")


def fmt_quarter(quarter: str | None) -> str:
    """'2026-Q3' → 'Q3 2026'."""
    if not quarter:
        return "–"
    year, q = quarter.split("-")
    return f"{q} {year}"


def fmt_signed(value: float | int, decimals: int = 0) -> str:
    """Change figure with sign: '+3', '−2', '±0'."""
    if value == 0:
        return "±0"
    sign = "+" if value > 0 else "−"
    return f"{sign}{fmt_number(abs(value), decimals)}"


def set_document_language() -> None:
    """Streamlit serves <html lang="en">; screen readers must read German (WCAG 3.1.1)."""
    st.html(
        "<script>document.documentElement.lang = 'de';</script>",
        unsafe_allow_javascript=True,
    )
