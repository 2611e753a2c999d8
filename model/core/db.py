"""Engine (one per process and URL) and sessions (one per unit of work)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from model.core.errors import DomainError
from model.core.settings import get_settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
_IMMEDIATE = "lotsen_immediate"
DISK_FULL = "der Speicherplatz der Datenbank ist erschöpft (Datenträger voll)"
WRITE_FAILED = (
    "die Datenbank konnte nicht auf den Datenträger schreiben (Schreibfehler, z. B. Datenträger voll "
    "oder Größengrenze für Dateien erreicht)"
)
READ_ONLY = "die Datenbank ist schreibgeschützt (nur lesbar)"


class StorageError(DomainError, RuntimeError):
    """The database cannot store anything now (disk full, read-only); the transaction was rolled back."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"Nicht gespeichert: {reason[0].upper()}{reason[1:]}. Alles bisher Gespeicherte ist unverändert. "
            "Bitte den IT-Betrieb verständigen und es danach noch einmal versuchen."
        )
        self.reason = reason


def storage_problem(error: BaseException) -> StorageError | None:
    """The StorageError behind a database error of SQLite or PostgreSQL, or None for any other error."""
    original = getattr(error, "orig", None) or error
    name = getattr(original, "sqlite_errorname", None) or ""
    state = getattr(original, "sqlstate", None)
    if name == "SQLITE_FULL" or state == "53100":  # PostgreSQL: disk_full
        return StorageError(DISK_FULL)
    if name.startswith("SQLITE_IOERR"):
        return StorageError(WRITE_FAILED)
    if name.startswith("SQLITE_READONLY") or state == "25006":  # read_only_sql_transaction
        return StorageError(READ_ONLY)
    return None


def _configure_sqlite(engine: Engine) -> None:
    # SQLAlchemy's pysqlite recipe: let SQLAlchemy emit BEGIN itself, so that write sessions
    # can start with BEGIN IMMEDIATE and wait on the busy timeout instead of failing later.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _create_private(database: Path) -> None:
    """Create a missing SQLite file with mode 600; SQLite gives its WAL and SHM the same mode."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str) -> Engine:
    """A new engine for `url` with the SQLite settings applied (tests use this directly)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _create_private(Path(parsed.database))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: DATABASE_URL)."""
    url = url or get_settings().database_url
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session for reads; nothing is committed."""
    with Session(engine or get_engine()) as session:
        yield session


@contextmanager
def write_session(engine: Engine | None = None) -> Iterator[Session]:
    """One write transaction: commits on success, rolls back on any error.

    On SQLite it begins IMMEDIATE, so concurrent writers queue on the busy timeout. A full disk or
    a read-only database ends in StorageError (a German reason), with nothing written.
    """
    bind = (engine or get_engine()).execution_options(**{_IMMEDIATE: True})
    try:
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session
    except DBAPIError as error:
        problem = storage_problem(error)
        if problem is None:
            raise
        raise problem from error


# Registers the invalidation of stored month-end counts on every session's flush (see that module).
# Keeps each unit's stored place in the tree on every flush that adds, renames or moves one.
import model.org.paths  # noqa: E402, F401
import model.pilots.stage_months  # noqa: E402, F401
