"""The leadership deck: six slides of aggregates, shown on the Präsentation page and exported as PDF and PPTX.

`build_deck` reads the figures once and returns plain slides (text, tables, Vega-Lite specs); the
page draws them and `pdf_bytes`/`pptx_bytes` write the same slides to files, so screen and handout
never disagree. Only aggregates: no names of people, no per-person figures. The charts are built
here with Altair (not in ui/) because the files are written without Streamlit; their text is
large enough to read from the back of a room.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import altair as alt
import font_source_sans_pro
import pandas as pd
from fpdf import FPDF
from PIL import Image
from pptx import Presentation
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Pt
from sqlalchemy import func
from sqlmodel import Session, select

from model.charts.images import chart_png
from model.charts.specs import vega_lite_spec
from model.core import clock
from model.core.enums import MeasureStatus, PhaseStatus, Rag, label
from model.core.german import fmt_date as _date
from model.core.german import fmt_datetime as _datetime
from model.core.german import fmt_number as _number
from model.core.german import fmt_percent as _percent
from model.core.german import fmt_signed as _signed
from model.core.queries import CURRENT, open_support_condition
from model.core.tables import Measure, OrgUnit, Phase, Pilot, StatusUpdate
from model.meetings import snapshots
from model.org import coverage
from model.overview import dashboard as overview
from model.overview.dashboard import Change
from model.programme import rollout
from model.roadmap.scoring import among_best, class_expression, score_expression, score_weights

PRODUCT = "Lotsen-Cockpit"
SLIDE_TITLES = (
    "Kernzahlen",
    "Rollout-Zeitplan",
    "Abdeckung nach Dezernat",
    "Top-Maßnahmen",
    "Seit der letzten Sitzung",
    "Risiken und Unterstützungsbedarf",
)
MAX_ROWS = 6  # table rows per slide: what fits at 24 px on 1080 pixels
MAX_BARS = 12  # bars per chart, for the same reason
BAR_CHART_HEIGHT = 380
TITLE_LENGTH = 70
BLOCKER_DAYS = 30
FONT_SIZE = 24  # chart text in pixels
CHART_WIDTH = 1600  # pixels of the exported chart images
INK = "#1F1F1F"
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# Status never by colour alone: a symbol and the word.
RAG_SYMBOLS = {Rag.GREEN.value: "✓", Rag.AMBER.value: "▲", Rag.RED.value: "■"}
PHASE_SYMBOLS = {
    PhaseStatus.PLANNED.value: "○",
    PhaseStatus.RUNNING.value: "▶",
    PhaseStatus.DONE.value: "✓",
    PhaseStatus.DELAYED.value: "▲",
    PhaseStatus.BLOCKED.value: "■",
}
PHASE_COLOURS = {"geplant": "#56B4E9", "läuft": PALETTE[0], "abgeschlossen": PALETTE[2]}
PHASE_COLOURS |= {"verzögert": PALETTE[1], "blockiert": PALETTE[5]}
PHASE_CODES = {label(status): status.value for status in PhaseStatus}  # German label → code
VEGA_QUARTER = "'Q' + (floor(month(datum.value) / 3) + 1) + ' ' + year(datum.value)"
VEGA_PERCENT = "format(datum.value, 'd') + ' %'"


# ------------------------------------------------------------------ what a slide is


@dataclass(frozen=True)
class Figure:
    """A key figure: large value, its label, an optional note (e.g. the change)."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    description: str  # what the table shows, for screen readers

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=list(self.columns))


@dataclass(frozen=True)
class Chart:
    spec: str  # Vega-Lite JSON without a width: the page stretches it, the files fix it
    description: str  # the chart in words (alt text)
    data: Table  # the same numbers as a table


@dataclass(frozen=True)
class Slide:
    title: str
    subtitle: str = ""
    figures: tuple[Figure, ...] = ()
    chart: Chart | None = None
    table: Table | None = None
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deck:
    as_of: datetime
    meeting_on: date
    slides: tuple[Slide, ...] = field(default_factory=tuple)

    @property
    def stand(self) -> str:
        return f"Stand: {_datetime(self.as_of)}"

    @property
    def title(self) -> str:
        return f"{PRODUCT} – Sitzung vom {_date(self.meeting_on)}"


# ------------------------------------------------------------------ German formats (no Streamlit here)


def _quarter(value: str | None) -> str:
    if not value:
        return "–"
    year, quarter = value.split("-")
    return f"{quarter} {year}"


