"""Abdeckung: Soll-Lotsen erfüllt and fehlend by Dezernat with drill-down into units, the Soll rule, gaps."""

import pandas as pd
import streamlit as st

from model.core import clock
from model.core.app_settings import SollRuleSetting
from model.core.enums import Role, SollRule
from model.org import coverage
from ui import cache, tables
from ui.charts.bars import horizontal_bars
from ui.charts.coverage import coverage_bars, coverage_text
from ui.charts.show import selected_values, show_chart
from ui.filters import scope_filter
from ui.locale import fmt_datetime, fmt_number, fmt_percent
from ui.navigation import current_user
from ui.plain import escaped
from ui.tables import data_table, german_columns

SELECTION = "dezernat"


def rule_text(rule: SollRuleSetting) -> str:
    if rule.rule is SollRule.PER_HEADCOUNT:
        main = f"1 Lotse je {fmt_number(rule.per_n)} Beschäftigte (aufgerundet, mindestens 1 je Einheit)"
    else:
        main = "1 Lotse je Organisationseinheit"
    return (
        f"Soll-Regel: {main}. Ein für eine Einheit eingetragenes Soll hat Vorrang; "
        "Dezernate selbst haben kein eigenes Soll. Es zählen qualifizierte und aktive Lotsen, je Einheit "
        "höchstens bis zu ihrem Soll."
    )


def coverage_description(frame: pd.DataFrame, what: str) -> str:
    parts = "; ".join(
        f"{code}: " + coverage_text(met, soll, missing, surplus)
        for code, met, soll, missing, surplus in frame[
            ["Kürzel", coverage.MET, "Soll", coverage.MISSING, coverage.SURPLUS]
        ].itertuples(index=False)
    )
    return (
        f"Balkendiagramm der Soll-Lotsen je {what}, geteilt in erfüllt, fehlend und über Soll "
        f"(ein Überschuss in einer Einheit füllt keine Lücke in einer anderen): {parts}."
    )


user = current_user("abdeckung")
scope = scope_filter()
figures = cache.query(coverage.coverage_figures, root_id=scope.root_id)
summary = figures.summary

st.title("Abdeckung")
st.caption(f"Stand: {fmt_datetime(clock.now())} · {escaped(scope.label)}")
st.info(rule_text(figures.rule))

tiles = st.columns(4)
tiles[0].metric(
    "Einheiten abgedeckt",
    f"{fmt_number(summary.units_covered)} von {fmt_number(summary.units_with_target)}",
    help="Einheiten, deren qualifizierte und aktive Lotsen ihr Soll erreichen.",
)
tiles[1].metric("Abdeckung", fmt_percent(summary.share))
tiles[2].metric(
    "Soll-Lotsen erfüllt",
    f"{fmt_number(summary.covered_total)} von {fmt_number(summary.target_total)}",
    help="Je Einheit zählen ihre qualifizierten und aktiven Lotsen höchstens bis zu ihrem Soll.",
)
tiles[3].metric(
    "Fehlende Lotsen",
    fmt_number(summary.missing_total),
    help="Summe der Lücken je Einheit; ein Überschuss in einer Einheit füllt keine Lücke in einer anderen.",
)

st.subheader("Soll-Lotsen je Dezernat: erfüllt und fehlend")
dezernate = cache.query(coverage.coverage_by_dezernat, root_id=scope.root_id)
if dezernate.empty:
    st.info("In dieser Auswahl gibt es keine aktiven Organisationseinheiten.")
    st.stop()
st.caption(
    "Klicken Sie auf die Balken eines Dezernats, um seine Einheiten zu sehen (Doppelklick hebt die Auswahl "
    "auf). Ohne Maus: das Dezernat links im Filter wählen."
)
# More bars than anyone can read (a Land-wide programme has hundreds of Dezernate): the largest gaps.
charted = coverage.largest_gaps(dezernate)
if len(charted) < len(dezernate):
    st.caption(
        f"Das Diagramm zeigt die {fmt_number(len(charted))} Dezernate mit den größten Lücken von "
        f"{fmt_number(len(dezernate))}; die Tabelle darunter enthält alle."
    )
