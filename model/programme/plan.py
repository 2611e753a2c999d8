"""Das Programm: phases (planned/actual, status, note), milestones, gate decisions.

Reads for the Verwaltung tables and admin-only commands, each audited with old → new.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from model.core.actor import Actor
from model.core.audit import diff, record_audit
from model.core.enums import PhaseStatus, labels_of
from model.core.guard import (
    AdminError,
    check_period,
    check_version,
    clean_number,
    clean_text,
    refuse_repeat,
    require_admin,
)
from model.core.records import RecordKind, create_record, delete_record, update_record
from model.core.statements import select_columns
from model.core.tables import GateDecision, Milestone, Phase

# Statuses that must say why (e.g. "kein Budget in diesem Jahr").
STATUSES_NEEDING_NOTE = (PhaseStatus.DELAYED.value, PhaseStatus.BLOCKED.value)


def _fields(row: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _audit(session: Session, actor: str, action: str, entity: str, entity_id: object, changes: dict) -> None:
    record_audit(
        session=session, actor=actor, action=action, entity=entity, entity_id=entity_id, changes=changes
    )


def _date(value: object, *, field: str, required: bool) -> date | None:
    if value is None or value == "":
        if required:
            raise AdminError(f"{field}: Bitte ein Datum angeben.")
        return None
    if not isinstance(value, date):
        raise AdminError(f"{field}: „{str(value)[:30]}“ ist kein Datum.")
    return value


# ------------------------------------------------------------------ phases

PHASE_FIELDS = (
    "name",
    "position",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "status",
    "status_note",
)


def phases(*, session: Session) -> pd.DataFrame:
    """The phases in programme order with milestone and decision counts."""
    milestones = (
        select(col(Milestone.phase_id), func.count().label("n")).group_by(col(Milestone.phase_id)).subquery()
    )
    gates = (
        select(col(GateDecision.phase_id), func.count().label("n"))
        .group_by(col(GateDecision.phase_id))
        .subquery()
    )
    rows = session.exec(
        select_columns(
            col(Phase.id),
            *[getattr(Phase, name) for name in PHASE_FIELDS],
            col(Phase.version),
            func.coalesce(milestones.c.n, 0),
            func.coalesce(gates.c.n, 0),
        )
        .outerjoin(milestones, milestones.c.phase_id == Phase.id)
        .outerjoin(gates, gates.c.phase_id == Phase.id)
        .order_by(col(Phase.position), col(Phase.id))
    ).all()
    return pd.DataFrame(rows, columns=["id", *PHASE_FIELDS, "version", "milestones", "gates"])


def _check_phase_name(session: Session, name: object, phase_id: int | None) -> None:
    taken = session.exec(select(Phase.id).where(Phase.name == name)).first()
    if taken is not None and taken != phase_id:
        raise AdminError(f"Eine Phase „{name}“ gibt es schon.")


def _clean_phase(values: dict[str, Any]) -> dict[str, Any]:
    name = clean_text(values.get("name"), field="Name der Phase", max_length=100)
    status = values.get("status")
    if status not in labels_of(PhaseStatus):
        raise AdminError("Status: Bitte einen der vorgegebenen Status wählen.")
    clean = {
        "name": name,
        "position": int(
            clean_number(values.get("position", 0), field="Reihenfolge", minimum=0, maximum=1000, whole=True)
        ),
        "planned_start": _date(values.get("planned_start"), field="Geplanter Beginn", required=True),
        "planned_end": _date(values.get("planned_end"), field="Geplantes Ende", required=True),
        "actual_start": _date(values.get("actual_start"), field="Tatsächlicher Beginn", required=False),
        "actual_end": _date(values.get("actual_end"), field="Tatsächliches Ende", required=False),
        "status": status,
        "status_note": clean_text(
            values.get("status_note"), field="Anmerkung", max_length=500, required=False
        ),
    }
    check_period(clean["planned_start"], clean["planned_end"], what="Geplanter Zeitraum")
    check_period(clean["actual_start"], clean["actual_end"], what="Tatsächlicher Zeitraum")
    if clean["actual_end"] is not None and clean["actual_start"] is None:
        raise AdminError("Tatsächliches Ende ohne tatsächlichen Beginn: Bitte beide angeben.")
    if status == PhaseStatus.DONE.value and clean["actual_end"] is None:
        raise AdminError("Eine abgeschlossene Phase braucht ein tatsächliches Ende.")
    if status in STATUSES_NEEDING_NOTE and clean["status_note"] is None:
        raise AdminError("Bei „verzögert“ oder „blockiert“ bitte den Grund als Anmerkung angeben.")
    return clean


# A phase as the form submits it; the command checks and converts every field.
@dataclass(frozen=True, kw_only=True)
class PhaseInput:
    name: object
    status: object
    position: object = 0
    planned_start: object = None
    planned_end: object = None
    actual_start: object = None
    actual_end: object = None
    status_note: object = None


@dataclass(frozen=True, kw_only=True)
class PhaseEdit(PhaseInput):
    phase_id: int
    expected_version: int


@dataclass(frozen=True)
class PhaseDeletion:
    phase_id: int
    expected_version: int


def add_phase(*, session: Session, actor: Actor, data: PhaseInput) -> Phase:
    """A new phase; the same admin's identical create moments ago is not stored twice (AlreadySaved)."""
    require_admin(session=session, actor=actor.username)
    clean = _clean_phase(asdict(data))
    created = {k: (None, clean[k]) for k in PHASE_FIELDS}
    what = f"Die Phase „{clean['name']}“"
    refuse_repeat(
        session=session, actor=actor.username, entity="phase", changes=created, model=Phase, what=what
    )
    _check_phase_name(session, clean["name"], None)
    phase = Phase(**clean)
    session.add(phase)
    session.flush()
    _audit(session, actor.username, "create", "phase", phase.id, created)
    return phase


