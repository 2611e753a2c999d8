"""Maßnahmen in bulk: the table of the Verwaltung (ideas of Lotsen and their triage: model.roadmap.ideas).

Bulk saves are all-or-nothing: every cell is validated and every row's version is checked
first; if anything is wrong, nothing is written and the caller gets the full list of problems
(row title, column, German reason), so a table is never left half saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from model.core.actor import Actor
from model.core.audit import record_audit
from model.core.guard import AdminError, require_admin
from model.core.statements import id_column, select_columns
from model.core.tables import FundingProgramme, Measure, OrgUnit
from model.org.scope import scope_condition
from model.roadmap.commands import FIELD_LABELS, MeasureInputError, validate_changes

ENTITY = "measure"
MAX_EDITOR_ROWS = 1_000
NOTE_MAX = 500

# The columns of the bulk table: column → German header (the form's labels, so messages match).
LINKS = {"unit_code": "unit_id", "funding": "funding_id"}  # table column → Measure attribute
COLUMNS: dict[str, str] = {
    name: FIELD_LABELS[LINKS.get(name, name)]
    for name in (
        "title", "category", "unit_code", "status", "rag", "benefit_citizens", "benefit_admin",
        "urgency", "legal_duty", "effort", "start_quarter", "end_quarter", "cost_operating",
        "cost_capital", "person_days", "ozg_id", "maturity_target", "maturity_actual", "efa",
        "funding", "decision_ref",
    )
}  # fmt: skip
SCORE_FIELDS = ("benefit_citizens", "benefit_admin", "urgency", "legal_duty", "effort")
EDITABLE = tuple(LINKS.get(name, name) for name in COLUMNS)


# One row of the bulk table as the user left it: the measure, the version it was loaded in, the new cells.
@dataclass(frozen=True)
class RowEdit:
    measure_id: int
    expected_version: int
    changes: dict[str, Any]


# The bulk table's save: every edited row with the version it was shown in.
@dataclass(frozen=True)
class MeasureRowsEdit:
    rows: tuple[RowEdit, ...]


# One reason why a bulk save was refused.
@dataclass(frozen=True)
class Problem:
    row: str
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"„{self.row}“" + (f", Spalte {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class BulkEditError(AdminError):
    """Nothing was saved; `problems` names every refused row and cell."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            f"Nichts gespeichert: {len(problems)} Problem(e) in der Tabelle. "
            "Bitte korrigieren und erneut speichern."
        )


@dataclass
class _Lookups:
    """Kürzel and programme names of one bulk save, read in two queries."""

    units: dict[str, tuple[int, bool]] = field(default_factory=dict)
    funding: dict[str, int] = field(default_factory=dict)


def measures_for_editing(
    *,
    session: Session,
    root_id: int | None = None,
    status: str | None = None,
    category: str | None = None,
    limit: int = MAX_EDITOR_ROWS,
) -> pd.DataFrame:
    """Measures in scope for the bulk table (at most `limit`, by title), with id and version."""
    query = (
        select_columns(
            col(Measure.id),
            col(Measure.version),
            col(Measure.title),
            col(Measure.category),
            col(OrgUnit.code),
            col(Measure.status),
            col(Measure.rag),
            *[getattr(Measure, name) for name in SCORE_FIELDS],
            col(Measure.start_quarter),
            col(Measure.end_quarter),
            col(Measure.cost_operating),
            col(Measure.cost_capital),
            col(Measure.person_days),
            col(Measure.ozg_id),
            col(Measure.maturity_target),
            col(Measure.maturity_actual),
            col(Measure.efa),
            col(FundingProgramme.name),
            col(Measure.decision_ref),
        )
        .outerjoin(OrgUnit, col(OrgUnit.id) == Measure.unit_id)
        .outerjoin(FundingProgramme, col(FundingProgramme.id) == Measure.funding_id)
        .where(*_filters(root_id, status, category))
        .order_by(Measure.title)
        .limit(limit)
    )
    frame = pd.DataFrame(session.exec(query).all(), columns=["id", "version", *COLUMNS])
    for name in ("maturity_target", "maturity_actual"):
        frame[name] = frame[name].astype("Int64")
    return frame


def measure_count(
    *, session: Session, root_id: int | None = None, status: str | None = None, category: str | None = None
) -> int:
    query = select(func.count()).select_from(Measure).where(*_filters(root_id, status, category))
    return int(session.exec(query).one())


def _filters(root_id: int | None, status: str | None, category: str | None) -> list[Any]:
    conditions = [scope_condition(col(Measure.unit_id), root_id)]
    if status:
        conditions.append(col(Measure.status) == status)
    if category:
        conditions.append(col(Measure.category) == category)
    return conditions


def editor_options(*, session: Session) -> dict[str, list[str]]:
    """Choices for the table's select columns: active unit Kürzel and programme names."""
    units = session.exec(select(OrgUnit.code).where(OrgUnit.active).order_by(OrgUnit.code)).all()
    programmes = session.exec(select(FundingProgramme.name).order_by(FundingProgramme.name)).all()
    return {"units": list(units), "funding": list(programmes)}


