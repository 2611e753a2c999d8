"""Charts over time: monthly lines and areas, the programme Gantt chart, funding deadlines."""

from __future__ import annotations

from datetime import date
from typing import Any

import altair as alt
import pandas as pd

from model.funding import programmes as funding
from ui.charts.style import FONT_SIZE, INK, MONTH_TICKS, PALETTE, TOP_LEVEL, layered
from ui.locale import VEGA_DATE, VEGA_MONTH, fmt_date, fmt_number, fmt_percent, vega_number


def _month_axis() -> alt.Axis:
    return alt.Axis(labelExpr=VEGA_MONTH, tickCount=MONTH_TICKS, title=None, grid=True, labelAngle=0)


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


# Phase status → colour; the status is also written in the row label and the tooltip.
STATUS_COLOURS = {
    "geplant": "#56B4E9",
    "läuft": PALETTE[0],
    "abgeschlossen": PALETTE[2],
    "verzögert": PALETTE[1],
    "blockiert": PALETTE[5],
}
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


DEADLINE_SHAPES = {
    funding.DeadlineState.OVERDUE: "triangle-up",
    funding.DeadlineState.DUE_SOON: "diamond",
    funding.DeadlineState.OPEN: "circle",
    funding.DeadlineState.SUBMITTED: "square",
}
DEADLINE_LABELS = {
    funding.DeadlineState.OVERDUE: "überfällig (kein Antrag)",
    funding.DeadlineState.DUE_SOON: "Frist in höchstens 30 Tagen",
    funding.DeadlineState.OPEN: "Frist offen",
    funding.DeadlineState.SUBMITTED: "Antrag gestellt",
}


def deadline_timeline(frame: pd.DataFrame, *, today: date) -> alt.LayerChart:
    """Programmes on a date axis by deadline; shape and a text label say the state (not colour alone).

    `frame`: columns Programm, Frist (date), Lage (German state), Hinweis (label text), order.
    """
    data = frame.assign(Frist=pd.to_datetime(frame["Frist"]))
    states = [DEADLINE_LABELS[state] for state in DEADLINE_SHAPES]
    base = alt.Chart(data).encode(
        y=alt.Y("Programm:N", sort=alt.EncodingSortField("order", order="ascending"), title=None),
        x=alt.X("Frist:T", title="Frist", axis=alt.Axis(labelExpr=VEGA_DATE, labelAngle=0)),
        tooltip=[
            alt.Tooltip("Programm:N"),
            alt.Tooltip("Frist_text:N", title="Frist"),
            alt.Tooltip("Hinweis:N"),
        ],
    )
    points = base.mark_point(size=140, filled=True).encode(
        shape=alt.Shape(
            "Lage:N", scale=alt.Scale(domain=states, range=list(DEADLINE_SHAPES.values())), title="Lage"
        ),
        color=alt.Color(
            "Lage:N", scale=alt.Scale(domain=states, range=[PALETTE[5], PALETTE[1], PALETTE[0], PALETTE[2]])
        ),
    )
    labels = base.mark_text(align="left", dx=10, fontSize=FONT_SIZE, color="#1A1A1A").encode(
        text=alt.Text("Hinweis:N")
    )
    rule = (
        alt.Chart(pd.DataFrame({"heute": [pd.Timestamp(today)], "text": [f"heute, {fmt_date(today)}"]}))
        .mark_rule(strokeDash=[4, 4], color="#1A1A1A")
        .encode(x=alt.X("heute:T"), tooltip=[alt.Tooltip("text:N", title="Datum")])
    )
    return alt.layer(
        rule,
        points,
        labels,
        height=max(120, 30 * len(frame)),
        config=alt.Config(
            axis=alt.AxisConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=360),
            legend=alt.LegendConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, orient="bottom"),
        ),
    )
