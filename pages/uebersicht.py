"""Übersicht: where the programme stands, what changed in 30 days, and what needs attention."""

from collections.abc import Callable

import pandas as pd
import streamlit as st

from model.core.enums import PilotStage, Role, label
from model.org import coverage
from model.overview import dashboard as overview
from model.overview.dashboard import Change
from model.roadmap import ideas
from ui import cache
from ui.charts.bars import horizontal_bars
from ui.charts.show import show_chart
from ui.charts.timelines import line_over_time
from ui.filters import scope_filter
from ui.locale import fmt_date, fmt_datetime, fmt_number, fmt_percent
from ui.navigation import current_user, pages_for, spec_for
from ui.plain import escaped
from ui.tables import data_table

user = current_user("uebersicht")
NAMES_SHOWN = 100  # per list of names in the panels; the downloads hold all
scope = scope_filter()
figures = cache.query(overview.key_figures, root_id=scope.root_id)
items = cache.query(overview.action_items, root_id=scope.root_id)
is_admin = user.role == Role.ADMIN
allowed = {spec.path for spec in pages_for(user.role)}


def link(path: str, text: str) -> None:
    """A link to the page that explains a figure, if this role may open it (keeps the filter)."""
    if path in allowed:
        spec = spec_for(path)
        st.page_link(spec.file, label=text, icon=":material/arrow_forward:", query_params=scope.query_params)


def delta(change: Change, *, percent_points: bool = False, more_is_worse: bool = False) -> dict[str, object]:
    """st.metric delta arguments: sign as text and arrow (not colour alone), German numbers."""
    if change.delta is None:
        return {}
    amount = change.delta * 100 if percent_points else change.delta
    decimals = 1 if percent_points else 0
    text = fmt_number(abs(amount), decimals) + (" Prozentpunkte" if percent_points else "")
    if round(amount, decimals) == 0:
        return {"delta": f"±{text}", "delta_arrow": "off", "delta_color": "off"}
    colour = "inverse" if more_is_worse else "normal"
    return {"delta": ("+" if amount > 0 else "-") + text, "delta_color": colour}


since = f"seit {fmt_date(figures.compare_on)}"

st.title("Übersicht")
st.caption(f"Stand: {fmt_datetime(figures.as_of)} · {escaped(scope.label)}")

st.subheader("Kennzahlen")
st.caption(
    f"Veränderungen gegenüber dem {fmt_date(figures.compare_on)} (vor 30 Tagen), aus der Stufenhistorie."
)
left, middle, right, last = st.columns(4)
with left:
    st.metric(
        "Lotsinnen und Lotsen im Programm",
        fmt_number(figures.pilots_current.now),
        help="Alle Stufen außer „ausgeschieden“.",
        delta_description=since,
        **delta(figures.pilots_current),
    )
    link("rollout", "Stufen im Rollout")
with middle:
    st.metric(
        "davon qualifiziert oder aktiv",
        fmt_number(figures.pilots_covering.now),
        help="Lotsen, die ihre Einheit abdecken: Stufen „qualifiziert“ und „aktiv“.",
        delta_description=since,
        **delta(figures.pilots_covering),
    )
    link("rollout", "Stufen im Rollout")
with right:
    st.metric(
        "Organisationseinheiten abgedeckt",
        f"{fmt_number(figures.units_covered.now)} von {fmt_number(figures.units_with_target)}",
        help="Einheiten, die mindestens so viele qualifizierte oder aktive Lotsen haben wie ihr Soll.",
        delta_description=since,
        **delta(figures.units_covered),
    )
    link("abdeckung", "Abdeckung je Dezernat")
with last:
    st.metric(
        "Abdeckung",
        fmt_percent(figures.coverage_share.now),
        help="Anteil der Einheiten mit Soll, die ihr Soll erreichen.",
        delta_description=since,
        **delta(figures.coverage_share, percent_points=True),
    )
    link("abdeckung", "Lückenliste")

left, middle, right, last = st.columns(4)
with left:
    if figures.phase is None:
        st.metric("Aktuelle Programmphase", "–")
    else:
        st.metric(
            "Aktuelle Programmphase",
            escaped(figures.phase.name),
            help=f"Geplantes Ende: {fmt_date(figures.phase.planned_end)}",
        )
        st.caption(f"Status: {label(figures.phase.status)}")
    link("rollout", "Zeitplan")
with middle:
    st.metric(
        "Maßnahmen in Umsetzung",
        fmt_number(figures.measures_in_progress),
        help=f"von {fmt_number(figures.measures_total)} Maßnahmen der Roadmap",
    )
    link("roadmap", "Roadmap")
with right:
    st.metric(
        "Offene Unterstützungswünsche",
        fmt_number(figures.open_support_requests.now),
        help="Statusmeldungen mit „Unterstützung gewünscht“, die noch nicht erledigt sind.",
        delta_description=since,
        **delta(figures.open_support_requests, more_is_worse=True),
    )
    link("lotsen", "Lotsen & Qualifizierung")

