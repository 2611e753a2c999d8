"""Every create command stores a repeat of the same admin's identical create only once (AlreadySaved).

A second tap, or a browser that sends the form again, must not store the record twice; a record
deleted or changed since, or another admin's identical create, is a new create.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from model.accounts import admin as user_admin
from model.accounts.admin import NewUser
from model.accounts.auth import UserInfo
from model.core import clock
from model.core.audit import AlreadySaved
from model.core.db import read_session, write_session
from model.core.enums import Role
from model.core.tables import (
    AppUser,
    AuditEntry,
    FundingProgramme,
    GateDecision,
    Measure,
    Milestone,
    OrgUnit,
    Phase,
    TrainingModule,
)
from model.funding import programmes as funding
from model.org import units as org_units
from model.programme import plan as programme
from model.roadmap import commands as measures
from model.training import modules as training_modules
from tests.support.actors import admin

PASSWORD = "ein-sicheres-passwort-42"
PHASE = {
    "name": "Betrieb",
    "position": 4,
    "planned_start": date(2027, 1, 1),
    "planned_end": date(2027, 12, 31),
    "actual_start": None,
    "actual_end": None,
    "status": "planned",
    "status_note": None,
}


@dataclass(frozen=True)
class Create:
    """One create command: how to call it, which table it fills, how to change what it created."""

    create: Callable[[Session, str, int], Any]  # (session, actor, id of the phase "Auswahl")
    table: type
    change: Callable[[Session, int], None] | None = None  # edit the created record (admin cdo)


def _unit(session: Session, actor: str, _phase: int) -> Any:
    return org_units.add_unit(
        session=session,
        actor=admin(actor),
        data=org_units.NewUnit(code="99", name="Neues Amt", kind="amt", parent_id=None, headcount=12),
    )


def _rename_unit(session: Session, unit_id: int) -> None:
    org_units.update_unit(
        session=session,
        actor=admin("cdo"),
        data=org_units.UnitEdit(
            unit_id=unit_id,
            expected_version=1,
            code="99a",
            name="Umbenanntes Amt",
            kind="amt",
            headcount=12,
            target_pilots=None,
        ),
    )


def _user(session: Session, actor: str, _phase: int) -> Any:
    return user_admin.create_user(
        session=session,
        actor=UserInfo(id=0, username=actor, display_name=actor, role=Role.ADMIN, pilot_id=None),
        data=NewUser(
            username=" Neu.Konto ",
            display_name="Neues Konto",
            role=Role.LEITUNG.value,
            password=PASSWORD,
            email=None,
            pilot_email=None,
        ),
    )


def _phase(session: Session, actor: str, _phase: int) -> Any:
    return programme.add_phase(session=session, actor=admin(actor), data=programme.PhaseInput(**PHASE))


def _milestone(session: Session, actor: str, phase: int) -> Any:
    values = {
        "phase_id": phase,
        "title": "Auswahl abgeschlossen",
        "due_on": date(2026, 6, 30),
        "done_on": None,
    }
    return programme.add_milestone(
        session=session, actor=admin(actor), data=programme.MilestoneInput(**values)
    )


def _rename_milestone(session: Session, milestone_id: int) -> None:
    milestone = session.get(Milestone, milestone_id)
    programme.update_milestone(
        session=session,
        actor=admin("cdo"),
        data=programme.MilestoneEdit(
            milestone_id=milestone_id,
            expected_version=milestone.version,
            phase_id=milestone.phase_id,
            title="Anders",
            due_on=date(2026, 6, 30),
        ),
    )


def _gate(session: Session, actor: str, phase: int) -> Any:
    values = {"phase_id": phase, "body": "Rat", "decided_on": date(2026, 3, 12), "paper_no": "V/2026/12"}
    return programme.add_gate_decision(
        session=session, actor=admin(actor), data=programme.GateInput(**values)
    )


def _module(session: Session, actor: str, _phase: int) -> Any:
    values = {
        "name": "Aufbaumodul KI",
        "kind": "advanced",
        "duration_days": "1,5",
        "position": 5,
        "active": True,
    }
    return training_modules.add_training_module(
        session=session, actor=admin(actor), data=training_modules.ModuleInput(**values)
    )


def _funding(session: Session, actor: str, _phase: int) -> Any:
    values = {"name": "Digitale Schule", "donor": "bund", "status": "identified", "amount_applied": "0"}
    return funding.create_programme(
        session=session, actor=admin(actor), data=funding.ProgrammeInput(**values)
    )


def _measure(session: Session, actor: str, _phase: int) -> Any:
    values = {
        "title": "Digitale Bauakte",
        "category": "internal",
        "status": "planned",
        "cost_capital": "12.000",
    }
    return measures.create_measure(session=session, actor=admin(actor), data=measures.NewMeasure(values))


def _retitle_measure(session: Session, measure_id: int) -> None:
    measures.update_measure(
        session=session,
        actor=admin("cdo"),
        data=measures.MeasureEdit(
            measure_id=measure_id, expected_version=1, changes={"title": "Digitale Bauakte (alt)"}
        ),
    )


CREATES = {
    "unit": Create(_unit, OrgUnit, _rename_unit),
    "user": Create(_user, AppUser),
    "phase": Create(_phase, Phase),
    "milestone": Create(_milestone, Milestone, _rename_milestone),
    "gate": Create(_gate, GateDecision),
    "module": Create(_module, TrainingModule),
    "funding": Create(_funding, FundingProgramme),
    "measure": Create(_measure, Measure, _retitle_measure),
}


@pytest.fixture
def auswahl(engine) -> int:
    """Two admins, cdo and kollegin, and the phase "Auswahl"; returns the phase's id."""
    with write_session(engine) as session:
        for name in ("cdo", "kollegin"):
            session.add(AppUser(username=name, display_name=name, role=Role.ADMIN.value, password_hash="x"))
        phase = Phase(
            name="Auswahl",
            position=2,
            planned_start=date(2026, 1, 1),
            planned_end=date(2026, 6, 30),
            status="running",
        )
        session.add(phase)
        session.flush()
        return phase.id


