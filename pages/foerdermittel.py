"""Fördermittel: deadlines first, the pipeline identifiziert → beantragt → bewilligt/abgelehnt,
the money applied vs. granted, and the measures each programme pays for (council motion, seed 001)."""

import pandas as pd
import streamlit as st

from model.core import clock
from model.core.enums import Category, Donor, FundingStatus, MeasureStatus, Role, labels_of
from model.funding import programmes as funding
from model.funding.programmes import DeadlineState
from ui import cache
from ui.charts.bars import labelled_bars
from ui.charts.show import show_chart
from ui.charts.timelines import DEADLINE_LABELS, deadline_timeline
from ui.locale import fmt_date, fmt_datetime, fmt_euro, fmt_number, fmt_percent
from ui.navigation import current_user
from ui.plain import plain
from ui.tables import show_table

CATEGORY_LABELS = labels_of(Category)
DONORS = labels_of(Donor)
STATUSES = labels_of(FundingStatus)
MEASURE_STATUSES = labels_of(MeasureStatus)


def deadline_text(state: str, days_left: float | None) -> str:
    """What the deadline means today, in words (the chart repeats it beside each point)."""
    if state == DeadlineState.SUBMITTED:
        return "Antrag gestellt"
    if state == DeadlineState.NONE or days_left is None or pd.isna(days_left):
        return "ohne Frist"
    days = int(days_left)
    if state == DeadlineState.OVERDUE:
        return f"überfällig seit {fmt_number(-days)} Tag{'' if days == -1 else 'en'}"
    if days == 0:
        return "Frist heute"
    return f"noch {fmt_number(days)} Tag{'' if days == 1 else 'e'}"


user = current_user("foerdermittel")
today = clock.today()
timeline = cache.query(funding.funding_timeline, as_of=today)
totals = cache.query(funding.funding_totals)
pipeline = cache.query(funding.funding_pipeline)

st.title("Fördermittel")
st.caption(f"Stand: {fmt_datetime(clock.now())}")
if timeline.empty:
    st.info("Es sind noch keine Förderprogramme erfasst (Verwaltung › Förderprogramme oder Import).")
    st.stop()

tiles = st.columns(4)
tiles[0].metric(
    "Beantragt", fmt_euro(totals.applied), help="Alle gestellten Anträge (beantragt, bewilligt, abgelehnt)."
)
tiles[1].metric("Bewilligt", fmt_euro(totals.granted))
tiles[2].metric("Noch in Prüfung", fmt_euro(totals.pending), help="Beantragt, aber noch nicht entschieden.")
tiles[3].metric(
    "Bewilligungsquote",
    fmt_percent(totals.success_rate),
    help="Bewilligte Euro je beantragtem Euro unter den bereits entschiedenen Anträgen.",
)
open_count = int(timeline["state"].isin([DeadlineState.DUE_SOON, DeadlineState.OPEN]).sum())
soon_count = int((timeline["state"] == DeadlineState.DUE_SOON).sum())
overdue_count = int((timeline["state"] == DeadlineState.OVERDUE).sum())
plain(
    f"{fmt_number(open_count)} offene Frist(en) ohne Antrag, davon {fmt_number(soon_count)} in den "
    f"nächsten 30 Tagen; {fmt_number(overdue_count)} überfällig."
)

# ------------------------------------------------------------------ deadlines
st.subheader("Fristen")
timeline = timeline.assign(
    Hinweis=[deadline_text(s, d) for s, d in zip(timeline["state"], timeline["days_left"], strict=True)]
)
dated = timeline[timeline["deadline"].notna()].reset_index(drop=True)
if not dated.empty:
    points = pd.DataFrame(
        {
            "Programm": dated["name"],
            "Frist": dated["deadline"],
            "Frist_text": dated["deadline"].map(fmt_date),
            "Lage": dated["state"].map(DEADLINE_LABELS),
            "Hinweis": dated["Hinweis"],
            "order": range(len(dated)),
        }
    )
    nearest = dated.iloc[0]
    show_chart(
        deadline_timeline(points, today=today),
        description=(
            f"Zeitleiste der Förderprogramme nach Frist ({len(points)} Programme), "
            "die nächsten Fristen oben; eine gestrichelte Linie markiert heute. "
            f"Nächste: {nearest['name']}, Frist {fmt_date(nearest['deadline'])} ({nearest['Hinweis']}). "
            f"{fmt_number(overdue_count)} überfällig (Dreieck)."
        ),
        data=points[["Programm", "Frist_text", "Lage", "Hinweis"]].rename(columns={"Frist_text": "Frist"}),
        key="chart_funding_deadlines",
        name="Fristen der Förderprogramme",
    )
