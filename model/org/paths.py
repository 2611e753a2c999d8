"""Each unit's place in the tree, stored with the unit: depth, path of Kürzel and a sort key.

The Verwaltung lists a Land's 10,000 units in tree order, a thousand at a time, and searches them.
With the place stored and the sort key indexed that is one ordered, limited query, not a recursive
walk over every unit on every run. An ORM flush that adds a unit or changes a Kürzel or a parent
refreshes the subtrees below those units in the same transaction (an event, so no write path can
forget it); bulk writes past the ORM (import, demo seed) call `refresh(session)` for all units.

Refreshes are serialised: on SQLite every write transaction is (BEGIN IMMEDIATE); on PostgreSQL
a refresh first takes a transaction-level advisory lock. So when two admins restructure at once
(one moves a unit below P, the other renames P's parent), the later refresh waits for the earlier
transaction to commit and then sees its units; no stored place is computed from a stale tree.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Select, Text, case, cast, event, func, inspect, literal, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.selectable import CTE
from sqlmodel import col

from model.core.statements import table_of
from model.core.tables import OrgUnit

PATH_SEPARATOR = " › "
SORT_SEPARATOR = "\x1f"  # below every printable character: a parent sorts right before its children
# More changed units than this in one flush (an import through the ORM): refresh the whole tree.
FULL_REFRESH_ABOVE = 50
_PENDING = "unit_paths_pending"
_PLACE = ("depth", "path", "sort_key")
_CHUNK = 500
_PG_LOCK = 0x4C6F_7473  # "Lots": the advisory lock of tree refreshes on PostgreSQL


def _walk(roots: Collection[int] | None) -> CTE:
    """The place of every unit below and including `roots` (None: the whole tree), recursively.

    A root starts from its parent's stored place, so a refreshed subtree fits the rest of the tree.
    """
    start: Select[*tuple[Any, ...]]
    if roots is None:
        start = select(
            col(OrgUnit.id).label("id"),
            literal(0).label("depth"),
            cast(OrgUnit.code, Text).label("path"),
            cast(OrgUnit.code, Text).label("sort_key"),
        ).where(col(OrgUnit.parent_id).is_(None))
    else:
        parent = aliased(OrgUnit)
        top = col(parent.id).is_(None)
        start = (
            select(
                col(OrgUnit.id).label("id"),
                case((top, 0), else_=func.coalesce(parent.depth, 0) + 1).label("depth"),
                case(
                    (top, cast(OrgUnit.code, Text)),
                    else_=func.coalesce(parent.path, "") + PATH_SEPARATOR + OrgUnit.code,
                ).label("path"),
                case(
                    (top, cast(OrgUnit.code, Text)),
                    else_=func.coalesce(parent.sort_key, "") + SORT_SEPARATOR + OrgUnit.code,
                ).label("sort_key"),
            )
            .outerjoin(parent, col(parent.id) == OrgUnit.parent_id)
            .where(col(OrgUnit.id).in_(sorted(roots)))
        )
    tree = start.cte("unit_place", recursive=True)
    below = select(
        col(OrgUnit.id),
        tree.c.depth + 1,
        tree.c.path + PATH_SEPARATOR + OrgUnit.code,
        tree.c.sort_key + SORT_SEPARATOR + OrgUnit.code,
    ).join(tree, col(OrgUnit.parent_id) == tree.c.id)
    return tree.union_all(below)


def refresh(connection: Connection | OrmSession, roots: Collection[int] | None = None) -> None:
    """Store the place of the units below and including `roots` (None: all), in the caller's transaction."""
    if roots is not None and not roots:
        return
    bind = connection.connection() if isinstance(connection, OrmSession) else connection
    if bind.dialect.name == "postgresql":
        bind.execute(select(func.pg_advisory_xact_lock(_PG_LOCK)))
    tree = _walk(roots)
    table = table_of(OrgUnit)
    statement = (
        update(table)
        .where(table.c.id == tree.c.id)
        .values(depth=tree.c.depth, path=tree.c.path, sort_key=tree.c.sort_key)
    )
    bind.execute(statement)


def _moved_or_renamed(unit: OrgUnit) -> bool:
    state = inspect(unit)
    return any(state.attrs[name].history.has_changes() for name in ("code", "parent_id"))


@event.listens_for(OrmSession, "before_flush")
def _note_changed_units(session: OrmSession, _context: object, _instances: object) -> None:
    changed = [unit for unit in session.new if isinstance(unit, OrgUnit)]
    changed += [unit for unit in session.dirty if isinstance(unit, OrgUnit) and _moved_or_renamed(unit)]
    if changed:
        session.info.setdefault(_PENDING, []).extend(changed)


@event.listens_for(OrmSession, "after_flush_postexec")
def _refresh_changed_units(session: OrmSession, _context: object) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    ids = {unit.id for unit in pending if unit in session and unit.id is not None}
    refresh(session, None if len(ids) > FULL_REFRESH_ABOVE else ids)
    # The loaded units learn their new place (not expired: a unit handed back after the commit
    # must stay readable without its session).
    loaded = {unit.id: unit for unit in session.identity_map.values() if isinstance(unit, OrgUnit)}
    keys = sorted(key for key in loaded if key is not None)  # loaded units have their id
    for start in range(0, len(keys), _CHUNK):
        rows = session.connection().execute(
            select(col(OrgUnit.id), col(OrgUnit.depth), col(OrgUnit.path), col(OrgUnit.sort_key)).where(
                col(OrgUnit.id).in_(keys[start : start + _CHUNK])
            )
        )
        for unit_id, *place in rows:
            for name, value in zip(_PLACE, place, strict=True):
                set_committed_value(loaded[unit_id], name, value)
