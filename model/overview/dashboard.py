"""Übersicht: key figures with their change against 30 days ago, and what needs attention now.

Past figures are reconstructed from the dated stage history (model.core.queries.stage_intervals) and
the dated status updates, so the comparison needs no stored snapshot. Counts are for everyone;
names of Lotsen come only from the two functions marked ADMIN ONLY.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, and_, func
from sqlmodel import Session, col, select

from model.core import clock
from model.core.enums import MeasureStatus, PhaseStatus, PilotStage, label
from model.core.queries import (
    CURRENT,
    PhaseInfo,
    compare_date,
    current_phase,
    measures_by_status,
    open_support_condition,
    open_support_requests,
    pilots_by_stage,
    units_with_soll,
)
from model.core.tables import Milestone, OrgUnit, Phase, Pilot, StatusUpdate
from model.org.coverage import MISSING, gap_count, gap_list
from model.org.scope import scope_condition
from model.pilots import stage_months

STALE_AFTER_DAYS = 30
COMPARE_DAYS = 30
# Lotsen expected to report: everyone in the programme except those who paused.
REPORTING = tuple(code for code in CURRENT if code != PilotStage.PAUSED.value)


@dataclass(frozen=True)
class Change:
    """A figure today and on the comparison date."""

    now: float | None
    before: float | None

    @property
    def delta(self) -> float | None:
        return None if self.now is None or self.before is None else self.now - self.before


@dataclass(frozen=True)
class KeyFigures:
    as_of: datetime
    compare_on: date
    pilots_current: Change  # all stages but "ausgeschieden"
    pilots_covering: Change  # qualified and active
    units_with_target: int
    units_covered: Change
    coverage_share: Change  # 0…1, None without units that need Lotsen
    open_support_requests: Change
    phase: PhaseInfo | None
    measures_in_progress: int
    measures_total: int
    pilots_by_stage: pd.DataFrame


def pilot_counts_at(*, session: Session, root_id: int | None, dates: Sequence[date]) -> pd.DataFrame:
    """Lotsen in the programme and qualified/active Lotsen at each date, by their unit at the time."""
    counts = stage_months.unit_counts(session=session, dates=dates)
    query = (
        select(
            counts.c.as_of,
            func.coalesce(func.sum(counts.c.in_programme), 0),
            func.coalesce(func.sum(counts.c.covering), 0),
        )
        .where(scope_condition(counts.c.unit_id, root_id))
        .group_by(counts.c.as_of)
    )
    found = {stage_months.as_date(day): (int(a), int(b)) for day, a, b in session.exec(query).all()}
    return pd.DataFrame(
        [(pd.Timestamp(day), *found.get(day, (0, 0))) for day in dates],
        columns=["Stand", "im Programm", "qualifiziert oder aktiv"],
    )


def figures_at(*, session: Session, root_id: int | None, dates: Sequence[date]) -> pd.DataFrame:
    """`pilot_counts_at` and `coverage_at` in one pass over the counts (one row per date):
    Lotsen in the programme, qualified or active, units with Soll, units covered, share covered."""
    counts = stage_months.unit_counts(session=session, dates=dates)
    units = units_with_soll(session=session, root_id=root_id)
    covered = and_(units.c.soll > 0, counts.c.covering >= units.c.soll)
    found = {
        stage_months.as_date(day): (int(current or 0), int(covering or 0), int(units_covered))
        for day, current, covering, units_covered in session.exec(
            select(
                counts.c.as_of,
                func.sum(counts.c.in_programme),
                func.sum(counts.c.covering),
                func.count().filter(covered),
            )
            .select_from(counts)
            .outerjoin(units, units.c.unit_id == counts.c.unit_id)
            .where(scope_condition(counts.c.unit_id, root_id, name="history_scope"))
            .group_by(counts.c.as_of)
        ).all()
    }
    with_target = int(session.exec(select(func.count()).select_from(units).where(units.c.soll > 0)).one())
    frame = pd.DataFrame(
        [(pd.Timestamp(day), *found.get(day, (0, 0, 0)), with_target) for day in dates],
        columns=["Stand", "im Programm", "qualifiziert oder aktiv", "abgedeckt", "Einheiten mit Soll"],
    )
    targets = frame["Einheiten mit Soll"]
    frame["Abdeckung"] = frame["abgedeckt"] / targets.where(targets > 0)
    return frame


def key_figures(*, session: Session, root_id: int | None = None) -> KeyFigures:
    """The Übersicht figures for the scope, each with its value 30 days ago."""
    today, before = clock.today(), compare_date(COMPARE_DAYS)
    stage_months.prepare(session=session, dates=(before, today))
    pilots = coverage = figures_at(session=session, root_id=root_id, dates=(before, today))
    measures = measures_by_status(session=session, root_id=root_id).set_index("status")["Anzahl"]
    shares = coverage["Abdeckung"].astype(object).where(coverage["Abdeckung"].notna(), None)
    return KeyFigures(
        as_of=clock.now(),
        compare_on=before,
        pilots_current=Change(*pilots["im Programm"].tolist()[::-1]),
        pilots_covering=Change(*pilots["qualifiziert oder aktiv"].tolist()[::-1]),
        units_with_target=int(coverage["Einheiten mit Soll"].iloc[1]),
        units_covered=Change(*coverage["abgedeckt"].tolist()[::-1]),
        coverage_share=Change(*shares.tolist()[::-1]),
        open_support_requests=Change(
            open_support_requests(session=session, root_id=root_id, on=today),
            open_support_requests(session=session, root_id=root_id, on=before),
        ),
        phase=current_phase(session=session),
        measures_in_progress=int(measures.get(MeasureStatus.IN_PROGRESS.value, 0)),
        measures_total=int(measures.sum()),
        pilots_by_stage=pilots_by_stage(session=session, root_id=root_id),
    )


@dataclass(frozen=True)
class ActionItems:
    """What needs attention: counts and non-personal lists (units, milestones, phases)."""

    units_below_soll: int
    largest_gaps: pd.DataFrame  # up to five units below Soll, largest headcount first
    overdue_milestones: pd.DataFrame
    overdue_phases: pd.DataFrame
    stale_pilots: int
    open_support_requests: int


def _stale_condition(today: date) -> ColumnElement[bool]:
    # Never reported: the Lotse counts from the start of the current stage.
    last_sign = func.coalesce(Pilot.last_update_on, Pilot.stage_since)
    return and_(col(Pilot.stage).in_(REPORTING), last_sign < today - timedelta(days=STALE_AFTER_DAYS))


def overdue_milestones(*, session: Session) -> pd.DataFrame:
    """Milestones past their due date and not done, oldest first (programme-wide)."""
    today = clock.today()
    rows = session.exec(
        select(col(Milestone.title), col(Phase.name), col(Milestone.due_on))
        .join(Phase, col(Phase.id) == Milestone.phase_id)
        .where(col(Milestone.due_on) < today, col(Milestone.done_on).is_(None))
        .order_by(col(Milestone.due_on), col(Milestone.title))
    ).all()
    return pd.DataFrame(
        [(title, phase, due, (today - due).days) for title, phase, due in rows],
        columns=["Meilenstein", "Phase", "fällig am", "Tage überfällig"],
    )


def overdue_phases(*, session: Session) -> pd.DataFrame:
    """Phases whose planned end has passed without being completed (programme-wide)."""
    today = clock.today()
    rows = session.exec(
        select(col(Phase.name), col(Phase.status), col(Phase.planned_end))
        .where(Phase.planned_end < today, Phase.status != PhaseStatus.DONE.value)
        .order_by(col(Phase.position), col(Phase.id))
    ).all()
    return pd.DataFrame(
        [(name, label(PhaseStatus(status)), end, (today - end).days) for name, status, end in rows],
        columns=["Phase", "Status", "geplantes Ende", "Tage überfällig"],
    )


def stale_pilot_count(*, session: Session, root_id: int | None = None) -> int:
    """Lotsen expected to report who have not for more than STALE_AFTER_DAYS days."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Pilot)
            .where(_stale_condition(clock.today()), scope_condition(col(Pilot.unit_id), root_id))
        ).one()
    )