def _lookups(session: Session, edits: list[RowEdit]) -> _Lookups:
    wanted_units = {
        str(e.changes["unit_code"]).strip() for e in edits if not _is_empty(e.changes.get("unit_code"))
    }
    wanted_funding = {
        str(e.changes["funding"]).strip() for e in edits if not _is_empty(e.changes.get("funding"))
    }
    units = session.exec(
        select(col(OrgUnit.code), id_column(OrgUnit.id), col(OrgUnit.active)).where(
            col(OrgUnit.code).in_(wanted_units)
        )
    ).all()
    funding = session.exec(
        select(col(FundingProgramme.name), id_column(FundingProgramme.id)).where(
            col(FundingProgramme.name).in_(wanted_funding)
        )
    ).all()
    return _Lookups(units={code: (unit_id, active) for code, unit_id, active in units}, funding=dict(funding))


def _is_empty(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == ""


def _link(name: str, value: Any, lookups: _Lookups) -> int | None:
    """The id behind a Kürzel or programme name in the table; AdminError if there is none."""
    if _is_empty(value):
        return None
    text = str(value).strip()
    if name == "unit_code":
        if text not in lookups.units:
            raise AdminError(f"Eine Organisationseinheit mit dem Kürzel „{text[:30]}“ gibt es nicht.")
        unit_id, active = lookups.units[text]
        if not active:
            raise AdminError(f"Die Organisationseinheit „{text}“ ist inaktiv.")
        return unit_id
    if text not in lookups.funding:
        raise AdminError(f"Ein Förderprogramm „{text[:60]}“ gibt es nicht.")
    return lookups.funding[text]


def _row_problems(
    session: Session, measure: Measure, edit: RowEdit, lookups: _Lookups
) -> tuple[dict[str, Any], list[Problem]]:
    """The cleaned new values of one row (attribute → value) and what is wrong with it.

    The rules per cell are those of the single-measure form (model.roadmap.commands.validate_changes).
    """
    problems: list[Problem] = []
    changes: dict[str, Any] = {}
    for name, value in edit.changes.items():
        if name not in COLUMNS:
            problems.append(Problem(measure.title, name, "Diese Spalte kann hier nicht geändert werden."))
        elif name in LINKS:
            try:
                changes[LINKS[name]] = _link(name, value, lookups)
            except AdminError as exc:
                problems.append(Problem(measure.title, COLUMNS[name], str(exc)))
        else:
            changes[name] = value
    current = {attribute: getattr(measure, attribute) for attribute in EDITABLE}
    try:
        clean = validate_changes(session=session, measure_id=measure.id, changes=changes, current=current)
    except MeasureInputError as exc:
        return {}, problems + [_problem(measure.title, message) for message in exc.messages]
    return clean, problems


def _problem(title: str, message: str) -> Problem:
    """'Titel: reason' from validate_changes as a Problem with its column."""
    header, _, reason = message.partition(": ")
    known = header in FIELD_LABELS.values()
    return Problem(title, header if known else "", reason if known else message)


def bulk_update_measures(*, session: Session, actor: Actor, data: MeasureRowsEdit) -> int:
    """Save every edited row or none: version per row, every cell checked; returns the rows changed."""
    require_admin(session=session, actor=actor.username)
    edits = list(data.rows)
    if not edits:
        raise AdminError("Es wurde nichts geändert.")
    ids = [edit.measure_id for edit in edits]
    measures = {
        m.id: m for m in session.exec(select(Measure).where(col(Measure.id).in_(ids)).with_for_update()).all()
    }
    lookups = _lookups(session, edits)
    problems: list[Problem] = []
    planned: list[tuple[Measure, dict[str, Any]]] = []
    for edit in edits:
        measure = measures.get(edit.measure_id)
        if measure is None:
            problems.append(Problem(f"Nr. {edit.measure_id}", "", "Die Maßnahme wurde inzwischen gelöscht."))
            continue
        if measure.version != edit.expected_version:
            problems.append(
                Problem(
                    measure.title,
                    "",
                    "Jemand anderes hat diese Maßnahme inzwischen geändert. "
                    "Bitte die Tabelle neu laden und die Änderung erneut eintragen.",
                )
            )
            continue
        clean, row_problems = _row_problems(session, measure, edit, lookups)
        problems += row_problems
        planned.append((measure, clean))
    problems += _duplicate_titles(planned)
    if problems:
        raise BulkEditError(problems)
    changed = 0
    for measure, clean in planned:
        changes = {
            key: (getattr(measure, key), new) for key, new in clean.items() if getattr(measure, key) != new
        }
        if not changes:
            continue
        for key, (_old, new) in changes.items():
            setattr(measure, key, new)
        measure.version += 1
        session.add(measure)
        record_audit(
            session=session,
            actor=actor.username,
            action="update",
            entity=ENTITY,
            entity_id=measure.id,
            changes=changes,
        )
        changed += 1
    if not changed:
        raise AdminError("Es wurde nichts geändert.")
    return changed


def _duplicate_titles(planned: list[tuple[Measure, dict[str, Any]]]) -> list[Problem]:
    """Titles are the natural key: two rows of one save must not get the same new title."""
    problems, seen = [], set()
    for measure, clean in planned:
        title = clean.get("title")
        if title is None or title == measure.title:
            continue
        if title in seen:
            problems.append(Problem(measure.title, COLUMNS["title"], f"Den Titel „{title}“ gibt es schon."))
        seen.add(title)
    return problems
