"""The key figures exactly as Übersicht and Abdeckung show them, for `manage.py figures` and checks.

For the whole administration or the subtree of one unit: coverage by the one definition of
model.org.coverage, the Lotsen in the programme and the trained ones as Übersicht counts them, open
requests for support and Lotsen without a report; `top_units` are the children of the unit (or
the roots of the tree), each over its own subtree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from model.core import clock
from model.core.errors import DomainError
from model.core.queries import open_support_requests
from model.org import coverage
from model.org.scope import unit_by_code
from model.overview import dashboard as overview


class UnknownUnit(DomainError, LookupError):
    """No unit has the given Kürzel (German message)."""


@dataclass(frozen=True)
class BranchFigures:
    code: str
    name: str
    units_with_target: int
    units_covered: int
    target: int
    covered: int
    missing: int


@dataclass(frozen=True)
class KeyFigures:
    as_of: datetime
    unit: dict[str, str] | None  # {"code", "name"}; None: the whole administration
    units_with_target: int
    units_covered: int
    coverage_share: float | None
    target_total: int
    covered_total: int
    missing_total: int
    pilots_current: int
    pilots_covering: int
    open_support_requests: int
    stale_pilots: int
    top_units: tuple[BranchFigures, ...]

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat(timespec="seconds")
        data["top_units"] = [asdict(branch) for branch in self.top_units]
        return data


def key_figures(*, session: Session, unit_code: str | None = None) -> KeyFigures:
    """The figures for the unit with Kürzel `unit_code` and everything below it (None: all)."""
    unit = None
    if unit_code is not None:
        unit = unit_by_code(session=session, code=unit_code.strip())
        if unit is None:
            raise UnknownUnit(f"Keine Organisationseinheit mit dem Kürzel „{unit_code}“.")
    root_id = None if unit is None else unit.id
    summary = coverage.coverage_summary(session=session, root_id=root_id)
    pilots = overview.key_figures(session=session, root_id=root_id)
    branches = coverage.coverage_by_branch(session=session, root_id=root_id, parent_id=root_id)
    return KeyFigures(
        as_of=clock.now(),
        unit=None if unit is None else {"code": unit.code, "name": unit.name},
        units_with_target=summary.units_with_target,
        units_covered=summary.units_covered,
        coverage_share=summary.share,
        target_total=summary.target_total,
        covered_total=summary.covered_total,
        missing_total=summary.missing_total,
        pilots_current=int(pilots.pilots_current.now or 0),
        pilots_covering=int(pilots.pilots_covering.now or 0),
        open_support_requests=open_support_requests(session=session, root_id=root_id),
        stale_pilots=overview.stale_pilot_count(session=session, root_id=root_id),
        top_units=tuple(
            BranchFigures(
                code=str(row["Kürzel"]),
                name=str(row["Name"]),
                units_with_target=int(row["Einheiten mit Soll"]),
                units_covered=int(row["davon abgedeckt"]),
                target=int(row["Soll"]),
                covered=int(row[coverage.MET]),
                missing=int(row[coverage.MISSING]),
            )
            for _, row in branches.iterrows()
        ),
    )
