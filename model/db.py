"""Engine (one per process and URL) and sessions (one per unit of work)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from model.settings import get_settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
_IMMEDIATE = "lotsen_immediate"


def _configure_sqlite(engine: Engine) -> None:
    # SQLAlchemy's pysqlite recipe: let SQLAlchemy emit BEGIN itself, so that write sessions
    # can start with BEGIN IMMEDIATE and wait on the busy timeout instead of failing later.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
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

    On SQLite it begins IMMEDIATE, so concurrent writers queue on the busy timeout.
    """
    bind = (engine or get_engine()).execution_options(**{_IMMEDIATE: True})
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


# Registers the invalidation of stored month-end counts on every session's flush (see that module).
import model.stage_months  # noqa: E402, F401

# Keeps each unit's stored place in the tree on every flush that adds, renames or moves one.
import model.unit_paths  # noqa: E402, F401
