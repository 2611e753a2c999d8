"""ui.tables.show_table: the one table helper of the pages (screen, row cap, downloads)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page(german_formats: bool, rows: int) -> None:
    from datetime import date

    import pandas as pd

    from ui.tables import show_table

    frame = pd.DataFrame(
        {
            "Name": ["Bürgeramt", None] * (rows // 2),
            "Datum": [date(2026, 11, 23), None] * (rows // 2),
        }
    )
    show_table(frame, name="Beispiel Liste", german_formats=german_formats)


def test_raw_values_show_in_german_formats_with_a_dash_for_missing_text() -> None:
    at = AppTest.from_function(_page, args=(True, 4)).run()
    shown = at.dataframe[0].value
    assert shown["Name"].tolist() == ["Bürgeramt", "–", "Bürgeramt", "–"]
    assert str(shown["Datum"].dtype).startswith("datetime64")
    assert [button.label for button in at.get("download_button")] == [
        "CSV herunterladen",
        "Excel herunterladen",
    ]


def test_text_tables_show_as_given_and_long_tables_say_they_are_cut() -> None:
    at = AppTest.from_function(_page, args=(False, 1_200)).run()
    shown = at.dataframe[0].value
    assert len(shown) == 1_000
    assert shown["Name"].isna().sum() == 500  # no dash: the frame is shown as the page wrote it
    assert at.caption[0].value == (
        "Angezeigt werden die ersten 1.000 von 1.200 Zeilen; CSV und Excel enthalten alle."
    )