def _short(text: str, limit: int = TITLE_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def rag_text(code: str) -> str:
    return f"{RAG_SYMBOLS.get(code, '')} {label(Rag(code))}".strip()


def phase_status_text(code: str) -> str:
    return f"{PHASE_SYMBOLS.get(code, '')} {label(PhaseStatus(code))}".strip()


def _table(columns: Sequence[str], rows: Sequence[Sequence[object]], description: str) -> Table:
    return Table(
        columns=tuple(columns),
        rows=tuple(tuple(str(v) for v in row) for row in rows),
        description=description,
    )


def _more(shown: int, total: int) -> tuple[str, ...]:
    return (
        (f"… und {_number(total - shown)} weitere (vollständig auf den Seiten der Anwendung).",)
        if total > shown
        else ()
    )


# ------------------------------------------------------------------ charts


# One config object for every deck chart, passed to the layer's constructor: each method on a
# layered chart (.properties, .configure_*) would copy all layers again. Altair puts background and
# padding into the config, so they stay there.
CHART_CONFIG = alt.Config(
    background="#FFFFFF",
    padding=12,
    axis=alt.AxisConfig(
        labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelColor=INK, titleColor=INK, labelLimit=420
    ),
    legend=alt.LegendConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelColor=INK, titleColor=INK),
    view=alt.ViewConfig(stroke=None),
)
# Channel classes rather than shorthand strings in .encode: Altair turns each string or dict into a
# channel via from_dict, which rebuilds its table of schema classes on every call.


def timeline_chart(bars: pd.DataFrame, *, today: date) -> alt.TopLevelMixin:
    """Phases as a Gantt: dashed frame = plan, filled bar = actual (colour and row text = status)."""
    phases = bars["Phase"].drop_duplicates().tolist()
    data = bars[["Phase", "Art", "Status", "Beginn", "Ende"]].assign(
        _period=[
            f"{_date(s.date())} – {_date(e.date())}"
            for s, e in zip(bars["Beginn"], bars["Ende"], strict=True)
        ]
    )
    data["_aria"] = data["Phase"] + ", " + data["Art"] + ": " + data["_period"]
    axis = alt.Axis(
        labelExpr=VEGA_QUARTER, tickCount={"interval": "month", "step": 3}, title=None, labelAngle=0
    )
    y = alt.Y("Phase:N", sort=phases, title=None)
    base = alt.Chart(data).encode(
        y=y, x=alt.X("Beginn:T", axis=axis), x2=alt.X2("Ende:T"), description=alt.Description("_aria:N")
    )
    plan = base.transform_filter(alt.datum.Art == rollout.PLANNED).mark_bar(
        size=44, fill="#FFFFFF", stroke=INK, strokeDash=[8, 4], strokeWidth=2
    )
    statuses = list(PHASE_COLOURS)
    actual = (
        base.transform_filter(alt.datum.Art != rollout.PLANNED)
        .mark_bar(size=22, stroke=INK, strokeWidth=1)
        .encode(
            color=alt.Color(
                "Status:N",
                scale=alt.Scale(domain=statuses, range=list(PHASE_COLOURS.values())),
                legend=alt.Legend(title=None, orient="bottom", symbolSize=300),
            )
        )
    )
    marker = pd.DataFrame({"Datum": [pd.Timestamp(today)], "_label": [f"heute, {_date(today)}"]})
    rule = (
        alt.Chart(marker)
        .mark_rule(color=INK, strokeWidth=3, strokeDash=[3, 3])
        .encode(x=alt.X("Datum:T"), description=alt.Description("_label:N"))
    )
    text = (
        alt.Chart(marker)
        .mark_text(align="left", baseline="top", dx=6, dy=4, fontSize=FONT_SIZE, color=INK)
        .encode(x=alt.X("Datum:T"), y=alt.YValue(0), text=alt.Text("_label:N"))
    )
    return alt.layer(plan, actual, rule, text, height=max(70 * len(phases), 200), config=CHART_CONFIG)


def share_bars(frame: pd.DataFrame, *, category: str) -> alt.TopLevelMixin:
    """Share of units covered per Dezernat (0–100), with "60 % (3 von 5)" beside each bar."""
    # The frame once, on the layer: given to both layers, Altair would name each by a hash of its
    # JSON, the frame's text form included, before moving the data up itself.
    base = alt.Chart().encode(
        y=alt.Y(f"{category}:N", sort=None, title=None),
        x=alt.X(
            "Anteil:Q",
            title="Anteil der Einheiten mit Soll, die ihr Soll erreichen",
            scale=alt.Scale(domain=[0, 100]),
            axis=alt.Axis(labelExpr=VEGA_PERCENT, tickCount=5),
        ),
        description=alt.Description("_aria:N"),
    )
    bars = base.mark_bar(color=PALETTE[0])
    labels = base.mark_text(align="left", dx=8, fontSize=FONT_SIZE, color=INK).encode(
        text=alt.Text("_label:N")
    )
    height = min(max(48 * len(frame), 120), BAR_CHART_HEIGHT)  # a fixed budget: the slide must fit
    return alt.layer(bars, labels, data=frame, height=height, config=CHART_CONFIG)


def _chart(chart: alt.TopLevelMixin, *, description: str, data: Table) -> Chart:
    # The same string as chart.to_json(indent=None), without the schema check (see model.charts.specs;
    # tests/model/test_deck.py validates every deck chart) and under the lock for Altair's settings.
    spec = json.dumps(vega_lite_spec(chart), indent=None, sort_keys=True, ensure_ascii=False)
    return Chart(spec=spec, description=description, data=data)


