"""Altair chart builders: German labels, the colour-blind-safe palette, text alternatives."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ui.locale import fmt_number, vega_number

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


def show_chart(chart: alt.TopLevelMixin, *, description: str, data: pd.DataFrame, key: str) -> None:
    """Draw a chart with a screen-reader description and its data as an accessible table."""
    st.altair_chart(chart, width="stretch", alt=description, key=key)
    with st.expander("Daten als Tabelle"):
        st.dataframe(data, hide_index=True, width="stretch")
