"""Altair chart builders: German labels, the colour-blind-safe palette, text alternatives."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from model import clock
from model.chart_images import chart_png, chart_svg
from model.tabular import csv_bytes
from ui.locale import fmt_number, vega_number
from ui.tables import file_stem

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT_SIZE = 13


def _configure(chart: alt.Chart | alt.LayerChart) -> alt.Chart | alt.LayerChart:
    return chart.configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE).configure_legend(
        labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE
    )


def horizontal_bars(
    frame: pd.DataFrame, *, category: str, value: str, value_title: str, colour: str | None = None
) -> alt.Chart:
    """One bar per category, value labels beside the bars (no reliance on colour alone)."""
    data = frame.assign(_label=frame[value].map(fmt_number))
    base = alt.Chart(data).encode(
        y=alt.Y(f"{category}:N", sort=None, title=None),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(labelExpr=vega_number(), tickMinStep=1)),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip("_label:N", title=value_title)],
    )
    bars = base.mark_bar(color=colour or PALETTE[0])
    labels = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE).encode(text="_label:N")
    return _configure(alt.layer(bars, labels))


def show_chart(
    chart: alt.TopLevelMixin,
    *,
    description: str,
    data: pd.DataFrame,
    key: str,
    name: str = "Diagramm",
    selection_mode: str | list[str] | None = None,
) -> Any:
    """Draw a chart with a screen-reader description, downloads and its data as a table.

    With `selection_mode` the chart reruns the page on a click or brush and the selection
    state is returned (st.altair_chart's on_select="rerun"); otherwise None.
    """
    event = st.altair_chart(
        chart,
        width="stretch",
        alt=description,
        key=key,
        on_select="rerun" if selection_mode else "ignore",
        selection_mode=selection_mode,
    )
    spec = chart.to_json()
    stem = f"{file_stem(name)}_{clock.today().isoformat()}"
    with st.expander("Daten als Tabelle und Downloads"):
        st.dataframe(data, hide_index=True, width="stretch")
        png, svg, csv = st.columns(3)
        png.download_button(
            "Bild (PNG)",
            data=lambda: chart_png(spec),
            file_name=f"{stem}.png",
            mime="image/png",
            key=f"{key}_png",
            on_click="ignore",
        )
        svg.download_button(
            "Vektorgrafik (SVG)",
            data=lambda: chart_svg(spec),
            file_name=f"{stem}.svg",
            mime="image/svg+xml",
            key=f"{key}_svg",
            on_click="ignore",
        )
        csv.download_button(
            "Daten (CSV)",
            data=lambda: csv_bytes(data),
            file_name=f"{stem}.csv",
            mime="text/csv",
            key=f"{key}_csv",
            on_click="ignore",
        )
    return event if selection_mode else None