@lru_cache(maxsize=32)
def chart_image(spec: str) -> bytes:
    """PNG of a slide chart at a fixed width (German number and date formats)."""
    fixed = json.loads(spec) | {"width": CHART_WIDTH}
    return chart_png(json.dumps(fixed), scale=1.0)


# ------------------------------------------------------------------ aggregates of this deck


@dataclass(frozen=True)
class TopMeasures:
    rows: pd.DataFrame  # Maßnahme, OE, Status, Ampel, Ende
    total: int  # class A measures, all statuses
    open_total: int  # class A measures not done and not deferred
    in_progress: int
    red: int


CLOSED = (MeasureStatus.DONE.value, MeasureStatus.DEFERRED.value)


def top_measures(*, session: Session, limit: int = MAX_ROWS) -> TopMeasures:
    """Open class-A measures with the best score first, and counts of all class-A measures."""
    weights = score_weights(session=session)
    is_a = class_expression(weights) == "A"
    rows = session.exec(
        select(
            Measure.title, func.coalesce(OrgUnit.code, "–"), Measure.status, Measure.rag, Measure.end_quarter
        )
        .outerjoin(OrgUnit, OrgUnit.id == Measure.unit_id)
        .where(
            among_best(
                weights=weights,
                conditions=[is_a, Measure.status.not_in(CLOSED)],  # type: ignore[attr-defined]
                limit=limit,
            )
        )
        .order_by(score_expression(weights).desc(), Measure.title)
    ).all()
    counts = session.exec(
        select(Measure.status, Measure.rag, func.count()).where(is_a).group_by(Measure.status, Measure.rag)
    ).all()
    frame = pd.DataFrame(
        [
            (_short(title), code, label(MeasureStatus(status)), rag_text(rag), _quarter(end))
            for title, code, status, rag, end in rows
        ],
        columns=["Maßnahme", "OE", "Status", "Ampel", "Ende"],
    )
    return TopMeasures(
        rows=frame,
        total=sum(n for _s, _r, n in counts),
        open_total=sum(n for s, _r, n in counts if s not in CLOSED),
        in_progress=sum(n for s, _r, n in counts if s == MeasureStatus.IN_PROGRESS.value),
        red=sum(n for s, r, n in counts if r == Rag.RED.value and s not in CLOSED),
    )


def support_by_unit(*, session: Session) -> pd.DataFrame:
    """Per unit: open requests for support and blockers reported in 30 days (counts, no persons)."""
    today = clock.today()
    reporting = Pilot.stage.in_(CURRENT)  # type: ignore[attr-defined]
    requests = (
        select(Pilot.unit_id.label("unit_id"), func.count().label("n"))
        .select_from(StatusUpdate)
        .join(Pilot, Pilot.id == StatusUpdate.pilot_id)
        .where(open_support_condition(today), reporting)
        .group_by(Pilot.unit_id)
    )
    blockers = (
        select(Pilot.unit_id.label("unit_id"), func.count().label("n"))
        .select_from(StatusUpdate)
        .join(Pilot, Pilot.id == StatusUpdate.pilot_id)
        .where(
            StatusUpdate.blocker.is_not(None),  # type: ignore[union-attr]
            func.trim(StatusUpdate.blocker) != "",
            StatusUpdate.reported_on >= today - timedelta(days=BLOCKER_DAYS),
            reporting,
        )
        .group_by(Pilot.unit_id)
    )
    counts: dict[int, list[int]] = {}
    for position, query in enumerate((requests, blockers)):
        for unit_id, n in session.exec(query).all():
            counts.setdefault(int(unit_id), [0, 0])[position] = int(n)
    if not counts:
        return pd.DataFrame(columns=["unit_id", "Kürzel", "Name", "Unterstützung", "Hindernisse"])
    named = select(OrgUnit.id, OrgUnit.code, OrgUnit.name).where(OrgUnit.id.in_(counts))  # type: ignore[union-attr]
    units = {unit_id: (code, name) for unit_id, code, name in session.exec(named).all()}
    frame = pd.DataFrame(
        [(unit_id, *units[unit_id], support, blocked) for unit_id, (support, blocked) in counts.items()],
        columns=["unit_id", "Kürzel", "Name", "Unterstützung", "Hindernisse"],
    )
    return frame.sort_values(["Unterstützung", "Hindernisse", "Kürzel"], ascending=[False, False, True])


def phase_counts(*, session: Session) -> dict[str, int]:
    return dict(session.exec(select(Phase.status, func.count()).group_by(Phase.status)).all())  # type: ignore[arg-type]


# ------------------------------------------------------------------ the six slides


def _change_note(change: Change, since: date, *, points: bool = False) -> str:
    if change.delta is None:
        return ""
    if points:
        return f"{_signed(round(change.delta * 100))} Prozentpunkte seit {_date(since)}"
    return f"{_signed(change.delta)} seit {_date(since)}"


