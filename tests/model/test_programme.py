"""Das Programm: phases with dates, status and note; milestones; gate decisions; training modules."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from model.core.db import read_session, write_session
from model.core.enums import ModuleKind, PhaseStatus, PilotStage, Role, UnitKind
from model.core.guard import AdminError, StaleEditError
from model.core.tables import AppUser, AuditEntry, OrgUnit, Pilot, TrainingRecord
from model.programme import plan as programme
from model.training import modules as training_modules
from tests.support.actors import admin

PHASE = {
    "name": "Qualifizierung",
    "position": 3,
    "planned_start": date(2026, 9, 1),
    "planned_end": date(2026, 12, 31),
    "actual_start": date(2026, 9, 8),
    "actual_end": None,
    "status": PhaseStatus.RUNNING.value,
    "status_note": None,
}


@pytest.fixture
def phase_id(engine) -> int:
    with write_session(engine) as session:
        session.add(AppUser(username="cdo", display_name="CDO", role=Role.ADMIN.value, password_hash="x"))
        session.add(AppUser(username="lotse", display_name="L", role=Role.LOTSE.value, password_hash="x"))
        session.flush()
        return programme.add_phase(session=session, actor=admin("cdo"), data=programme.PhaseInput(**PHASE)).id


def audit_rows(engine, entity: str) -> list[AuditEntry]:
    with read_session(engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.entity == entity)).all())


def test_phase_status_change_with_note_is_versioned_and_audited(engine, phase_id) -> None:
    values = PHASE | {"status": PhaseStatus.BLOCKED.value, "status_note": "Kein Budget in diesem Jahr"}
    with write_session(engine) as session:
        programme.update_phase(
            session=session,
            actor=admin("cdo"),
            data=programme.PhaseEdit(phase_id=phase_id, expected_version=1, **values),
        )
    with read_session(engine) as session:
        row = programme.phases(session=session).iloc[0]
    assert (row["status"], row["status_note"], row["version"]) == ("blocked", "Kein Budget in diesem Jahr", 2)
    update = [entry for entry in audit_rows(engine, "phase") if entry.action == "update"][0]
    assert json.loads(update.changes) == {
        "status": ["running", "blocked"],
        "status_note": [None, "Kein Budget in diesem Jahr"],
    }


def test_phase_save_with_an_old_version_is_refused(engine, phase_id) -> None:
    with write_session(engine) as session:
        programme.update_phase(
            session=session,
            actor=admin("cdo"),
            data=programme.PhaseEdit(phase_id=phase_id, expected_version=1, **PHASE | {"position": 4}),
        )
    with pytest.raises(StaleEditError, match="Die Phase „Qualifizierung“"), write_session(engine) as session:
        programme.update_phase(
            session=session,
            actor=admin("cdo"),
            data=programme.PhaseEdit(phase_id=phase_id, expected_version=1, **PHASE | {"position": 5}),
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"planned_end": date(2026, 8, 1)}, "Ende liegt vor dem Beginn"),
        ({"status": PhaseStatus.DONE.value}, "tatsächliches Ende"),
        ({"status": PhaseStatus.DELAYED.value}, "Grund als Anmerkung"),
        ({"actual_start": None, "actual_end": date(2026, 10, 1)}, "ohne tatsächlichen Beginn"),
        ({"status_note": "x" * 501}, "höchstens 500 Zeichen"),
        ({"name": ""}, "Bitte einen Wert"),
        ({"planned_start": "morgen"}, "kein Datum"),
    ],
)
def test_phase_rules_refuse_with_german_reasons(engine, phase_id, changes, message) -> None:
    with pytest.raises(AdminError, match=message), write_session(engine) as session:
        programme.update_phase(
            session=session,
            actor=admin("cdo"),
            data=programme.PhaseEdit(phase_id=phase_id, expected_version=1, **PHASE | changes),
        )


def test_milestones_and_gate_decisions_round_trip(engine, phase_id) -> None:
    with write_session(engine) as session:
        milestone = programme.add_milestone(
            session=session,
            actor=admin("cdo"),
            data=programme.MilestoneInput(
                phase_id=phase_id, title="Kohorte 2 abgeschlossen", due_on=date(2026, 11, 30)
            ),
        )
        programme.add_gate_decision(
            session=session,
            actor=admin("cdo"),
            data=programme.GateInput(
                phase_id=phase_id,
                body="Hauptausschuss",
                decided_on=date(2026, 6, 12),
                paper_no="DezI/0635/2026",
                summary="Qualifizierungskonzept beschlossen",
            ),
        )
    with write_session(engine) as session:
        programme.update_milestone(
            session=session,
            actor=admin("cdo"),
            data=programme.MilestoneEdit(
                milestone_id=milestone.id,
                expected_version=1,
                phase_id=phase_id,
                title="Kohorte 2 abgeschlossen",
                due_on=date(2026, 11, 30),
                done_on=date(2026, 12, 3),
            ),
        )
    with read_session(engine) as session:
        milestones = programme.milestones(session=session)
        gates = programme.gate_decisions(session=session)
        counts = programme.phases(session=session).iloc[0]
    assert milestones.iloc[0]["done_on"] == date(2026, 12, 3)
    assert milestones.iloc[0]["version"] == 2
    assert (gates.iloc[0]["body"], gates.iloc[0]["paper_no"]) == ("Hauptausschuss", "DezI/0635/2026")
    assert (counts["milestones"], counts["gates"]) == (1, 1)
    update = [e for e in audit_rows(engine, "milestone") if e.action == "update"][0]
    assert json.loads(update.changes) == {"done_on": [None, "2026-12-03"]}


def test_a_phase_with_milestones_is_not_deleted(engine, phase_id) -> None:
    with write_session(engine) as session:
        programme.add_milestone(
            session=session,
            actor=admin("cdo"),
            data=programme.MilestoneInput(phase_id=phase_id, title="Start", due_on=date(2026, 9, 1)),
        )
    with pytest.raises(AdminError, match="Meilensteine oder Beschlüsse"), write_session(engine) as session:
        programme.delete_phase(
            session=session,
            actor=admin("cdo"),
            data=programme.PhaseDeletion(phase_id=phase_id, expected_version=1),
        )


def test_training_modules_show_enrolment_and_completion(engine, phase_id) -> None:
    with write_session(engine) as session:
        module = training_modules.add_training_module(
            session=session,
            actor=admin("cdo"),
            data=training_modules.ModuleInput(
                name="Basisqualifizierung", kind=ModuleKind.BASE.value, duration_days=3, position=1
            ),
        )
        unit = OrgUnit(code="33", name="Bürgeramt", kind=UnitKind.AMT.value)
        session.add(unit)
        session.flush()
        for number, completed in enumerate([date(2026, 10, 1), None]):
            pilot = Pilot(
                name=f"P{number}",
                email=f"p{number}@example.org",
                unit_id=unit.id,
                stage=PilotStage.IN_TRAINING.value,
                stage_since=date(2026, 9, 1),
            )
            session.add(pilot)
            session.flush()
            session.add(
                TrainingRecord(
                    pilot_id=pilot.id,
                    module_id=module.id,
                    enrolled_on=date(2026, 9, 1),
                    completed_on=completed,
                )
            )
    with write_session(engine) as session:
        training_modules.update_training_module(
            session=session,
            actor=admin("cdo"),
            data=training_modules.ModuleEdit(
                module_id=module.id,
                expected_version=1,
                name="Basisqualifizierung",
                kind="base",
                duration_days="2,5",
                position=1,
            ),
        )
    with read_session(engine) as session:
        row = training_modules.training_modules(session=session).iloc[0]
    assert (row["enrolled"], row["completed"], row["duration_days"]) == (2, 1, 2.5)


def test_only_admins_change_the_programme(engine, phase_id) -> None:
    with pytest.raises(PermissionError), write_session(engine) as session:
        programme.update_phase(
            session=session,
            actor=admin("lotse"),
            data=programme.PhaseEdit(phase_id=phase_id, expected_version=1, **PHASE),
        )


@pytest.mark.parametrize("kind", ["milestone", "gate", "module"])
def test_a_second_edit_from_the_same_shown_version_is_refused_and_the_first_stays(
    engine, phase_id, kind
) -> None:
    """Each edit names the version its form showed."""
    table, add, update, new, edit, key, values, change_a, change_b = {
        "milestone": (
            programme.milestones,
            programme.add_milestone,
            programme.update_milestone,
            programme.MilestoneInput,
            programme.MilestoneEdit,
            "milestone_id",
            {"phase_id": phase_id, "title": "Schulung 1", "due_on": date(2026, 10, 1), "done_on": None},
            {"title": "Schulung 1 (verschoben)"},
            {"done_on": date(2026, 10, 2)},
        ),
        "gate": (
            programme.gate_decisions,
            programme.add_gate_decision,
            programme.update_gate_decision,
            programme.GateInput,
            programme.GateEdit,
            "gate_id",
            {
                "phase_id": phase_id,
                "body": "Rat",
                "decided_on": date(2026, 5, 1),
                "paper_no": None,
                "summary": None,
            },
            {"paper_no": "V/2026/0815"},
            {"summary": "Freigabe der Phase"},
        ),
        "module": (
            training_modules.training_modules,
            training_modules.add_training_module,
            training_modules.update_training_module,
            training_modules.ModuleInput,
            training_modules.ModuleEdit,
            "module_id",
            {"name": "Datenschutz", "kind": ModuleKind.ADVANCED.value, "duration_days": "1,5", "position": 2},
            {"duration_days": "2"},
            {"name": "Datenschutz kompakt"},
        ),
    }[kind]
    cdo = admin("cdo")
    with write_session(engine) as session:
        record_id = add(session=session, actor=cdo, data=new(**values)).id
    with read_session(engine) as session:
        shown = table(session=session).set_index("id").loc[record_id].to_dict()  # what both forms show
    seen = {key: record_id, "expected_version": int(shown["version"])}
    with write_session(engine) as session:
        update(session=session, actor=cdo, data=edit(**(values | change_a), **seen))
    with (
        pytest.raises(StaleEditError, match="inzwischen von jemand anderem geändert"),
        write_session(engine) as session,
    ):
        update(session=session, actor=cdo, data=edit(**(values | change_b), **seen))

    with read_session(engine) as session:
        now = table(session=session).set_index("id").loc[record_id].to_dict()
    fresh = {key: record_id, "expected_version": int(now["version"])}  # a reloaded form may save again
    field, value = next(iter(change_a.items()))
    assert now[field] == (value if field != "duration_days" else 2.0)
    with write_session(engine) as session:
        update(session=session, actor=cdo, data=edit(**(values | change_a | change_b), **fresh))
    updates = [
        entry
        for entry in audit_rows(
            engine, {"gate": "gate_decision", "module": "training_module"}.get(kind, kind)
        )
        if entry.action == "update"
    ]
    assert len(updates) == 2


def test_a_delete_from_an_old_shown_version_is_refused(engine, phase_id) -> None:
    values = {"phase_id": phase_id, "title": "Schulung 1", "due_on": date(2026, 10, 1), "done_on": None}
    with write_session(engine) as session:
        milestone_id = programme.add_milestone(
            session=session, actor=admin("cdo"), data=programme.MilestoneInput(**values)
        ).id
    with read_session(engine) as session:
        shown = programme.milestones(session=session).set_index("id").loc[milestone_id].to_dict()
    with write_session(engine) as session:
        programme.update_milestone(
            session=session,
            actor=admin("cdo"),
            data=programme.MilestoneEdit(
                milestone_id=milestone_id,
                expected_version=int(shown["version"]),
                **(values | {"title": "Neu"}),
            ),
        )
    with pytest.raises(StaleEditError), write_session(engine) as session:
        programme.delete_milestone(
            session=session,
            actor=admin("cdo"),
            data=programme.MilestoneDeletion(milestone_id, int(shown["version"])),
        )
    with read_session(engine) as session:
        assert list(programme.milestones(session=session)["title"]) == ["Neu"]


def test_a_delete_from_the_shown_version_removes_the_record_with_its_audit_row(engine, phase_id) -> None:
    with write_session(engine) as session:
        gate = programme.add_gate_decision(
            session=session,
            actor=admin("cdo"),
            data=programme.GateInput(phase_id=phase_id, body="Rat", decided_on=date(2026, 5, 1)),
        )
    with write_session(engine) as session:
        programme.delete_gate_decision(
            session=session, actor=admin("cdo"), data=programme.GateDeletion(gate.id, 1)
        )
    with read_session(engine) as session:
        assert programme.gate_decisions(session=session).empty
    assert [entry.action for entry in audit_rows(engine, "gate_decision")] == ["create", "delete"]


@pytest.mark.parametrize("kind", ["milestone", "module"])
def test_two_admins_edit_one_record_and_the_later_save_is_refused(engine, phase_id, kind) -> None:
    """Both forms show version 1; the first save wins, the second changes nothing, in German."""
    table, add, update, new, edit, key, entity, values, first, second = {
        "milestone": (
            programme.milestones,
            programme.add_milestone,
            programme.update_milestone,
            programme.MilestoneInput,
            programme.MilestoneEdit,
            "milestone_id",
            "milestone",
            {"phase_id": phase_id, "title": "Kohorte 3 gestartet", "due_on": date(2027, 2, 1)},
            {"title": "Kohorte 3 gestartet (verschoben)", "due_on": date(2027, 3, 1)},
            {"done_on": date(2027, 2, 3)},
        ),
        "module": (
            training_modules.training_modules,
            training_modules.add_training_module,
            training_modules.update_training_module,
            training_modules.ModuleInput,
            training_modules.ModuleEdit,
            "module_id",
            "training_module",
            {"name": "Agiles Arbeiten", "kind": ModuleKind.ADVANCED.value, "duration_days": 1},
            {"duration_days": "1,5"},
            {"name": "Agiles Arbeiten kompakt", "active": False},
        ),
    }[kind]
    with write_session(engine) as session:
        session.add(AppUser(username="cdo2", display_name="CDO 2", role=Role.ADMIN.value, password_hash="x"))
        record_id = add(session=session, actor=admin("cdo"), data=new(**values)).id
    with read_session(engine) as session:
        shown = table(session=session).set_index("id").loc[record_id].to_dict()  # both admins' forms
    seen = {key: record_id, "expected_version": int(shown["version"])}
    with write_session(engine) as session:
        update(session=session, actor=admin("cdo"), data=edit(**(values | first), **seen))
    with read_session(engine) as session:
        after_first = table(session=session).set_index("id").loc[record_id].to_dict()
    audit_before = len(audit_rows(engine, entity))

    with (
        pytest.raises(StaleEditError) as refused,
        write_session(engine) as session,
    ):
        update(session=session, actor=admin("cdo2"), data=edit(**(values | second), **seen))

    what = "Der Meilenstein" if kind == "milestone" else "Das Modul"
    assert str(refused.value).startswith(
        f"{what} wurde inzwischen von jemand anderem geändert; Ihre Änderung wurde nicht gespeichert."
    )
    with read_session(engine) as session:
        now = table(session=session).set_index("id").loc[record_id].to_dict()
    assert now == after_first
    assert now["version"] == 2
    assert len(audit_rows(engine, entity)) == audit_before
