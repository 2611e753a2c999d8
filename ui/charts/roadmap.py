"""Altair builders of the Roadmap page: priority matrix and quarter timeline, plus its table views.

Every chart gets exactly the rows it draws: one point per measure, one bar per measure or one
cell per category and quarter, and one row per reference line or quadrant label.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from model.core.enums import Category, labels_of
from model.roadmap.reads import BENEFIT_SPLIT, EFFORT_SPLIT, QUADRANTS
from ui.charts.style import FONT_SIZE, PALETTE
from ui.locale import fmt_column, fmt_euro, fmt_number, fmt_quarter, vega_number

CATEGORY_LABELS = list(labels_of(Category).values())
# One shape per category, so the category never rests on colour alone.
SHAPES = [
    "circle",
    "square",
    "triangle-up",
    "diamond",
    "cross",
    "triangle-down",
    "triangle-right",
    "triangle-left",
]
POINT_SELECTION = "point_selection"
BRUSH_SELECTION = "interval_selection"
AXIS_DOMAIN = [0.5, 5.5]
DENSE_POINTS = 300
TEXT_COLOUR = "#31333F"  # Streamlit's body text
GRID_COLOUR = "#595959"  # 7:1 on white: reference lines and labels stay readable
QUARTER_LABEL = "'Q' + (floor(datum.value) % 4 + 1) + ' ' + floor(floor(datum.value) / 4)"


def _category_colour(title: str = "Kategorie") -> alt.Color:
    return alt.Color(
        "Kategorie:N",
        title=title,
        scale=alt.Scale(domain=CATEGORY_LABELS, range=PALETTE),
        legend=alt.Legend(orient="bottom", columns=2, labelLimit=320, symbolStrokeColor="#333333"),
    )


def _jitter(ids: pd.Series, modulus: int) -> pd.Series:
    """A fixed offset in [-0.5, 0.5] per measure id: overlapping points spread, never jump on rerun."""
    return (ids * 7919 % modulus) / (modulus - 1) - 0.5


def _one_decimal(value: float) -> str:
    return fmt_number(value, 1)


def matrix_frame(points: pd.DataFrame) -> pd.DataFrame:
    """The matrix's rows: jittered position, size, category and German tooltip texts only."""
    benefit_offset = (_jitter(points["id"], 13) + 0.5) * 0.15
    # Points move away from the benefit split, so no point crosses into the wrong quadrant.
    above = points["benefit"] >= BENEFIT_SPLIT - 1e-9
    return pd.DataFrame(
        {
            "id": points["id"],
            "Maßnahme": points["title"],
            "Kategorie": points["category"],
            "x": points["effort"] + _jitter(points["id"], 61) * 0.7,
            "y": points["benefit"] + benefit_offset.where(above, -benefit_offset),
            "Kosten": points["cost_total"],
            "Nutzen": fmt_column(points["benefit"], _one_decimal),
            "Aufwand": fmt_column(points["effort"], fmt_number),
            "Kosten gesamt": fmt_column(points["cost_total"], fmt_euro),
            "Score": fmt_column(points["score"], _one_decimal) + " (Klasse " + points["priority_class"] + ")",
        }
    )


def _quadrant_labels() -> alt.Chart:
    frame = pd.DataFrame(
        [
            {"x": 0.6, "y": 5.45, "Text": QUADRANTS["quick_win"], "align": "left"},
            {"x": 5.4, "y": 5.45, "Text": QUADRANTS["major"], "align": "right"},
            {"x": 0.6, "y": 0.6, "Text": QUADRANTS["filler"], "align": "left"},
            {"x": 5.4, "y": 0.6, "Text": QUADRANTS["questionable"], "align": "right"},
        ]
    )
    left = frame[frame["align"] == "left"]
    right = frame[frame["align"] == "right"]
    style = {"fontSize": FONT_SIZE + 1, "fontWeight": "bold", "color": GRID_COLOUR, "baseline": "middle"}
    return alt.layer(
        *(
            alt.Chart(part)
            .mark_text(align=align, **style)
            .encode(x=alt.X("x:Q"), y=alt.Y("y:Q"), text=alt.Text("Text:N"))
            for part, align in ((left, "left"), (right, "right"))
        )
    )


