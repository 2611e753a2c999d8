"""The VZÄ heatmap of IT-Strukturen: units × task areas, every cell labelled."""

from __future__ import annotations

import altair as alt
import pandas as pd

from model.core.enums import ItTaskArea, labels_of
from ui.charts.style import FONT_SIZE
from ui.locale import vega_number

TASK_LABELS = labels_of(ItTaskArea)
HEATMAP_LIGHT, HEATMAP_DARK = "#EAF2FA", "#0B4F80"  # one hue; dark cells get white labels (contrast)


def fte_heatmap(frame: pd.DataFrame) -> alt.LayerChart:
    """Units × task areas; every cell carries its VZÄ as text, so colour is never the only cue.

    `frame`: long format with columns Einheit, Aufgabenbereich, VZÄ, VZÄ_text, order (row order).
    """
    top = float(frame["VZÄ"].max() or 1.0)
    base = alt.Chart().encode(  # the frame once, on the layer (see ui.charts.style.layered)
        y=alt.Y("Einheit:N", sort=alt.EncodingSortField("order", order="ascending"), title=None),
        x=alt.X(
            "Aufgabenbereich:N", sort=list(TASK_LABELS.values()), title=None, axis=alt.Axis(labelAngle=-30)
        ),
        tooltip=[
            alt.Tooltip("Einheit:N"),
            alt.Tooltip("Aufgabenbereich:N"),
            alt.Tooltip("VZÄ_text:N", title="VZÄ"),
        ],
    )
    cells = base.mark_rect(stroke="#FFFFFF").encode(
        color=alt.Color(
            "VZÄ:Q",
            scale=alt.Scale(range=[HEATMAP_LIGHT, HEATMAP_DARK], domain=[0, top]),
            legend=alt.Legend(title="VZÄ", labelExpr=vega_number(1)),
        )
    )
    labels = base.mark_text(fontSize=FONT_SIZE).encode(
        text=alt.Text("VZÄ_text:N"),
        color=alt.ColorValue(
            **alt.condition(alt.datum["VZÄ"] > top * 0.45, alt.value("#FFFFFF"), alt.value("#1A1A1A"))
        ),
    )
    # Channel classes and settings in the constructor: see ui.charts.style.layered.
    return alt.layer(
        cells,
        labels,
        data=frame,
        height=max(120, 28 * frame["Einheit"].nunique()),
        config=alt.Config(
            axis=alt.AxisConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=320),
            legend=alt.LegendConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE),
        ),
    )
