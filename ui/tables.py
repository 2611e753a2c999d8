"""Tables on screen with CSV and Excel downloads (German headers, formula-safe)."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from model import clock
from model.tabular import csv_bytes, xlsx_bytes
from ui.locale import fmt_number

MAX_SHOWN_ROWS = 1_000  # rows of a table on screen; at scale L a roster has 20,000


def file_stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9ÄÖÜäöüß_-]+", "_", name).strip("_") or "Tabelle"


def download_buttons(frame: pd.DataFrame, *, name: str, key: str) -> None:
    """CSV and Excel downloads of `frame` (built only when clicked), e.g. `Abdeckung_2026-11-23.csv`."""
    stem = f"{file_stem(name)}_{clock.today().isoformat()}"
    left, right = st.columns(2)
    left.download_button(
        "CSV herunterladen",
        data=lambda: csv_bytes(frame),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )
    right.download_button(
        "Excel herunterladen",
        data=lambda: xlsx_bytes({name[:31]: frame}),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
    )


def show_table(frame: pd.DataFrame, *, name: str, key: str, **dataframe_options: object) -> None:
    """st.dataframe plus its downloads. `name` is the German title used for the files.

    A table longer than MAX_SHOWN_ROWS shows its first rows (the browser gets no more than a
    person can scroll through) and says so; the downloads always carry every row.
    """
    shown = frame.head(MAX_SHOWN_ROWS)
    st.dataframe(shown, hide_index=True, width="stretch", key=key, **dataframe_options)
    if len(frame) > len(shown):
        st.caption(
            f"Angezeigt werden die ersten {fmt_number(len(shown))} von {fmt_number(len(frame))} Zeilen; "
            "CSV und Excel enthalten alle."
        )
    download_buttons(frame, name=name, key=key)
