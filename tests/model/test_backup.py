"""Backups while the app writes, restoring one (with a safety copy first), refusing foreign files."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from model.core import backup
from model.core.audit import record_audit
from model.core.backup import BackupError
from model.core.db import make_engine, read_session, write_session
from model.core.enums import Donor, FundingStatus, UnitKind
from model.core.tables import AuditEntry, FundingProgramme, OrgUnit

pytestmark = pytest.mark.sqlite_only(
    reason="backup and restore copy the SQLite file; PostgreSQL uses pg_dump"
)

DATA_TABLES = ("org_unit", "funding_programme", "pilot", "measure", "app_user")


def add_programme(engine, number: int) -> None:
    """One write = a programme and its audit row in one transaction (a backup must see both or neither)."""
    with write_session(engine) as session:
        programme = FundingProgramme(
            name=f"Programm {number}",
            donor=Donor.LAND,
            status=FundingStatus.IDENTIFIED,
            amount_applied=number,
        )
        session.add(programme)
        session.flush()
        record_audit(
            session=session,
            actor="writer",
            action="create",
            entity="funding_programme",
            entity_id=programme.id,
            changes={"name": (None, programme.name)},
        )


def dump(path: Path, tables: tuple[str, ...] = DATA_TABLES) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        return {table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in tables}  # noqa: S608
    finally:
        connection.close()


@pytest.fixture
def live(engine) -> Path:
    with write_session(engine) as session:
        session.add(OrgUnit(code="33", name="Bürgeramt", kind=UnitKind.AMT, headcount=47))
    for number in range(3):
        add_programme(engine, number)
    return backup.database_file(engine)


def test_a_backup_taken_while_another_thread_writes_is_consistent(engine, live, tmp_path) -> None:
    stop = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []

    def writer() -> None:
        number = 100
        try:
            while not stop.is_set():
                add_programme(engine, number)
                written.append(number)
                number += 1
        except BaseException as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            stop.wait(0.01)
        copies = [backup.backup_to(engine=engine, path=tmp_path / f"copy{i}.db") for i in range(3)]
        while len(written) < 20:
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(timeout=30)

    assert not failures
    sizes = []
    for copy in copies:
        with sqlite3.connect(copy) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            programmes = connection.execute("SELECT count(*) FROM funding_programme").fetchone()[0]
            audited = connection.execute(
                "SELECT count(*) FROM audit_log WHERE entity = 'funding_programme'"
            ).fetchone()[0]
        assert programmes == audited  # each write's two rows: both or neither
        sizes.append(programmes)
    assert sizes == sorted(sizes) and sizes[0] >= 3 + 5
    assert len(written) >= 20  # the writer was never blocked for long by the backups


def test_change_data_then_restore_gives_exactly_the_backed_up_data(engine, live, tmp_path) -> None:
    saved = backup.backup_to(engine=engine, path=tmp_path / "saved.db")
    expected = dump(saved)
    with write_session(engine) as session:
        session.exec(select(OrgUnit)).one().name = "Bürgerbüro"
        session.delete(
            session.exec(select(FundingProgramme).where(FundingProgramme.name == "Programm 0")).one()
        )
    add_programme(engine, 7)
    changed = dump(live)
    assert changed != expected

    result = backup.restore_from(engine=engine, path=saved, actor="cdo")

    assert dump(live) == expected
    assert dump(result.safety_copy) == changed  # the state before the restore is kept
    assert result.safety_copy.parent == live.parent / "backups"
    with read_session(engine) as session:
        entry = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()  # type: ignore[union-attr]
        assert session.exec(text("PRAGMA journal_mode")).one()[0] == "wal"
    assert (entry.actor, entry.action, entry.entity) == ("cdo", "restore", "database")
    assert json.loads(entry.changes)["restored_from"] == [None, "saved.db"]
    # The restored database keeps working for writes.
    add_programme(engine, 8)


def test_backup_bytes_are_a_checked_single_file_database(engine, live, tmp_path) -> None:
    data = backup.backup_bytes(engine=engine)
    assert data.startswith(b"SQLite format 3\x00")
    copy = tmp_path / "download.db"
    copy.write_bytes(data)
    assert dump(copy) == dump(live)


def test_files_that_are_no_backup_of_this_app_are_refused_and_nothing_changes(engine, live, tmp_path) -> None:
    before = dump(live)
    notes = tmp_path / "notizen.db"
    notes.write_text("keine Datenbank", encoding="utf-8")
    foreign = tmp_path / "fremd.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE kunden (id INTEGER PRIMARY KEY, name TEXT)")
    damaged = tmp_path / "kaputt.db"
    full = backup.backup_to(engine=engine, path=tmp_path / "full.db").read_bytes()
    damaged.write_bytes(full[: len(full) // 2])
    newer = tmp_path / "neuer.db"
    newer.write_bytes(full)
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")

    cases = [
        (notes, "ist keine SQLite-Datenbank"),
        (foreign, "es fehlen Tabellen: alembic_version, app_user, audit_log, measure, org_unit, pilot"),
        (damaged, "„kaputt.db“ ist keine lesbare SQLite-Datenbank|integrity_check\\) von „kaputt.db“"),
        (newer, "neueren Version"),
        (tmp_path / "fehlt.db", "gibt es nicht"),
    ]
    for path, message in cases:
        with pytest.raises(BackupError, match=message):
            backup.restore_from(engine=engine, path=path, actor="cdo")
    assert dump(live) == before
    assert not (live.parent / "backups").exists()  # refused before any safety copy was taken


def test_postgresql_is_refused_with_a_pointer_to_pg_dump(tmp_path) -> None:
    engine = make_engine("postgresql+psycopg://lotsen@localhost/lotsen")
    with pytest.raises(BackupError, match="pg_dump"):
        backup.backup_to(engine=engine, path=tmp_path / "x.db")
    with pytest.raises(BackupError, match="pg_restore"):
        backup.restore_from(engine=engine, path=tmp_path / "x.db", actor="cdo")


def test_a_backup_never_overwrites_the_live_database(engine, live) -> None:
    with pytest.raises(BackupError, match="laufende Datenbank"):
        backup.backup_to(engine=engine, path=live)