show_table(
    pd.DataFrame(
        {
            "Förderprogramm": timeline["name"],
            "Geber": timeline["donor"].map(DONORS),
            "Frist": timeline["deadline"].map(lambda v: fmt_date(v) if pd.notna(v) else "–"),
            "Fristlage": timeline["Hinweis"],
            "Status": timeline["status"].map(STATUSES),
            "Beantragt": timeline["amount_applied"].map(fmt_euro),
            "Bewilligt": timeline["amount_granted"].map(fmt_euro),
            "Verknüpfte Maßnahmen": timeline["measures"],
        }
    ),
    name="Förderprogramme nach Frist",
    key="table_funding",
)

# ------------------------------------------------------------------ pipeline
st.subheader("Antragsweg: identifiziert → beantragt → bewilligt / abgelehnt")
stages = pd.DataFrame(
    {
        "Status": pipeline["status"].map(STATUSES),
        "Programme": pipeline["programmes"],
        "Beschriftung": [
            f"{fmt_number(n)} Programm{'e' if n != 1 else ''}"
            + (f" · beantragt {fmt_euro(a)}" if a else "")
            + (f" · bewilligt {fmt_euro(g)}" if g else "")
            for n, a, g in zip(
                pipeline["programmes"], pipeline["amount_applied"], pipeline["amount_granted"], strict=True
            )
        ],
    }
)
show_chart(
    labelled_bars(
        stages, category="Status", value="Programme", text="Beschriftung", title="Anzahl Programme"
    ),
    description="Balkendiagramm des Antragswegs: "
    + "; ".join(f"{row.Status}: {row.Beschriftung}" for row in stages.itertuples())
    + ".",
    data=stages[["Status", "Beschriftung"]],
    key="chart_funding_pipeline",
    name="Antragsweg Fördermittel",
)

# ------------------------------------------------------------------ measures per programme
st.subheader("Maßnahmen je Förderprogramm")
with_measures = timeline[timeline["measures"] > 0]
linked = dict(zip(with_measures["id"].astype(int), with_measures["name"], strict=True))
counts = dict(zip(with_measures["id"].astype(int), with_measures["measures"].astype(int), strict=True))
if not linked:
    st.info("Noch keine Maßnahme ist mit einem Förderprogramm verknüpft.")
else:
    chosen = st.selectbox(
        "Förderprogramm",
        list(linked),
        format_func=lambda pid: f"{linked[pid]} ({fmt_number(counts[pid])} Maßnahmen)",
        key="funding_programme_measures",
    )
    measures = cache.query(funding.measures_of_programme, funding_id=chosen)
    show_table(
        pd.DataFrame(
            {
                "Maßnahme": measures["title"],
                "Status": measures["status"].map(MEASURE_STATUSES),
                "Kategorie": measures["category"].map(CATEGORY_LABELS),
                "Organisationseinheit": measures["unit_code"].fillna("–"),
                "Kosten konsumtiv": measures["cost_operating"].map(fmt_euro),
                "Kosten investiv": measures["cost_capital"].map(fmt_euro),
            }
        ),
        name=f"Maßnahmen {linked[chosen]}",
        key="table_funding_measures",
    )
if user.role is Role.ADMIN:
    st.caption("Förderprogramme pflegen: Verwaltung › Förderprogramme.")
