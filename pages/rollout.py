"""Rollout: the programme timeline as a Gantt, and the units by rollout stage now and over time."""

import streamlit as st

from model.core import clock
from model.programme import rollout
from ui import cache
from ui.charts.bars import horizontal_bars
from ui.charts.show import show_chart
from ui.charts.timelines import gantt, stacked_area
from ui.filters import scope_filter
from ui.locale import fmt_date, fmt_datetime, fmt_number
from ui.navigation import current_user
from ui.plain import escaped
from ui.tables import data_table

# Rollout classes from "kein Lotse" to "aktiv": Okabe–Ito colours, order and legend carry the meaning.
CLASS_COLOURS = ("#D55E00", "#F0E442", "#56B4E9", "#0072B2", "#009E73")

current_user("rollout")
scope = scope_filter()
timeline = cache.query(rollout.timeline)

st.title("Rollout")
st.caption(f"Stand: {fmt_datetime(clock.now())} · {escaped(scope.label)}")

st.subheader("Zeitplan des Programms")
st.caption(
    "Gestrichelter Rahmen: geplanter Zeitraum · gefüllter Balken: tatsächlicher Verlauf, Farbe und "
    "Zeilentext nennen den Status · Formen: Meilensteine und Gremienbeschlüsse · senkrechte Linie: heute. "
    "Die Phasen gelten für das ganze Programm, unabhängig vom Filter."
)
if timeline.bars.empty:
    st.info("Es sind noch keine Programmphasen erfasst.")
else:
    events = timeline.events
    overdue = int((events["Art"] == rollout.MILESTONE_OVERDUE).sum())
    milestones = int(events["Art"].isin(rollout.EVENT_KINDS[:3]).sum())
    phases = "; ".join(
        f"{row.Phase} (bis {fmt_date(row.Ende)})" for row in timeline.bars.itertuples() if row.Art == "Plan"
    )
    show_chart(
        gantt(timeline.bars, events, today=timeline.today),
        description=(
            f"Gantt-Diagramm des Programms mit {fmt_number(timeline.phases.shape[0])} Phasen: {phases}. "
            f"{fmt_number(milestones)} Meilensteine, davon {fmt_number(overdue)} überfällig; "
            f"{fmt_number(int((events['Art'] == rollout.GATE).sum()))} Gremienbeschlüsse. "
            f"Heute ist der {fmt_date(timeline.today)}."
        ),
        data=timeline.phases,
        key="chart_gantt",
        name="Zeitplan des Programms",
    )
    if not events.empty:
        st.markdown("**Meilensteine und Gremienbeschlüsse**")
        data_table(
            events[["Phase", "Art", "Titel", "Datum", "Gremium", "Vorlage-Nr."]],
            name="Meilensteine und Gremienbeschlüsse",
        )

st.subheader("Organisationseinheiten nach Rollout-Stufe")
st.caption(
    "Jede Einheit mit Soll zählt mit der Stufe ihres am weitesten fortgeschrittenen Lotsen; "
    "pausierte und ausgeschiedene Lotsen zählen nicht."
)
history = cache.query(rollout.units_by_stage_history, root_id=scope.root_id)
now = rollout.latest(history)  # the history ends today
left, right = st.columns([2, 3])
with left:
    st.markdown("**Heute**")
    total = int(now["Einheiten"].sum())
    counts = ", ".join(f"{row.Stufe}: {fmt_number(row.Einheiten)}" for row in now.itertuples())
    show_chart(
        horizontal_bars(now, category="Stufe", value="Einheiten", value_title="Einheiten"),
        description=f"Balkendiagramm der {fmt_number(total)} Einheiten mit Soll nach Stufe: {counts}.",
        data=now,
        key="chart_units_by_stage",
        name="Einheiten nach Rollout-Stufe",
    )
with right:
    st.markdown("**Verlauf je Monatsende**")
    first = history["Stand"].min()
    show_chart(
        stacked_area(
            history,
            date_field="Stand",
            series="Stufe",
            value="Einheiten",
            order=rollout.ROLLOUT_CLASSES,
            colours=CLASS_COLOURS,
            value_title="Einheiten",
        ),
        description=(
            f"Gestapeltes Flächendiagramm der Einheiten nach Rollout-Stufe je Monatsende "
            f"von {fmt_date(first)} bis {fmt_date(timeline.today)}; heute: {counts}."
        ),
        data=history,
        key="chart_units_by_stage_history",
        name="Einheiten nach Rollout-Stufe im Verlauf",
    )
