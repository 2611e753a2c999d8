"""The org-tree scope every analytics query honours: the whole city, a Dezernat or one unit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, SQLColumnExpression, literal
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from model.core.enums import UnitKind
from model.core.statements import select_columns
from model.core.tables import OrgUnit


@dataclass(frozen=True)
class UnitOption:
    id: int
    code: str
    name: str
    parent_id: int | None
    kind: str


def units_in_scope(root_id: int, *, name: str = "scope_tree") -> SelectOfScalar[int]:
    """SELECT of the ids of `root_id` and all units below it (recursive CTE, any depth).

    `name` names the CTE; one query that combines two scopes needs two names.
    """
    tree = select(OrgUnit.id).where(OrgUnit.id == root_id).cte(name, recursive=True)
    children = select(col(OrgUnit.id)).join(tree, col(OrgUnit.parent_id) == tree.c.id)
    tree = tree.union_all(children)
    return select(tree.c.id)


def scope_condition(
    column: SQLColumnExpression[int | None], root_id: int | None, *, name: str = "scope_tree"
) -> ColumnElement[bool]:
    """WHERE condition restricting a unit-id column to the scope (None = everything)."""
    return literal(True) if root_id is None else column.in_(units_in_scope(root_id, name=name))


def dezernate(*, session: Session) -> list[UnitOption]:
    """Top-level units for the sidebar filter: Dezernate (and other roots), by code."""
    rows = session.exec(
        select_columns(
            col(OrgUnit.id), col(OrgUnit.code), col(OrgUnit.name), col(OrgUnit.parent_id), col(OrgUnit.kind)
        )
        .where(col(OrgUnit.parent_id).is_(None), col(OrgUnit.active))
        .order_by(OrgUnit.code)
    ).all()
    return [UnitOption(*row) for row in rows]


def units_below(*, session: Session, root_id: int) -> list[UnitOption]:
    """Active units below `root_id` (not the root itself), by code."""
    rows = session.exec(
        select_columns(
            col(OrgUnit.id), col(OrgUnit.code), col(OrgUnit.name), col(OrgUnit.parent_id), col(OrgUnit.kind)
        )
        .where(col(OrgUnit.id).in_(units_in_scope(root_id)), col(OrgUnit.id) != root_id, col(OrgUnit.active))
        .order_by(OrgUnit.code)
    ).all()
    return [UnitOption(*row) for row in rows]


def unit_by_code(*, session: Session, code: str) -> UnitOption | None:
    row = session.exec(
        select_columns(
            col(OrgUnit.id), col(OrgUnit.code), col(OrgUnit.name), col(OrgUnit.parent_id), col(OrgUnit.kind)
        ).where(OrgUnit.code == code)
    ).first()
    return None if row is None else UnitOption(*row)


def is_dezernat(option: UnitOption) -> bool:
    return option.kind == UnitKind.DEZERNAT.value
