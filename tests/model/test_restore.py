"""Restore rebuilds: a backup whose schema is not exactly the migrations' is refused, nothing changes.

Each crafted file starts as a real backup of the live database and is then changed the way an
attacker (or a broken tool) would: triggers, a view, an extra table, a changed column, a broken
schema, data that breaks a foreign key. A backup from an older revision is still accepted.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select

from model.core import backup
from model.core.backup import BackupError
from model.core.db import make_engine, read_session, write_session
from model.core.enums import UnitKind
from model.core.migrate import migrate
from model.core.security_log import LOGGER_NAME
from model.core.tables import AppUser, AuditEntry, OrgUnit

pytestmark = pytest.mark.sqlite_only(reason="restore rebuilds SQLite files; PostgreSQL uses pg_restore")

OLDER_REVISION = "5b1e0c7d9a21"  # 0005_unit_place: before unit_month and ideas
# The hostile walk's two triggers: the restore's own audit row makes `lotse` an admin, and her
# later edits vanish from the audit log.
PROMOTE_LOTSE = (
    "CREATE TRIGGER promote AFTER INSERT ON audit_log BEGIN "
    "UPDATE app_user SET role = 'admin' WHERE username = 'lotse'; END"
)
HIDE_LOTSE = (
    "CREATE TRIGGER hide BEFORE INSERT ON audit_log WHEN NEW.actor = 'lotse' BEGIN SELECT RAISE(IGNORE); END"
)


def _rewrite_schema(old: str, new: str, table: str) -> str:
    """Change a stored CREATE statement behind SQLite's back (what a hand-edited file holds)."""
    update = f"UPDATE sqlite_master SET sql = replace(sql, '{old}', '{new}') WHERE name = '{table}'"  # noqa: S608
    return f"PRAGMA writable_schema=ON; {update}; PRAGMA writable_schema=OFF;"


