"""The deck's charts, built here with Altair (not in ui/) because the files are written without Streamlit.

Their text is large enough to read from the back of a room.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache

import altair as alt
import pandas as pd

from model.charts.images import chart_png
from model.charts.specs import vega_lite_spec
from model.core.german import fmt_date as _date
from model.deck.content import Chart, Table
from model.programme import rollout

MAX_BARS = 12  # bars per chart: what fits at 24 px on 1080 pixels
BAR_CHART_HEIGHT = 380
FONT_SIZE = 24  # chart text in pixels
CHART_WIDTH = 1600  # pixels of the exported chart images
INK = "#1F1F1F"
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
PHASE_COLOURS = {"geplant": "#56B4E9", "läuft": PALETTE[0], "abgeschlossen": PALETTE[2]}
PHASE_COLOURS |= {"verzögert": PALETTE[1], "blockiert": PALETTE[5]}
VEGA_QUARTER = "'Q' + (floor(month(datum.value) / 3) + 1) + ' ' + year(datum.value)"
VEGA_PERCENT = "format(datum.value, 'd') + ' %'"

# One config object for every deck chart, passed to the layer's constructor: each method on a
# layered chart (.properties, .configure_*) would copy all layers again. Altair puts background and
# padding into the config, so they stay there.
CHART_CONFIG = alt.Config(
    background="#FFFFFF",
    padding=12,
    axis=alt.AxisConfig(
        labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelColor=INK, titleColor=INK, labelLimit=420
    ),
    legend=alt.LegendConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelColor=INK, titleColor=INK),
    view=alt.ViewConfig(stroke=None),
)
# Channel classes rather than shorthand strings in .encode: Altair turns each string or dict into a
# channel via from_dict, which rebuilds its table of schema classes on every call.


def timeline_chart(bars: pd.DataFrame, *, today: date) -> alt.TopLevelMixin:
    """Phases as a Gantt: dashed frame = plan, filled bar = actual (colour and row text = status)."""
    phases = bars["Phase"].drop_duplicates().tolist()
    data = bars[["Phase", "Art", "Status", "Beginn", "Ende"]].assign(
        _period=[
            f"{_date(s.date())} – {_date(e.date())}"
            for s, e in zip(bars["Beginn"], bars["Ende"], strict=True)
        ]
    )
    data["_aria"] = data["Phase"] + ", " + data["Art"] + ": " + data["_period"]
    axis = alt.Axis(
        labelExpr=VEGA_QUARTER, tickCount={"interval": "month", "step": 3}, title=None, labelAngle=0
    )
    y = alt.Y("Phase:N", sort=phases, title=None)
    base = alt.Chart(data).encode(
        y=y, x=alt.X("Beginn:T", axis=axis), x2=alt.X2("Ende:T"), description=alt.Description("_aria:N")
    )
    plan = base.transform_filter(alt.datum.Art == rollout.PLANNED).mark_bar(
        size=44, fill="#FFFFFF", stroke=INK, strokeDash=[8, 4], strokeWidth=2
    )
    statuses = list(PHASE_COLOURS)
    actual = (
        base.transform_filter(alt.datum.Art != rollout.PLANNED)
        .mark_bar(size=22, stroke=INK, strokeWidth=1)
        .encode(
            color=alt.Color(
                "Status:N",
                scale=alt.Scale(domain=statuses, range=list(PHASE_COLOURS.values())),
                legend=alt.Legend(title=None, orient="bottom", symbolSize=300),
            )
        )
    )
    marker = pd.DataFrame({"Datum": [pd.Timestamp(today)], "_label": [f"heute, {_date(today)}"]})
    rule = (
        alt.Chart(marker)
        .mark_rule(color=INK, strokeWidth=3, strokeDash=[3, 3])
        .encode(x=alt.X("Datum:T"), description=alt.Description("_label:N"))
    )
    text = (
        alt.Chart(marker)
        .mark_text(align="left", baseline="top", dx=6, dy=4, fontSize=FONT_SIZE, color=INK)
        .encode(x=alt.X("Datum:T"), y=alt.YValue(0), text=alt.Text("_label:N"))
    )
    return alt.layer(plan, actual, rule, text, height=max(70 * len(phases), 200), config=CHART_CONFIG)


def share_bars(frame: pd.DataFrame, *, category: str) -> alt.TopLevelMixin:
    """Share of units covered per Dezernat (0–100), with "60 % (3 von 5)" beside each bar."""
    # The frame once, on the layer: given to both layers, Altair would name each by a hash of its
    # JSON, the frame's text form included, before moving the data up itself.
    base = alt.Chart().encode(
        y=alt.Y(f"{category}:N", sort=None, title=None),
        x=alt.X(
            "Anteil:Q",
            title="Anteil der Einheiten mit Soll, die ihr Soll erreichen",
            scale=alt.Scale(domain=[0, 100]),
            axis=alt.Axis(labelExpr=VEGA_PERCENT, tickCount=5),
        ),
        description=alt.Description("_aria:N"),
    )
    bars = base.mark_bar(color=PALETTE[0])
    labels = base.mark_text(align="left", dx=8, fontSize=FONT_SIZE, color=INK).encode(
        text=alt.Text("_label:N")
    )
    height = min(max(48 * len(frame), 120), BAR_CHART_HEIGHT)  # a fixed budget: the slide must fit
    return alt.layer(bars, labels, data=frame, height=height, config=CHART_CONFIG)


def chart_from(chart: alt.TopLevelMixin, *, description: str, data: Table) -> Chart:
    # The same string as chart.to_json(indent=None), without the schema check (see model.charts.specs;
    # tests/model/test_deck.py validates every deck chart) and under the lock for Altair's settings.
    spec = json.dumps(vega_lite_spec(chart), indent=None, sort_keys=True, ensure_ascii=False)
    return Chart(spec=spec, description=description, data=data)


@lru_cache(maxsize=32)
def chart_image(spec: str) -> bytes:
    """PNG of a slide chart at a fixed width (German number and date formats)."""
    fixed = json.loads(spec) | {"width": CHART_WIDTH}
    return chart_png(json.dumps(fixed), scale=1.0)


# ------------------------------------------------------------------ aggregates of this deck
