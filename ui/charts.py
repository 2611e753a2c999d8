"""Altair chart builders: German labels, the colour-blind-safe palette, text alternatives."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from model.charts.images import chart_png, chart_svg
from model.charts.palette import INK, PALETTE
from model.charts.palette import PHASE_COLOURS as STATUS_COLOURS
from model.charts.specs import vega_lite_spec
from model.core import clock
from model.org import coverage
from ui.locale import VEGA_MONTH, fmt_date, fmt_number, fmt_percent, vega_number
from ui.tables import download_buttons, file_stem

FONT_SIZE = 13
MONTH_TICKS = {"interval": "month", "step": 3}
EXPORT_WIDTH = 900  # pixels of a downloaded chart image (the page has no container width to offer)
BAR_STEP = 28  # pixels per bar: room for a label of FONT_SIZE
ARROW_TRANSFORMER = "lotsen_arrow"
DATE_KINDS = {"date", "datetime", "datetime64"}  # pandas' names for columns of date and time objects


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


def german_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """st.dataframe column settings: dates as 23.11.2026, numbers with German separators.

    Numbers use the browser's locale ("localized"): the grid is drawn on a canvas and takes no
    fixed locale; German browsers show 1.234,5.
    """
    config: dict[str, Any] = {}
    for name, column in frame.items():
        if pd.api.types.is_datetime64_any_dtype(column):
            config[str(name)] = st.column_config.DatetimeColumn(format="DD.MM.YYYY")
        elif pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            config[str(name)] = st.column_config.NumberColumn(format="localized")
        elif column.dtype == object and _holds_dates(column):
            config[str(name)] = st.column_config.DateColumn(format="DD.MM.YYYY")
    return config


def _holds_dates(column: pd.Series) -> bool:
    """A column of Python objects whose values, apart from missing ones, are all dates (or times).

    pandas' own type inference runs in compiled code, unlike a Python check per row (both table
    helpers on 2,000 rows: 3.5 -> 1.4 ms).
    """
    return pd.api.types.infer_dtype(column, skipna=True) in DATE_KINDS


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame ready for st.dataframe: dates as dates (empty where missing), "–" for missing text."""
    shown = frame.copy()
    for name, column in frame.items():
        if column.dtype == object and _holds_dates(column):
            shown[name] = pd.to_datetime(column)
        elif column.dtype == object or pd.api.types.is_string_dtype(column):
            shown[name] = column.astype(object).where(column.notna(), "–")
    return shown


def data_table(
    frame: pd.DataFrame,
    *,
    name: str,
    total: int | None = None,
    whole: Callable[[], pd.DataFrame] | None = None,
) -> None:
    """A small read-only table in German formats, with CSV/Excel downloads named after `name`.

    Where `frame` holds only the first rows, `total` counts them all and `whole()` reads them all
    for the downloads (called on click).
    """
    shown = display_frame(frame)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=german_columns(shown))
    if total is not None and total > len(frame):
        st.caption(
            f"Angezeigt werden die ersten {fmt_number(len(frame))} von {fmt_number(total)} Zeilen; "
            "CSV und Excel enthalten alle."
        )
    download_buttons(frame if whole is None else whole, name=name, key=f"table_{file_stem(name)}")


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


def _month_axis() -> alt.Axis:
    return alt.Axis(labelExpr=VEGA_MONTH, tickCount=MONTH_TICKS, title=None, grid=True, labelAngle=0)


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