def _split_lines() -> alt.LayerChart:
    rule = {"color": GRID_COLOUR, "strokeDash": [6, 4], "strokeWidth": 1.5}
    vertical = alt.Chart(pd.DataFrame({"x": [EFFORT_SPLIT]})).mark_rule(**rule).encode(x=alt.X("x:Q"))
    horizontal = alt.Chart(pd.DataFrame({"y": [BENEFIT_SPLIT]})).mark_rule(**rule).encode(y=alt.Y("y:Q"))
    return alt.layer(vertical, horizontal)


def priority_matrix(frame: pd.DataFrame, *, height: int = 640) -> alt.LayerChart:
    """Nutzen over Aufwand; size = cost, colour and shape = category; click or brush selects."""
    click = alt.selection_point(name=POINT_SELECTION, fields=["id"], on="click", clear="dblclick")
    brush = alt.selection_interval(name=BRUSH_SELECTION, encodings=["x", "y"])
    scale = alt.Scale(domain=AXIS_DOMAIN, nice=False, zero=False)
    # An empty selection counts as "all": so nothing selected shows every point in full.
    selected = alt.when(click & brush)
    # Many points: smaller and more transparent, so clusters stay readable.
    dense = len(frame) > DENSE_POINTS
    points = (
        # A name of its own: otherwise Altair serialises the whole chart, data included, to name the view.
        alt.Chart(frame, name="massnahmen")
        .mark_point(filled=True, stroke="#333333", strokeWidth=0.7)
        .encode(
            x=alt.X(
                "x:Q",
                title="Aufwand (1 = gering … 5 = hoch)",
                scale=scale,
                axis=alt.Axis(values=[1, 2, 3, 4, 5], format="d", grid=False),
            ),
            y=alt.Y(
                "y:Q",
                title="Nutzen (gewichtet, 1 = gering … 5 = hoch)",
                scale=scale,
                axis=alt.Axis(values=[1, 2, 3, 4, 5], format="d", grid=False),
            ),
            color=_category_colour(),
            shape=alt.Shape("Kategorie:N", scale=alt.Scale(domain=CATEGORY_LABELS, range=SHAPES)),
            size=alt.Size(
                "Kosten:Q",
                title="Kosten (€)",
                scale=alt.Scale(type="sqrt", range=[12, 260] if dense else [40, 900]),
                legend=alt.Legend(orient="right", labelExpr=vega_number(), tickCount=4),
            ),
            opacity=alt.OpacityValue(
                **selected.then(alt.value(0.6 if dense else 0.85)).otherwise(alt.value(0.15))
            ),
            tooltip=[
                alt.Tooltip("Maßnahme:N"),
                alt.Tooltip("Kategorie:N"),
                alt.Tooltip("Nutzen:N"),
                alt.Tooltip("Aufwand:N"),
                alt.Tooltip("Kosten gesamt:N"),
                alt.Tooltip("Score:N"),
            ],
        )
        .add_params(click, brush)
    )
    # Canvas: Vega's SVG brush has no accessible name (axe: svg-img-alt); the chart's alt text
    # and the table alternative carry its content for screen readers.
    return alt.layer(
        _split_lines(),
        _quadrant_labels(),
        points,
        height=height,
        usermeta={"embedOptions": {"renderer": "canvas"}},
        config=CONFIG,
    )


# Dark labels: the theme's grey axis text stays below 4.5:1 on white. Set in the constructor of
# each chart: Altair copies a chart and its layers on every .configure_* call (see ui.charts.style.layered).
_LABELS = {
    "labelFontSize": FONT_SIZE,
    "titleFontSize": FONT_SIZE,
    "labelColor": TEXT_COLOUR,
    "titleColor": TEXT_COLOUR,
}
CONFIG = alt.Config(axis=alt.AxisConfig(**_LABELS), legend=alt.LegendConfig(**_LABELS))


def selected_ids(event: object, frame: pd.DataFrame) -> list[int] | None:
    """Ids picked by a click or a brush in the matrix; None if nothing is selected."""
    selection = getattr(event, "selection", None) or {}
    clicked = [int(point["id"]) for point in selection.get(POINT_SELECTION) or [] if "id" in point]
    if clicked:
        return clicked
    brush = selection.get(BRUSH_SELECTION) or {}
    if "x" in brush and "y" in brush:
        (x_low, x_high), (y_low, y_high) = sorted(brush["x"]), sorted(brush["y"])
        inside = frame["x"].between(x_low, x_high) & frame["y"].between(y_low, y_high)
        return [int(value) for value in frame.loc[inside, "id"]]
    return None


