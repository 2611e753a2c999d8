"""The leadership deck: six slides of aggregates, shown on the Präsentation page and exported as PDF and PPTX.

`build_deck` reads the figures once and returns plain slides (text, tables, Vega-Lite specs); the
page draws them and `pdf_bytes`/`pptx_bytes` write the same slides to files, so screen and handout
never disagree. Only aggregates: no names of people, no per-person figures. The charts are built
here with Altair (not in ui/) because the files are written without Streamlit; their text is
large enough to read from the back of a room.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session

from model.core import clock
from model.core.enums import PhaseStatus
from model.core.german import fmt_date as _date
from model.core.german import fmt_number as _number
from model.core.german import fmt_percent as _percent
from model.core.german import fmt_signed as _signed
from model.deck.charts import MAX_BARS, chart_from, share_bars, timeline_chart
from model.deck.content import (
    MAX_ROWS,
    PHASE_CODES,
    PHASE_SYMBOLS,
    PRODUCT,
    Deck,
    Figure,
    Slide,
    more_lines,
    phase_status_text,
    short_text,
    text_table,
)
from model.deck.reads import BLOCKER_DAYS, TopMeasures, phase_counts, support_by_unit, top_measures
from model.meetings import snapshots
from model.org import coverage
from model.overview import dashboard as overview
from model.overview.dashboard import Change
from model.programme import rollout

SLIDE_TITLES = (
    "Kernzahlen",
    "Rollout-Zeitplan",
    "Abdeckung nach Dezernat",
    "Top-Maßnahmen",
    "Seit der letzten Sitzung",
    "Risiken und Unterstützungsbedarf",
)

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
            f"geplantes Ende {_date(phase.planned_end)}",
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
    table = text_table(
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
        f"Überfällig: {short_text(r['Titel'])} – fällig am {_date(r['fällig'])}"
        for _, r in late.head(2).iterrows()
    ]
    lines += [
        f"Nächster Meilenstein: {short_text(r['Titel'])} – fällig am {_date(r['fällig'])}"
        for _, r in upcoming.head(1).iterrows()
    ]
    return Slide(
        title=SLIDE_TITLES[1],
        subtitle="Gestrichelter Rahmen: Plan · gefüllter Balken: tatsächlicher Verlauf · Linie: heute",
        chart=chart_from(
            timeline_chart(timeline.bars, today=timeline.today), description=description, data=table
        ),
        lines=tuple(lines),
    )


def _actual(start: Any, end: Any) -> str:  # frame cells: a date, None or NaT
    if start is None or pd.isna(start):
        return "noch nicht begonnen"
    return f"{_date(start)} – {'läuft' if end is None or pd.isna(end) else _date(end)}"


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
    table = text_table(
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
        chart=chart_from(share_bars(frame, category="Dezernat"), description=description, data=table),
    )


def measures_slide(top: TopMeasures) -> Slide:
    rows = top.rows
    table = text_table(
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
        lines=more_lines(len(rows), top.open_total)
        if len(rows)
        else ("Keine offenen Maßnahmen der Klasse A.",),
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
        ("Maßnahme", short_text(change.title), f"{change.before} → {change.now}")
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
        table=text_table(
            ["Änderung", "betrifft", "vorher → jetzt"], rows[:MAX_ROWS], "Änderungen seit der Sitzung"
        )
        if rows
        else None,
        lines=(trend, *more_lines(min(len(rows), MAX_ROWS), len(rows)))
        if rows
        else (trend, "Seit dieser Sitzung hat sich sonst nichts geändert."),
    )


def risks_slide(*, support: pd.DataFrame, gaps: int, red: int, phases: dict[str, int], overdue: int) -> Slide:
    troubled = phases.get(PhaseStatus.DELAYED.value, 0) + phases.get(PhaseStatus.BLOCKED.value, 0)
    shown = support.head(MAX_ROWS)
    rows = [
        (
            f"{r['Kürzel']} – {short_text(r['Name'], 50)}",
            _number(r["Unterstützung"]),
            _number(r["Hindernisse"]),
        )
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
        table=text_table(
            ["Organisationseinheit", "offene Unterstützungswünsche", f"Hindernisse ({BLOCKER_DAYS} Tage)"],
            rows,
            "Unterstützungsbedarf und gemeldete Hindernisse je Organisationseinheit",
        )
        if rows
        else None,
        lines=more_lines(len(rows), len(support))
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