def line_over_time(
    frame: pd.DataFrame, *, date_field: str, value: str, value_title: str, share: bool = False
) -> alt.Chart:
    """A monthly line with a point per month; `share` values (0…1) are shown in per cent."""
    shown = frame[value] * 100 if share else frame[value]
    data = pd.DataFrame(
        {
            date_field: frame[date_field],
            "_value": shown,
            "_date": frame[date_field].map(fmt_date),
            "_label": frame[value].map(
                lambda v: "–" if pd.isna(v) else fmt_percent(v) if share else fmt_number(v)
            ),
        }
    )
    data["_aria"] = "Stand " + data["_date"] + f", {value_title}: " + data["_label"]
    axis_labels = f"{vega_number()} + ' %'" if share else vega_number()
    return (
        alt.Chart(data, height=280, **TOP_LEVEL)
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True), color=PALETTE[0], strokeWidth=3)
        .encode(
            x=alt.X(f"{date_field}:T", axis=_month_axis()),
            y=alt.Y(
                "_value:Q",
                title=value_title,
                scale=alt.Scale(domain=[0, 100]) if share else alt.Undefined,
                axis=alt.Axis(labelExpr=axis_labels),
            ),
            tooltip=[alt.Tooltip("_date:N", title="Stand"), alt.Tooltip("_label:N", title=value_title)],
            description=alt.Description("_aria:N"),
        )
    )


def stacked_area(
    frame: pd.DataFrame,
    *,
    date_field: str,
    series: str,
    value: str,
    order: tuple[str, ...],
    colours: tuple[str, ...],
    value_title: str,
) -> alt.Chart:
    """Shares of a whole over time (one row per date and series), in the given series order."""
    data = frame[[date_field, series, value]].assign(
        _order=frame[series].map({name: i for i, name in enumerate(order)}),
        _date=frame[date_field].map(fmt_date),
        _label=frame[value].map(fmt_number),
    )
    return (
        alt.Chart(data, height=300, **TOP_LEVEL)
        .mark_area(opacity=1, line={"color": INK, "strokeWidth": 0.5})
        .encode(
            x=alt.X(f"{date_field}:T", axis=_month_axis()),
            y=alt.Y(f"{value}:Q", stack="zero", title=value_title, axis=alt.Axis(labelExpr=vega_number())),
            color=alt.Color(
                f"{series}:N",
                scale=alt.Scale(domain=list(order), range=list(colours)),
                legend=alt.Legend(title=None, orient="top"),
                sort=list(order),
            ),
            order=alt.Order("_order:Q"),
            tooltip=[
                alt.Tooltip("_date:N", title="Stand"),
                alt.Tooltip(f"{series}:N"),
                alt.Tooltip("_label:N", title=value_title),
            ],
            description=alt.Description(f"{series}:N"),
        )
    )


# Timeline events: each has its own shape as well as its own colour.
EVENT_STYLES = {
    "Meilenstein erreicht": ("circle", PALETTE[2]),
    "Meilenstein offen": ("diamond", "#FFFFFF"),
    "Meilenstein überfällig": ("triangle-down", PALETTE[5]),
    "Gremienbeschluss": ("square", INK),
}


def gantt(bars: pd.DataFrame, events: pd.DataFrame, *, today: Any) -> alt.LayerChart:
    """Programme timeline: dashed plan bars, solid actual bars, event points and a "heute" rule."""
    phases = bars["Phase"].drop_duplicates().tolist()
    y = alt.Y("Phase:N", sort=phases, title=None, axis=alt.Axis(labelLimit=320))
    x_axis = _month_axis()
    bar_data = bars[["Phase", "Art", "Status", "Beginn", "Ende", "offen"]].assign(
        _period=[
            f"{fmt_date(start)} – {'heute (läuft)' if still else fmt_date(end)}"
            for start, end, still in zip(bars["Beginn"], bars["Ende"], bars["offen"], strict=True)
        ]
    )
    bar_data["_aria"] = bar_data["Phase"] + ", " + bar_data["Art"] + ": " + bar_data["_period"]
    tooltip = [
        alt.Tooltip("Phase:N"),
        alt.Tooltip("Art:N", title="Balken"),
        alt.Tooltip("_period:N", title="Zeitraum"),
    ]
    base = alt.Chart(bar_data).encode(
        y=y,
        x=alt.X("Beginn:T", axis=x_axis),
        x2=alt.X2("Ende:T"),
        tooltip=tooltip,
        description=alt.Description("_aria:N"),
    )
    plan = base.transform_filter(alt.datum.Art == "Plan").mark_bar(
        size=30, fill="#FFFFFF", fillOpacity=0.6, stroke=INK, strokeDash=[6, 3], strokeWidth=1.5
    )
    actual = (
        base.transform_filter(alt.datum.Art != "Plan")
        .mark_bar(size=14, stroke=INK, strokeWidth=1)
        .encode(
            color=alt.Color(
                "Status:N",
                scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
                legend=alt.Legend(title="Status (tatsächlich)", orient="right"),
            )
        )
    )
    layers: list[alt.Chart] = [plan, actual]
    if not events.empty:
        layers.append(_events_layer(events, y=y, x_axis=x_axis))
    layers.extend(_today_layers(today, x_axis=x_axis))
    height = max(56 * len(phases), 330)  # the legends on the right need about 330 pixels
    return layered(*layers, height=height)


