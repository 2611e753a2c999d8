"""What a SQLite file's schema holds, and how it differs from another's, in German.

A restore accepts a backup only if its schema equals what the migrations create at its revision:
the same tables (columns with types, nullability, defaults and keys; foreign keys), the same
indexes, and nothing else in sqlite_master (no trigger, no view). Every object's stored SQL must
match too, which catches what the PRAGMAs do not show (CHECK conditions, collations).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

# Planner statistics that ANALYZE writes: inert, never compared and never copied.
STATISTICS = re.compile(r"sqlite_stat\d")
SHOWN_NAME_LENGTH = 60


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None
    primary_key: int
    hidden: int  # 0 normal, 1 virtual-table hidden, 2/3 generated


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    foreign_keys: tuple[tuple[object, ...], ...]
    sql: str

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    unique: bool
    partial: bool
    keys: tuple[tuple[object, ...], ...]  # (column name, descending, collation) per key
    sql: str | None  # None for the indexes SQLite makes for UNIQUE and PRIMARY KEY


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    others: list[tuple[str, str]] = field(default_factory=list)  # (type, name): triggers, views


def shown(name: object) -> str:
    """A name from a foreign file as it may appear in a message: printable and short."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(name))
    return text if len(text) <= SHOWN_NAME_LENGTH else text[: SHOWN_NAME_LENGTH - 1] + "…"


def quoted(name: str) -> str:
    """An identifier in double quotes, for SQL built from the project's own table and column names."""
    return '"' + name.replace('"', '""') + '"'


def _normal_sql(sql: str | None) -> str | None:
    return None if sql is None else " ".join(sql.split())


def _top_level_parts(body: str) -> list[str]:
    """The comma-separated items of a CREATE TABLE body, commas inside parentheses or quotes kept."""
    parts: list[str] = []
    depth, quote, start = 0, "", 0
    for position, char in enumerate(body):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"`[":
            quote = "]" if char == "[" else char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:position].strip())
            start = position + 1
    parts.append(body[start:].strip())
    return parts


def _table_sql(sql: str | None) -> str:
    """A table's stored SQL with its constraint clauses in a fixed order.

    Alembic's batch mode (SQLite) recreates a table and writes its table constraints (UNIQUE,
    FOREIGN KEY, CHECK) in an order that differs from run to run; columns keep theirs. Both are
    compared, but the constraints as a sorted list.
    """
    text = _normal_sql(sql) or ""
    opening, closing = text.find("("), text.rfind(")")
    if opening < 0 or closing < opening:
        return text
    parts = _top_level_parts(text[opening + 1 : closing])
    constraint = re.compile(r"(CONSTRAINT|PRIMARY KEY|UNIQUE|FOREIGN KEY|CHECK)\b", re.IGNORECASE)
    columns = [part for part in parts if not constraint.match(part)]
    constraints = sorted(part for part in parts if constraint.match(part))
    return f"{text[: opening + 1]} {', '.join(columns + constraints)} {text[closing:]}"


def describe(connection: sqlite3.Connection) -> Schema:
    """Every object in sqlite_master, with what the PRAGMAs say about tables and indexes."""
    schema = Schema()
    objects = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    for kind, name, table, sql in objects:
        if kind == "table" and not STATISTICS.fullmatch(name):
            name_sql = quoted(name)
            columns = tuple(
                Column(row[1], row[2].upper(), bool(row[3]), row[4], row[5], row[6])
                for row in connection.execute(f"PRAGMA table_xinfo({name_sql})")
            )
            # (table, from, to, on_update, on_delete, match), sorted: Alembic's batch mode writes a
            # table's foreign keys in any order, and SQLite numbers them in the order written.
            keys = tuple(
                sorted(tuple(row[2:]) for row in connection.execute(f"PRAGMA foreign_key_list({name_sql})"))
            )
            schema.tables[name] = Table(name, columns, keys, _table_sql(sql))
        elif kind == "index":
            name_sql = quoted(name)
            keys = tuple(
                (row[2], row[3], row[4])
                for row in connection.execute(f"PRAGMA index_xinfo({name_sql})")
                if row[5]  # key columns only, not the rowid SQLite appends
            )
            listed = {row[1]: row for row in connection.execute(f"PRAGMA index_list({quoted(table)})")}
            entry = listed.get(name)
            schema.indexes[name] = Index(
                name,
                table,
                bool(entry and entry[2]),
                bool(entry and entry[4]),
                keys,
                _normal_sql(sql),
            )
        elif kind != "table":
            schema.others.append((kind, name))
    return schema


