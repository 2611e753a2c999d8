"""Bring a database to the newest schema with Alembic (the only way the schema changes)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

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
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_migrated(engine: Engine | None = None) -> bool:
    return inspect(engine or get_engine()).has_table("alembic_version")