def _events_layer(events: pd.DataFrame, *, y: alt.Y, x_axis: alt.Axis) -> alt.Chart:
    data = pd.DataFrame(
        {
            "Phase": events["Phase"],
            "Art": events["Art"],
            "Titel": events["Titel"],
            "Datum": events["Datum"],
            "_date": events["Datum"].map(fmt_date),
            "_body": events.get("Gremium", pd.Series(index=events.index)).fillna("–"),
            "_paper": events.get("Vorlage-Nr.", pd.Series(index=events.index)).fillna("–"),
        }
    )
    data["_aria"] = (
        data["Art"]
        + ": "
        + data["Titel"]
        + ", "
        + data["_date"]
        + ", Gremium "
        + data["_body"]
        + ", Vorlage-Nr. "
        + data["_paper"]
    ).where(data["Art"] == "Gremienbeschluss", data["Art"] + ": " + data["Titel"] + ", " + data["_date"])
    kinds = list(EVENT_STYLES)
    return (
        alt.Chart(data)
        .mark_point(size=170, filled=True, stroke=INK, strokeWidth=1.2, opacity=1)
        .encode(
            y=y,
            x=alt.X("Datum:T", axis=x_axis),
            shape=alt.Shape(
                "Art:N",
                scale=alt.Scale(domain=kinds, range=[style[0] for style in EVENT_STYLES.values()]),
                legend=alt.Legend(title="Ereignis", orient="right"),
            ),
            fill=alt.Fill(
                "Art:N",
                scale=alt.Scale(domain=kinds, range=[style[1] for style in EVENT_STYLES.values()]),
                legend=alt.Legend(title="Ereignis", orient="right"),
            ),
            tooltip=[
                alt.Tooltip("Art:N"),
                alt.Tooltip("Titel:N"),
                alt.Tooltip("_date:N", title="Datum"),
                alt.Tooltip("_body:N", title="Gremium"),
                alt.Tooltip("_paper:N", title="Vorlage-Nr."),
            ],
            description=alt.Description("_aria:N"),
        )
    )


def _today_layers(today: Any, *, x_axis: alt.Axis) -> list[alt.Chart]:
    data = pd.DataFrame({"Datum": [pd.Timestamp(today)], "_label": [f"heute, {fmt_date(today)}"]})
    rule = (
        alt.Chart(data)
        .mark_rule(color=INK, strokeWidth=2, strokeDash=[2, 2])
        .encode(
            x=alt.X("Datum:T", axis=x_axis),
            tooltip=[alt.Tooltip("_label:N", title="Datum")],
            description=alt.Description("_label:N"),
        )
    )
    text = (
        alt.Chart(data)
        .mark_text(align="left", baseline="top", dx=4, dy=2, fontSize=FONT_SIZE, color=INK)
        .encode(x=alt.X("Datum:T", axis=x_axis), y=alt.YValue(0), text=alt.Text("_label:N"))
    )
    return [rule, text]
