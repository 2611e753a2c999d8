"""select() of five or more columns with a type mypy can follow."""

from __future__ import annotations

from typing import Any

from sqlalchemy.sql._typing import _ColumnsClauseArgument
from sqlmodel.sql.expression import Select


def select_columns(*columns: _ColumnsClauseArgument[Any]) -> Select[*tuple[Any, ...]]:
    """The statement sqlmodel's select() builds for two or more columns.

    sqlmodel types select() for at most four; with more, no overload matches.
    """
    return Select(*columns)
