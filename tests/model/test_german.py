"""model.core.german: the one place numbers, dates and quarters become German text.

The expected texts are those the pages, the exchange and the deck wrote before they shared this module.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from model.core import german

DECK = Path(__file__).resolve().parents[2] / "model" / "deck"


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0, 0, "0"),
        (7, 0, "7"),
        (1234, 0, "1.234"),
        (1234.5, 1, "1.234,5"),
        (2_000_000, 0, "2.000.000"),
        (0.75, 2, "0,75"),
        (-1234.5, 2, "-1.234,50"),
        (None, 0, "–"),
    ],
)
def test_numbers_have_a_decimal_comma_and_a_thousands_point(value, decimals, text) -> None:
    assert german.fmt_number(value, decimals) == text


def test_a_number_in_a_text_field_drops_needless_decimals_and_starts_empty_when_missing() -> None:
    assert german.amount_text(1250.0) == "1.250"
    assert german.amount_text(0.75) == "0,75"
    assert german.amount_text(0.5) == "0,5"
    assert german.amount_text(100) == "100"
    assert german.amount_text(1.25, 1) == "1,2"
    assert german.amount_text(None) == ""
    assert german.amount_text(math.nan) == ""


def _exchange_number_before(value: float) -> str:
    """model.exchange.cells._de_number as it was written before it used this module."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "#").replace(".", ",").replace("#", ".").replace("-", "−")


@pytest.mark.parametrize(
    "value",
    [0, 1, 10, 100, 1250, 1250.0, 0.75, 0.5, 0.999, 0.001, -0.001, -1.5, 32.1, 1e17, 1_234_567.891, 10**20],
)
def test_the_trimmed_number_writes_what_the_exchange_wrote(value) -> None:
    from model.exchange.cells import _de_number

    assert german.fmt_trimmed(value).replace("-", "−") == _exchange_number_before(value)
    assert _de_number(value) == _exchange_number_before(value)


def test_percent_euro_and_quarter() -> None:
    assert german.fmt_percent(0.43) == "43 %"
    assert german.fmt_percent(0.425, 1) == "42,5 %"
    assert german.fmt_percent(1.0) == "100 %"
    assert german.fmt_percent(None) == "–"
    assert german.fmt_euro(1234.4) == "1.234 €"
    assert german.fmt_euro(0.0) == "0 €"
    assert german.fmt_euro(None) == "–"
    assert german.fmt_quarter("2026-Q3") == "Q3 2026"
    assert german.fmt_quarter("") == "–"
    assert german.fmt_quarter(None) == "–"


def test_a_signed_change_says_plus_minus_or_nothing() -> None:
    assert german.fmt_signed(3) == "+3"
    assert german.fmt_signed(-2) == "−2"  # a real minus sign, not a hyphen
    assert german.fmt_signed(0) == "±0"
    assert german.fmt_signed(0.3) == "±0"  # rounds to no change
    assert german.fmt_signed(1234.5, 1) == "+1.234,5"
    assert german.fmt_signed(-0.04, 1) == "±0"


def test_dates_and_times_in_german_local_time() -> None:
    assert german.fmt_date(date(2026, 11, 3)) == "03.11.2026"
    assert german.fmt_date(datetime(2026, 11, 3, 23, 59)) == "03.11.2026"
    assert german.fmt_date(None) == "–"
    # Naive values are UTC (as SQLite returns them); winter is UTC+1, summer UTC+2.
    assert german.fmt_datetime(datetime(2026, 11, 23, 13, 5)) == "23.11.2026, 14:05 Uhr"
    assert german.fmt_datetime(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == "02.07.2026, 00:30 Uhr"
    assert german.fmt_datetime(datetime(2026, 7, 1, 8, 0, tzinfo=timezone(timedelta(hours=-4)))) == (
        "01.07.2026, 14:00 Uhr"
    )
    assert german.fmt_datetime(None) == "–"
    assert german.fmt_time(datetime(2026, 11, 23, 13, 5)) == "14:05 Uhr"
    assert german.fmt_date_time(datetime(2026, 11, 23, 13, 5)) == "23.11.2026 13:05"  # as the cell says


def test_megabytes_keep_one_decimal_and_no_thousands_point() -> None:
    assert german.fmt_megabytes(25 * 1024 * 1024) == "25,0 MB"
    assert german.fmt_megabytes(1536 * 1024) == "1,5 MB"
    assert german.fmt_megabytes(3000 * 1024 * 1024) == "3000,0 MB"


def test_a_column_is_formatted_once_per_value_with_a_dash_for_missing_ones() -> None:
    calls: list[float] = []

    def text(value: float) -> str:
        calls.append(value)
        return german.fmt_number(value, 1)

    shown = german.fmt_column(pd.Series([2.25, None, 2.25, 10_000.26]), text)
    assert shown.tolist() == ["2,2", "–", "2,2", "10.000,3"]
    assert sorted(calls) == [2.25, 10_000.26]


def test_chart_axes_write_numbers_like_the_tables() -> None:
    assert german.vega_number(1) == (
        "replace(replace(replace(format(datum.value, ',.1f'), regexp(',', 'g'), '#'), '.', ','),"
        " regexp('#', 'g'), '.')"
    )
    assert german.VEGA_DATE == "timeFormat(datum.value, '%d.%m.%Y')"


def test_the_deck_formats_numbers_and_dates_only_through_model_core_german() -> None:
    own = re.compile(r"strftime|:[,.]\d*f\}|format\(datum")  # Python date/number formats, Vega format()
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(DECK.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if own.search(line)
    ]
    assert found == []