def update_phase(*, session: Session, actor: Actor, data: PhaseEdit) -> Phase:
    """Change dates, status or note of a phase; refused if someone saved it meanwhile."""
    phase_id, expected_version = data.phase_id, data.expected_version
    require_admin(session=session, actor=actor.username)
    phase = session.get(Phase, phase_id, with_for_update=True)
    if phase is None:
        raise AdminError("Diese Phase gibt es nicht (mehr).")
    check_version(current=phase.version, expected=expected_version, what=f"Die Phase „{phase.name}“")
    before = _fields(phase, PHASE_FIELDS)
    clean = _clean_phase(asdict(data))
    _check_phase_name(session, clean["name"], phase_id)
    changes = diff(before, clean)
    if not changes:
        raise AdminError("Es wurde nichts geändert.")
    for key, (_old, new) in changes.items():
        setattr(phase, key, new)
    phase.version += 1
    session.add(phase)
    _audit(session, actor.username, "update", "phase", phase.id, changes)
    return phase


def delete_phase(*, session: Session, actor: Actor, data: PhaseDeletion) -> None:
    """Delete a phase without milestones and decisions (those are history)."""
    phase_id, expected_version = data.phase_id, data.expected_version
    require_admin(session=session, actor=actor.username)
    phase = session.get(Phase, phase_id, with_for_update=True)
    if phase is None:
        raise AdminError("Diese Phase gibt es nicht (mehr).")
    check_version(current=phase.version, expected=expected_version, what=f"Die Phase „{phase.name}“")
    linked = session.exec(
        select(func.count()).select_from(Milestone).where(Milestone.phase_id == phase_id)
    ).one()
    linked += session.exec(
        select(func.count()).select_from(GateDecision).where(GateDecision.phase_id == phase_id)
    ).one()
    if linked:
        raise AdminError(
            f"Die Phase „{phase.name}“ hat Meilensteine oder Beschlüsse und wird deshalb nicht gelöscht. "
            "Entfernen Sie diese zuerst, falls die Phase wirklich entfallen soll."
        )
    _audit(
        session,
        actor.username,
        "delete",
        "phase",
        phase.id,
        {k: (v, None) for k, v in _fields(phase, PHASE_FIELDS).items()},
    )
    session.delete(phase)


# ------------------------------------------------------------------ milestones

MILESTONE_FIELDS = ("phase_id", "title", "due_on", "done_on")


def milestones(*, session: Session) -> pd.DataFrame:
    rows = session.exec(
        select_columns(
            col(Milestone.id),
            col(Milestone.phase_id),
            col(Phase.name),
            col(Milestone.title),
            col(Milestone.due_on),
            col(Milestone.done_on),
            col(Milestone.version),
        )
        .join(Phase, col(Phase.id) == Milestone.phase_id)
        .order_by(col(Milestone.due_on), col(Milestone.id))
    ).all()
    return pd.DataFrame(rows, columns=["id", "phase_id", "phase", "title", "due_on", "done_on", "version"])


