"""Shared fixtures: a migrated temporary SQLite database per test, and a controllable clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from model import clock
from model.db import make_engine
from model.migrate import migrate


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    """A fresh SQLite file, migrated to the newest schema."""
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


class FakeClock:
    """Replaces model.clock.now; advance() moves time forward."""

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
