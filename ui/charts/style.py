"""The house style of every chart: the colour-blind-safe palette, font size, one constructor for layers."""

from __future__ import annotations

from typing import Any

import altair as alt

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT_SIZE = 13
INK = "#1F1F1F"  # text and outlines: contrast over 15:1 on white
MONTH_TICKS = {"interval": "month", "step": 3}
BAR_STEP = 28  # pixels per bar: room for a label of FONT_SIZE


# Top-level settings of every chart. Altair copies a layered chart and all its layers on every
# method call (.properties, .configure_*): charts are built with these in one constructor call.
TOP_LEVEL: dict[str, Any] = {
    # fit-x: the chart takes the container's width; its height is the plot's, axes and legend come on top.
    "autosize": alt.AutoSizeParams(type="fit-x", contains="padding"),
    "config": alt.Config(
        axis=alt.AxisConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelColor=INK, titleColor=INK),
        legend=alt.LegendConfig(
            labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelColor=INK, titleColor=INK
        ),
    ),
}


def layered(*layers: alt.Chart, height: int, data: Any = alt.Undefined) -> alt.LayerChart:
    """The layers as one chart of the page's width and `height` pixels, with the house settings.

    Encodings in the builders use channel classes (alt.Text, alt.X2, alt.Description …), not
    shorthand strings or dicts: Altair turns each of those through `from_dict`, which rebuilds
    its table of all schema classes every time (about 6 ms per channel).

    Layers that draw the same frame are built without data (`alt.Chart()`) and get it here, once.
    Given to each layer, Altair would move it up itself, but first name every layer by a hash of
    its JSON, the frame's text form included (about 8 ms per layer for 120 rows).
    """
    return alt.layer(*layers, height=height, data=data, **TOP_LEVEL)
