"""IT-Strukturen: who does which IT tasks with how many VZÄ, and where structures are duplicated.

Answers the council motion (seed 003): VZÄ per unit and IT task area, likely Doppelstrukturen,
and where user support (Anwenderbetreuung) really sits. Drill-down with the Dezernat filter.
"""

import pandas as pd
import streamlit as st

from model.core import clock
from model.it_staff import structures as it_staff
from ui import cache
from ui.charts.bars import labelled_bars
from ui.charts.heatmap import TASK_LABELS, fte_heatmap
from ui.charts.show import show_chart
from ui.filters import scope_filter
from ui.locale import amount_text, fmt_datetime, fmt_number, fmt_percent
from ui.navigation import current_user
from ui.plain import escaped, plain
from ui.tables import show_table

HEATMAP_ROWS = 30
THRESHOLDS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
SUPPORT = "user_support"

user = current_user("it-strukturen")
scope = scope_filter()
central = cache.query(it_staff.central_it_unit)

st.title("IT-Strukturen")
st.caption(f"Stand: {fmt_datetime(clock.now())} · {escaped(scope.label)}")
if central is None:
    st.info("Es ist noch kein IT-Personal erfasst (Verwaltung › IT-Personal oder Import).")
    st.stop()
how = "im Bereich Verwaltung festgelegt" if central.configured else "die Einheit mit den meisten IT-VZÄ"
plain(
    f"Zentrale IT: {central.code} – {central.name} ({how}); ihre Untereinheiten zählen mit. "
    "Alle anderen Einheiten gelten als dezentral."
)

threshold = st.selectbox(
    "Schwelle für mögliche Doppelstrukturen (VZÄ je Einheit)",
    THRESHOLDS,
    index=THRESHOLDS.index(it_staff.DEFAULT_THRESHOLD),
    format_func=lambda value: f"mehr als {amount_text(value)} VZÄ",
    help=f"Markiert wird ein Aufgabenbereich, den mindestens {it_staff.MIN_UNITS} Einheiten außerhalb der "
    "zentralen IT mit jeweils mehr VZÄ als der Schwelle wahrnehmen.",
    key="it_threshold",
)

by_task = cache.query(it_staff.fte_by_task, root_id=scope.root_id)
per_unit = cache.query(it_staff.fte_per_unit, root_id=scope.root_id)
unit_count = cache.query(it_staff.units_with_it_staff, root_id=scope.root_id)
report = cache.query(it_staff.duplicate_structures, root_id=scope.root_id, threshold=threshold)

total = float(by_task["total"].sum())
central_total = float(by_task["central"].sum())
tiles = st.columns(4)
tiles[0].metric("IT-Personal", f"{fmt_number(total, 1)} VZÄ")
tiles[1].metric(
    "davon zentrale IT",
    f"{fmt_number(central_total, 1)} VZÄ",
    help=fmt_percent(central_total / total if total else None),
)
tiles[2].metric("Einheiten mit IT-Personal", fmt_number(unit_count))
tiles[3].metric(
    "Mögliche Doppelstrukturen", fmt_number(len(report.flags)), help="Aufgabenbereiche über der Schwelle"
)

# ------------------------------------------------------------------ heatmap
st.subheader("VZÄ je Organisationseinheit und IT-Aufgabenbereich")
if per_unit.empty:
    st.info("In dieser Auswahl ist kein IT-Personal erfasst.")
    st.stop()
shown = per_unit.head(HEATMAP_ROWS)
names = [
    f"{code} – {name}" + (" (zentrale IT)" if is_central else "")
    for code, name, is_central in zip(shown["code"], shown["name"], shown["central"], strict=True)
]
cells = (
    shown.assign(Einheit=names, order=range(len(shown)))
    .melt(id_vars=["Einheit", "order"], value_vars=list(TASK_LABELS), var_name="task", value_name="VZÄ")
    .assign(Aufgabenbereich=lambda f: f["task"].map(TASK_LABELS))
)
cells["VZÄ_text"] = cells["VZÄ"].map(lambda v: amount_text(v) if v else "–")
largest = cells.loc[cells["VZÄ"].idxmax()]
if unit_count > HEATMAP_ROWS:
    st.caption(
        f"Die {HEATMAP_ROWS} Einheiten mit den meisten IT-VZÄ von {fmt_number(unit_count)}; "
        "alle stehen in der Tabelle darunter. Mit dem Dezernat-Filter lässt sich die Auswahl eingrenzen."
    )
