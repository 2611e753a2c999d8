"""Rollout: the programme timeline (phases, milestones, gate decisions) and units by rollout stage.

A unit's rollout stage is the stage of its most advanced Lotse still in the programme; units
whose Lotsen are all paused or gone count as "kein Lotse". Only units with a Soll above 0 count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from model.core import clock
from model.core.enums import PhaseStatus, label
from model.core.queries import units_with_soll
from model.core.statements import select_columns
from model.core.tables import GateDecision, Milestone, Phase
from model.org.scope import scope_condition
from model.pilots import stage_months

# Rollout classes in programme order; rank 0 = no Lotse (yet) in the unit.
ROLLOUT_CLASSES: tuple[str, ...] = (
    "kein Lotse",
    "nominiert/ausgewählt",
    "in Qualifizierung",
    "qualifiziert",
    "aktiv",
)
PLANNED = "Plan"
ACTUAL = "tatsächlich"
MILESTONE_DONE = "Meilenstein erreicht"
MILESTONE_OPEN = "Meilenstein offen"
MILESTONE_OVERDUE = "Meilenstein überfällig"
GATE = "Gremienbeschluss"
EVENT_KINDS = (MILESTONE_DONE, MILESTONE_OPEN, MILESTONE_OVERDUE, GATE)


def phase_label(name: str, status: str) -> str:
    """Row label of a phase: its name and its status in words (status never by colour alone)."""
    return f"{name} – {label(PhaseStatus(status))}"


@dataclass(frozen=True)
class Timeline:
    """The Gantt data: one row per bar, one row per point, and the date of the "heute" rule."""

    bars: pd.DataFrame  # Phase, Art (Plan/tatsächlich), Status, Beginn, Ende, offen, position
    events: pd.DataFrame  # Phase, Art, Titel, Datum, erledigt, Gremium, Vorlage-Nr., Beschluss
    phases: pd.DataFrame  # one row per phase for the table
    today: date


def timeline(*, session: Session) -> Timeline:
    """Planned and actual bars per phase, milestones and gate decisions (programme-wide)."""
    today = clock.today()
    phases = session.exec(select(Phase).order_by(col(Phase.position), col(Phase.id))).all()
    return Timeline(
        bars=_bars(phases, today),
        events=pd.concat([_milestones(session, today), _gates(session)], ignore_index=True),
        phases=_phase_table(phases),
        today=today,
    )


def _bars(phases: Sequence[Phase], today: date) -> pd.DataFrame:
    rows = []
    for phase in phases:
        name = phase_label(phase.name, phase.status)
        status = label(PhaseStatus(phase.status))
        rows.append([name, PLANNED, status, phase.planned_start, phase.planned_end, False, phase.position])
        if phase.actual_start is not None:
            # A phase under way runs up to today; its bar stays open at the right end.
            end = phase.actual_end or max(today, phase.actual_start)
            rows.append(
                [name, ACTUAL, status, phase.actual_start, end, phase.actual_end is None, phase.position]
            )
    frame = pd.DataFrame(rows, columns=["Phase", "Art", "Status", "Beginn", "Ende", "offen", "position"])
    return _with_timestamps(frame, ["Beginn", "Ende"])


def _milestones(session: Session, today: date) -> pd.DataFrame:
    rows = session.exec(
        select_columns(
            col(Phase.name),
            col(Phase.status),
            col(Milestone.title),
            col(Milestone.due_on),
            col(Milestone.done_on),
        )
        .join(Phase, col(Phase.id) == Milestone.phase_id)
        .order_by(col(Milestone.due_on))
    ).all()
    frame = pd.DataFrame(
        [
            {
                "Phase": phase_label(name, status),
                "Art": _milestone_kind(due_on, done_on, today),
                "Titel": title,
                "Datum": done_on or due_on,
                "fällig": due_on,
                "erledigt": done_on,
            }
            for name, status, title, due_on, done_on in rows
        ],
        columns=["Phase", "Art", "Titel", "Datum", "fällig", "erledigt"],
    )
    return _with_timestamps(frame, ["Datum"])


def _milestone_kind(due_on: date, done_on: date | None, today: date) -> str:
    if done_on is not None:
        return MILESTONE_DONE
    return MILESTONE_OVERDUE if due_on < today else MILESTONE_OPEN


def _gates(session: Session) -> pd.DataFrame:
    rows = session.exec(
        select_columns(
            col(Phase.name),
            col(Phase.status),
            col(GateDecision.body),
            col(GateDecision.decided_on),
            col(GateDecision.paper_no),
            col(GateDecision.summary),
        )
        .join(Phase, col(Phase.id) == GateDecision.phase_id)
        .order_by(col(GateDecision.decided_on))
    ).all()
    frame = pd.DataFrame(
        [
            {
                "Phase": phase_label(name, status),
                "Art": GATE,
                "Titel": summary or f"Beschluss {body}",
                "Datum": decided_on,
                "Gremium": body,
                "Vorlage-Nr.": paper_no,
            }
            for name, status, body, decided_on, paper_no, summary in rows
        ],
        columns=["Phase", "Art", "Titel", "Datum", "Gremium", "Vorlage-Nr."],
    )
    return _with_timestamps(frame, ["Datum"])


def _phase_table(phases: Sequence[Phase]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Phase": phase.name,
                "Status": label(PhaseStatus(phase.status)),
                "geplanter Beginn": phase.planned_start,
                "geplantes Ende": phase.planned_end,
                "tatsächlicher Beginn": phase.actual_start,
                "tatsächliches Ende": phase.actual_end,
                "Anmerkung": phase.status_note or "",
            }
            for phase in phases
        ],
        columns=[
            "Phase",
            "Status",
            "geplanter Beginn",
            "geplantes Ende",
            "tatsächlicher Beginn",
            "tatsächliches Ende",
            "Anmerkung",
        ],
    )


def _with_timestamps(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column])
    return frame


def unit_stages_at(*, session: Session, root_id: int | None, dates: Sequence[date]) -> pd.DataFrame:
    """Units per rollout class at each date: one row per (date, class), every class listed."""
    counts = stage_months.unit_counts(session=session, dates=dates)
    units = units_with_soll(session=session, root_id=root_id)
    # Units without a Lotse who counts are the remainder.
    found = {
        (stage_months.as_date(day), int(rank)): int(n)
        for day, rank, n in session.exec(
            select(counts.c.as_of, counts.c.top_rank, func.count())
            .join(units, units.c.unit_id == counts.c.unit_id)
            .where(
                units.c.soll > 0,
                counts.c.top_rank > 0,
                scope_condition(counts.c.unit_id, root_id, name="history_scope"),
            )
            .group_by(counts.c.as_of, counts.c.top_rank)
        ).all()
    }
    total = int(session.exec(select(func.count()).select_from(units).where(units.c.soll > 0)).one())
    rows = []
    for day in dates:
        ranked = [found.get((day, rank), 0) for rank in range(1, len(ROLLOUT_CLASSES))]
        for name, count in zip(ROLLOUT_CLASSES, [total - sum(ranked), *ranked], strict=True):
            rows.append((pd.Timestamp(day), name, count))
    return pd.DataFrame(rows, columns=["Stand", "Stufe", "Einheiten"])


def units_by_stage(*, session: Session, root_id: int | None = None) -> pd.DataFrame:
    """Units per rollout class today: five rows (kein Lotse … aktiv)."""
    frame = unit_stages_at(session=session, root_id=root_id, dates=(clock.today(),))
    return frame[["Stufe", "Einheiten"]]


def latest(history: pd.DataFrame) -> pd.DataFrame:
    """Units per rollout class on the last date of a `units_by_stage_history` frame (today):
    the same five rows as `units_by_stage`, without reading the history a second time."""
    last = history.loc[history["Stand"] == history["Stand"].max(), ["Stufe", "Einheiten"]]
    return last.reset_index(drop=True)


def units_by_stage_history(*, session: Session, root_id: int | None = None) -> pd.DataFrame:
    """Units per rollout class at every month end since the first stage change, ending today."""
    dates = stage_months.prepare_months(session=session, root_id=root_id)
    return unit_stages_at(session=session, root_id=root_id, dates=dates)
