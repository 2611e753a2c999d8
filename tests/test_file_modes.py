"""The database, its WAL and SHM, every backup, safety copy and export: mode 600, whatever the umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from model.core.db import make_engine

pytestmark = pytest.mark.sqlite_only(reason="file modes of the SQLite database and its backups")

ROOT = Path(__file__).resolve().parents[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask 022 of a login shell, under which files come out world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_database_and_its_wal_and_shm_are_600_even_under_umask_022(open_umask, tmp_path) -> None:
    database = tmp_path / "lotsen.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as connection:  # stays open: the WAL and SHM exist meanwhile
            connection.execute(text("CREATE TABLE t (x)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
            modes = {path.name: mode(path) for path in tmp_path.iterdir()}
    finally:
        engine.dispose()
    assert modes == {"lotsen.db": 0o600, "lotsen.db-wal": 0o600, "lotsen.db-shm": 0o600}


def manage(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=database.parent,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.umask(0o022),  # noqa: PLW1509 (no threads started before)
    )


def test_manage_py_creates_database_backups_safety_copies_and_exports_600(tmp_path) -> None:
    database = tmp_path / "data" / "lotsen.db"
    database.parent.mkdir()
    for args in (
        ["migrate"],
        ["backup", "stand.db"],
        ["export", "alles.xlsx"],
        ["restore", "stand.db", "--yes"],
    ):
        result = manage(*args, database=database)
        assert result.returncode == 0, result.stderr
    (safety,) = (database.parent / "backups").iterdir()
    written = [database, tmp_path / "data" / "stand.db", tmp_path / "data" / "alles.xlsx", safety]
    assert {path.name: mode(path) for path in written} == {path.name: 0o600 for path in written}
    assert mode(safety.parent) == 0o700
