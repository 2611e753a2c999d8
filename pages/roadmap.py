"""Roadmap: which measures matter most, when they run, and how their priority comes about."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from model.accounts.auth import UserInfo
from model.core import clock
from model.core.enums import Role
from model.roadmap import reads as roadmap
from model.roadmap import scoring
from model.roadmap.reads import MeasureCounts, MeasureFilter
from ui import cache, roadmap_filters
from ui import roadmap_forms as forms
from ui.charts import roadmap as rc
from ui.charts.show import show_chart
from ui.commands import choose_again
from ui.filters import scope_filter
from ui.locale import fmt_datetime, fmt_euro, fmt_number
from ui.navigation import current_user
from ui.plain import escaped, plain
from ui.tables import show_table


def listed_note(counts: MeasureCounts, listed: int) -> str:
    """What the matrix and the lists show when more measures match than they can take."""
    if counts.total <= listed:
        return ""
    return (
        f"Gezeigt werden die {fmt_number(listed)} Maßnahmen mit dem höchsten Score von "
        f"{fmt_number(counts.total)}; die Filter grenzen die Auswahl ein."
    )


def matrix_section(table: pd.DataFrame, filters: MeasureFilter, counts: MeasureCounts) -> list[int] | None:
    st.subheader("Prioritätenmatrix")
    points = cache.query(roadmap.matrix_points, filters=filters, limit=roadmap.MAX_LISTED)
    frame = rc.matrix_frame(points)
    summary = ", ".join(
        f"{fmt_number(counts.by_quadrant.get(name, 0))} {name}" for name in roadmap.QUADRANTS.values()
    )
    note = listed_note(counts, len(frame))
    if note:
        st.caption(note)
    view = rc.table_view(table)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        event = show_chart(
            rc.priority_matrix(frame),
            description=(
                f"Streudiagramm: {fmt_number(len(frame))} Maßnahmen nach Aufwand (waagerecht) und Nutzen "
                f"(senkrecht), Größe nach Kosten, Farbe und Form nach Kategorie. Quadranten: {summary}."
                + (f" {note}" if note else "")
            ),
            data=view,
            key="roadmap_matrix",
            name="Prioritätenmatrix",
            selection_mode=[rc.POINT_SELECTION, rc.BRUSH_SELECTION],
        )
    ids = rc.selected_ids(event, frame)
    picked = table["id"].isin(ids) if ids is not None else None
    chosen = table if picked is None else table[picked]
    with right, st.container(key="roadmap_selection"):
        st.markdown("**Maßnahmen in der Auswahl**")
        if ids is None:
            st.caption(
                f"Alle {fmt_number(len(table))} Maßnahmen. Punkte anklicken (mit Umschalttaste mehrere) oder "
                "einen Rahmen ziehen, um nur diese zu zeigen; Doppelklick hebt die Auswahl auf."
            )
        else:
            st.caption(f"{fmt_number(len(chosen))} von {fmt_number(len(table))} Maßnahmen ausgewählt.")
        listed = view if picked is None else view[picked]
        show_table(
            listed[["Maßnahme", "Klasse", "Score", "Quadrant", "Status"]],
            name="Roadmap_Auswahl",
            key="roadmap_selection_table",
            height=430,
        )
    return None if ids is None else [int(value) for value in chosen["id"]]


def timeline_section(filters: MeasureFilter) -> None:
    st.subheader("Zeitplan nach Quartalen")
    timeline = cache.query(roadmap.timeline, filters=filters)
    undated = (
        f" {fmt_number(timeline.undated)} Maßnahmen ohne Quartal sind nicht eingezeichnet."
        if timeline.undated
        else ""
    )
    if timeline.frame.empty:
        st.info(f"Keine Maßnahme mit Start- oder Ende-Quartal.{undated}")
        return
    today = clock.today()
    frame = timeline.frame
    if timeline.per_measure:
        chart = rc.timeline_bars(frame, today=today)
        text = (
            f"Balken je Maßnahme von Start- bis Ende-Quartal, gruppiert nach Kategorie: "
            f"{fmt_number(len(frame))} Maßnahmen von {rc.quarter_label(frame['start'].min())} "
            f"bis {rc.quarter_label(frame['end'].max())}; eine senkrechte Linie markiert heute."
        )
    else:
        chart = rc.timeline_heatmap(frame, today=today)
        busiest = frame.loc[frame["count"].idxmax()]
        text = (
            "Raster nach Kategorie und Quartal mit der Zahl der laufenden Maßnahmen in jeder Zelle; "
            f"am meisten laufen in {busiest['category']} im {rc.quarter_label(busiest['quarter'])} "
            f"({fmt_number(int(busiest['count']))})."
        )
        st.caption("Bei vielen Maßnahmen zeigt der Zeitplan, wie viele je Kategorie und Quartal laufen.")
    data = rc.timeline_table(frame, per_measure=timeline.per_measure)
    show_chart(chart, description=text + undated, data=data, key="roadmap_timeline", name="Zeitplan")
    if undated:
        st.caption(undated.strip())


def scoring_section(user: UserInfo) -> None:
    st.subheader("So entsteht die Priorität")
    weights = cache.query(scoring.score_weights)
    st.markdown(
        "Jede Eingabe (1–5) wird in Punkte von 0 bis 100 umgerechnet: (Wert − 1) · 25; beim Aufwand "
        "umgekehrt, (5 − Aufwand) · 25, denn wenig Aufwand ist gut. Der Score ist die gewichtete Summe "
        "der Punkte, also 0 bis 100. Gleichbedeutend:"
    )
    st.code(scoring.formula_text(weights), language=None, wrap_lines=True)
    st.markdown(scoring.class_rules_text())
    st.caption(
        "Nutzen in der Matrix: gewichteter Mittelwert aus Nutzen Bürger*innen, Nutzen Verwaltung, "
        "Dringlichkeit und rechtlicher Pflicht (1–5). Quadranten: Nutzen ab 3 gilt als hoch, "
        "Aufwand 1–3 als gering."
    )
    if user.role == Role.ADMIN:
        forms.weights_form(user, weights)


def detail_section(user: UserInfo, table: pd.DataFrame, selected: list[int] | None) -> None:
    st.subheader("Maßnahme im Detail")
    candidates = table if selected is None else table[table["id"].isin(selected)]
    titles = dict(zip(candidates["id"], candidates["title"], strict=True))
    if not titles:
        st.info("Keine Maßnahme ausgewählt.")
        return
    choose_again(forms.MEASURE_CHOICE)  # a measure just renamed in the form stays chosen
    if st.session_state.get("roadmap_measure") not in titles:
        st.session_state["roadmap_measure"] = next(iter(titles))
    measure_id = st.selectbox(
        "Maßnahme", list(titles), format_func=titles.get, key="roadmap_measure", help="Beste Scores zuerst."
    )
    facts(table, measure_id)
    explanation = cache.query(scoring.score_explanation, measure_id=measure_id)
    if explanation is not None:
        st.markdown(
            f"**Score {fmt_number(explanation.score, 2)} · Klasse {explanation.priority_class}** – "
            "so setzt er sich zusammen:"
        )
        st.dataframe(
            rc.contributions_view(explanation.contributions, score=explanation.score),
            hide_index=True,
            width="content",
            key="roadmap_contributions",
        )
    if user.role == Role.ADMIN:
        forms.measure_form(user, measure_id)


def facts(table: pd.DataFrame, measure_id: int) -> None:
    """Key facts of the chosen measure in plain text (no personal data)."""
    row = table[table["id"] == measure_id]
    if row.empty:
        return
    item = row.iloc[0]
    plain(
        f"{item['category']} · {item['status']} · Ampel {item['rag']} · OE {item['unit']} · "
        f"{rc.quarter_or_dash(item['start_quarter'])} bis {rc.quarter_or_dash(item['end_quarter'])} · "
        f"Kosten {fmt_euro(item['cost_total'])}"
    )


user = current_user("roadmap")
scope = scope_filter()
st.title("Roadmap")
st.caption(f"Stand: {fmt_datetime(clock.now())} · {escaped(scope.label)}")
filters = roadmap_filters.page_filters(scope)
table = cache.query(roadmap.measure_table, filters=filters, limit=roadmap.MAX_LISTED)
if table.empty:
    st.info("Keine Maßnahme passt zu den gewählten Filtern.")
    selected = None
else:
    selected = matrix_section(table, filters, cache.query(roadmap.measure_counts, filters=filters))
    timeline_section(filters)
scoring_section(user)
if not table.empty:
    detail_section(user, table, selected)
if user.role == Role.ADMIN:
    forms.new_measure_form(user)
