"""The same schema and read models on PostgreSQL: migrations, the demo seed and the key figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pandas.testing import assert_frame_equal
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

import model.core.tables  # noqa: F401  (registers every table on the metadata)
from model import demo
from model.core import backup
from model.core.backup import BackupError
from model.core.db import read_session
from model.core.migrate import is_migrated, migrate
from model.overview import dashboard as overview
from model.overview import figures

pytestmark = pytest.mark.postgres


def test_migrated_schema_matches_the_models(postgres_engine: Engine) -> None:
    migrate(postgres_engine)

    assert is_migrated(postgres_engine)
    assert set(SQLModel.metadata.tables) <= set(inspect(postgres_engine).get_table_names())
    with postgres_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def seeded_overview(engine: Engine, today: date) -> tuple[figures.KeyFigures, overview.KeyFigures]:
    demo.seed(engine=engine, scale="S", today=today)
    with read_session(engine) as session:
        return figures.key_figures(session=session), overview.key_figures(session=session)


def test_demo_seed_gives_the_same_key_figures_as_on_sqlite(
    postgres_engine: Engine, sqlite_engine: Engine, fake_clock
) -> None:
    migrate(postgres_engine)
    today = fake_clock.now().date()

    on_postgres, page_postgres = seeded_overview(postgres_engine, today)

    assert on_postgres.pilots_current > 0
    assert on_postgres.units_with_target > 0
    assert 0 <= on_postgres.units_covered <= on_postgres.units_with_target
    assert on_postgres.coverage_share is not None and 0 <= on_postgres.coverage_share <= 1
    assert 0 < on_postgres.covered_total <= on_postgres.target_total
    assert on_postgres.covered_total + on_postgres.missing_total == on_postgres.target_total
    assert on_postgres.open_support_requests >= 0
    assert on_postgres.top_units
    # The seed is deterministic, so SQLite must give the very same figures.
    on_sqlite, page_sqlite = seeded_overview(sqlite_engine, today)
    assert replace(on_postgres, as_of=on_sqlite.as_of) == on_sqlite
    assert page_postgres.phase is not None and page_postgres.phase == page_sqlite.phase
    assert_frame_equal(page_postgres.pilots_by_stage, page_sqlite.pilots_by_stage)
    assert (page_postgres.measures_in_progress, page_postgres.measures_total) == (
        page_sqlite.measures_in_progress,
        page_sqlite.measures_total,
    )


def test_the_in_app_backup_refuses_postgresql_and_points_to_pg_dump(postgres_engine: Engine) -> None:
    migrate(postgres_engine)

    with pytest.raises(BackupError, match="pg_dump"):
        backup.backup_bytes(engine=postgres_engine)
