"""Bring a database to the newest schema with Alembic (the only way the schema changes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, inspect

from model.core.db import get_engine
from model.core.settings import ROOT


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["configure_logging"] = False
    return config


def migrate(engine: Engine | None = None, *, revision: str = "head") -> None:
    """Upgrade the database behind `engine` (default: DATABASE_URL) to `revision` (the newest)."""
    engine = engine or get_engine()
    config = alembic_config()
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for the migrations; on SQLite with foreign keys off.

    SQLite changes a table's constraints by copying it into a new table and dropping the old one
    (Alembic's batch mode). With foreign keys on, that DROP deletes or refuses the rows that refer to
    the table (ON DELETE CASCADE, RESTRICT). So, as SQLite's ALTER TABLE documentation says: keys off
    outside the transaction, PRAGMA foreign_key_check before the commit, keys on again.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.dbapi_connection
        if sqlite and raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction: inside one it is ignored
        try:
            with connection.begin():
                yield connection
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError(
                        "Die Migration hätte Verweise zwischen Tabellen zerstört; nichts ist geändert."
                    )
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def is_migrated(engine: Engine | None = None) -> bool:
    return inspect(engine or get_engine()).has_table("alembic_version")