def key_figures_slide(figures: overview.KeyFigures) -> Slide:
    since = figures.compare_on
    phase = figures.phase
    phase_line = (
        ("Noch keine Programmphasen erfasst.",)
        if phase is None
        else (
            f"Aktuelle Phase: {phase.name} – {phase_status_text(phase.status.value)}, "
            f"geplantes Ende {_date(phase.planned_end)}",  # type: ignore[arg-type]
        )
    )
    return Slide(
        title=SLIDE_TITLES[0],
        subtitle="Gesamtes Programm; Veränderung gegenüber 30 Tagen zuvor.",
        figures=(
            Figure(
                "Lotsinnen und Lotsen im Programm",
                _number(figures.pilots_current.now),
                _change_note(figures.pilots_current, since),
            ),
            Figure(
                "davon qualifiziert oder aktiv",
                _number(figures.pilots_covering.now),
                _change_note(figures.pilots_covering, since),
            ),
            Figure(
                "Organisationseinheiten abgedeckt",
                f"{_number(figures.units_covered.now)} von {_number(figures.units_with_target)}",
                _change_note(figures.units_covered, since),
            ),
            Figure(
                "Abdeckung",
                _percent(figures.coverage_share.now),
                _change_note(figures.coverage_share, since, points=True),
            ),
            Figure(
                "Maßnahmen in Umsetzung",
                _number(figures.measures_in_progress),
                f"von {_number(figures.measures_total)} Maßnahmen der Roadmap",
            ),
            Figure(
                "Offene Unterstützungswünsche",
                _number(figures.open_support_requests.now),
                _change_note(figures.open_support_requests, since),
            ),
        ),
        lines=phase_line,
    )


def timeline_slide(timeline: rollout.Timeline) -> Slide:
    phases = timeline.phases
    if phases.empty:
        return Slide(title=SLIDE_TITLES[1], lines=("Es sind noch keine Programmphasen erfasst.",))
    events = timeline.events
    rows = [
        (
            row["Phase"],
            f"{PHASE_SYMBOLS.get(PHASE_CODES.get(row['Status'], ''), '')} {row['Status']}".strip(),
            f"{_date(row['geplanter Beginn'])} – {_date(row['geplantes Ende'])}",
            _actual(row["tatsächlicher Beginn"], row["tatsächliches Ende"]),
        )
        for _, row in phases.iterrows()
    ]
    table = _table(
        ["Phase", "Status", "Plan", "tatsächlich"],
        rows,
        "Programmphasen mit Status, Plan und tatsächlichem Verlauf",
    )
    description = (
        f"Zeitplan mit {_number(len(phases))} Phasen: "
        + "; ".join(f"{r[0]} ({r[1]}, Plan {r[2]})" for r in rows)
        + f". Heute ist der {_date(timeline.today)}."
    )
    late = events[events["Art"] == rollout.MILESTONE_OVERDUE].sort_values("Datum")
    upcoming = events[events["Art"] == rollout.MILESTONE_OPEN].sort_values("Datum")
    lines = [f"Meilensteine überfällig: {_number(len(late))}"]
    lines += [
        f"Überfällig: {_short(r['Titel'])} – fällig am {_date(r['fällig'])}"
        for _, r in late.head(2).iterrows()
    ]
    lines += [
        f"Nächster Meilenstein: {_short(r['Titel'])} – fällig am {_date(r['fällig'])}"
        for _, r in upcoming.head(1).iterrows()
    ]
    return Slide(
        title=SLIDE_TITLES[1],
        subtitle="Gestrichelter Rahmen: Plan · gefüllter Balken: tatsächlicher Verlauf · Linie: heute",
        chart=_chart(
            timeline_chart(timeline.bars, today=timeline.today), description=description, data=table
        ),
        lines=tuple(lines),
    )


def _actual(start: object, end: object) -> str:
    if start is None or pd.isna(start):
        return "noch nicht begonnen"
    return f"{_date(start)} – {'läuft' if end is None or pd.isna(end) else _date(end)}"  # type: ignore[arg-type]


