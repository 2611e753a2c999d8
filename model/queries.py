"""Read models: named, typed queries that aggregate in SQL and return small results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import and_, case, func, literal
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, select

from model import clock
from model.app_settings import SollRuleSetting, soll_rule
from model.enums import (
    COVERING_STAGES,
    CURRENT_STAGES,
    MeasureStatus,
    PhaseStatus,
    PilotStage,
    SollRule,
    UnitKind,
    label,
)
from model.tables import Measure, OrgUnit, Phase, Pilot, StatusUpdate


def soll_expression(rule: SollRuleSetting) -> ColumnElement[int]:
    """Soll-Lotsen of a unit in SQL: explicit value, else the rule (Dezernate are containers: 0)."""
    if rule.rule is SollRule.PER_HEADCOUNT:
        by_rule = case(
            (OrgUnit.headcount <= rule.per_n, literal(1)),
            else_=(OrgUnit.headcount + rule.per_n - 1) / rule.per_n,
        )
    else:
        by_rule = literal(1)
    default = case((OrgUnit.kind == UnitKind.DEZERNAT.value, literal(0)), else_=by_rule)
    return func.coalesce(OrgUnit.target_pilots, default)


def coverage_by_unit(*, session: Session) -> pd.DataFrame:
    """Active units with Soll and Ist (qualified or active Lotsen), one row per unit."""
    rule = soll_rule(session=session)
    ist = func.count(Pilot.id)
    query = (
        select(
            OrgUnit.id,
            OrgUnit.code,
            OrgUnit.name,
            OrgUnit.kind,
            OrgUnit.parent_id,
            OrgUnit.headcount,
            soll_expression(rule).label("soll"),
            ist.label("ist"),
        )
        .outerjoin(
            Pilot,
            and_(Pilot.unit_id == OrgUnit.id, Pilot.stage.in_([s.value for s in COVERING_STAGES])),
        )
        .where(OrgUnit.active)
        .group_by(OrgUnit.id)
        .order_by(OrgUnit.code)
    )
    rows = session.exec(query).all()
    columns = ["id", "code", "name", "kind", "parent_id", "headcount", "soll", "ist"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class CoverageSummary:
    units_with_target: int
    units_covered: int
    soll_total: int
    ist_total: int

    @property
    def share(self) -> float | None:
        return self.units_covered / self.units_with_target if self.units_with_target else None


def coverage_summary(*, session: Session) -> CoverageSummary:
    """How many units that need Lotsen have as many trained Lotsen as they should."""
    rule = soll_rule(session=session)
    per_unit = (
        select(
            soll_expression(rule).label("soll"),
            func.count(Pilot.id).label("ist"),
        )
        .outerjoin(
            Pilot,
            and_(Pilot.unit_id == OrgUnit.id, Pilot.stage.in_([s.value for s in COVERING_STAGES])),
        )
        .where(OrgUnit.active)
        .group_by(OrgUnit.id)
        .subquery()
    )
    with_target = per_unit.c.soll > 0
    row = session.exec(
        select(
            func.count().filter(with_target),
            func.count().filter(and_(with_target, per_unit.c.ist >= per_unit.c.soll)),
            func.coalesce(func.sum(per_unit.c.soll), 0),
            func.coalesce(
                func.sum(case((per_unit.c.ist < per_unit.c.soll, per_unit.c.ist), else_=per_unit.c.soll)),
                0,
            ),
        )
    ).one()
    return CoverageSummary(
        units_with_target=int(row[0]),
        units_covered=int(row[1]),
        soll_total=int(row[2]),
        ist_total=int(row[3]),
    )


def pilots_by_stage(*, session: Session) -> pd.DataFrame:
    """Number of Lotsen per stage, every stage listed (0 where empty), in programme order."""
    counts = dict(
        session.exec(select(Pilot.stage, func.count()).group_by(Pilot.stage)).all()  # type: ignore[arg-type]
    )
    return pd.DataFrame(
        [
            {"stage": stage.value, "Stufe": label(stage), "Anzahl": int(counts.get(stage.value, 0))}
            for stage in PilotStage
        ]
    )


def measures_by_status(*, session: Session) -> pd.DataFrame:
    counts = dict(
        session.exec(select(Measure.status, func.count()).group_by(Measure.status)).all()  # type: ignore[arg-type]
    )
    return pd.DataFrame(
        [
            {"status": status.value, "Status": label(status), "Anzahl": int(counts.get(status.value, 0))}
            for status in MeasureStatus
        ]
    )


@dataclass(frozen=True)
class PhaseInfo:
    name: str
    status: PhaseStatus
    planned_end: object
    position: int


def current_phase(*, session: Session) -> PhaseInfo | None:
    """The phase under way (running, delayed or blocked), else the next planned, else the last."""
    phases = session.exec(select(Phase).order_by(Phase.position)).all()
    if not phases:
        return None
    under_way = [
        p for p in phases if p.status in (PhaseStatus.RUNNING, PhaseStatus.DELAYED, PhaseStatus.BLOCKED)
    ]
    planned = [p for p in phases if p.status == PhaseStatus.PLANNED]
    phase = (under_way or planned or phases[-1:])[0]
    return PhaseInfo(
        name=phase.name,
        status=PhaseStatus(phase.status),
        planned_end=phase.planned_end,
        position=phase.position,
    )


def open_support_requests(*, session: Session) -> int:
    """Status updates asking for support that nobody has resolved yet."""
    return int(
        session.exec(
            select(func.count())
            .select_from(StatusUpdate)
            .join(Pilot, Pilot.id == StatusUpdate.pilot_id)
            .where(
                StatusUpdate.support_wanted,
                StatusUpdate.support_resolved_on.is_(None),  # type: ignore[union-attr]
                Pilot.stage.in_([s.value for s in CURRENT_STAGES]),
            )
        ).one()
    )


@dataclass(frozen=True)
class Overview:
    """The key figures of the Übersicht page, all as of `as_of`."""

    as_of: datetime
    pilots_by_stage: pd.DataFrame
    pilots_current: int
    coverage: CoverageSummary
    phase: PhaseInfo | None
    measures_by_status: pd.DataFrame
    open_support_requests: int


def overview(*, session: Session) -> Overview:
    stages = pilots_by_stage(session=session)
    current = int(stages.loc[stages["stage"].isin([s.value for s in CURRENT_STAGES]), "Anzahl"].sum())
    return Overview(
        as_of=clock.now(),
        pilots_by_stage=stages,
        pilots_current=current,
        coverage=coverage_summary(session=session),
        phase=current_phase(session=session),
        measures_by_status=measures_by_status(session=session),
        open_support_requests=open_support_requests(session=session),
    )
