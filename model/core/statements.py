"""Typed helpers where sqlmodel's annotations fall short of what a statement needs."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, inspect
from sqlalchemy.orm import Mapped
from sqlalchemy.sql._typing import _ColumnsClauseArgument
from sqlmodel import SQLModel, col
from sqlmodel.sql.expression import Select


def select_columns(*columns: _ColumnsClauseArgument[Any]) -> Select[*tuple[Any, ...]]:
    """The statement sqlmodel's select() builds for two or more columns.

    sqlmodel types select() for at most four; with more, no overload matches.
    """
    return Select(*columns)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model (its __table__, which sqlmodel does not declare)."""
    # A table model maps exactly one Table; the mapper types it as any FromClause.
    return cast(Table, inspect(model).local_table)


def id_column(column: int | None) -> Mapped[int]:
    """col() of a primary key, as the non-null integer that every stored row carries.

    sqlmodel types `id` as `int | None` (None until the insert); read back, it is never None.
    """
    return cast(Mapped[int], col(column))