def coverage_slide(dezernate: pd.DataFrame, summary: coverage.CoverageSummary) -> Slide:
    needing = dezernate[dezernate["Einheiten mit Soll"] > 0]
    shares = needing["davon abgedeckt"] / needing["Einheiten mit Soll"]
    # More Dezernate than fit: those with the lowest coverage, where help is needed.
    shown = (
        needing if len(needing) <= MAX_BARS else needing.loc[shares.nsmallest(MAX_BARS).index].sort_index()
    )
    frame = pd.DataFrame(
        {
            "Dezernat": shown["Kürzel"],
            "Anteil": (shown["davon abgedeckt"] * 100 / shown["Einheiten mit Soll"]).round(0),
            "_label": [
                f"{_percent(c / t)} ({_number(c)} von {_number(t)})"
                + (f" · fehlend: {_number(m)}" if m else "")
                for c, t, m in zip(
                    shown["davon abgedeckt"],
                    shown["Einheiten mit Soll"],
                    shown[coverage.MISSING],
                    strict=True,
                )
            ],
            "_aria": [
                f"{code}: {_percent(c / t)} ({_number(c)} von {_number(t)} Einheiten abgedeckt), "
                f"Soll-Lotsen {_number(met)} von {_number(soll)} erfüllt, {_number(m)} fehlend"
                for code, c, t, met, soll, m in shown[
                    [
                        "Kürzel",
                        "davon abgedeckt",
                        "Einheiten mit Soll",
                        coverage.MET,
                        "Soll",
                        coverage.MISSING,
                    ]
                ].itertuples(index=False)
            ],
        }
    )
    table = _table(
        ["Dezernat", "Name", "Einheiten mit Soll", "abgedeckt", "Soll-Lotsen", "erfüllt", "fehlend"],
        [
            (
                r["Kürzel"],
                r["Name"],
                _number(r["Einheiten mit Soll"]),
                _number(r["davon abgedeckt"]),
                _number(r["Soll"]),
                _number(r[coverage.MET]),
                _number(r[coverage.MISSING]),
            )
            for _, r in shown.iterrows()
        ],
        "Abdeckung je Dezernat: Einheiten mit Soll, davon abgedeckt, Soll-Lotsen, davon erfüllt und fehlend",
    )
    description = (
        "Balkendiagramm des Anteils abgedeckter Einheiten je Dezernat: " + "; ".join(frame["_aria"]) + "."
    )
    return Slide(
        title=SLIDE_TITLES[2],
        subtitle="Abgedeckt: qualifizierte und aktive Lotsen erreichen das Soll der Einheit.",
        figures=(
            Figure(
                "Organisationseinheiten abgedeckt",
                f"{_number(summary.units_covered)} von {_number(summary.units_with_target)}",
            ),
            Figure("Abdeckung", _percent(summary.share)),
            Figure(
                "Soll-Lotsen erfüllt",
                f"{_number(summary.covered_total)} von {_number(summary.target_total)}",
                f"fehlend: {_number(summary.missing_total)} (Summe der Lücken je Einheit)",
            ),
        ),
        lines=(
            (
                f"Gezeigt: die {_number(MAX_BARS)} von {_number(len(needing))} Dezernaten "
                "mit der geringsten Abdeckung.",
            )
            if len(shown) < len(needing)
            else ()
        ),
        chart=_chart(share_bars(frame, category="Dezernat"), description=description, data=table),
    )


def measures_slide(top: TopMeasures) -> Slide:
    rows = top.rows
    table = _table(
        list(rows.columns), rows.itertuples(index=False), "Offene Maßnahmen der Klasse A mit Status und Ampel"
    )
    return Slide(
        title=SLIDE_TITLES[3],
        subtitle="Priorität A, bester Score zuerst; ohne abgeschlossene und zurückgestellte Maßnahmen.",
        figures=(
            Figure("Maßnahmen der Klasse A", _number(top.total), f"davon {_number(top.open_total)} offen"),
            Figure("davon in Umsetzung", _number(top.in_progress)),
            Figure("offen mit Ampel rot", _number(top.red)),
        ),
        table=table if len(rows) else None,
        lines=_more(len(rows), top.open_total) if len(rows) else ("Keine offenen Maßnahmen der Klasse A.",),
    )


def _change_rows(comparison: snapshots.Comparison) -> list[tuple[str, str, str]]:
    rows = [("Einheit neu abgedeckt", unit, "Soll erreicht") for unit in comparison.units_newly_covered]
    rows += [
        ("Einheit nicht mehr abgedeckt", unit, "unter Soll") for unit in comparison.units_no_longer_covered
    ]
    rows += [
        (
            "Phase verschoben" if change.slipped else "Phase geändert",
            change.name,
            f"{change.status_before} → {change.status_now}, "
            f"Ende {_date(change.end_before)} → {_date(change.end_now)}",
        )
        for change in comparison.phase_changes
    ]
    rows += [
        ("Maßnahme", _short(change.title), f"{change.before} → {change.now}")
        for change in comparison.measure_changes
    ]
    return rows


def change_text(
    before: float | None, now: float | None, since: date, *, fewer_is_better: bool = False
) -> str:
    """A change with arrow and words, never colour alone: '▲ 3 mehr als am 26.10.2026 – besser'."""
    if before is None or now is None:
        return f"am {_date(since)} nicht erfasst"
    delta = now - before
    if delta == 0:
        return f"= unverändert seit {_date(since)}"
    better = (delta > 0) != fewer_is_better
    arrow, word = ("▲", "mehr") if delta > 0 else ("▼", "weniger")
    return (
        f"{arrow} {_number(abs(delta))} {word} als am {_date(since)} – {'besser' if better else 'schlechter'}"
    )


NO_MEETING_YET = (
    "Noch keine frühere Sitzung abgeschlossen. Das CDO-Büro schließt eine Sitzung auf dieser Seite ab; "
    "die nächste Sitzung vergleicht dann mit ihrem Stand."
)


