"""Writes about the qualification: a Lotse's completed training module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from model.core.actor import Actor, check_person_access
from model.core.audit import record_audit
from model.core.tables import TrainingModule, TrainingRecord
from model.pilots.checks import PilotInputError, check_date, check_writable, get_pilot


@dataclass(frozen=True)
class ModuleCompletion:
    pilot_id: int
    module_id: int
    completed_on: date


def complete_module(*, session: Session, actor: Actor, data: ModuleCompletion) -> TrainingRecord:
    """Record a completed training module (enrolling on the same day if there was no enrolment)."""
    pilot_id, module_id = data.pilot_id, data.module_id
    check_person_access(actor, pilot_id)
    check_writable(get_pilot(session, pilot_id))
    module = session.get(TrainingModule, module_id)
    if module is None or not module.active:
        raise PilotInputError("Dieses Modul gibt es nicht (mehr).")
    completed_on = check_date(data.completed_on, what="Das Datum des Abschlusses")
    record = session.exec(
        select(TrainingRecord).where(
            TrainingRecord.pilot_id == pilot_id, TrainingRecord.module_id == module_id
        )
    ).first()
    if record is not None and record.completed_on is not None:
        raise PilotInputError(f"Das Modul „{module.name}“ ist bereits als abgeschlossen erfasst.")
    if record is not None and completed_on < record.enrolled_on:
        raise PilotInputError("Der Abschluss kann nicht vor der Einschreibung in das Modul liegen.")
    before_enrolled = None if record is None else record.enrolled_on
    if record is None:
        record = TrainingRecord(pilot_id=pilot_id, module_id=module_id, enrolled_on=completed_on)
    record.completed_on = completed_on
    session.add(record)
    session.flush()
    record_audit(
        session=session,
        actor=actor.username,
        action="complete",
        entity="training_record",
        entity_id=record.id,
        changes={
            "pilot_id": (None, pilot_id) if before_enrolled is None else (pilot_id, pilot_id),
            "module_id": (None, module_id) if before_enrolled is None else (module_id, module_id),
            "enrolled_on": (before_enrolled, record.enrolled_on),
            "completed_on": (None, completed_on),
        },
    )
    return record