def _count(engine, table: type) -> int:
    with read_session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def _creates(engine) -> int:
    with read_session(engine) as session:
        return session.exec(select(func.count()).where(AuditEntry.action == "create")).one()


@pytest.mark.parametrize("kind", CREATES)
def test_the_same_create_twice_is_stored_once(engine, auswahl, kind) -> None:
    case = CREATES[kind]
    before = _count(engine, case.table)
    with write_session(engine) as session:
        created = case.create(session, "cdo", auswahl)
    with pytest.raises(AlreadySaved, match="bereits gespeichert") as repeat, write_session(engine) as session:
        case.create(session, "cdo", auswahl)

    assert repeat.value.entity_id == str(created.id)
    assert _count(engine, case.table) == before + 1
    assert _creates(engine) == 1


@pytest.mark.parametrize("kind", [kind for kind, case in CREATES.items() if case.change is not None])
def test_a_create_of_a_record_changed_since_is_stored_again(engine, auswahl, kind) -> None:
    case = CREATES[kind]
    before = _count(engine, case.table)
    with write_session(engine) as session:
        created = case.create(session, "cdo", auswahl)
    with write_session(engine) as session:
        case.change(session, created.id)  # type: ignore[misc]
    with write_session(engine) as session:
        case.create(session, "cdo", auswahl)

    assert _count(engine, case.table) == before + 2


def test_a_create_of_a_deleted_record_is_stored_again(engine, auswahl) -> None:
    with write_session(engine) as session:
        unit = _unit(session, "cdo", auswahl)
    with write_session(engine) as session:
        org_units.delete_unit(
            session=session,
            actor=admin("cdo"),
            data=org_units.UnitVersion(unit_id=unit.id, expected_version=1),
        )
    with write_session(engine) as session:
        _unit(session, "cdo", auswahl)

    assert _count(engine, OrgUnit) == 1


def test_another_admins_identical_create_is_not_taken_for_a_repeat(engine, auswahl) -> None:
    with write_session(engine) as session:
        _milestone(session, "cdo", auswahl)
    with write_session(engine) as session:
        _milestone(session, "kollegin", auswahl)

    assert _count(engine, Milestone) == 2


def test_a_create_after_the_repeat_window_is_stored_again(engine, auswahl) -> None:
    with write_session(engine) as session:
        _gate(session, "cdo", auswahl)
    with write_session(engine) as session:  # the first save was eleven minutes ago
        entry = session.exec(select(AuditEntry)).one()
        entry.at = clock.now() - timedelta(minutes=11)
        session.add(entry)
    with write_session(engine) as session:
        _gate(session, "cdo", auswahl)

    assert _count(engine, GateDecision) == 2


def test_a_different_create_in_between_ends_the_repeat(engine, auswahl) -> None:
    """Creating A, then B, then A again is meant (only the latest create counts)."""
    with write_session(engine) as session:
        _milestone(session, "cdo", auswahl)
        programme.add_milestone(
            session=session,
            actor=admin("cdo"),
            data=programme.MilestoneInput(
                phase_id=auswahl, title="Anderer Meilenstein", due_on=date(2026, 5, 1)
            ),
        )
    with write_session(engine) as session:
        _milestone(session, "cdo", auswahl)

    assert _count(engine, Milestone) == 3