def since_slide(comparison: snapshots.Comparison | str | None) -> Slide:
    """What changed since the last meeting, better and worse; a text instead says why there is none."""
    if comparison is None:
        return Slide(title=SLIDE_TITLES[4], lines=(NO_MEETING_YET,))
    if isinstance(comparison, str):
        return Slide(title=SLIDE_TITLES[4], lines=(comparison,))
    snapshot = comparison.snapshot
    since = snapshot.held_on
    rows = _change_rows(comparison)
    figures = {figure.name: figure for figure in comparison.figures}
    share, pilots = figures["Abdeckung"], figures["Lotsinnen und Lotsen im Programm"]
    covered, with_target = (
        figures["Organisationseinheiten abgedeckt"],
        figures["Organisationseinheiten mit Soll"],
    )
    missing, trained = figures["Fehlende Lotsen"], figures["davon qualifiziert oder aktiv"]
    support = figures["Offene Unterstützungswünsche"]
    trend = (
        f"Abdeckung {_percent(share.before)} → {_percent(share.now)} · Lotsinnen und Lotsen im Programm "
        f"{_number(pilots.before)} → {_number(pilots.now)} · Phasen verschoben: "
        f"{_number(comparison.phases_slipped)} · Maßnahmen mit neuem Status: "
        f"{_number(len(comparison.measure_changes))}"
    )
    return Slide(
        title=SLIDE_TITLES[4],
        subtitle=f"Vergleich mit „{snapshot.title}“ (Sitzung am {_date(since)})",
        figures=(
            Figure(
                "Organisationseinheiten abgedeckt",
                f"{_number(covered.now)} von {_number(with_target.now)}",
                change_text(covered.before, covered.now, since),
            ),
            Figure(
                "Fehlende Lotsen",
                _number(missing.now),
                change_text(missing.before, missing.now, since, fewer_is_better=True),
            ),
            Figure(
                "Lotsinnen und Lotsen qualifiziert oder aktiv",
                _number(trained.now),
                change_text(trained.before, trained.now, since),
            ),
            Figure(
                "Offene Unterstützungswünsche",
                _number(support.now),
                change_text(support.before, support.now, since, fewer_is_better=True),
            ),
        ),
        table=_table(
            ["Änderung", "betrifft", "vorher → jetzt"], rows[:MAX_ROWS], "Änderungen seit der Sitzung"
        )
        if rows
        else None,
        lines=(trend, *_more(min(len(rows), MAX_ROWS), len(rows)))
        if rows
        else (trend, "Seit dieser Sitzung hat sich sonst nichts geändert."),
    )


def risks_slide(*, support: pd.DataFrame, gaps: int, red: int, phases: dict[str, int], overdue: int) -> Slide:
    troubled = phases.get(PhaseStatus.DELAYED.value, 0) + phases.get(PhaseStatus.BLOCKED.value, 0)
    shown = support.head(MAX_ROWS)
    rows = [
        (f"{r['Kürzel']} – {_short(r['Name'], 50)}", _number(r["Unterstützung"]), _number(r["Hindernisse"]))
        for _, r in shown.iterrows()
    ]
    return Slide(
        title=SLIDE_TITLES[5],
        subtitle="Zusammengefasst je Organisationseinheit, ohne Personenbezug.",
        figures=(
            Figure(
                "Offene Unterstützungswünsche",
                _number(int(support["Unterstützung"].sum()) if len(support) else 0),
            ),
            Figure("Einheiten unter Soll", _number(gaps)),
            Figure("offene Maßnahmen mit Ampel rot", _number(red)),
            Figure(
                "Phasen verzögert oder blockiert",
                _number(troubled),
                f"Meilensteine überfällig: {_number(overdue)}",
            ),
        ),
        table=_table(
            ["Organisationseinheit", "offene Unterstützungswünsche", f"Hindernisse ({BLOCKER_DAYS} Tage)"],
            rows,
            "Unterstützungsbedarf und gemeldete Hindernisse je Organisationseinheit",
        )
        if rows
        else None,
        lines=_more(len(rows), len(support))
        if rows
        else ("Keine offenen Unterstützungswünsche und keine Hindernisse gemeldet.",),
    )


def build_deck(*, session: Session, snapshot_id: int | None = None) -> Deck:
    """All six slides as of now; "Seit der letzten Sitzung" against `snapshot_id` (default: the last
    meeting held before today, so that closing today's meeting does not change today's slides)."""
    figures = overview.key_figures(session=session)
    timeline = rollout.timeline(session=session)
    summary = coverage.coverage_summary(session=session)
    top = top_measures(session=session)
    last = snapshots.baseline(session=session, before=clock.today())
    chosen = snapshot_id if snapshot_id is not None else (last.id if last else None)
    comparison: snapshots.Comparison | str | None
    try:
        comparison = None if chosen is None else snapshots.compare(session=session, snapshot_id=chosen)
    except snapshots.SnapshotError as error:
        comparison = str(error)  # a damaged snapshot must not take the presentation down
    return Deck(
        as_of=clock.now(),
        meeting_on=clock.today(),
        slides=(
            key_figures_slide(figures),
            timeline_slide(timeline),
            coverage_slide(
                coverage.coverage_by_dezernat(session=session),
                summary,
            ),
            measures_slide(top),
            since_slide(comparison),
            risks_slide(
                support=support_by_unit(session=session),
                gaps=summary.units_with_target - summary.units_covered,
                red=top.red,
                phases=phase_counts(session=session),
                overdue=int((timeline.events["Art"] == rollout.MILESTONE_OVERDUE).sum()),
            ),
        ),
    )


