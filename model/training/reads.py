"""Read models of the qualification: a Lotse's modules, the training matrix, completion per module."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, case, func, literal, or_
from sqlmodel import Session, select

from model.core.actor import Actor, check_admin, check_person_access
from model.core.enums import ModuleKind, label
from model.core.tables import OrgUnit, Pilot, TrainingModule, TrainingRecord
from model.org.scope import scope_condition
from model.pilots.reads import CURRENT_STAGE_CODES, roster_ids

# Training state of one Lotse in one module.
COMPLETED, ENROLLED, OPEN = "completed", "enrolled", "open"
TRAINING_LABELS = {COMPLETED: "abgeschlossen", ENROLLED: "eingeschrieben", OPEN: "offen"}


def _training_state():  # type: ignore[no-untyped-def]
    return case(
        (TrainingRecord.completed_on.is_not(None), literal(COMPLETED)),  # type: ignore[union-attr]
        (TrainingRecord.enrolled_on.is_not(None), literal(ENROLLED)),  # type: ignore[union-attr]
        else_=literal(OPEN),
    )


def training_progress(*, session: Session, viewer: Actor, pilot_id: int) -> pd.DataFrame:
    """Every active module (and any other the Lotse has a record in) with the Lotse's state."""
    check_person_access(viewer, pilot_id)
    rows = session.exec(
        select(
            TrainingModule.id,
            TrainingModule.name,
            TrainingModule.kind,
            TrainingModule.duration_days,
            _training_state(),
            TrainingRecord.enrolled_on,
            TrainingRecord.completed_on,
        )
        .select_from(TrainingModule)
        .outerjoin(
            TrainingRecord,
            and_(TrainingRecord.module_id == TrainingModule.id, TrainingRecord.pilot_id == pilot_id),
        )
        .where(or_(TrainingModule.active, TrainingRecord.id.is_not(None)))  # type: ignore[union-attr]
        .order_by(TrainingModule.position, TrainingModule.name)
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=["module_id", "Modul", "kind", "Dauer (Tage)", "state", "Eingeschrieben", "Abgeschlossen"],
    )
    frame["Art"] = frame["kind"].map(lambda kind: label(ModuleKind(kind)))
    frame["Stand"] = frame["state"].map(TRAINING_LABELS)
    return frame[
        ["module_id", "Modul", "Art", "Dauer (Tage)", "state", "Stand", "Eingeschrieben", "Abgeschlossen"]
    ]


def _module_columns(session: Session) -> list[tuple[int, str]]:
    return list(
        session.exec(
            select(TrainingModule.id, TrainingModule.name)
            .where(TrainingModule.active)
            .order_by(TrainingModule.position, TrainingModule.name)
        ).all()
    )


def training_matrix(
    *,
    session: Session,
    viewer: Actor,
    root_id: int | None = None,
    stages: tuple[str, ...] = CURRENT_STAGE_CODES,
    limit: int | None = None,
) -> pd.DataFrame:
    """Lotsen × active modules, each cell abgeschlossen / eingeschrieben / offen (as text).

    Ordered by unit code and name like the roster; `limit` keeps the first rows (the screen).
    """
    check_admin(viewer)
    modules = _module_columns(session)
    names = [name for _, name in modules]
    if not modules:
        return pd.DataFrame(columns=["id", "Name", "Kürzel"])
    state = case(
        (TrainingRecord.completed_on.is_not(None), literal(TRAINING_LABELS[COMPLETED])),  # type: ignore[union-attr]
        (TrainingRecord.enrolled_on.is_not(None), literal(TRAINING_LABELS[ENROLLED])),  # type: ignore[union-attr]
    )
    # One row per Lotse with a column per module, aggregated in SQL (at most one record per module).
    cells = [
        func.coalesce(func.max(case((TrainingRecord.module_id == module_id, state))), TRAINING_LABELS[OPEN])
        for module_id, _ in modules
    ]
    records = and_(
        TrainingRecord.pilot_id == Pilot.id,
        TrainingRecord.module_id.in_([module_id for module_id, _ in modules]),  # type: ignore[attr-defined]
    )
    chosen = roster_ids([Pilot.stage.in_(stages), scope_condition(Pilot.unit_id, root_id)], limit)
    rows = session.exec(
        select(Pilot.id, Pilot.name, OrgUnit.code, *cells)
        .join(chosen, chosen.c.id == Pilot.id)
        .join(OrgUnit, OrgUnit.id == Pilot.unit_id)
        .outerjoin(TrainingRecord, records)
        .group_by(Pilot.id, Pilot.name, OrgUnit.code)
        .order_by(OrgUnit.code, Pilot.name, Pilot.id)
    ).all()
    return pd.DataFrame(rows, columns=["id", "Name", "Kürzel", *names])


def module_completion(
    *, session: Session, root_id: int | None = None, stages: tuple[str, ...] = CURRENT_STAGE_CODES
) -> pd.DataFrame:
    """Per active module: how many Lotsen in scope completed it, are enrolled, have it open."""
    in_scope = and_(Pilot.stage.in_(stages), scope_condition(Pilot.unit_id, root_id))
    total = session.exec(select(func.count()).select_from(Pilot).where(in_scope)).one()
    counted = (
        select(TrainingRecord.module_id, TrainingRecord.completed_on)
        .join(Pilot, Pilot.id == TrainingRecord.pilot_id)
        .where(in_scope)
        .subquery()
    )
    rows = session.exec(
        select(
            TrainingModule.name,
            func.count(counted.c.completed_on),
            func.count(counted.c.module_id) - func.count(counted.c.completed_on),
        )
        .select_from(TrainingModule)
        .outerjoin(counted, counted.c.module_id == TrainingModule.id)
        .where(TrainingModule.active)
        .group_by(TrainingModule.id)
        .order_by(TrainingModule.position, TrainingModule.name)
    ).all()
    frame = pd.DataFrame(rows, columns=["Modul", "abgeschlossen", "eingeschrieben"])
    frame["offen"] = int(total) - frame["abgeschlossen"] - frame["eingeschrieben"]
    frame["Lotsen gesamt"] = int(total)
    frame["Anteil abgeschlossen"] = frame["abgeschlossen"] / total if total else 0.0
    return frame
