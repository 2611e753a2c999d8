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