def file_name(deck: Deck, suffix: str) -> str:
    """Lotsen-Cockpit_Sitzung_2026-11-23.pdf"""
    return f"{PRODUCT}_Sitzung_{deck.meeting_on.isoformat()}.{suffix}"


# ------------------------------------------------------------------ files: one layout, two writers

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 960.0, 540.0, 36.0  # points: 13.33 × 7.5 inches (16:9)
CONTENT_BOTTOM = PAGE_HEIGHT - 44
FONT_REGULAR = font_source_sans_pro.font_files_ttf["SourceSansPro"]
FONT_BOLD = font_source_sans_pro.font_files_ttf["SourceSansProBold"]
FONT_NAME = "Source Sans Pro"


@dataclass(frozen=True)
class Block:
    """One thing on a page, positioned in points from the top left."""

    kind: str  # "text", "image" or "table"
    x: float
    y: float
    w: float
    h: float
    text: str = ""
    size: float = 14
    bold: bool = False
    align: str = "L"
    image: bytes = b""
    table: Table | None = None
    widths: tuple[float, ...] = ()


def _text(
    x: float, y: float, w: float, text: str, size: float, *, bold: bool = False, align: str = "L"
) -> Block:
    return Block("text", x, y, w, size * 1.35, text=text, size=size, bold=bold, align=align)


def _frame(deck: Deck, title: str, number: int, total: int) -> list[Block]:
    width = PAGE_WIDTH - 2 * MARGIN
    return [
        _text(MARGIN, 24, width * 0.62, title, 28, bold=True),
        _text(MARGIN + width * 0.62, 32, width * 0.38, deck.stand, 13, align="R"),
        _text(MARGIN, PAGE_HEIGHT - 30, width * 0.7, deck.title, 10),
        _text(
            MARGIN + width * 0.7, PAGE_HEIGHT - 30, width * 0.3, f"Seite {number} von {total}", 10, align="R"
        ),
    ]


