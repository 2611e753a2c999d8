"""A fresh, empty PostgreSQL database per test (the server is tests/conftest.py's `postgres_server`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from model.core.db import make_engine
from model.core.migrate import migrate
from tests.support.pg_server import PgServer


@pytest.fixture
def postgres_url(postgres_server: PgServer) -> Iterator[str]:
    """SQLAlchemy URL of a new, empty database, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    """A migrated SQLite file to compare with, whichever backend the `engine` fixture uses."""
    engine = make_engine(f"sqlite:///{tmp_path / 'compare.db'}")
    migrate(engine)
    yield engine
    engine.dispose()