event = show_chart(
    coverage_bars(charted, category="Kürzel", name="Name", selection=SELECTION),
    description=coverage_description(charted, "Dezernat"),
    data=dezernate.drop(columns=["dezernat_id"]),
    key="chart_dezernate",
    name="Soll-Lotsen je Dezernat",
    selection_mode=SELECTION,
)
clicked = [code for code in selected_values(event, SELECTION, "Kürzel") if code in set(dezernate["Kürzel"])]
# Drill into the clicked Dezernat; with a single Dezernat in the filter, straight into its units.
if clicked:
    drill = dezernate[dezernate["Kürzel"] == clicked[0]]
else:
    drill = dezernate if len(dezernate) == 1 else dezernate.iloc[0:0]

if not drill.empty:
    dezernat = drill.iloc[0]
    st.subheader(f"Einheiten in {escaped(dezernat['Kürzel'])} – {escaped(dezernat['Name'])}")
    units = cache.query(
        coverage.coverage_units, root_id=scope.root_id, dezernat_id=int(dezernat["dezernat_id"])
    )
    show_chart(
        coverage_bars(units, category="Kürzel", name="Name"),
        description=coverage_description(units, "Einheit"),
        data=units.drop(columns=["unit_id"]),
        key="chart_units",
        name=f"Soll-Lotsen {dezernat['Kürzel']}",
    )
    if user.role == Role.ADMIN:
        st.markdown("**Lotsinnen und Lotsen je Einheit** (nur für das CDO-Büro sichtbar)")
        names = cache.query(
            coverage.pilot_names_by_unit, root_id=scope.root_id, dezernat_id=int(dezernat["dezernat_id"])
        )
        data_table(names, name="Lotsen je Einheit")
    else:
        st.caption("Je Einheit werden Anzahlen gezeigt; Namen sieht nur das CDO-Büro.")

st.subheader("Lotsen je 100 Beschäftigte")
st.caption(
    f"Qualifizierte und aktive Lotsen je 100 Beschäftigte; in dieser Auswahl "
    f"{fmt_number(figures.pilots_covering)} Lotsen bei {fmt_number(figures.headcount)} Beschäftigten, "
    f"also {fmt_number(figures.per_hundred, 1)}."
)
ratios = charted.assign(Wert=charted["Lotsen je 100 Beschäftigte"].astype(float).fillna(0))
if len(charted) < len(dezernate):
    st.caption(f"Gezeigt: dieselben {fmt_number(len(charted))} Dezernate wie oben; die Tabelle enthält alle.")
show_chart(
    horizontal_bars(
        ratios, category="Kürzel", value="Wert", value_title="Lotsen je 100 Beschäftigte", decimals=1
    ),
    description="Balkendiagramm der qualifizierten und aktiven Lotsen je 100 Beschäftigte je Dezernat: "
    + "; ".join(f"{row.Kürzel}: {fmt_number(row.Wert, 1)}" for row in ratios.itertuples()),
    data=dezernate[["Kürzel", "Name", coverage.COVERING_LABEL, "Beschäftigte", "Lotsen je 100 Beschäftigte"]],
    key="chart_per_hundred",
    name="Lotsen je 100 Beschäftigte",
)

st.subheader("Lückenliste")
gap_total = cache.query(coverage.gap_count, root_id=scope.root_id)
st.caption(
    f"{fmt_number(gap_total)} Einheiten unter Soll, die größten zuerst (nach Beschäftigten) – "
    "dort fehlt ein Lotse am meisten."
)
if gap_total == 0:
    st.success("Alle Einheiten in dieser Auswahl erreichen ihr Soll.")
else:
    # Only the rows on screen are read; the downloads read the whole list when clicked.
    gaps = cache.query(coverage.gap_list, root_id=scope.root_id, limit=tables.MAX_SHOWN_ROWS)
    tables.show_table(
        gaps,
        name="Lückenliste Abdeckung",
        key="gap_list",
        total=gap_total,
        whole=lambda: cache.query(coverage.gap_list, root_id=scope.root_id),
        column_config=german_columns(gaps),
    )