def action_items(*, session: Session, root_id: int | None = None) -> ActionItems:
    """Handlungsbedarf for the scope, without names of people."""
    today = clock.today()
    largest = gap_list(session=session, root_id=root_id, limit=5)
    stale = stale_pilot_count(session=session, root_id=root_id)
    return ActionItems(
        units_below_soll=gap_count(session=session, root_id=root_id),
        largest_gaps=largest[["Kürzel", "Name", "Beschäftigte", MISSING]],
        overdue_milestones=overdue_milestones(session=session),
        overdue_phases=overdue_phases(session=session),
        stale_pilots=int(stale),
        open_support_requests=open_support_requests(session=session, root_id=root_id, on=today),
    )


def stale_pilot_names(
    *, session: Session, root_id: int | None = None, limit: int | None = None
) -> pd.DataFrame:
    """ADMIN ONLY (personal data): Lotsen without a status update for more than 30 days, the longest
    silent first (`limit`: only the first rows; `action_items` counts them all)."""
    today = clock.today()
    rows = session.exec(
        select(col(Pilot.name), col(OrgUnit.code), col(Pilot.last_update_on))
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .where(_stale_condition(today), scope_condition(col(Pilot.unit_id), root_id))
        .order_by(func.coalesce(Pilot.last_update_on, Pilot.stage_since), Pilot.name)
        .limit(limit)
    ).all()
    return pd.DataFrame(rows, columns=["Name", "Organisationseinheit", "letzte Statusmeldung"])


def open_support_request_names(
    *, session: Session, root_id: int | None = None, limit: int | None = None
) -> pd.DataFrame:
    """ADMIN ONLY (personal data): open requests for support with who asked, when and the blocker,
    the oldest first (`limit`: only the first rows)."""
    rows = session.exec(
        select(col(Pilot.name), col(OrgUnit.code), col(StatusUpdate.reported_on), col(StatusUpdate.blocker))
        .join(Pilot, col(Pilot.id) == StatusUpdate.pilot_id)
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .where(
            open_support_condition(clock.today()),
            col(Pilot.stage).in_(CURRENT),
            scope_condition(col(Pilot.unit_id), root_id),
        )
        .order_by(col(StatusUpdate.reported_on), col(Pilot.name))
        .limit(limit)
    ).all()
    return pd.DataFrame(rows, columns=["Name", "Organisationseinheit", "gemeldet am", "Hindernis"])
