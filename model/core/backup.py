"""Backups of the SQLite database while the app is in use, and restoring one.

A backup is a consistent snapshot taken with SQLite's online backup API (readers never block
writers in WAL mode), checked with `PRAGMA integrity_check` before it is handed out, mode 600.

A restore never takes the file itself: it accepts a backup only if the file is intact and its
schema equals what the migrations create at its revision (sqlite_schema: no trigger, no view,
nothing else), copies its rows table by table as parameters into a database freshly migrated to
that revision, migrates that to the newest, writes the audit row into it, saves the current state
to `backups/<timestamp>.db` and only then copies the rebuilt database over the live one.
PostgreSQL is backed up with its own tools (pg_dump / pg_restore).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from model.core import clock, sqlite_schema
from model.core.audit import record_audit
from model.core.db import StorageError, make_engine, storage_problem, write_session
from model.core.errors import DomainError
from model.core.migrate import alembic_config, migrate
from model.core.security_log import security_event
from model.core.sqlite_schema import shown

SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_TABLES = frozenset({"alembic_version", "org_unit", "pilot", "measure", "audit_log", "app_user"})
COPY_BATCH = 1000  # rows per INSERT batch while rebuilding
SHOWN_PROBLEMS = 4
NOT_SQLITE = (
    "Sicherung und Wiederherstellung in der Anwendung gibt es nur für SQLite. Für PostgreSQL bitte "
    "pg_dump (Sicherung) und pg_restore (Wiederherstellung) verwenden."
)


class BackupError(DomainError, ValueError):
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
        partial.chmod(0o600)  # everyone's data: readable by the service user only, whatever the umask
        partial.replace(target)
    except sqlite3.Error as exc:
        problem = storage_problem(exc)
        raise BackupError(
            f"Die Sicherung ist fehlgeschlagen: {problem.reason if problem else exc}."
        ) from None
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


def _revision(candidate: sqlite3.Connection, shown_name: str) -> str:
    """The schema revision of a database of this app; BackupError otherwise."""
    tables = {row[0] for row in candidate.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = sorted(REQUIRED_TABLES - tables)
    if missing:
        raise BackupError(
            f"„{shown_name}“ ist keine Sicherung des Lotsen-Cockpits "
            f"(es fehlen Tabellen: {', '.join(missing)})."
        )
    revisions = [row[0] for row in candidate.execute("SELECT version_num FROM alembic_version")]
    if len(revisions) != 1 or revisions[0] not in _known_revisions():
        raise BackupError(
            f"„{shown_name}“ stammt von einer unbekannten oder neueren Version des Lotsen-Cockpits "
            "(Schema-Stand passt nicht); sie wird nicht eingespielt."
        )
    return str(revisions[0])


def _open_candidate(path: Path, shown_name: str) -> sqlite3.Connection:
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"„{shown_name}“ ist keine SQLite-Datenbank und damit keine Sicherung.")
    check_integrity(path, shown_name)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA query_only=ON")  # the file is only read from
    connection.execute("PRAGMA trusted_schema=OFF")
    return connection


def _refuse_other_schema(
    found: sqlite_schema.Schema, expected: sqlite_schema.Schema, shown_name: str, revision: str
) -> None:
    problems = sqlite_schema.differences(found, expected)
    if not problems:
        return
    listed = "; ".join(problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    if more > 0:
        listed += f" und {more} weitere Abweichung{'en' if more > 1 else ''}"
    raise BackupError(
        f"„{shown_name}“ wird nicht eingespielt: Ihr Schema weicht von dem ab, das das Lotsen-Cockpit "
        f"für ihren Stand ({revision}) anlegt – {listed}. Es wurde nichts verändert."
    )


def _dependency_order(schema: sqlite_schema.Schema) -> list[sqlite_schema.Table]:
    """Tables so that each comes after the tables its foreign keys point to."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:  # done, or a cycle (foreign keys are checked at the end anyway)
            return
        seen.add(name)
        for key in schema.tables[name].foreign_keys:
            if str(key[0]) in schema.tables:
                visit(str(key[0]))
        order.append(name)

    for name in sorted(schema.tables):
        visit(name)
    return [schema.tables[name] for name in order if name != "alembic_version"]


def _safety_copy(engine: Engine) -> Path:
    directory = backups_directory(engine)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = directory / f"{_timestamp()}.db"
    counter = 1
    while target.exists():
        counter += 1
        target = directory / f"{_timestamp()}_{counter}.db"
    return backup_to(engine=engine, path=target)


