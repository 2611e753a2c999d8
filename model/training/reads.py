"""Read models of the qualification: a Lotse's modules, the training matrix, completion per module."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Case, and_, case, func, literal, or_
from sqlmodel import Session, col, select

from model.core.actor import Actor, check_admin, check_person_access
from model.core.enums import ModuleKind, label
from model.core.statements import id_column, select_columns
from model.core.tables import OrgUnit, Pilot, TrainingModule, TrainingRecord
from model.org.scope import scope_condition
from model.pilots.reads import CURRENT_STAGE_CODES, roster_ids

# Training state of one Lotse in one module.
COMPLETED, ENROLLED, OPEN = "completed", "enrolled", "open"
TRAINING_LABELS = {COMPLETED: "abgeschlossen", ENROLLED: "eingeschrieben", OPEN: "offen"}


def _training_state() -> Case[str]:
    return case(
        (col(TrainingRecord.completed_on).is_not(None), literal(COMPLETED)),
        (col(TrainingRecord.enrolled_on).is_not(None), literal(ENROLLED)),
        else_=literal(OPEN),
    )


def training_progress(*, session: Session, viewer: Actor, pilot_id: int) -> pd.DataFrame:
    """Every active module (and any other the Lotse has a record in) with the Lotse's state."""
    check_person_access(viewer, pilot_id)
    rows = session.exec(
        select_columns(
            col(TrainingModule.id),
            col(TrainingModule.name),
            col(TrainingModule.kind),
            col(TrainingModule.duration_days),
            _training_state(),
            col(TrainingRecord.enrolled_on),
            col(TrainingRecord.completed_on),
        )
        .select_from(TrainingModule)
        .outerjoin(
            TrainingRecord,
            and_(
                col(TrainingRecord.module_id) == TrainingModule.id, col(TrainingRecord.pilot_id) == pilot_id
            ),
        )
        .where(or_(col(TrainingModule.active), col(TrainingRecord.id).is_not(None)))
        .order_by(col(TrainingModule.position), col(TrainingModule.name))
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
            select(id_column(TrainingModule.id), TrainingModule.name)
            .where(TrainingModule.active)
            .order_by(col(TrainingModule.position), col(TrainingModule.name))
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
        (col(TrainingRecord.completed_on).is_not(None), literal(TRAINING_LABELS[COMPLETED])),
        (col(TrainingRecord.enrolled_on).is_not(None), literal(TRAINING_LABELS[ENROLLED])),
    )
    # One row per Lotse with a column per module, aggregated in SQL (at most one record per module).
    cells = [
        func.coalesce(
            func.max(case((col(TrainingRecord.module_id) == module_id, state))), TRAINING_LABELS[OPEN]
        )
        for module_id, _ in modules
    ]
    records = and_(
        col(TrainingRecord.pilot_id) == Pilot.id,
        col(TrainingRecord.module_id).in_([module_id for module_id, _ in modules]),
    )
    chosen = roster_ids([col(Pilot.stage).in_(stages), scope_condition(col(Pilot.unit_id), root_id)], limit)
    rows = session.exec(
        select(Pilot.id, Pilot.name, OrgUnit.code, *cells)
        .join(chosen, chosen.c.id == Pilot.id)
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .outerjoin(TrainingRecord, records)
        .group_by(col(Pilot.id), col(Pilot.name), col(OrgUnit.code))
        .order_by(col(OrgUnit.code), col(Pilot.name), col(Pilot.id))
    ).all()
    return pd.DataFrame(rows, columns=["id", "Name", "Kürzel", *names])


def module_completion(
    *, session: Session, root_id: int | None = None, stages: tuple[str, ...] = CURRENT_STAGE_CODES
) -> pd.DataFrame:
    """Per active module: how many Lotsen in scope completed it, are enrolled, have it open."""
    in_scope = and_(col(Pilot.stage).in_(stages), scope_condition(col(Pilot.unit_id), root_id))
    total = session.exec(select(func.count()).select_from(Pilot).where(in_scope)).one()
    counted = (
        select(col(TrainingRecord.module_id), col(TrainingRecord.completed_on))
        .join(Pilot, col(Pilot.id) == TrainingRecord.pilot_id)
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
        .group_by(col(TrainingModule.id))
        .order_by(col(TrainingModule.position), col(TrainingModule.name))
    ).all()
    frame = pd.DataFrame(rows, columns=["Modul", "abgeschlossen", "eingeschrieben"])
    frame["offen"] = int(total) - frame["abgeschlossen"] - frame["eingeschrieben"]
    frame["Lotsen gesamt"] = int(total)
    frame["Anteil abgeschlossen"] = frame["abgeschlossen"] / total if total else 0.0
    return frame
