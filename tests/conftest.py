"""Shared fixtures: a migrated temporary database per test, a PostgreSQL server, and a controllable clock.

The database is a SQLite file; with LOTSEN_TEST_DB=postgres it is a fresh database on a throwaway
PostgreSQL server instead, and tests marked `sqlite_only` are skipped with their reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from model.core import clock
from model.core.db import make_engine
from model.core.migrate import migrate
from tests.support import pg_server

if TYPE_CHECKING:
    from tests.support.pg_server import PgServer

ON_POSTGRES = pg_server.requested()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): meaningful on SQLite only; skipped with the reason if LOTSEN_TEST_DB=postgres",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not ON_POSTGRES:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "SQLite only")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server for the whole session (skipped where none can start, outside CI)."""
    reason = pg_server.missing_reason()
    if reason is not None:
        if os.environ.get("CI") or ON_POSTGRES:
            pytest.fail(f"These tests need a PostgreSQL server: {reason}", pytrace=False)
        pytest.skip(reason)
    server = pg_server.start()
    yield server
    pg_server.stop(server)


@pytest.fixture(scope="session")
def postgres_test_database(postgres_server: PgServer) -> str:
    """URL of a migrated PostgreSQL database that `engine` empties again after each test."""
    url = postgres_server.create_database("test")
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A fresh database migrated to the newest schema: a SQLite file (or PostgreSQL, see above)."""
    if ON_POSTGRES:
        server: PgServer = request.getfixturevalue("postgres_server")
        url = request.getfixturevalue("postgres_test_database")
        engine = make_engine(url)
        yield engine
        engine.dispose()
        server.empty_database(url)
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


class FakeClock:
    """Replaces model.core.clock.now; advance() moves time forward."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def fake_clock(monkeypatch) -> FakeClock:
    fake = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    monkeypatch.setattr(clock, "now", fake.now)
    return fake