CRAFTED: dict[str, tuple[str, str]] = {
    # name: (SQL run on a real backup, what the refusal must name)
    "zwei_trigger": (PROMOTE_LOTSE + ";" + HIDE_LOTSE, "Trigger „hide“"),
    "trigger_beim_anmelden": (
        "CREATE TRIGGER t AFTER UPDATE ON app_user BEGIN DELETE FROM audit_log; END",
        "Trigger „t“",
    ),
    "sicht": ("CREATE VIEW alle_konten AS SELECT username, password_hash FROM app_user", "Sicht (View)"),
    "zusatztabelle": (
        "CREATE TABLE notizen (id INTEGER PRIMARY KEY, text TEXT)",
        "zusätzliche Tabelle „notizen“",
    ),
    "zusatzspalte": (
        "ALTER TABLE pilot ADD COLUMN geheim TEXT",
        "Tabelle „pilot“: zusätzliche Spalte „geheim“",
    ),
    "spaltentyp": (
        _rewrite_schema("name VARCHAR(200) NOT NULL", "name INTEGER NOT NULL", "org_unit"),
        "Tabelle „org_unit“, Spalte „name“: Typ „INTEGER“ statt „VARCHAR(200)“",
    ),
    "pflichtfeld_leer": (
        _rewrite_schema("name VARCHAR(200) NOT NULL", "name VARCHAR(200)", "org_unit"),
        "Spalte „name“: darf leer sein statt Pflichtfeld",
    ),
    "check_bedingung": (
        _rewrite_schema(
            "name VARCHAR(200) NOT NULL",
            "name VARCHAR(200) NOT NULL CHECK (length(name) < 300)",
            "org_unit",
        ),
        "Tabelle „org_unit“: die Definition weicht ab",
    ),
    "index_fehlt": ("DROP INDEX ix_pilot_email", "es fehlt der Index „ix_pilot_email“"),
    "index_zusaetzlich": ("CREATE INDEX spion ON app_user (password_hash)", "zusätzlicher Index „spion“"),
    "tabelle_fehlt": ("DROP TABLE idea", "es fehlt die Tabelle „idea“"),
    "kaputtes_schema": (
        "PRAGMA writable_schema=ON; UPDATE sqlite_master SET sql = 'CREATE TABLE pilot(' "
        "WHERE name = 'pilot'; PRAGMA writable_schema=OFF;",
        "keine lesbare",
    ),
    "verweis_ins_leere": (
        "PRAGMA foreign_keys=OFF; UPDATE app_user SET pilot_id = 9999 WHERE username = 'lotse';",
        "Verweise auf fehlende Datensätze in „app_user“",
    ),
    "unbekannter_stand": ("UPDATE alembic_version SET version_num = 'ffffffffffff'", "neueren Version"),
}
NOT_A_BACKUP: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "textdatei": (lambda _: b"keine Datenbank", "ist keine SQLite-Datenbank"),
    "halbe_datei": (lambda data: data[: len(data) // 2], "kaputt|lesbare|integrity_check"),
    "nur_kopf": (lambda data: data[:100], "kaputt|lesbare|integrity_check"),
}


def dump(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: connection.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in sorted(tables)}  # noqa: S608
    finally:
        connection.close()


def schema_objects(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as connection:
        return sorted(connection.execute("SELECT type, name FROM sqlite_master").fetchall())


@pytest.fixture
def live(engine) -> Path:
    with write_session(engine) as session:
        session.add(OrgUnit(code="33", name="Bürgeramt", kind=UnitKind.AMT, headcount=47))
        session.add(AppUser(username="lotse", display_name="Lotsin", role="lotse", password_hash="x"))
    return backup.database_file(engine)


def crafted(engine, tmp_path: Path, name: str, sql: str) -> Path:
    path = backup.backup_to(engine=engine, path=tmp_path / f"{name}.db")
    connection = sqlite3.connect(path)
    try:
        connection.executescript(sql)
    finally:
        connection.close()
    return path


def role_of_lotse(engine) -> str:
    with read_session(engine) as session:
        return session.exec(select(AppUser.role).where(AppUser.username == "lotse")).one()


@pytest.mark.parametrize("name", CRAFTED)
def test_a_crafted_backup_is_refused_with_the_reason_and_nothing_changes(
    engine, live, tmp_path, name
) -> None:
    sql, reason = CRAFTED[name]
    path = crafted(engine, tmp_path, name, sql)
    before, objects = dump(live), schema_objects(live)

    with pytest.raises(BackupError, match=re.escape(reason)):
        backup.restore_from(engine=engine, path=path, actor="cdo")

    assert dump(live) == before and schema_objects(live) == objects
    assert not (live.parent / "backups").exists()  # refused before any safety copy was taken
    assert role_of_lotse(engine) == "lotse"


@pytest.mark.parametrize("name", NOT_A_BACKUP)
def test_a_file_that_is_no_intact_database_is_refused(engine, live, tmp_path, name) -> None:
    change, reason = NOT_A_BACKUP[name]
    path = tmp_path / f"{name}.db"
    path.write_bytes(change(backup.backup_to(engine=engine, path=tmp_path / "echt.db").read_bytes()))
    before = dump(live)
    with pytest.raises(BackupError, match=reason):
        backup.restore_from(engine=engine, path=path, actor="cdo")
    assert dump(live) == before


def test_the_promoting_trigger_has_no_effect_even_when_the_audit_row_is_written(
    engine, live, tmp_path
) -> None:
    """The hostile walk's file: refused; the audit rows written afterwards promote nobody."""
    path = crafted(engine, tmp_path, "hintertuer", PROMOTE_LOTSE + ";" + HIDE_LOTSE)
    with pytest.raises(BackupError, match="Trigger „promote“.*Trigger gehören nicht zum Schema"):
        backup.restore_from(engine=engine, path=path, actor="cdo")

    # A clean restore afterwards writes its audit row; still nobody is promoted, nothing is hidden.
    clean = backup.backup_to(engine=engine, path=tmp_path / "sauber.db")
    backup.restore_from(engine=engine, path=clean, actor="cdo")
    with write_session(engine) as session:
        from model.core.audit import record_audit

        record_audit(
            session=session, actor="lotse", action="update", entity="pilot", entity_id="1", changes={}
        )
    assert role_of_lotse(engine) == "lotse"
    assert [kind for kind, _ in schema_objects(live)].count("trigger") == 0
    with read_session(engine) as session:
        actors = [entry.actor for entry in session.exec(select(AuditEntry))]
    assert actors == ["cdo", "lotse"]  # the restore's row, then her edit: nothing vanished


def test_the_restore_copies_rows_not_the_file(engine, live, tmp_path) -> None:
    """Statistics, free pages and settings outside the schema never reach the live file."""
    path = crafted(engine, tmp_path, "mit_extras", "PRAGMA user_version = 77; ANALYZE;")
    expected = dump(path)
    expected.pop("sqlite_stat1", None)

    backup.restore_from(engine=engine, path=path, actor="cdo")

    restored = dump(live)
    assert restored.pop("sqlite_stat1", None) is None
    entries = restored.pop("audit_log")
    assert entries[:-1] == expected.pop("audit_log") and restored == expected
    with sqlite3.connect(live) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (0,)


def test_a_backup_from_an_older_revision_is_accepted_and_migrated(engine, live, tmp_path) -> None:
    older = tmp_path / "aelter.db"
    old_engine = make_engine(f"sqlite:///{older}")
    migrate(old_engine, revision=OLDER_REVISION)
    with old_engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO org_unit (code, name, kind, headcount, target_pilots, active, version, depth, path, "
            "sort_key) VALUES ('10', 'Hauptamt', 'AMT', 12, 1, 1, 1, 0, '10', '10')"
        )
    old_engine.dispose()

    result = backup.restore_from(engine=engine, path=older, actor="cdo")

    assert result.revision == OLDER_REVISION
    with read_session(engine) as session:
        assert [unit.name for unit in session.exec(select(OrgUnit))] == ["Hauptamt"]
    with sqlite3.connect(live) as connection:
        head = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        assert "idea" in {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert head != OLDER_REVISION
    with write_session(engine) as session:  # the restored database keeps working for writes
        session.add(OrgUnit(code="20", name="Kämmerei", kind=UnitKind.AMT, headcount=5))
    # Migrated step by step, its schema equals a fresh one: its own backup is accepted too.
    again = backup.backup_to(engine=engine, path=tmp_path / "wieder.db")
    assert backup.restore_from(engine=engine, path=again, actor="cdo").revision == head


def test_restores_and_refusals_go_to_the_server_log(engine, live, tmp_path, caplog) -> None:
    logging.getLogger(LOGGER_NAME).addHandler(caplog.handler)
    try:
        path = crafted(engine, tmp_path, "sicht", CRAFTED["sicht"][0])
        with pytest.raises(BackupError):
            backup.restore_from(engine=engine, path=path, actor="cdo")
        backup.restore_from(
            engine=engine, path=backup.backup_to(engine=engine, path=tmp_path / "ok.db"), actor="cdo"
        )
    finally:
        logging.getLogger(LOGGER_NAME).removeHandler(caplog.handler)
    lines = [record.getMessage() for record in caplog.records if record.name == LOGGER_NAME]
    assert lines[0].startswith("restore_refused user=cdo reason=") and "Sicht (View)" in lines[0]
    assert lines[1].startswith("restore_done user=cdo revision=")