def quarter_index(day: date) -> float:
    """Position of a day on the timeline axis (one unit per quarter, 2026-Q1 = 2026·4)."""
    quarter = (day.month - 1) // 3
    quarter_start = date(day.year, 3 * quarter + 1, 1)
    next_start = date(day.year + 1, 1, 1) if quarter == 3 else date(day.year, 3 * quarter + 4, 1)
    fraction = (day - quarter_start).days / (next_start - quarter_start).days
    return day.year * 4 + quarter + fraction


def _quarter_axis(first: int, last: int, *, title: str | None = None) -> alt.X:
    ticks = [index + 0.5 for index in range(first, last + 1)]
    return alt.X(
        "start:Q",
        title=title,
        scale=alt.Scale(domain=[first, last + 1], nice=False, zero=False),
        axis=alt.Axis(values=ticks, labelExpr=QUARTER_LABEL, grid=False, labelOverlap=True, labelAngle=0),
    )


def _today_rule(today: date) -> alt.LayerChart:
    """A black line at today's position with the word "heute" above it."""
    frame = pd.DataFrame({"start": [quarter_index(today)], "Text": ["heute"]})
    base = alt.Chart().encode(
        x=alt.X("start:Q")
    )  # the frame once, on the layer (see ui.charts.style.layered)
    rule = base.mark_rule(color="#000000", strokeWidth=2)
    label = base.mark_text(align="left", dx=3, dy=-4, baseline="bottom", fontSize=FONT_SIZE, y=0).encode(
        text=alt.Text("Text:N")
    )
    return alt.layer(rule, label, data=frame)


def timeline_bars(frame: pd.DataFrame, *, today: date, width: int = 560) -> alt.FacetChart:
    """One bar per measure from start to end quarter, one block per category with its name above.

    One faceted chart (a row per category, each with only its own measures), not a block of
    charts per category: Altair builds and validates it in a fifth of the time.
    """
    first = int(min(frame["start"].min(), quarter_index(today)))
    last = int(max(frame["end"].max(), quarter_index(today)))
    shown = [label for label in CATEGORY_LABELS if label in set(frame["category"])]
    data = frame.assign(
        Maßnahme=frame["title"],
        Kategorie=frame["category"],
        Status=frame["status"],
        ende=frame["end"] + 1,
        Zeitraum=[
            f"{quarter_label(start)} bis {quarter_label(end)}"
            for start, end in zip(frame["start"], frame["end"], strict=True)
        ],
    )[["Maßnahme", "Kategorie", "Status", "start", "ende", "Zeitraum"]]
    bars = (
        alt.Chart()
        .mark_bar(stroke="#333333", strokeWidth=0.5, cornerRadius=2)
        .encode(
            x=_quarter_axis(first, last, title="Quartal (schwarze Linie: heute)"),
            x2=alt.X2("ende:Q"),
            y=alt.Y(
                "Maßnahme:N",
                sort=None,
                title=None,
                axis=alt.Axis(labelLimit=250, minExtent=260, maxExtent=260),
            ),
            color=alt.Color(
                "Kategorie:N", scale=alt.Scale(domain=CATEGORY_LABELS, range=PALETTE), legend=None
            ),
            tooltip=[alt.Tooltip(name) for name in ("Maßnahme:N", "Kategorie:N", "Status:N", "Zeitraum:N")],
        )
    )
    # A constant position needs no data: one rule for today in every category block.
    today_rule = (
        alt.Chart()
        .mark_rule(color="#000000", strokeWidth=2, aria=False)
        .encode(x=alt.XDatum(quarter_index(today)))
    )
    return alt.layer(bars, today_rule, data=data, height=alt.Step(22), width=width).facet(
        row=alt.Row(
            "Kategorie:N",
            sort=shown,
            title=None,
            header=alt.Header(
                labelAngle=0,
                labelAnchor="start",
                labelOrient="top",
                labelFontSize=FONT_SIZE + 1,
                labelFontWeight="bold",
                labelColor=TEXT_COLOUR,
            ),
        ),
        spacing=14,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(y="independent")),
        config=CONFIG,
    )


