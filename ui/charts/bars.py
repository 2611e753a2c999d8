"""Bar charts with their value written beside each bar (never colour alone)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts.style import BAR_STEP, FONT_SIZE, INK, PALETTE, layered
from ui.locale import fmt_number, vega_number


def horizontal_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    value_title: str,
    colour: str | None = None,
    decimals: int = 0,
) -> alt.Chart:
    """One bar per category, value labels beside the bars (no reliance on colour alone)."""
    data = frame.assign(_label=frame[value].map(lambda v: fmt_number(v, decimals)))
    data["_aria"] = data[category].astype(str) + f", {value_title}: " + data["_label"]
    base = alt.Chart().encode(
        y=alt.Y(f"{category}:N", sort=None, title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(labelExpr=vega_number(), tickMinStep=1)),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip("_label:N", title=value_title)],
        description=alt.Description("_aria:N"),  # what a screen reader says for each bar, in German formats
    )
    bars = base.mark_bar(color=colour or PALETTE[0])
    labels = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE, color=INK).encode(
        text=alt.Text("_label:N")
    )
    return layered(bars, labels, data=data, height=BAR_STEP * max(len(frame), 1))


def labelled_bars(frame: pd.DataFrame, *, category: str, value: str, text: str, title: str) -> alt.LayerChart:
    """Bars in the given order with a precomputed German label beside each bar."""
    base = alt.Chart().encode(  # the frame once, on the layer (see ui.charts.style.layered)
        y=alt.Y(f"{category}:N", sort=None, title=None),
        x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(labelExpr=vega_number(), tickMinStep=1)),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{text}:N", title=title)],
    )
    bars = base.mark_bar(color=PALETTE[0])
    labels = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE, color="#1A1A1A").encode(
        text=alt.Text(f"{text}:N")
    )
    return alt.layer(
        bars,
        labels,
        data=frame,
        config=alt.Config(
            axis=alt.AxisConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=320),
            view=alt.ViewConfig(stroke=None),
        ),
    )