def _figure_blocks(figures: Sequence[Figure], top: float) -> tuple[list[Block], float]:
    per_row = 3 if len(figures) > 4 else max(len(figures), 1)
    width = (PAGE_WIDTH - 2 * MARGIN) / per_row
    blocks: list[Block] = []
    for index, figure in enumerate(figures):
        x = MARGIN + (index % per_row) * width
        y = top + (index // per_row) * 78
        blocks += [
            _text(x, y, width - 12, figure.value, 30, bold=True),
            _text(x, y + 40, width - 12, figure.label, 13),
        ]
        if figure.note:
            blocks.append(_text(x, y + 58, width - 12, figure.note, 11))
    rows = -(-len(figures) // per_row) if figures else 0
    return blocks, top + rows * 78


def _image_block(png: bytes, description: str, top: float, bottom: float) -> Block:
    with Image.open(io.BytesIO(png)) as image:
        pixels_w, pixels_h = image.size
    box_w, box_h = PAGE_WIDTH - 2 * MARGIN, max(bottom - top, 40)
    scale = min(box_w / pixels_w, box_h / pixels_h)
    w, h = pixels_w * scale, pixels_h * scale
    return Block("image", MARGIN + (box_w - w) / 2, top, w, h, text=description, image=png)


def _table_block(table: Table, top: float) -> Block:
    width = PAGE_WIDTH - 2 * MARGIN
    lengths = [max([len(c) for c in column] + [8]) for column in zip(table.columns, *table.rows, strict=True)]
    widths = tuple(width * n / sum(lengths) for n in lengths)
    return Block("table", MARGIN, top, width, 22.0 * (len(table.rows) + 1), table=table, widths=widths)


def layout(deck: Deck, slide: Slide, *, number: int, total: int) -> list[Block]:
    """Where everything of one slide goes on a 16:9 page (the PDF and the PPTX share it)."""
    blocks = _frame(deck, slide.title, number, total)
    top = 78.0
    if slide.subtitle:
        blocks.append(_text(MARGIN, top, PAGE_WIDTH - 2 * MARGIN, slide.subtitle, 14))
        top += 28
    figures, top = _figure_blocks(slide.figures, top + 4)
    blocks += figures
    lines_top = CONTENT_BOTTOM - 20 * len(slide.lines)
    if slide.table is not None:
        table = _table_block(slide.table, top + 6)
        blocks.append(table)
        top = table.y + table.h
    if slide.chart is not None:
        blocks.append(
            _image_block(chart_image(slide.chart.spec), slide.chart.description, top + 6, lines_top - 6)
        )
    for index, line in enumerate(slide.lines):
        blocks.append(_text(MARGIN, lines_top + 20 * index, PAGE_WIDTH - 2 * MARGIN, line, 13))
    return blocks


def title_layout(deck: Deck, *, total: int) -> list[Block]:
    width = PAGE_WIDTH - 2 * MARGIN
    return [
        _text(MARGIN, 170, width, PRODUCT, 44, bold=True),
        _text(MARGIN, 236, width, f"Sitzung vom {_date(deck.meeting_on)}", 28),
        _text(MARGIN, 290, width, deck.stand, 18),
        _text(
            MARGIN,
            322,
            width,
            "Programm „Digitale Lotsinnen und Lotsen“ – zusammengefasste Zahlen, ohne Personenbezug.",
            14,
        ),
        _text(MARGIN + width * 0.7, PAGE_HEIGHT - 30, width * 0.3, f"Seite 1 von {total}", 10, align="R"),
    ]


def pages(deck: Deck) -> list[list[Block]]:
    """The title page and one page per slide, each with its blocks."""
    total = len(deck.slides) + 1
    return [title_layout(deck, total=total)] + [
        layout(deck, slide, number=index + 2, total=total) for index, slide in enumerate(deck.slides)
    ]


def pdf_bytes(deck: Deck) -> bytes:
    """The deck as a PDF (16:9 pages, Source Sans Pro embedded, charts as images with alt text)."""
    pdf = FPDF(orientation="landscape", unit="pt", format=(PAGE_HEIGHT, PAGE_WIDTH))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font(FONT_NAME, "", FONT_REGULAR)
    pdf.add_font(FONT_NAME, "B", FONT_BOLD)
    pdf.set_title(deck.title)
    pdf.set_lang("de-DE")
    pdf.set_creator(PRODUCT)
    for blocks in pages(deck):
        pdf.add_page()
        for block in blocks:
            _pdf_block(pdf, block)
    return bytes(pdf.output())


def _pdf_block(pdf: FPDF, block: Block) -> None:
    if block.kind == "image":
        pdf.image(io.BytesIO(block.image), block.x, block.y, w=block.w, h=block.h, alt_text=block.text)
        return
    if block.kind == "table" and block.table is not None:
        pdf.set_xy(block.x, block.y)
        pdf.set_font(FONT_NAME, "", 12)
        with pdf.table(
            width=block.w, col_widths=block.widths, text_align="LEFT", line_height=15, padding=3, align="LEFT"
        ) as table:
            for values in (block.table.columns, *block.table.rows):
                row = table.row()
                for value in values:
                    row.cell(value)
        return
    pdf.set_font(FONT_NAME, "B" if block.bold else "", block.size)
    pdf.set_xy(block.x, block.y)
    pdf.multi_cell(block.w, block.size * 1.2, block.text, align=block.align)


def pptx_bytes(deck: Deck) -> bytes:
    """The deck as PowerPoint: every page a slide with a real title, charts as pictures with alt text."""
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = Pt(PAGE_WIDTH), Pt(PAGE_HEIGHT)
    titled = presentation.slide_layouts[5]  # "Title Only": a title screen readers announce
    for blocks in pages(deck):
        slide = presentation.slides.add_slide(titled)
        title, *rest = blocks
        _pptx_title(slide, title)
        for block in rest:
            _pptx_block(slide, block)
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def _pptx_title(slide, block: Block) -> None:  # type: ignore[no-untyped-def]
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = Pt(block.x), Pt(block.y), Pt(block.w), Pt(block.h + 8)
    shape.text_frame.text = block.text
    _style(shape.text_frame.paragraphs[0], block.size, bold=block.bold)


def _style(paragraph, size: float, *, bold: bool = False, align: str = "L") -> None:  # type: ignore[no-untyped-def]
    paragraph.alignment = PP_ALIGN.RIGHT if align == "R" else PP_ALIGN.LEFT
    for run in paragraph.runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = FONT_NAME


def _pptx_block(slide, block: Block) -> None:  # type: ignore[no-untyped-def]
    box = (Pt(block.x), Pt(block.y), Pt(block.w), Pt(block.h))
    if block.kind == "image":
        picture = slide.shapes.add_picture(io.BytesIO(block.image), *box)
        picture._element.nvPicPr.cNvPr.set("descr", block.text)  # alt text
        return
    if block.kind == "table" and block.table is not None:
        rows = (block.table.columns, *block.table.rows)
        table = slide.shapes.add_table(len(rows), len(block.table.columns), *box).table
        for column, width in enumerate(block.widths):
            table.columns[column].width = Emu(int(Pt(width)))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                cell.text = value
                _style(cell.text_frame.paragraphs[0], 12, bold=r == 0)
        return
    frame = slide.shapes.add_textbox(*box).text_frame
    frame.word_wrap = True
    frame.text = block.text
    _style(frame.paragraphs[0], block.size, bold=block.bold, align=block.align)