st.subheader("Handlungsbedarf")
gaps, schedule = st.columns(2)
with gaps.container(border=True):
    st.markdown(f"**Einheiten unter Soll: {fmt_number(items.units_below_soll)}**")
    if items.units_below_soll:
        st.caption("Die größten Einheiten ohne ausreichende Lotsen:")
        data_table(items.largest_gaps, name="Einheiten unter Soll")
    link("abdeckung", "Zur Lückenliste")
with schedule.container(border=True):
    late = len(items.overdue_milestones) + len(items.overdue_phases)
    st.markdown(f"**Überfällige Meilensteine und Phasen: {fmt_number(late)}**")
    for frame, name in (
        (items.overdue_phases, "Überfällige Phasen"),
        (items.overdue_milestones, "Überfällige Meilensteine"),
    ):
        if not frame.empty:
            data_table(frame, name=name)
    if not late:
        st.caption("Nichts überfällig.")
    link("rollout", "Zum Zeitplan")


def names_panel(title: str, count: int, names: Callable[..., pd.DataFrame], name: str) -> None:
    """A panel counting people; the CDO-Büro also sees the names (the first NAMES_SHOWN; downloads: all)."""
    st.markdown(f"**{title}: {fmt_number(count)}**")
    if is_admin and count:
        data_table(
            cache.query(names, root_id=scope.root_id, limit=NAMES_SHOWN),
            name=name,
            total=count,
            whole=lambda: cache.query(names, root_id=scope.root_id),
        )
    elif count:
        st.caption("Namen sieht nur das CDO-Büro.")
    link("lotsen", "Zu Lotsen & Qualifizierung")


people, support = st.columns(2)
with people.container(border=True):
    names_panel(
        f"Lotsen ohne Statusmeldung seit über {overview.STALE_AFTER_DAYS} Tagen",
        items.stale_pilots,
        overview.stale_pilot_names,
        "Lotsen ohne Statusmeldung",
    )
with support.container(border=True):
    names_panel(
        "Offene Unterstützungswünsche",
        items.open_support_requests,
        overview.open_support_request_names,
        "Offene Unterstützungswünsche",
    )
if is_admin and (waiting := cache.query(ideas.open_idea_count, viewer=user)):
    with st.container(border=True):
        st.markdown(
            f"**Ideen der Lotsinnen und Lotsen, die auf Ihre Entscheidung warten: {fmt_number(waiting)}**"
        )
        st.page_link(
            spec_for("verwaltung").file,
            label="Zu den Ideen (Verwaltung, Reiter Maßnahmen)",
            icon=":material/arrow_forward:",
            query_params={"reiter": "Maßnahmen"},
        )

st.subheader("Abdeckung im Zeitverlauf")
history = cache.query(coverage.coverage_history, root_id=scope.root_id)
shares = [None if share != share else share for share in history["Abdeckung"]]  # NaN: no unit with Soll
latest = history.iloc[-1]
show_chart(
    line_over_time(history, date_field="Stand", value="Abdeckung", value_title="Abdeckung", share=True),
    description=(
        f"Liniendiagramm der Abdeckung je Monatsende, {fmt_date(history['Stand'].iloc[0])} bis "
        f"{fmt_date(latest['Stand'])}: von {fmt_percent(shares[0])} auf {fmt_percent(shares[-1])} "
        f"({fmt_number(int(latest['abgedeckt']))} von {fmt_number(int(latest['Einheiten mit Soll']))} "
        "Einheiten mit Soll)."
    ),
    data=history,
    key="chart_coverage_history",
    name="Abdeckung im Zeitverlauf",
)
link("abdeckung", "Abdeckung im Detail")

st.subheader("Lotsinnen und Lotsen nach Stufe")
stages = figures.pilots_by_stage[["Stufe", "Anzahl"]]
active = int(stages.loc[stages["Stufe"] == label(PilotStage.ACTIVE), "Anzahl"].sum())
if stages["Anzahl"].sum():
    most = stages.loc[stages["Anzahl"].idxmax()]
    summary = (
        f"Balkendiagramm der Lotsen nach Stufe; die meisten sind „{most['Stufe']}“ "
        f"({fmt_number(int(most['Anzahl']))}), {fmt_number(active)} sind aktiv."
    )
else:
    summary = "Balkendiagramm der Lotsen nach Stufe: noch keine Lotsen erfasst."
show_chart(
    horizontal_bars(stages, category="Stufe", value="Anzahl", value_title="Anzahl Lotsen"),
    description=summary,
    data=stages,
    key="chart_stages",
    name="Lotsen nach Stufe",
)
link("rollout", "Einheiten nach Rollout-Stufe")
