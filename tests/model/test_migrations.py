"""The Alembic migrations create exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import model.core.tables  # noqa: F401


def test_migrations_match_models(engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_every_table_is_migrated(engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


@pytest.mark.sqlite_only(reason="PRAGMA settings of the SQLite connection")
def test_sqlite_connection_settings(engine) -> None:
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


@pytest.mark.sqlite_only(reason="the migration steps on a file of its own")
def test_user_version_migration_upgrades_and_downgrades(tmp_path) -> None:
    from alembic import command

    from model.core.db import make_engine
    from model.core.migrate import alembic_config, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'schritte.db'}")
    try:
        migrate(engine, revision="d4f2b8c6e1a9")
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO app_user (username, display_name, role, password_hash, active, "
                "sessions_valid_after, created_at) VALUES ('cdo', 'CDO', 'admin', 'x', 1, "
                "'2026-12-01 00:00:00', '2026-12-01 00:00:00')"
            )
        migrate(engine, revision="e5a1c3d7f902")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT username, version FROM app_user")).all() == [("cdo", 1)]
        columns = {column["name"]: column for column in inspect(engine).get_columns("app_user")}
        assert columns["version"]["nullable"] is False
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "-1")
        assert "version" not in {column["name"] for column in inspect(engine).get_columns("app_user")}
        with engine.connect() as connection:
            assert connection.execute(text("SELECT username FROM app_user")).all() == [("cdo",)]
    finally:
        engine.dispose()


VERSIONED_0012 = ("milestone", "gate_decision", "training_module", "it_staff", "app_setting")


@pytest.mark.sqlite_only(reason="the migration steps on a file of its own")
def test_more_versions_migration_upgrades_and_downgrades(tmp_path) -> None:
    from alembic import command

    from model.core.db import make_engine
    from model.core.migrate import alembic_config, migrate, migration_connection

    engine = make_engine(f"sqlite:///{tmp_path / 'schritte.db'}")
    try:
        migrate(engine, revision="e5a1c3d7f902")
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO org_unit (id, code, name, kind, headcount, active, version) "
                "VALUES (1, 'A1', 'Amt 1', 'amt', 10, 1, 1)",
                "INSERT INTO it_staff (id, unit_id, task_area, fte) VALUES (1, 1, 'betrieb', 2.5)",
                "INSERT INTO phase (id, name, position, planned_start, planned_end, status, version) "
                "VALUES (1, 'Pilot', 1, '2026-01-01', '2026-06-30', 'laufend', 1)",
                "INSERT INTO milestone (id, phase_id, title, due_on) VALUES (1, 1, 'Start', '2026-02-01')",
                "INSERT INTO gate_decision (id, phase_id, body, decided_on) "
                "VALUES (1, 1, 'Lenkungskreis', '2026-03-01')",
                "INSERT INTO training_module (id, name, kind, duration_days, position, active) "
                "VALUES (1, 'Basisqualifizierung', 'basis', 2.0, 1, 1)",
                "INSERT INTO pilot (id, name, email, unit_id, stage, stage_since, hours_per_week, "
                "anonymised, version) "
                "VALUES (1, 'Lotse', 'l@example.org', 1, 'aktiv', '2026-01-01', 2, 0, 1)",
                "INSERT INTO training_record (id, pilot_id, module_id, enrolled_on) "
                "VALUES (1, 1, 1, '2026-01-05')",
                "INSERT INTO app_setting (key, value) VALUES ('soll_test', '{}')",
            ):
                connection.exec_driver_sql(statement)
        migrate(engine, revision="a7c3e5f9b124")
        with engine.connect() as connection:
            for table in VERSIONED_0012:
                select = text(f"SELECT version FROM {table}")  # noqa: S608  (names from VERSIONED_0012)
                assert set(connection.execute(select).all()) == {(1,)}, table
        for table in VERSIONED_0012:
            columns = {column["name"]: column for column in inspect(engine).get_columns(table)}
            assert columns["version"]["nullable"] is False, table
        config = alembic_config()
        with migration_connection(engine) as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "e5a1c3d7f902")
        for table in VERSIONED_0012:
            assert "version" not in {column["name"] for column in inspect(engine).get_columns(table)}, table
        with engine.connect() as connection:
            assert connection.execute(text("SELECT title FROM milestone")).all() == [("Start",)]
            assert connection.execute(text("SELECT module_id FROM training_record")).all() == [(1,)]
            assert ("soll_test",) in connection.execute(text("SELECT key FROM app_setting")).all()
    finally:
        engine.dispose()
