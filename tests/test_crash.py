"""`kill -9` in the middle of a large import: the SQLite file stays sound and the import is all or nothing.

`python manage.py import` runs in its own process on a demo database, importing the export of scale M
(400 units, 600 Lotsen, 2,000 measures). Once its write transaction has put 256 KB of uncommitted pages
into the -wal file, the process gets SIGKILL. Afterwards the file passes `integrity_check`, holds either
exactly the earlier data or exactly the complete import, and takes the same import again.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

import model.core.tables  # noqa: F401  (registers every table on the metadata)
from manage import CLI_ACTOR
from model import demo, exchange
from model.core.db import make_engine, read_session, write_session
from model.core.migrate import migrate

ROOT = Path(__file__).resolve().parents[1]
KILL_TIMEOUT = 120.0
# Kill once this much of the transaction is in the -wal file (its 32-byte header alone is not enough).
WAL_BYTES_AT_KILL = 256 * 1024


@pytest.fixture(scope="module")
def big_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The exchange workbook of a city at scale M, as `manage.py export` writes it."""
    folder = tmp_path_factory.mktemp("crash_m")
    engine = make_engine(f"sqlite:///{folder / 'm.db'}")
    migrate(engine)
    demo.seed(engine=engine, scale="M")
    with read_session(engine) as session:
        content = exchange.export_workbook(session=session)
    engine.dispose()
    path = folder / "stadt-m.xlsx"
    path.write_bytes(content)
    return path


@pytest.fixture(scope="module")
def earlier_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database (the data that was there before the import), fully checkpointed."""
    path = tmp_path_factory.mktemp("crash_demo") / "lotsen.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    demo.seed(engine=engine, scale="demo")
    engine.dispose()
    return path


def import_in_process(path: Path, workbook: Path) -> None:
    """What `manage.py import` does, in this process."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        parsed = exchange.read_upload(files=[(workbook.name, workbook.read_bytes())])
        with read_session(engine) as session:
            plan = exchange.plan_import(session=session, parsed=parsed)
        assert not plan.errors
        with write_session(engine) as session:
            exchange.apply_import(session=session, plan=plan, actor=CLI_ACTOR)
    finally:
        engine.dispose()


def contents(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table; audit rows without their time stamp (it differs between runs)."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.execute(
                    select(*[c for c in table.c if (table.name, c.name) != ("audit_log", "at")]).order_by(
                        *table.primary_key.columns
                    )
                ).all()
                for table in SQLModel.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def check(path: Path) -> tuple[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        foreign_keys = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    return integrity, foreign_keys


def wal_size(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def kill_once_the_import_writes(path: Path, workbook: Path) -> tuple[int, int]:
    """Run `manage.py import`; SIGKILL it once its transaction fills the WAL. (returncode, WAL bytes)"""
    assert wal_size(path) == 0
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import", str(workbook)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{path}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + KILL_TIMEOUT
    try:
        while (size := wal_size(path)) < WAL_BYTES_AT_KILL:
            if process.poll() is not None:
                pytest.fail(f"the import ended before it wrote anything: {process.stderr.read()!r}")
            if time.monotonic() > deadline:
                pytest.fail("the import did not start writing in time")
            time.sleep(0.0005)
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait(timeout=30), size
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        process.stderr.close()


def test_kill_9_during_a_large_import_leaves_a_sound_file_with_all_or_nothing(
    tmp_path: Path, big_workbook: Path, earlier_data: Path
) -> None:
    before = contents(earlier_data)
    complete = tmp_path / "complete.db"
    shutil.copyfile(earlier_data, complete)
    import_in_process(complete, big_workbook)
    after_import = contents(complete)
    assert len(after_import["measure"]) > len(before["measure"]) + 1600  # a large import (M: 1.701)
    crashed = tmp_path / "crashed.db"
    shutil.copyfile(earlier_data, crashed)

    returncode, wal_bytes_at_kill = kill_once_the_import_writes(crashed, big_workbook)

    assert returncode == -signal.SIGKILL
    assert wal_bytes_at_kill >= WAL_BYTES_AT_KILL
    assert check(crashed) == ("ok", [])
    found = contents(crashed)
    assert found in (before, after_import), "the import is neither absent nor complete"
    # The file is still usable: the same import now goes through completely.
    if found == before:
        import_in_process(crashed, big_workbook)
        assert contents(crashed) == after_import
    assert check(crashed) == ("ok", [])
