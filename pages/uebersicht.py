"""Übersicht: where the programme stands, in key figures with their Stand."""

import streamlit as st

from model import queries
from model.enums import PilotStage, label
from ui import cache, charts
from ui.locale import fmt_date, fmt_datetime, fmt_number, fmt_percent
from ui.navigation import current_user

current_user("uebersicht")
data = cache.query(queries.overview)
coverage = data.coverage

st.title("Übersicht")
st.caption(f"Stand: {fmt_datetime(data.as_of)}")

left, middle, right = st.columns(3)
left.metric(
    "Lotsinnen und Lotsen im Programm",
    fmt_number(data.pilots_current),
    help="Alle Stufen außer „ausgeschieden“.",
)
middle.metric(
    "Organisationseinheiten abgedeckt",
    f"{fmt_number(coverage.units_covered)} von {fmt_number(coverage.units_with_target)}",
    help="Einheiten, die mindestens so viele qualifizierte oder aktive Lotsen haben wie ihr Soll.",
)
right.metric("Abdeckung", fmt_percent(coverage.share))

left, middle, right = st.columns(3)
if data.phase is None:
    left.metric("Aktuelle Programmphase", "–")
else:
    left.metric(
        "Aktuelle Programmphase",
        data.phase.name,
        help=f"Status: {label(data.phase.status)} · geplantes Ende {fmt_date(data.phase.planned_end)}",
    )
    left.caption(f"Status: {label(data.phase.status)}")
active_measures = data.measures_by_status.set_index("status")["Anzahl"]
middle.metric(
    "Maßnahmen in Umsetzung",
    fmt_number(int(active_measures.get("in_progress", 0))),
    help=f"von {fmt_number(int(active_measures.sum()))} Maßnahmen der Roadmap",
)
right.metric(
    "Offene Unterstützungswünsche",
    fmt_number(data.open_support_requests),
    help="Statusmeldungen mit „Unterstützung gewünscht“, die noch nicht erledigt sind.",
)

st.subheader("Lotsinnen und Lotsen nach Stufe")
stages = data.pilots_by_stage[["Stufe", "Anzahl"]]
active = int(stages.loc[stages["Stufe"] == label(PilotStage.ACTIVE), "Anzahl"].sum())
if stages["Anzahl"].sum():
    most = stages.loc[stages["Anzahl"].idxmax()]
    summary = (
        f"Balkendiagramm der Lotsen nach Stufe; die meisten sind „{most['Stufe']}“ "
        f"({fmt_number(int(most['Anzahl']))}), {fmt_number(active)} sind aktiv."
    )
else:
    summary = "Balkendiagramm der Lotsen nach Stufe: noch keine Lotsen erfasst."
charts.show_chart(
    charts.horizontal_bars(stages, category="Stufe", value="Anzahl", value_title="Anzahl Lotsen"),
    description=summary,
    data=stages,
    key="chart_stages",
    name="Lotsen nach Stufe",
)

st.subheader("Maßnahmen der Roadmap nach Status")
st.dataframe(
    data.measures_by_status[["Status", "Anzahl"]],
    hide_index=True,
    width="content",
)