def timeline_heatmap(frame: pd.DataFrame, *, today: date) -> alt.LayerChart:
    """Measures running per category and quarter: one cell per pair, the number written in it."""
    first = int(min(frame["quarter"].min(), quarter_index(today)))
    last = int(max(frame["quarter"].max(), quarter_index(today)))
    data = pd.DataFrame(
        {
            "start": frame["quarter"],
            "ende": frame["quarter"] + 1,
            "mitte": frame["quarter"] + 0.5,
            "Kategorie": frame["category"],
            "Anzahl": frame["count"],
            "Quartal": frame["quarter"].map(quarter_label),
            "Text": frame["count"].map(fmt_number),
        }
    )
    high = float(data["Anzahl"].max()) if len(data) else 1.0
    base = alt.Chart(data).encode(
        x=_quarter_axis(first, last),
        x2=alt.X2("ende:Q"),
        y=alt.Y("Kategorie:N", sort=CATEGORY_LABELS, title=None, axis=alt.Axis(labelLimit=320)),
    )
    # A light colour range keeps the black numbers at 6:1 contrast or more on every cell.
    cells = base.mark_rect(stroke="#ffffff", strokeWidth=1).encode(
        color=alt.Color(
            "Anzahl:Q",
            title="Laufende Maßnahmen",
            scale=alt.Scale(range=["#e8f1fa", "#4a90c8"], domain=[0, high]),
            legend=alt.Legend(labelExpr=vega_number(), orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("Kategorie:N"),
            alt.Tooltip("Quartal:N"),
            alt.Tooltip("Text:N", title="Laufende Maßnahmen"),
        ],
    )
    numbers = (
        alt.Chart(data)
        .mark_text(fontSize=FONT_SIZE - 1, color="#000000")
        .encode(x=alt.X("mitte:Q"), y=alt.Y("Kategorie:N", sort=CATEGORY_LABELS), text=alt.Text("Text:N"))
    )
    return alt.layer(cells, _today_rule(today), numbers, height=alt.Step(34), config=CONFIG)


def quarter_label(index: int) -> str:
    """Axis index → 'Q3 2026'."""
    return f"Q{int(index) % 4 + 1} {int(index) // 4}"


def timeline_table(frame: pd.DataFrame, *, per_measure: bool) -> pd.DataFrame:
    """The timeline's table alternative: bars with quarters, or counts per category and quarter."""
    if per_measure:
        return pd.DataFrame(
            {
                "Kategorie": frame["category"],
                "Maßnahme": frame["title"],
                "Status": frame["status"],
                "Start": frame["start"].map(quarter_label),
                "Ende": frame["end"].map(quarter_label),
            }
        )
    return pd.DataFrame(
        {
            "Kategorie": frame["category"],
            "Quartal": frame["quarter"].map(quarter_label),
            "Laufende Maßnahmen": frame["count"].map(fmt_number),
        }
    )


def quarter_or_dash(quarter: object) -> str:
    return fmt_quarter(quarter) if isinstance(quarter, str) and quarter else "–"


def table_view(table: pd.DataFrame) -> pd.DataFrame:
    """The measure table as the page shows it: German headers, German numbers and quarters."""
    return pd.DataFrame(
        {
            "Maßnahme": table["title"],
            "Klasse": table["priority_class"],
            "Score": fmt_column(table["score"], _one_decimal),
            "Quadrant": table["quadrant"],
            "Kategorie": table["category"],
            "Status": table["status"],
            "Ampel": table["rag"],
            "OE": table["unit"],
            "Start": fmt_column(table["start_quarter"], quarter_or_dash),
            "Ende": fmt_column(table["end_quarter"], quarter_or_dash),
            "Kosten": fmt_column(table["cost_total"], fmt_euro),
            "OZG-ID": table["ozg_id"].fillna("–").replace("", "–"),
        }
    )


def _percent(share: float) -> str:
    """0.3 → '30 %', 0.125 → '12,5 %'."""
    percent = round(share * 100, 1)
    return f"{fmt_number(percent, 0 if percent == int(percent) else 1)} %"


def contributions_view(contributions: pd.DataFrame, *, score: float) -> pd.DataFrame:
    """How one score came about, with a sum row; numbers German."""
    rows = pd.DataFrame(
        {
            "Eingabe": contributions["Eingabe"],
            "Wert (1–5)": contributions["Wert"].map(fmt_number),
            "Punkte (0–100)": contributions["Punkte"].map(lambda value: fmt_number(value, 0)),
            "Gewicht": contributions["Gewicht"].map(_percent),
            "Beitrag zum Score": contributions["Beitrag"].map(lambda value: fmt_number(value, 2)),
        }
    )
    total = {
        "Eingabe": "Score",
        "Wert (1–5)": "",
        "Punkte (0–100)": "",
        "Gewicht": "100 %",
        "Beitrag zum Score": fmt_number(score, 2),
    }
    return pd.concat([rows, pd.DataFrame([total])], ignore_index=True)