show_chart(
    fte_heatmap(cells[["Einheit", "Aufgabenbereich", "VZÄ", "VZÄ_text", "order"]]),
    description=(
        f"Heatmap der IT-VZÄ: {len(shown)} Einheiten (Zeilen) mal 6 IT-Aufgabenbereiche (Spalten), "
        f"jede Zelle mit ihrer Zahl. Am meisten: {largest['Einheit']} in {largest['Aufgabenbereich']} "
        f"mit {largest['VZÄ_text']} VZÄ."
    ),
    data=cells[["Einheit", "Aufgabenbereich", "VZÄ_text"]].rename(columns={"VZÄ_text": "VZÄ"}),
    key="chart_it_heatmap",
    name="IT-VZÄ je Einheit und Aufgabenbereich",
)

# ------------------------------------------------------------------ duplicates
st.subheader("Mögliche Doppelstrukturen")
if report.flags.empty:
    st.success(
        f"Kein Aufgabenbereich liegt in mindestens {it_staff.MIN_UNITS} dezentralen Einheiten "
        "über der Schwelle."
    )
else:
    examples = (
        report.units.assign(text=lambda f: f["code"] + " (" + f["fte"].map(amount_text) + ")")
        .groupby("task_area")["text"]
        .apply(", ".join)
    )
    flags = pd.DataFrame(
        {
            "Hinweis": "mögliche Doppelstruktur",
            "Aufgabenbereich": report.flags["task_area"].map(TASK_LABELS),
            "Dezentrale Einheiten über der Schwelle": report.flags["units"],
            "VZÄ in diesen Einheiten": report.flags["fte"].map(amount_text),
            "VZÄ zentrale IT": report.flags["central_fte"].map(amount_text),
            "Einheiten (größte zuerst, bis 10)": report.flags["task_area"].map(examples),
        }
    )
    st.warning(
        f"{fmt_number(len(flags))} Aufgabenbereich(e) werden in mehreren Einheiten außerhalb der "
        f"zentralen IT mit jeweils mehr als {amount_text(threshold)} VZÄ wahrgenommen."
    )
    show_table(flags, name="Mögliche Doppelstrukturen", key="table_duplicates")

# ------------------------------------------------------------------ user support
st.subheader("Wo die Anwenderbetreuung tatsächlich sitzt")
support = by_task.set_index("task_area").loc[SUPPORT]
share = support["decentral"] / support["total"] if support["total"] else None
left, middle, right = st.columns(3)
left.metric("Anwenderbetreuung gesamt", f"{fmt_number(support['total'], 1)} VZÄ")
middle.metric(
    "zentral",
    f"{fmt_number(support['central'], 1)} VZÄ",
    help=f"Anteil: {fmt_percent(1 - share if share is not None else None)}",
)
right.metric(
    "dezentral",
    f"{fmt_number(support['decentral'], 1)} VZÄ",
    help=f"Anteil: {fmt_percent(share)} in {fmt_number(int(support['decentral_units']))} Einheiten",
)
plain(
    f"Anteil dezentral: {fmt_percent(share)} in {fmt_number(int(support['decentral_units']))} Einheiten; "
    f"zentral: {fmt_percent(1 - share if share is not None else None)}."
)

# ------------------------------------------------------------------ totals
st.subheader("Summen je IT-Aufgabenbereich")
tasks = pd.DataFrame(
    {
        "Aufgabenbereich": by_task["task_area"].map(TASK_LABELS),
        "VZÄ": by_task["total"],
        "Beschriftung": [
            f"{fmt_number(t, 1)} (zentral {fmt_number(c, 1)}, dezentral {fmt_number(d, 1)})"
            for t, c, d in zip(by_task["total"], by_task["central"], by_task["decentral"], strict=True)
        ],
    }
)
show_chart(
    labelled_bars(tasks, category="Aufgabenbereich", value="VZÄ", text="Beschriftung", title="VZÄ"),
    description="Balkendiagramm der IT-VZÄ je Aufgabenbereich: "
    + "; ".join(f"{row.Aufgabenbereich} {row.Beschriftung}" for row in tasks.itertuples())
    + ".",
    data=tasks[["Aufgabenbereich", "Beschriftung"]],
    key="chart_it_tasks",
    name="IT-VZÄ je Aufgabenbereich",
)

st.subheader("Summen je Organisationseinheit")
table = pd.DataFrame(
    {
        "Kürzel": per_unit["code"],
        "Organisationseinheit": per_unit["name"],
        "Rolle": per_unit["central"].map({True: "zentrale IT", False: "dezentral"}),
        **{title: per_unit[task].map(amount_text) for task, title in TASK_LABELS.items()},
        "Summe VZÄ": per_unit["total"].map(amount_text),
    }
)
show_table(table, name="IT-VZÄ je Organisationseinheit", key="table_it_units")
