"""Tables on screen: German date and number formats chosen per column, missing values shown as "–"."""

from __future__ import annotations

from datetime import date

import pandas as pd

from ui.charts.roadmap import quarter_or_dash
from ui.locale import fmt_column, fmt_euro, fmt_number
from ui.tables import display_frame, german_columns


def formats(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Column → (kind, format) of the column settings german_columns gives st.dataframe."""
    return {
        name: (config["type_config"]["type"], config["type_config"]["format"])
        for name, config in german_columns(frame).items()
    }


def test_each_column_gets_the_german_format_of_its_kind() -> None:
    frame = pd.DataFrame(
        {
            "Gemeldet am": [date(2026, 11, 2), None, date(2026, 12, 1)],
            "Zeitpunkt": pd.to_datetime(["2026-11-02 09:30", "2026-11-03 10:00", None]),
            "Anzahl": [1, 2, 3],
            "Anteil": [0.5, None, 1.0],
            "Erledigt": [True, False, True],
            "Name": ["Amt für Digitales", "Bürgeramt", None],
            "Gemischt": ["offen", 3, None],
            "Leer": pd.Series([None, None, None], dtype=object),
            "Datum oder Text": ["offen", date(2026, 12, 1), None],
        }
    )
    assert formats(frame) == {
        "Gemeldet am": ("date", "DD.MM.YYYY"),
        "Zeitpunkt": ("datetime", "DD.MM.YYYY"),
        "Anzahl": ("number", "localized"),
        "Anteil": ("number", "localized"),
    }


def test_a_column_of_dates_shows_as_dates_and_missing_text_as_a_dash() -> None:
    frame = pd.DataFrame({"Datum": [date(2026, 12, 1), None], "Hinweis": ["Frist", None]})
    shown = display_frame(frame)
    assert pd.api.types.is_datetime64_any_dtype(shown["Datum"])
    assert shown["Hinweis"].tolist() == ["Frist", "–"]
    assert formats(shown) == {"Datum": ("datetime", "DD.MM.YYYY")}


def test_a_formatted_column_reads_like_each_value_formatted_alone() -> None:
    costs = pd.Series([1234.5, None, 1234.5, 0.0, 2_000_000.0])
    quarters = pd.Series(["2026-Q3", "", None, "2026-Q3"], dtype="str")

    assert fmt_column(costs, fmt_euro).tolist() == ["1.234 €", "–", "1.234 €", "0 €", "2.000.000 €"]
    assert fmt_column(quarters, quarter_or_dash).tolist() == ["Q3 2026", "–", "–", "Q3 2026"]
    assert fmt_column(pd.Series([2.25, 10_000.26]), lambda v: fmt_number(v, 1)).tolist() == [
        "2,2",
        "10.000,3",
    ]
