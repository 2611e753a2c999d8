"""A chart on the page: the spec sent to st.vega_lite_chart, its description, downloads and data table."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from model.charts.images import chart_png, chart_svg
from model.charts.specs import vega_lite_spec
from model.core import clock
from ui.tables import display_frame, download_buttons, file_stem, german_columns

EXPORT_WIDTH = 900  # pixels of a downloaded chart image (the page has no container width to offer)
ARROW_TRANSFORMER = "lotsen_arrow"


def show_chart(
    chart: alt.TopLevelMixin,
    *,
    description: str,
    data: pd.DataFrame,
    key: str,
    name: str = "Diagramm",
    selection_mode: str | list[str] | None = None,
    table: pd.DataFrame | None = None,
) -> Any:
    """Draw a chart with a screen-reader description, downloads and its data as a table.

    With `selection_mode` the chart reruns the page on a click or brush and the selection
    state is returned (on_select="rerun"); otherwise None.
    `table` is the on-screen table (e.g. German-formatted); the CSV download gets `data`.
    The chart sits in a container with the CSS class `st-key-<key>_box` (a stable selector).
    """
    with st.container(key=f"{key}_box"):
        event = st.vega_lite_chart(
            spec=page_spec(chart),
            width="stretch",
            alt=description,
            key=key,
            on_select="rerun" if selection_mode else "ignore",
            selection_mode=selection_mode,
        )
    stem = f"{file_stem(name)}_{clock.today().isoformat()}"
    with st.expander("Daten als Tabelle und Downloads"):
        shown = display_frame(data if table is None else table)
        st.dataframe(shown, hide_index=True, width="stretch", column_config=german_columns(shown))
        png, svg = st.columns(2)
        png.download_button(
            "Bild (PNG)",
            data=lambda: chart_png(_export_spec(chart)),  # built on click, with the schema check
            file_name=f"{stem}.png",
            mime="image/png",
            key=f"{key}_png",
            on_click="ignore",
        )
        svg.download_button(
            "Vektorgrafik (SVG)",
            data=lambda: chart_svg(_export_spec(chart)),
            file_name=f"{stem}.svg",
            mime="image/svg+xml",
            key=f"{key}_svg",
            on_click="ignore",
        )
        download_buttons(data, name=name, key=key)
    return event if selection_mode else None


def _arrow_dataset(data: Any, datasets: dict[str, bytes]) -> dict[str, str]:
    """Altair data transformer: the chart's frame as Arrow bytes under a name that hashes them."""
    payload = dataframe_util.convert_anything_to_arrow_bytes(data)
    name = hashlib.blake2b(payload, digest_size=16, usedforsecurity=False).hexdigest()
    datasets[name] = payload
    return {"name": name}


alt.data_transformers.register(ARROW_TRANSFORMER, _arrow_dataset)


def page_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The spec st.vega_lite_chart draws: what st.altair_chart would send, without its schema check.

    As in st.altair_chart, the data travel as Arrow datasets named by their content's hash, and
    Altair's own theme is off (the page's theme applies). st.altair_chart validates every chart
    against the Vega-Lite schema on every run (40 ms for the priority matrix at scale L); the
    builders are checked once, by tests/pages/test_chart_specs.py.
    """
    datasets: dict[str, bytes] = {}
    spec = vega_lite_spec(chart, theme="none", transformer=ARROW_TRANSFORMER, datasets=datasets)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def _export_spec(chart: alt.TopLevelMixin) -> str:
    """The chart for the image downloads: a chart that fits the page width gets a fixed width."""
    spec = vega_lite_spec(chart, validate=True)
    if spec.get("autosize", {}).get("type") == "fit-x" and "width" not in spec:
        spec["width"] = EXPORT_WIDTH
    return json.dumps(spec)


def selected_values(event: Any, selection: str, field: str) -> list[Any]:
    """Values of `field` in the points chosen in a chart with a point selection named `selection`."""
    if not event:
        return []
    points = event.get("selection", {}).get(selection) or []
    return [point[field] for point in points if field in point]
