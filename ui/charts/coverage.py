"""The Soll-Lotsen coverage bars: erfüllt, fehlend and über Soll, in words beside each bar."""

from __future__ import annotations

import altair as alt
import pandas as pd

from model.org import coverage
from ui.charts.style import FONT_SIZE, INK, PALETTE, layered
from ui.locale import fmt_number, vega_number

COVERAGE_PARTS = (coverage.MET, coverage.MISSING, coverage.SURPLUS)
# Filled, outlined, lighter: told apart by fill as well as colour; every part has a dark outline.
COVERAGE_FILLS = (PALETTE[0], "#FFFFFF", "#A6D1EE")
COVERAGE_BAR, COVERAGE_ROW = 20, 52  # pixels: the bar, and the row holding its words above it


def coverage_text(met: int, soll: int, missing: int, surplus: int) -> str:
    """'3 von 4 erfüllt, 1 fehlend' (+ ', 2 über Soll'): the words beside a coverage bar."""
    text = f"{fmt_number(met)} von {fmt_number(soll)} erfüllt"
    if missing:
        text += f", {fmt_number(missing)} fehlend"
    if surplus:
        text += f", {fmt_number(surplus)} {coverage.SURPLUS}"
    return text


def coverage_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    name: str,
    selection: str | None = None,
) -> alt.LayerChart:
    """One bar per category, its length the Soll: "erfüllt" filled, "fehlend" outlined, and what a
    category has beyond the Soll of its units as "über Soll" after them (frame columns Soll and the
    three parts of model.org.coverage). Soll is never compared with the raw number of Lotsen: surplus in
    one unit fills no gap in another. The words beside each bar say the same, not colour alone.
    With `selection` the bars of a category can be clicked (point selection on `category`).
    """
    data = frame[[category, name, "Soll", *COVERAGE_PARTS]].assign(
        _text=lambda f: [
            coverage_text(*values)
            for values in zip(
                f[coverage.MET], f["Soll"], f[coverage.MISSING], f[coverage.SURPLUS], strict=True
            )
        ],
        _end=lambda f: f["Soll"] + f[coverage.SURPLUS],
    )
    long = data.melt(
        id_vars=[category, name, "_text", "_end"],
        value_vars=list(COVERAGE_PARTS),
        var_name="Teil",
        value_name="Anzahl",
    )
    long["_order"] = long["Teil"].map({part: index for index, part in enumerate(COVERAGE_PARTS)})
    long["_aria"] = long[category].astype(str) + ": " + long["_text"]
    # Bars in the order of `frame` (sort=None: the order of appearance). A list of all categories
    # would cost Altair ~3 ms per 100 entries in every conversion (a protocol check per item).
    y = alt.Y(f"{category}:N", sort=None, title=None, axis=alt.Axis(labelLimit=200))
    tooltip = [
        alt.Tooltip(f"{name}:N", title="Name"),
        alt.Tooltip("_text:N", title="Soll-Lotsen"),
    ]
    legend = alt.Legend(title=None, orient="top", symbolStrokeWidth=1.5, symbolStrokeColor=INK)
    colour = alt.Color(
        "Teil:N", scale=alt.Scale(domain=list(COVERAGE_PARTS), range=list(COVERAGE_FILLS)), legend=legend
    )
    bars = (
        alt.Chart()
        .mark_bar(
            stroke=INK,
            strokeWidth=1.5,
            height=COVERAGE_BAR,
            yOffset=COVERAGE_BAR // 2 - 4,
            cursor="pointer" if selection else "default",
        )
        .encode(
            y=y,
            x=alt.X(
                "Anzahl:Q",
                stack="zero",
                title="Soll-Lotsen",
                axis=alt.Axis(labelExpr=vega_number(), tickMinStep=1),
            ),
            color=colour,
            order=alt.Order("_order:Q"),
            tooltip=tooltip,
            description=alt.Description("_aria:N"),
        )
    )
    if selection:
        chosen = alt.selection_point(name=selection, fields=[category], on="click", clear="dblclick")
        bars = bars.add_params(chosen).encode(
            opacity=alt.OpacityValue(**alt.condition(chosen, alt.value(1.0), alt.value(0.35)))
        )
    # One text per category above its bar, from the left: it never runs out of the chart, whatever
    # the bar's length (the first part's row carries it).
    labels = (
        alt.Chart()
        .transform_filter(alt.datum.Teil == coverage.MET)
        .mark_text(align="left", baseline="bottom", dy=-6, fontSize=FONT_SIZE, color=INK)
        .encode(y=y, x=alt.XValue(0), text=alt.Text("_text:N"), tooltip=tooltip)
    )
    return layered(bars, labels, data=long, height=COVERAGE_ROW * max(len(frame), 1))
