"""Editing a measure: saved with audit, refused when stale, invalid or not allowed."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from model.accounts.auth import UserInfo
from model.core.db import read_session, write_session
from model.core.enums import Category, MeasureStatus, PilotStage, Role
from model.core.tables import AuditEntry, FundingProgramme, Measure, OrgUnit, Pilot
from model.roadmap.commands import (
    MeasureEdit,
    MeasureInputError,
    NewMeasure,
    StaleEditError,
    create_measure,
    parse_number,
    update_measure,
)


@pytest.fixture
def measure_id(engine) -> int:
    with write_session(engine) as session:
        unit = OrgUnit(code="33", name="Bürgeramt", kind="amt")
        other = OrgUnit(code="20", name="Kämmerei", kind="amt")
        session.add_all([unit, other])
        session.flush()
        session.add(
            Pilot(
                name="Anna Beispiel",
                email="anna@example.org",
                unit_id=unit.id,
                stage=PilotStage.ACTIVE.value,
                stage_since=date(2026, 1, 1),
            )
        )
        session.add(FundingProgramme(name="OZG-Umsetzungsprogramm", donor="land", status="applied"))
        session.add(Measure(title="Andere Maßnahme", category=Category.FUNDING.value, status="idea"))
        measure = Measure(
            title="Online-Terminvergabe",
            category=Category.EGOV_OZG.value,
            unit_id=unit.id,
            status=MeasureStatus.PLANNED.value,
            start_quarter="2026-Q1",
            end_quarter="2026-Q4",
            cost_operating=1000.0,
        )
        session.add(measure)
        session.flush()
        return measure.id


def _person(username: str, role: Role) -> UserInfo:
    return UserInfo(id=0, username=username, display_name=username, role=role, pilot_id=None)


def _save(engine, measure_id: int, changes: dict, *, version: int = 1, role: Role = Role.ADMIN) -> Measure:
    with write_session(engine) as session:
        return update_measure(
            session=session,
            actor=_person("cdo", role),
            data=MeasureEdit(measure_id=measure_id, expected_version=version, changes=changes),
        )


def _stored(engine, measure_id: int) -> Measure:
    with read_session(engine) as session:
        return session.get(Measure, measure_id)


def _audit(engine) -> list[AuditEntry]:
    with read_session(engine) as session:
        return list(session.exec(select(AuditEntry)).all())


def test_update_saves_new_values_bumps_the_version_and_audits_old_to_new(engine, measure_id) -> None:
    saved = _save(
        engine,
        measure_id,
        {
            "title": "Online-Terminvergabe",  # unchanged: not in the audit
            "status": "in_progress",
            "effort": "2",
            "end_quarter": "Q2 2027",
            "cost_capital": "12.000,50",
            "ozg_id": "10513",
            "maturity_target": 3,
            "efa": True,
            "funding_id": 1,
        },
    )

    assert saved.version == 2
    stored = _stored(engine, measure_id)
    assert (stored.status, stored.effort, stored.end_quarter) == ("in_progress", 2, "2027-Q2")
    assert (stored.cost_capital, stored.ozg_id, stored.maturity_target, stored.efa) == (
        12000.5,
        "10513",
        3,
        True,
    )
    [entry] = _audit(engine)
    assert (entry.actor, entry.action, entry.entity, entry.entity_id) == (
        "cdo",
        "update",
        "measure",
        str(measure_id),
    )
    assert json.loads(entry.changes) == {
        "status": ["planned", "in_progress"],
        "effort": [3, 2],
        "end_quarter": ["2026-Q4", "2027-Q2"],
        "cost_capital": [0.0, 12000.5],
        "ozg_id": [None, "10513"],
        "maturity_target": [None, 3],
        "efa": [False, True],
        "funding_id": [None, 1],
    }


def test_a_save_based_on_an_old_version_is_refused_and_the_first_edit_stays(engine, measure_id) -> None:
    _save(engine, measure_id, {"status": "in_progress"}, version=1)

    with pytest.raises(StaleEditError, match="inzwischen von jemand anderem geändert"):
        _save(engine, measure_id, {"status": "deferred", "rag": "red"}, version=1)

    stored = _stored(engine, measure_id)
    assert (stored.status, stored.rag, stored.version) == ("in_progress", "green", 2)
    assert len(_audit(engine)) == 1


def test_saving_without_changes_keeps_the_version_and_writes_no_audit(engine, measure_id) -> None:
    saved = _save(engine, measure_id, {"status": "planned", "cost_operating": "1.000"})
    assert saved.version == 1
    assert _audit(engine) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start_quarter": "2026-Q5"}, "Start (Quartal): „2026-Q5“ ist kein Quartal"),
        ({"start_quarter": "2027-Q1"}, "Ende (Quartal): Das Ende-Quartal liegt vor dem Start-Quartal."),
        ({"urgency": 6}, "Dringlichkeit: Bitte eine Zahl von 1 bis 5 angeben."),
        ({"effort": "2,5"}, "Aufwand: Bitte eine ganze Zahl angeben."),
        ({"ozg_id": "99999"}, "OZG-ID „99999“ steht nicht im OZG-Katalog"),
        ({"title": "x" * 201}, "Titel: höchstens 200 Zeichen (jetzt 201)."),
        ({"title": "  "}, "Titel: Bitte einen Wert angeben."),
        ({"title": "Andere Maßnahme"}, "Es gibt schon eine Maßnahme mit dem Titel „Andere Maßnahme“."),
        ({"cost_operating": "-5"}, "Kosten konsumtiv (€): Bitte eine Zahl von 0 bis 1.000.000.000 angeben."),
        ({"person_days": "viele"}, "Personentage: „viele“ ist keine Zahl."),
        ({"unit_id": 999}, "Diese Organisationseinheit gibt es nicht."),
        ({"contact_pilot_id": 999}, "Diese Lotsin / diesen Lotsen gibt es nicht."),
        ({"maturity_actual": 5}, "Reifegrad Ist: Bitte eine Zahl von 0 bis 4 angeben."),
        ({"status": "fertig"}, "Status: „fertig“ ist kein zulässiger Wert."),
        ({"decision_ref": "V" * 51}, "Beschluss / Vorlage-Nr.: höchstens 50 Zeichen"),
        ({"version": 7}, "Das Feld „version“ kann nicht bearbeitet werden."),
    ],
)
def test_invalid_values_are_refused_in_german_and_nothing_changes(
    engine, measure_id, changes, message
) -> None:
    with pytest.raises(MeasureInputError) as refused:
        _save(engine, measure_id, {"status": "done", **changes})

    assert any(message in text for text in refused.value.messages), refused.value.messages
    stored = _stored(engine, measure_id)
    assert (stored.status, stored.version) == ("planned", 1)
    assert _audit(engine) == []


def test_every_bad_field_is_named_at_once(engine, measure_id) -> None:
    with pytest.raises(MeasureInputError) as refused:
        _save(engine, measure_id, {"urgency": 0, "end_quarter": "bald", "title": ""})
    assert len(refused.value.messages) == 3


@pytest.mark.parametrize("role", [Role.LEITUNG, Role.LOTSE])
def test_only_admin_may_edit(engine, measure_id, role) -> None:
    with pytest.raises(PermissionError, match="Nur das CDO-Büro darf Maßnahmen bearbeiten."):
        _save(engine, measure_id, {"status": "done"}, role=role)
    assert _stored(engine, measure_id).status == "planned"
    assert _audit(engine) == []


def test_a_deleted_measure_cannot_be_saved(engine, measure_id) -> None:
    with pytest.raises(StaleEditError, match="gibt es nicht mehr"):
        _save(engine, 999, {"status": "done"})


@pytest.mark.parametrize(
    ("text", "number"),
    [("12.000", 12000.0), ("12.000,50", 12000.5), ("1234,5", 1234.5), ("12.5", 12.5), ("3 €", 3.0), (7, 7.0)],
)
def test_numbers_are_read_the_german_way(text, number) -> None:
    assert parse_number(text) == number


# ------------------------------------------------------------------ a new measure

NEW = {
    "title": "Digitale Bauakte",
    "description": "Bauanträge vollständig elektronisch",
    "category": Category.EGOV_OZG.value,
    "status": MeasureStatus.PLANNED.value,
    "rag": "amber",
    "unit_id": 1,
    "benefit_citizens": 5,
    "benefit_admin": 4,
    "urgency": 3,
    "legal_duty": 5,
    "effort": 4,
    "start_quarter": "Q1 2027",
    "end_quarter": "2027-Q4",
    "cost_operating": "12.000",
    "cost_capital": "250.000,50",
    "person_days": "40",
    "ozg_id": "10513",
    "maturity_target": 3,
    "funding_id": 1,
    "decision_ref": "V/2026/117",
}


def _create(engine, values: dict, *, role: Role = Role.ADMIN) -> Measure:
    with write_session(engine) as session:
        return create_measure(session=session, actor=_person("cdo", role), data=NewMeasure(values))


def test_a_new_measure_is_stored_with_every_field_and_one_audit_row(engine, measure_id) -> None:
    created = _create(engine, NEW)

    stored = _stored(engine, created.id)
    assert (stored.title, stored.category, stored.status, stored.rag) == (
        "Digitale Bauakte",
        "egov_ozg",
        "planned",
        "amber",
    )
    assert (stored.benefit_citizens, stored.legal_duty, stored.effort) == (5, 5, 4)
    assert (stored.start_quarter, stored.end_quarter) == ("2027-Q1", "2027-Q4")
    assert (stored.cost_operating, stored.cost_capital, stored.person_days) == (12000.0, 250000.5, 40.0)
    assert (stored.ozg_id, stored.maturity_target, stored.funding_id, stored.decision_ref) == (
        "10513",
        3,
        1,
        "V/2026/117",
    )
    assert stored.version == 1
    [entry] = _audit(engine)
    assert (entry.actor, entry.action, entry.entity, entry.entity_id) == (
        "cdo",
        "create",
        "measure",
        str(created.id),
    )
    changes = json.loads(entry.changes)
    assert changes["title"] == [None, "Digitale Bauakte"]
    assert changes["cost_capital"] == [None, 250000.5]
    assert changes["contact_pilot_id"] == [None, None]  # every field, also those left empty


def test_a_new_measure_needs_only_title_category_and_status(engine, measure_id) -> None:
    created = _create(engine, {"title": "Kurz", "category": "internal", "status": "idea"})

    stored = _stored(engine, created.id)
    assert (stored.benefit_citizens, stored.legal_duty, stored.cost_operating, stored.unit_id) == (
        3,
        1,
        0.0,
        None,
    )


def test_a_taken_title_says_what_to_do_instead(engine, measure_id) -> None:
    with pytest.raises(MeasureInputError) as refused:
        _create(engine, NEW | {"title": "Andere Maßnahme"})

    assert refused.value.messages == [
        "Titel: Es gibt schon eine Maßnahme mit dem Titel „Andere Maßnahme“. Bitte wählen Sie einen anderen "
        "Titel, oder ändern Sie die vorhandene Maßnahme unter „Maßnahme im Detail“."
    ]
    assert _audit(engine) == []


def test_every_problem_of_a_new_measure_is_named_at_once(engine, measure_id) -> None:
    with pytest.raises(MeasureInputError) as refused:
        _create(
            engine,
            {
                "title": "Andere Maßnahme",
                "category": None,
                "urgency": 9,
                "start_quarter": "2028-Q1",
                "end_quarter": "2027-Q1",
            },
        )

    assert refused.value.messages == [
        "Kategorie: Bitte einen Wert wählen.",
        "Dringlichkeit: Bitte eine Zahl von 1 bis 5 angeben.",
        "Status: Bitte einen Wert angeben.",
        "Titel: Es gibt schon eine Maßnahme mit dem Titel „Andere Maßnahme“. Bitte wählen Sie einen anderen "
        "Titel, oder ändern Sie die vorhandene Maßnahme unter „Maßnahme im Detail“.",
        "Ende (Quartal): Das Ende-Quartal liegt vor dem Start-Quartal.",
    ]
    with read_session(engine) as session:
        assert len(session.exec(select(Measure)).all()) == 2


@pytest.mark.parametrize("role", [Role.LEITUNG, Role.LOTSE])
def test_only_admin_may_create_a_measure(engine, measure_id, role) -> None:
    with pytest.raises(PermissionError, match="Nur das CDO-Büro darf Maßnahmen anlegen."):
        _create(engine, NEW, role=role)
    assert _audit(engine) == []
