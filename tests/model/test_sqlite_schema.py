"""Schema comparison of restores: the order of table constraints is no difference, their content is."""

from __future__ import annotations

import sqlite3

from model.core import sqlite_schema

COLUMNS = "id INTEGER NOT NULL, pilot_id INTEGER, unit_id INTEGER, name VARCHAR(20) DEFAULT 'a,b'"


def table(constraints: str) -> sqlite_schema.Table:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE pilot (id INTEGER PRIMARY KEY)")
    connection.execute(f'CREATE TABLE "app_user" ({COLUMNS}, {constraints})')
    return sqlite_schema.describe(connection).tables["app_user"]


def test_constraints_in_another_order_are_the_same_schema() -> None:
    # Alembic's batch mode writes them in either order (seen after migration d4f2b8c6e1a9).
    first = table("PRIMARY KEY (id), FOREIGN KEY(pilot_id) REFERENCES pilot (id), UNIQUE (pilot_id)")
    second = table("PRIMARY KEY (id), UNIQUE (pilot_id), FOREIGN KEY(pilot_id) REFERENCES pilot (id)")
    assert first.sql == second.sql


def test_foreign_keys_in_another_order_are_the_same_schema() -> None:
    # Alembic's batch mode writes them in any order (seen after migration f6b2d4e8a013).
    pilot, unit = (
        "FOREIGN KEY(pilot_id) REFERENCES pilot (id)",
        "FOREIGN KEY(unit_id) REFERENCES org_unit (id)",
    )
    first = table(f"PRIMARY KEY (id), {pilot}, {unit}")
    second = table(f"PRIMARY KEY (id), {unit}, {pilot}")
    assert first.foreign_keys == second.foreign_keys and first.sql == second.sql


def test_an_added_check_is_a_difference() -> None:
    plain = table("PRIMARY KEY (id), UNIQUE (pilot_id)")
    checked = table("PRIMARY KEY (id), UNIQUE (pilot_id), CHECK (name <> 'admin')")
    assert plain.sql != checked.sql