def _clean_milestone(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    phase_id = values.get("phase_id")
    if phase_id is None or session.get(Phase, phase_id) is None:
        raise AdminError("Phase: Bitte eine Phase wählen.")
    return {
        "phase_id": phase_id,
        "title": clean_text(values.get("title"), field="Meilenstein", max_length=200),
        "due_on": _date(values.get("due_on"), field="Fällig am", required=True),
        "done_on": _date(values.get("done_on"), field="Erreicht am", required=False),
    }


MILESTONE = RecordKind(
    Milestone,
    MILESTONE_FIELDS,
    "milestone",
    "Diesen Meilenstein gibt es nicht (mehr).",
    "Der Meilenstein",
    named_by="title",
)


# A milestone as the form submits it; the command checks and converts every field.
@dataclass(frozen=True, kw_only=True)
class MilestoneInput:
    phase_id: object
    title: object
    due_on: object = None
    done_on: object = None


@dataclass(frozen=True, kw_only=True)
class MilestoneEdit(MilestoneInput):
    milestone_id: int
    expected_version: int


@dataclass(frozen=True)
class MilestoneDeletion:
    milestone_id: int
    expected_version: int


def add_milestone(*, session: Session, actor: Actor, data: MilestoneInput) -> Milestone:
    """A new milestone; the same admin's identical create moments ago is not stored twice."""
    require_admin(session=session, actor=actor.username)
    clean = _clean_milestone(session, asdict(data))
    return create_record(session, MILESTONE, clean=clean, actor=actor.username)


def update_milestone(*, session: Session, actor: Actor, data: MilestoneEdit) -> Milestone:
    """Change a milestone; refused if someone saved it meanwhile."""
    require_admin(session=session, actor=actor.username)
    clean = _clean_milestone(session, asdict(data))
    return update_record(
        session,
        MILESTONE,
        record_id=data.milestone_id,
        expected_version=data.expected_version,
        clean=clean,
        actor=actor.username,
    )


def delete_milestone(*, session: Session, actor: Actor, data: MilestoneDeletion) -> None:
    """Delete a milestone; refused if someone saved it meanwhile."""
    require_admin(session=session, actor=actor.username)
    delete_record(
        session,
        MILESTONE,
        record_id=data.milestone_id,
        expected_version=data.expected_version,
        actor=actor.username,
    )


# ------------------------------------------------------------------ gate decisions

GATE_FIELDS = ("phase_id", "body", "decided_on", "paper_no", "summary")


def gate_decisions(*, session: Session) -> pd.DataFrame:
    rows = session.exec(
        select_columns(
            col(GateDecision.id),
            col(GateDecision.phase_id),
            col(Phase.name),
            col(GateDecision.body),
            col(GateDecision.decided_on),
            col(GateDecision.paper_no),
            col(GateDecision.summary),
            col(GateDecision.version),
        )
        .join(Phase, col(Phase.id) == GateDecision.phase_id)
        .order_by(col(GateDecision.decided_on), col(GateDecision.id))
    ).all()
    return pd.DataFrame(
        rows, columns=["id", "phase_id", "phase", "body", "decided_on", "paper_no", "summary", "version"]
    )


def _clean_gate(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    phase_id = values.get("phase_id")
    if phase_id is None or session.get(Phase, phase_id) is None:
        raise AdminError("Phase: Bitte eine Phase wählen.")
    return {
        "phase_id": phase_id,
        "body": clean_text(values.get("body"), field="Gremium", max_length=200),
        "decided_on": _date(values.get("decided_on"), field="Datum des Beschlusses", required=True),
        "paper_no": clean_text(values.get("paper_no"), field="Vorlage-Nr.", max_length=50, required=False),
        "summary": clean_text(values.get("summary"), field="Inhalt", max_length=1000, required=False),
    }


GATE = RecordKind(
    GateDecision, GATE_FIELDS, "gate_decision", "Diesen Beschluss gibt es nicht (mehr).", "Der Beschluss"
)


# A decision of a Gremium as the form submits it; the command checks and converts every field.
@dataclass(frozen=True, kw_only=True)
class GateInput:
    phase_id: object
    body: object
    decided_on: object = None
    paper_no: object = None
    summary: object = None


@dataclass(frozen=True, kw_only=True)
class GateEdit(GateInput):
    gate_id: int
    expected_version: int


@dataclass(frozen=True)
class GateDeletion:
    gate_id: int
    expected_version: int


def add_gate_decision(*, session: Session, actor: Actor, data: GateInput) -> GateDecision:
    """A new decision of a Gremium; the same admin's identical create moments ago is not stored twice."""
    require_admin(session=session, actor=actor.username)
    clean = _clean_gate(session, asdict(data))
    return create_record(session, GATE, clean=clean, actor=actor.username)


def update_gate_decision(*, session: Session, actor: Actor, data: GateEdit) -> GateDecision:
    """Change a decision; refused if someone saved it meanwhile."""
    require_admin(session=session, actor=actor.username)
    clean = _clean_gate(session, asdict(data))
    return update_record(
        session,
        GATE,
        record_id=data.gate_id,
        expected_version=data.expected_version,
        clean=clean,
        actor=actor.username,
    )


def delete_gate_decision(*, session: Session, actor: Actor, data: GateDeletion) -> None:
    """Delete a decision; refused if someone saved it meanwhile."""
    require_admin(session=session, actor=actor.username)
    delete_record(
        session, GATE, record_id=data.gate_id, expected_version=data.expected_version, actor=actor.username
    )