def differences(found: Schema, expected: Schema) -> list[str]:
    """German descriptions of how `found` differs from `expected` (empty: they are equal)."""
    problems = [_other(kind, name) for kind, name in sorted(found.others)]
    for name in sorted(found.tables.keys() - expected.tables.keys()):
        problems.append(f"zusätzliche Tabelle „{shown(name)}“")
    for name in sorted(expected.tables.keys() - found.tables.keys()):
        problems.append(f"es fehlt die Tabelle „{shown(name)}“")
    for name in sorted(found.tables.keys() & expected.tables.keys()):
        problems += _table_differences(found.tables[name], expected.tables[name])
    for name in sorted(found.indexes.keys() - expected.indexes.keys()):
        problems.append(f"zusätzlicher Index „{shown(name)}“")
    for name in sorted(expected.indexes.keys() - found.indexes.keys()):
        problems.append(f"es fehlt der Index „{shown(name)}“")
    for name in sorted(found.indexes.keys() & expected.indexes.keys()):
        if found.indexes[name] != expected.indexes[name]:
            problems.append(f"Index „{shown(name)}“ ist anders definiert")
    return problems


def _other(kind: str, name: str) -> str:
    if kind == "trigger":
        return f"Trigger „{shown(name)}“ (Trigger gehören nicht zum Schema)"
    if kind == "view":
        return f"Sicht (View) „{shown(name)}“ (Sichten gehören nicht zum Schema)"
    return f"unbekanntes Objekt „{shown(name)}“ vom Typ „{shown(kind)}“"


def _table_differences(found: Table, expected: Table) -> list[str]:
    where = f"Tabelle „{shown(expected.name)}“"
    problems = []
    found_names = [column.name for column in found.columns]
    expected_names = [column.name for column in expected.columns]
    for name in [name for name in found_names if name not in expected_names]:
        problems.append(f"{where}: zusätzliche Spalte „{shown(name)}“")
    for name in [name for name in expected_names if name not in found_names]:
        problems.append(f"{where}: es fehlt die Spalte „{shown(name)}“")
    for want in expected.columns:
        have = found.column(want.name)
        if have is not None and have != want:
            problems.append(f"{where}, Spalte „{shown(want.name)}“: {_column_difference(have, want)}")
    if not problems and found_names != expected_names:
        problems.append(f"{where}: die Reihenfolge der Spalten weicht ab")
    if found.foreign_keys != expected.foreign_keys:
        problems.append(f"{where}: die Fremdschlüssel weichen ab")
    if not problems and found.sql != expected.sql:
        problems.append(f"{where}: die Definition weicht ab (z. B. eine CHECK-Bedingung)")
    return problems


def _column_difference(have: Column, want: Column) -> str:
    if have.type != want.type:
        return f"Typ „{shown(have.type)}“ statt „{want.type}“"
    if have.not_null != want.not_null:
        return "darf leer sein statt Pflichtfeld" if want.not_null else "Pflichtfeld statt darf leer sein"
    if have.default != want.default:
        return f"Vorgabewert {_default(have.default)} statt {_default(want.default)}"
    if have.primary_key != want.primary_key:
        return "Primärschlüssel weicht ab"
    return "berechnete oder versteckte Spalte"


def _default(value: str | None) -> str:
    return "keiner" if value is None else f"„{shown(value)}“"
