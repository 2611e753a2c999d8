"""The numeric bounds of model/core/tables.py are CHECK constraints: the database refuses a row outside them.

Runs on SQLite and, with LOTSEN_TEST_DB=postgres, on PostgreSQL. The commands refuse such input earlier
with a German message (their own tests); this is the floor under them, e.g. for `Pilot(hours_per_week=99)`.
"""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import CheckConstraint, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from model.core.enums import (
    ActivityType,
    Category,
    ItTaskArea,
    MeasureStatus,
    ModuleKind,
    PilotStage,
    UnitKind,
)
from model.core.migrate import alembic_config, migrate, migration_connection
from model.core.tables import Activity, FundingProgramme, ItStaff, Measure, OrgUnit, Pilot, TrainingModule

BEFORE = "d4f2b8c6e1a9"  # the revision before 0010_field_bounds
# (table, column, a value just outside, the bound itself): the bound is stored, the value outside is not.
BOUNDS = [
    ("org_unit", "headcount", -1, 0),
    ("org_unit", "target_pilots", -1, 0),
    ("pilot", "hours_per_week", 40.5, 40),
    ("pilot", "hours_per_week", -0.5, 0),
    ("training_module", "duration_days", 0, 0.5),
    ("activity", "count", 0, 1),
    ("activity", "count", 1001, 1000),
    ("funding_programme", "amount_applied", -0.01, 0),
    ("funding_programme", "amount_granted", -0.01, 0),
    *[
        ("measure", score, 0, 1)
        for score in ("benefit_citizens", "benefit_admin", "urgency", "legal_duty", "effort")
    ],
    *[
        ("measure", score, 6, 5)
        for score in ("benefit_citizens", "benefit_admin", "urgency", "legal_duty", "effort")
    ],
    ("measure", "cost_operating", -1, 0),
    ("measure", "cost_capital", -1, 0),
    ("measure", "person_days", -1, 0),
    ("measure", "maturity_target", 5, 4),
    ("measure", "maturity_actual", -1, 0),
    ("it_staff", "fte", 10_000.5, 10_000),
    ("it_staff", "fte", -0.5, 0),
]


def _one_row_each(session: Session) -> None:
    unit = OrgUnit(code="33", name="Bürgeramt", kind=UnitKind.AMT, headcount=40)
    session.add(unit)
    session.flush()
    pilot = Pilot(
        name="Erika Muster",
        email="erika@example.org",
        unit_id=unit.id,
        stage=PilotStage.ACTIVE,
        stage_since=date(2026, 1, 1),
    )
    session.add(pilot)
    session.flush()
    session.add_all(
        [
            TrainingModule(name="Basisqualifizierung", kind=ModuleKind.BASE),
            Activity(pilot_id=pilot.id, activity_type=ActivityType.ADVICE, done_on=date(2026, 2, 1)),
            FundingProgramme(name="EFRE", donor="eu", status="applied"),
            Measure(
                title="E-Akte", category=Category.INTERNAL, status=MeasureStatus.PLANNED, maturity_target=2
            ),
            ItStaff(unit_id=unit.id, task_area=ItTaskArea.USER_SUPPORT, fte=1.5),
        ]
    )
    session.commit()


@pytest.fixture
def rows(engine):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        _one_row_each(session)
    return engine


@pytest.mark.parametrize(("table", "column", "outside", "bound"), BOUNDS)
def test_the_database_refuses_a_value_outside_the_bound_and_stores_the_bound(
    rows, table: str, column: str, outside: float, bound: float
) -> None:
    columns = SQLModel.metadata.tables[table].c
    with rows.connect() as connection:
        with pytest.raises(IntegrityError):
            connection.execute(update(columns[column].table).values({column: outside}))
        connection.rollback()
        connection.execute(update(columns[column].table).values({column: bound}))
        assert connection.execute(select(columns[column])).scalar() == bound


def test_a_pilot_with_99_hours_a_week_is_not_stored(engine) -> None:
    with Session(engine) as session:
        _one_row_each(session)
        session.add(
            Pilot(
                name="Max Muster",
                email="max@example.org",
                unit_id=1,
                stage=PilotStage.ACTIVE,
                stage_since=date(2026, 1, 1),
                hours_per_week=99,
            )
        )
        with pytest.raises(IntegrityError):
            session.commit()


def test_every_check_of_the_models_is_in_the_migrated_database_and_tested_here(engine) -> None:
    declared = {
        (table.name, constraint.name)
        for table in SQLModel.metadata.tables.values()
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    }
    inspector = inspect(engine)
    migrated = {
        (table, check["name"])
        for table, _name in declared
        for check in inspector.get_check_constraints(table)
    }
    assert declared == migrated
    assert declared == {(table, f"ck_{table}_{column}") for table, column, _outside, _bound in BOUNDS}


def test_the_downgrade_removes_the_checks_and_keeps_the_rows(rows) -> None:
    config = alembic_config()
    try:
        with migration_connection(rows) as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, BEFORE)
        assert all(not inspect(rows).get_check_constraints(table) for table, *_rest in BOUNDS)
        with rows.begin() as connection:
            connection.execute(update(Pilot.__table__).values(hours_per_week=99))  # type: ignore[attr-defined]
            assert connection.execute(select(Pilot.hours_per_week)).scalar() == 99
            connection.execute(update(Pilot.__table__).values(hours_per_week=2))  # type: ignore[attr-defined]
    finally:
        migrate(rows)
    assert inspect(rows).get_check_constraints("pilot")