def _copy_rows(
    source: sqlite3.Connection, target: sqlite3.Connection, schema: sqlite_schema.Schema, shown_name: str
) -> None:
    """Every row of every table, as parameters, in one transaction; foreign keys checked at the end."""
    tables = _dependency_order(schema)
    target.isolation_level = None
    target.execute("PRAGMA foreign_keys=ON")
    target.execute("BEGIN IMMEDIATE")
    try:
        target.execute("PRAGMA defer_foreign_keys=ON")
        for table in reversed(tables):  # what the migrations stored (e.g. settings) gives way
            target.execute(f"DELETE FROM {sqlite_schema.quoted(table.name)}")  # noqa: S608 (own names)
        for table in tables:
            names = ", ".join(sqlite_schema.quoted(column.name) for column in table.columns)
            marks = ", ".join("?" for _ in table.columns)
            insert = f"INSERT INTO {sqlite_schema.quoted(table.name)} ({names}) VALUES ({marks})"  # noqa: S608
            rows = source.execute(f"SELECT {names} FROM {sqlite_schema.quoted(table.name)}")  # noqa: S608
            try:
                while batch := rows.fetchmany(COPY_BATCH):
                    target.executemany(insert, batch)
            except sqlite3.IntegrityError as exc:
                raise BackupError(
                    f"„{shown_name}“ wird nicht eingespielt: Tabelle „{table.name}“ enthält Zeilen, "
                    f"die gegen die Regeln des Schemas verstoßen ({exc}). Es wurde nichts verändert."
                ) from None
        dangling = sorted({str(row[0]) for row in target.execute("PRAGMA foreign_key_check")})
        if dangling:
            raise BackupError(
                f"„{shown_name}“ wird nicht eingespielt: Verweise auf fehlende Datensätze in "
                f"{', '.join(f'„{name}“' for name in dangling)}. Es wurde nichts verändert."
            )
        target.execute("COMMIT")
    except BaseException:
        target.execute("ROLLBACK")
        raise


def _rebuild(staged: Path, rebuilt: Path, shown_name: str) -> str:
    """A database at `rebuilt` made by the migrations, holding the rows of the checked backup."""
    try:
        candidate = _open_candidate(staged, shown_name)
        try:
            revision = _revision(candidate, shown_name)
            _migrated(rebuilt, revision)
            target = sqlite3.connect(rebuilt)
            try:
                expected = sqlite_schema.describe(target)
                _refuse_other_schema(sqlite_schema.describe(candidate), expected, shown_name, revision)
                _copy_rows(candidate, target, expected, shown_name)
            finally:
                target.close()
        finally:
            candidate.close()
    except (sqlite3.Error, SQLAlchemyError) as exc:
        problem = storage_problem(exc)  # the rebuilt copy beside the live database could not be written
        if problem is not None:
            raise BackupError(
                f"Die Wiederherstellung ist nicht möglich: {problem.reason}; es wurde nichts verändert."
            ) from None
        raise BackupError(
            f"„{shown_name}“ ist keine lesbare Sicherung ({exc}); es wurde nichts verändert."
        ) from None
    try:
        _migrated(rebuilt, "head")
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        raise BackupError(
            f"„{shown_name}“ lässt sich nicht auf den neuesten Stand bringen ({cause}); "
            "es wurde nichts verändert."
        ) from None
    return revision


def _migrated(path: Path, revision: str) -> None:
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate(engine, revision=revision)
    finally:
        engine.dispose()


def _record_restore(path: Path, *, actor: str, shown_name: str, safety: Path) -> None:
    """The audit row goes into the rebuilt database: it goes live together with the data."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        with write_session(engine) as session:
            record_audit(
                session=session,
                actor=actor,
                action="restore",
                entity="database",
                entity_id=None,
                changes={"restored_from": (None, shown_name), "safety_copy": (None, str(safety))},
            )
    finally:
        engine.dispose()


def _replace_live(rebuilt: Path, live: Path, safety: Path) -> None:
    try:
        source = sqlite3.connect(rebuilt)
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


def restore_from(
    *, engine: Engine, path: Path | str, actor: str, shown_name: str | None = None
) -> RestoreResult:
    """Replace the live data with a rebuilt copy of a checked backup, after saving the current state."""
    name = shown(shown_name or Path(path).name)
    try:
        result = _restore(engine=engine, candidate=Path(path), actor=actor, shown_name=name)
    except BackupError as exc:
        security_event("restore_refused", user=actor, reason=str(exc))
        raise
    security_event("restore_done", user=actor, revision=result.revision, safety_copy=result.safety_copy)
    return result


def _restore(*, engine: Engine, candidate: Path, actor: str, shown_name: str) -> RestoreResult:
    live = database_file(engine)
    if not candidate.is_file():
        raise BackupError(f"Die Datei „{shown_name}“ gibt es nicht.")
    try:
        with tempfile.TemporaryDirectory(
            prefix=".restore-", dir=live.parent, ignore_cleanup_errors=True
        ) as directory:
            # Work on a private copy: the checked file is exactly the one read from.
            staged = Path(directory) / "candidate.db"
            shutil.copyfile(candidate, staged)
            rebuilt = Path(directory) / "rebuilt.db"
            revision = _rebuild(staged, rebuilt, shown_name)
            safety = _safety_copy(engine)
            _record_restore(rebuilt, actor=actor, shown_name=shown_name, safety=safety)
            engine.dispose()  # no pooled connection keeps reading the old pages
            _replace_live(rebuilt, live, safety)
    except StorageError as exc:  # the rebuilt copy or the safety copy could not be written
        raise BackupError(
            f"Die Wiederherstellung ist nicht möglich: {exc.reason}; es wurde nichts verändert."
        ) from None
    except OSError as exc:
        problem = _file_problem(exc, live.parent)
        raise BackupError(
            f"Die Wiederherstellung ist nicht möglich: {problem}; es wurde nichts verändert."
        ) from None
    return RestoreResult(safety_copy=safety, revision=revision)


def _file_problem(error: OSError, directory: Path) -> str:
    if error.errno == errno.ENOSPC:
        return f"der Datenträger von „{directory}“ ist voll"
    if error.errno == errno.EROFS:
        return f"„{directory}“ liegt auf einem schreibgeschützten Dateisystem"
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"keine Schreibberechtigung in „{directory}“"
    return f"Dateifehler {errno.errorcode.get(error.errno or 0, '?')} in „{directory}“"
