"""The training modules the programme offers: the catalogue with enrolment and completion counts, and the
admin's commands that keep it (created and changed like every listed record, model.core.records)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from model.core.actor import Actor
from model.core.enums import ModuleKind, labels_of
from model.core.guard import AdminError, clean_number, clean_text, require_admin
from model.core.records import RecordKind, create_record, update_record
from model.core.statements import select_columns
from model.core.tables import TrainingModule, TrainingRecord

MODULE_FIELDS = ("name", "kind", "duration_days", "position", "active")


def training_modules(*, session: Session) -> pd.DataFrame:
    """Modules in order with how many Lotsen are enrolled and how many completed."""
    counts = (
        select(
            TrainingRecord.module_id,
            func.count().label("enrolled"),
            func.count(col(TrainingRecord.completed_on)).label("completed"),
        )
        .group_by(col(TrainingRecord.module_id))
        .subquery()
    )
    rows = session.exec(
        select_columns(
            col(TrainingModule.id),
            *[getattr(TrainingModule, name) for name in MODULE_FIELDS],
            col(TrainingModule.version),
            func.coalesce(counts.c.enrolled, 0),
            func.coalesce(counts.c.completed, 0),
        )
        .outerjoin(counts, counts.c.module_id == TrainingModule.id)
        .order_by(col(TrainingModule.position), col(TrainingModule.id))
    ).all()
    return pd.DataFrame(rows, columns=["id", *MODULE_FIELDS, "version", "enrolled", "completed"])


def _check_module_name(session: Session, name: object, module_id: int | None) -> None:
    taken = session.exec(select(TrainingModule.id).where(TrainingModule.name == name)).first()
    if taken is not None and taken != module_id:
        raise AdminError(f"Ein Modul „{name}“ gibt es schon.")


def _clean_module(values: dict[str, Any]) -> dict[str, Any]:
    name = clean_text(values.get("name"), field="Name des Moduls", max_length=200)
    kind = values.get("kind")
    if kind not in labels_of(ModuleKind):
        raise AdminError("Art: Bitte Basisqualifizierung oder Aufbaumodul wählen.")
    duration = clean_number(values.get("duration_days"), field="Dauer in Tagen", minimum=0.25, maximum=100)
    return {
        "name": name,
        "kind": kind,
        "duration_days": duration,
        "position": int(
            clean_number(values.get("position", 0), field="Reihenfolge", minimum=0, maximum=1000, whole=True)
        ),
        "active": bool(values.get("active", True)),
    }


MODULE = RecordKind(
    TrainingModule,
    MODULE_FIELDS,
    "training_module",
    "Dieses Modul gibt es nicht (mehr).",
    "Das Modul",
    named_by="name",
)


# A training module as the form submits it; the command checks and converts every field.
@dataclass(frozen=True, kw_only=True)
class ModuleInput:
    name: object
    kind: object
    duration_days: object = None
    position: object = 0
    active: object = True


@dataclass(frozen=True, kw_only=True)
class ModuleEdit(ModuleInput):
    module_id: int
    expected_version: int


def add_training_module(*, session: Session, actor: Actor, data: ModuleInput) -> TrainingModule:
    """A new module; the same admin's identical create moments ago is not stored twice."""
    require_admin(session=session, actor=actor.username)
    clean = _clean_module(asdict(data))
    return create_record(
        session,
        MODULE,
        clean=clean,
        actor=actor.username,
        check_unique=lambda: _check_module_name(session, clean["name"], None),
    )


def update_training_module(*, session: Session, actor: Actor, data: ModuleEdit) -> TrainingModule:
    """Change a module (an unused one is switched off with active=False); refused if someone saved it
    meanwhile."""
    require_admin(session=session, actor=actor.username)
    clean = _clean_module(asdict(data))
    return update_record(
        session,
        MODULE,
        record_id=data.module_id,
        expected_version=data.expected_version,
        clean=clean,
        actor=actor.username,
        check_unique=lambda: _check_module_name(session, clean["name"], data.module_id),
    )
