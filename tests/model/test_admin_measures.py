"""Maßnahmen in bulk: all-or-nothing, per-cell validation, version check per row; Ideen triage."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from model.core.db import read_session, write_session
from model.core.enums import PilotStage, Role, UnitKind
from model.core.tables import AppUser, AuditEntry, FundingProgramme, Measure, OrgUnit, Pilot
from model.roadmap import bulk as admin_measures
from model.roadmap.bulk import BulkEditError, MeasureRowsEdit, RowEdit
from tests.support.actors import admin


@pytest.fixture
def ids(engine, fake_clock) -> dict[str, int]:
    """Units 33 (active) and 12 (inactive), one programme, measures A, B, C and the Idee D."""
    with write_session(engine) as session:
        session.add(AppUser(username="cdo", display_name="CDO", role=Role.ADMIN.value, password_hash="x"))
        session.add(AppUser(username="leitung", display_name="L", role=Role.LEITUNG.value, password_hash="x"))
        active = OrgUnit(code="33", name="Bürgeramt", kind=UnitKind.AMT.value)
        inactive = OrgUnit(code="12", name="Statistik", kind=UnitKind.AMT.value, active=False)
        funding = FundingProgramme(name="EFRE Smart City", donor="eu", status="applied", amount_applied=1000)
        session.add_all([active, inactive, funding])
        session.flush()
        pilot = Pilot(
            name="Lena Lotsin",
            email="lena@example.org",
            unit_id=active.id,
            stage=PilotStage.ACTIVE.value,
            stage_since=date(2026, 1, 1),
        )
        session.add(pilot)
        session.flush()
        measures = {}
        for key, title, status in [
            ("A", "Einführung der E-Akte", "planned"),
            ("B", "Online-Terminvergabe", "in_progress"),
            ("C", "WLAN in Schulen", "planned"),
            ("D", "Chatbot für das Bürgeramt", "idea"),
        ]:
            measure = Measure(
                title=title,
                description="Kurzbeschreibung." if key == "D" else None,
                category="internal",
                unit_id=active.id,
                status=status,
                submitted_by_pilot_id=pilot.id if key == "D" else None,
            )
            session.add(measure)
            session.flush()
            measures[key] = measure.id
    return measures | {"unit": active.id, "funding": funding.id}


def measure(engine, measure_id: int) -> Measure:
    with read_session(engine) as session:
        return session.get(Measure, measure_id)


def save(engine, edits: list[RowEdit], actor: str = "cdo") -> int:
    with write_session(engine) as session:
        return admin_measures.bulk_update_measures(
            session=session, actor=admin(actor), data=MeasureRowsEdit(tuple(edits))
        )


def test_valid_rows_are_saved_with_one_audit_row_each(engine, ids) -> None:
    changed = save(
        engine,
        [
            RowEdit(ids["A"], 1, {"status": "in_progress", "effort": 4, "funding": "EFRE Smart City"}),
            RowEdit(ids["B"], 1, {"start_quarter": "Q3 2026", "cost_capital": "12.500,50"}),
        ],
    )
    assert changed == 2
    a, b = measure(engine, ids["A"]), measure(engine, ids["B"])
    assert (a.status, a.effort, a.funding_id, a.version) == ("in_progress", 4, ids["funding"], 2)
    assert (b.start_quarter, b.cost_capital, b.version) == ("2026-Q3", 12500.5, 2)
    with read_session(engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.entity == "measure")).all()
    by_id = {entry.entity_id: json.loads(entry.changes) for entry in entries}
    assert by_id[str(ids["A"])] == {
        "status": ["planned", "in_progress"],
        "effort": [3, 4],
        "funding_id": [None, ids["funding"]],
    }
    assert {entry.actor for entry in entries} == {"cdo"}


def test_a_row_changed_by_someone_else_refuses_the_whole_save(engine, ids) -> None:
    save(engine, [RowEdit(ids["B"], 1, {"rag": "amber"})])  # the other user's save
    with pytest.raises(BulkEditError) as refused:
        save(
            engine,
            [RowEdit(ids["A"], 1, {"status": "done"}), RowEdit(ids["B"], 1, {"rag": "red"})],
        )
    (problem,) = refused.value.problems
    assert problem.row == "Online-Terminvergabe"
    assert "inzwischen geändert" in problem.reason
    assert "Nichts gespeichert" in str(refused.value)
    assert measure(engine, ids["A"]).status == "planned"  # all-or-nothing: the valid row is not saved
    assert measure(engine, ids["B"]).rag == "amber"


def test_every_bad_cell_is_named_with_row_and_column(engine, ids) -> None:
    with pytest.raises(BulkEditError) as refused:
        save(
            engine,
            [
                RowEdit(ids["A"], 1, {"effort": 7, "start_quarter": "2026/3", "unit_code": "99"}),
                RowEdit(ids["B"], 1, {"unit_code": "12", "ozg_id": "99999", "funding": "Gibt es nicht"}),
                RowEdit(ids["C"], 1, {"title": "", "maturity_target": 5}),
            ],
        )
    problems = {(p.row, p.column): p.reason for p in refused.value.problems}
    assert "von 1 bis 5" in problems[("Einführung der E-Akte", "Aufwand")]
    assert "kein Quartal" in problems[("Einführung der E-Akte", "Start (Quartal)")]
    assert "„99“ gibt es nicht" in problems[("Einführung der E-Akte", "Organisationseinheit")]
    assert "inaktiv" in problems[("Online-Terminvergabe", "Organisationseinheit")]
    assert "OZG-Katalog" in problems[("Online-Terminvergabe", "OZG-Leistung (OZG-ID)")]
    assert "gibt es nicht" in problems[("Online-Terminvergabe", "Förderprogramm")]
    assert "Bitte einen Wert" in problems[("WLAN in Schulen", "Titel")]
    assert "von 0 bis 4" in problems[("WLAN in Schulen", "Reifegrad Ziel")]
    with read_session(engine) as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.entity == "measure")).all() == []


def test_titles_stay_unique_within_one_save_and_against_the_database(engine, ids) -> None:
    with pytest.raises(BulkEditError) as refused:
        save(engine, [RowEdit(ids["A"], 1, {"title": "Neu"}), RowEdit(ids["B"], 1, {"title": "Neu"})])
    assert [(p.row, p.column) for p in refused.value.problems] == [("Online-Terminvergabe", "Titel")]
    with pytest.raises(BulkEditError, match="1 Problem"):
        save(engine, [RowEdit(ids["A"], 1, {"title": "WLAN in Schulen"})])


def test_end_before_start_is_refused(engine, ids) -> None:
    with pytest.raises(BulkEditError) as refused:
        save(engine, [RowEdit(ids["A"], 1, {"start_quarter": "2027-Q1", "end_quarter": "2026-Q4"})])
    (problem,) = refused.value.problems
    assert problem.column == "Ende (Quartal)"


def test_bulk_edit_is_for_admins_only(engine, ids) -> None:
    with pytest.raises(PermissionError):
        save(engine, [RowEdit(ids["A"], 1, {"status": "done"})], actor="leitung")


def test_editor_frame_is_filtered_and_carries_versions(engine, ids) -> None:
    with read_session(engine) as session:
        frame = admin_measures.measures_for_editing(session=session, status="planned")
        count = admin_measures.measure_count(session=session, status="planned")
    assert list(frame["title"]) == ["Einführung der E-Akte", "WLAN in Schulen"]
    assert count == 2
    assert list(frame["version"]) == [1, 1]
    assert frame.iloc[0]["unit_code"] == "33"
