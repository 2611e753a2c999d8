"""Backups of the SQLite database while the app is in use, and restoring one.

A backup is a consistent snapshot taken with SQLite's online backup API (readers never block
writers in WAL mode), checked with `PRAGMA integrity_check` before it is handed out. A restore
first checks that the file is an intact database of this app, then saves the current state to
`backups/<timestamp>.db` beside the live database, then copies the backup into the live database.
PostgreSQL is backed up with its own tools (pg_dump / pg_restore).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlmodel import Session

from model import clock
from model.audit import record_audit
from model.db import write_session
from model.migrate import alembic_config, migrate

SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_TABLES = frozenset({"alembic_version", "org_unit", "pilot", "measure", "audit_log", "app_user"})
NOT_SQLITE = (
    "Sicherung und Wiederherstellung in der Anwendung gibt es nur für SQLite. Für PostgreSQL bitte "
    "pg_dump (Sicherung) und pg_restore (Wiederherstellung) verwenden."
)


class BackupError(ValueError):
    """A German reason why a backup or restore was refused; the live database is unchanged."""


@dataclass(frozen=True)
class RestoreResult:
    safety_copy: Path  # the state before the restore
    revision: str  # schema revision of the restored backup (before migrating it)


def database_file(engine: Engine) -> Path:
    """The SQLite file behind `engine`; BackupError for any other database."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        raise BackupError(NOT_SQLITE)
    if not url.database or url.database == ":memory:":
        raise BackupError("Eine Datenbank im Arbeitsspeicher kann nicht gesichert werden.")
    return Path(url.database)


def backups_directory(engine: Engine) -> Path:
    """Where safety copies go: `backups/` beside the database (data/backups by default)."""
    return database_file(engine).parent / "backups"


def check_integrity(path: Path, shown_name: str | None = None) -> None:
    """PRAGMA integrity_check must answer "ok"; BackupError with the first problems otherwise."""
    name = shown_name or path.name
    try:
        connection = sqlite3.connect(path)
        try:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"„{name}“ ist keine lesbare SQLite-Datenbank ({exc}).") from None
    if rows != [("ok",)]:
        problems = "; ".join(str(row[0]) for row in rows[:3])
        raise BackupError(f"Die Prüfung (integrity_check) von „{name}“ meldet Fehler: {problems}")


def _copy_database(source: sqlite3.Connection, target_path: Path) -> None:
    """Page copy of `source` into a new single file (rollback journal, so it travels alone)."""
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)  # all pages in one step: one consistent read snapshot
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()


def backup_to(*, engine: Engine, path: Path | str) -> Path:
    """Write a consistent, checked backup of the live database to `path` (replaced atomically)."""
    live = database_file(engine)
    if not live.is_file():
        raise BackupError(f"Die Datenbank „{live}“ gibt es nicht.")
    target = Path(path)
    if not target.parent.is_dir():
        raise BackupError(f"Das Verzeichnis „{target.parent}“ gibt es nicht.")
    if target.resolve() == live.resolve():
        raise BackupError("Die Sicherung kann nicht die laufende Datenbank selbst überschreiben.")
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        source = sqlite3.connect(live, timeout=30)
        try:
            _copy_database(source, partial)
        finally:
            source.close()
        check_integrity(partial)
        partial.replace(target)
    except sqlite3.Error as exc:
        raise BackupError(f"Die Sicherung ist fehlgeschlagen: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def backup_bytes(*, engine: Engine) -> bytes:
    """A consistent, checked backup as bytes (for a download)."""
    database_file(engine)
    with tempfile.TemporaryDirectory(prefix="lotsen-backup-") as directory:
        path = backup_to(engine=engine, path=Path(directory) / "backup.db")
        return path.read_bytes()


def backup_file_name() -> str:
    """`Lotsen-Cockpit_Sicherung_2026-11-23_14-05-09.db` in local time."""
    return f"Lotsen-Cockpit_Sicherung_{_timestamp()}.db"


def _timestamp() -> str:
    return clock.now().astimezone(clock.LOCAL_TIMEZONE).strftime("%Y-%m-%d_%H-%M-%S")


def record_backup(*, session: Session, actor: str, target: str) -> None:
    """A backup holds everyone's data: who took one, and where to, goes into the audit log."""
    record_audit(
        session=session,
        actor=actor,
        action="backup",
        entity="database",
        entity_id=None,
        changes={"backup": (None, target)},
    )


def _known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _validate_candidate(path: Path, shown_name: str) -> str:
    """The schema revision of an intact database of this app; BackupError otherwise."""
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"„{shown_name}“ ist keine SQLite-Datenbank und damit keine Sicherung.")
    check_integrity(path, shown_name)
    connection = sqlite3.connect(path)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = sorted(REQUIRED_TABLES - tables)
        if missing:
            raise BackupError(
                f"„{shown_name}“ ist keine Sicherung des Lotsen-Cockpits "
                f"(es fehlen Tabellen: {', '.join(missing)})."
            )
        revisions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    finally:
        connection.close()
    if len(revisions) != 1 or revisions[0] not in _known_revisions():
        raise BackupError(
            f"„{shown_name}“ stammt von einer unbekannten oder neueren Version des Lotsen-Cockpits "
            "(Schema-Stand passt nicht); sie wird nicht eingespielt."
        )
    return revisions[0]


def _safety_copy(engine: Engine) -> Path:
    directory = backups_directory(engine)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{_timestamp()}.db"
    counter = 1
    while target.exists():
        counter += 1
        target = directory / f"{_timestamp()}_{counter}.db"
    return backup_to(engine=engine, path=target)


def restore_from(
    *, engine: Engine, path: Path | str, actor: str, shown_name: str | None = None
) -> RestoreResult:
    """Replace the live data with a checked backup, after saving the current state first."""
    live = database_file(engine)
    candidate = Path(path)
    name = shown_name or candidate.name
    if not candidate.is_file():
        raise BackupError(f"Die Datei „{name}“ gibt es nicht.")
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=live.parent) as directory:
        # Work on a private copy: the checked file is exactly the one copied in.
        staged = Path(directory) / "candidate.db"
        shutil.copyfile(candidate, staged)
        revision = _validate_candidate(staged, name)
        safety = _safety_copy(engine)
        engine.dispose()  # no pooled connection keeps reading the old pages
        try:
            source = sqlite3.connect(staged)
            target = sqlite3.connect(live, timeout=30)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        except sqlite3.Error as exc:
            raise BackupError(
                f"Die Wiederherstellung ist fehlgeschlagen ({exc}); der vorherige Stand liegt in „{safety}“."
            ) from None
    migrate(engine)
    with write_session(engine) as session:
        record_audit(
            session=session,
            actor=actor,
            action="restore",
            entity="database",
            entity_id=None,
            changes={"restored_from": (None, name), "safety_copy": (None, str(safety))},
        )
    return RestoreResult(safety_copy=safety, revision=revision)
