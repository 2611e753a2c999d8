"""Read models of the Roadmap page: filtered measures, priority matrix, quarter timeline, edit data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Integer, and_, case, cast, func, literal, or_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from model.core.enums import Category, MeasureStatus, PilotStage, Rag, labels_of
from model.core.queries import contains
from model.core.statements import id_column, select_columns
from model.core.tables import FundingProgramme, Measure, OrgUnit, Pilot
from model.org.scope import UnitOption, scope_condition
from model.roadmap.commands import FIELD_LABELS
from model.roadmap.scoring import (
    ScoreWeights,
    among_best,
    benefit_expression,
    class_expression,
    score_expression,
    score_weights,
)

# Quadrants of the matrix: Nutzen from 3 counts as high, Aufwand up to 3 as low.
BENEFIT_SPLIT = 3.0
EFFORT_SPLIT = 3.5
QUADRANTS = {
    "quick_win": "Schnelle Erfolge",
    "major": "Große Vorhaben",
    "filler": "Füllaufgaben",
    "questionable": "Zurückstellen",
}
# Above this many measures the timeline shows counts per category and quarter instead of bars.
MAX_TIMELINE_BARS = 60
# The matrix, the selection table and the detail choice list at most this many measures, best
# score first (a Land-wide roadmap has 50,000; the browser gets only what it can draw).
MAX_LISTED = 2_000


# What the page filters by; hashable, so cached reads can key on it.
@dataclass(frozen=True)
class MeasureFilter:
    root_id: int | None = None
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    unit_ids: tuple[int, ...] = ()
    classes: tuple[str, ...] = ()
    ozg_only: bool = False


def _conditions(filters: MeasureFilter, weights: ScoreWeights) -> list[Any]:
    conditions = []
    if filters.root_id is not None:
        conditions.append(scope_condition(col(Measure.unit_id), filters.root_id))
    if filters.categories:
        conditions.append(col(Measure.category).in_(filters.categories))
    if filters.statuses:
        conditions.append(col(Measure.status).in_(filters.statuses))
    if filters.unit_ids:
        conditions.append(col(Measure.unit_id).in_(filters.unit_ids))
    if filters.classes:
        conditions.append(class_expression(weights).in_(filters.classes))
    if filters.ozg_only:
        conditions.append(and_(col(Measure.ozg_id).is_not(None), col(Measure.ozg_id) != ""))
    return conditions


def quadrant_expression(weights: ScoreWeights) -> ColumnElement[str]:
    high_benefit = benefit_expression(weights) >= BENEFIT_SPLIT - 1e-9
    low_effort = col(Measure.effort) < EFFORT_SPLIT
    return case(
        (and_(high_benefit, low_effort), literal(QUADRANTS["quick_win"])),
        (high_benefit, literal(QUADRANTS["major"])),
        (low_effort, literal(QUADRANTS["filler"])),
        else_=literal(QUADRANTS["questionable"]),
    )


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Replace category, status and RAG codes by their German labels."""
    mapping = {"category": Category, "status": MeasureStatus, "rag": Rag}
    for column, enum_type in mapping.items():
        if column in frame:
            frame[column] = frame[column].map(labels_of(enum_type)).fillna(frame[column])
    return frame


TABLE_COLUMNS = [
    "id",
    "title",
    "category",
    "unit",
    "status",
    "rag",
    "score",
    "priority_class",
    "quadrant",
    "start_quarter",
    "end_quarter",
    "cost_total",
    "ozg_id",
]


def measure_table(*, session: Session, filters: MeasureFilter, limit: int = MAX_LISTED) -> pd.DataFrame:
    """The `limit` best-scored filtered measures with score, class and quadrant (labels in German)."""
    weights = score_weights(session=session)
    score = score_expression(weights)
    query = (
        select_columns(
            col(Measure.id),
            col(Measure.title),
            col(Measure.category),
            func.coalesce(OrgUnit.code, literal("–")),
            col(Measure.status),
            col(Measure.rag),
            score,
            class_expression(weights),
            quadrant_expression(weights),
            col(Measure.start_quarter),
            col(Measure.end_quarter),
            col(Measure.cost_operating) + Measure.cost_capital,
            col(Measure.ozg_id),
        )
        .outerjoin(OrgUnit, col(OrgUnit.id) == Measure.unit_id)
        .where(among_best(weights=weights, conditions=_conditions(filters, weights), limit=limit))
        .order_by(score.desc(), Measure.title)
    )
    frame = pd.DataFrame(session.exec(query).all(), columns=TABLE_COLUMNS)
    return _labelled(frame)


# How many measures match the filters, and how many of them lie in each quadrant.
@dataclass(frozen=True)
class MeasureCounts:
    total: int
    by_quadrant: dict[str, int]


def measure_counts(*, session: Session, filters: MeasureFilter) -> MeasureCounts:
    """The number of filtered measures per quadrant (all of them, not only the listed ones)."""
    weights = score_weights(session=session)
    quadrant = quadrant_expression(weights)
    rows = session.exec(
        select(quadrant, func.count()).where(*_conditions(filters, weights)).group_by(quadrant)
    ).all()
    by_quadrant = {str(name): int(count) for name, count in rows}
    return MeasureCounts(total=sum(by_quadrant.values()), by_quadrant=by_quadrant)


MATRIX_COLUMNS = ["id", "title", "category", "benefit", "effort", "cost_total", "score", "priority_class"]


def matrix_points(*, session: Session, filters: MeasureFilter, limit: int = MAX_LISTED) -> pd.DataFrame:
    """One row per listed measure (the `limit` best-scored) with just what the priority matrix draws."""
    weights = score_weights(session=session)
    score = score_expression(weights)
    query = (
        select_columns(
            col(Measure.id),
            col(Measure.title),
            col(Measure.category),
            benefit_expression(weights),
            col(Measure.effort),
            col(Measure.cost_operating) + Measure.cost_capital,
            score,
            class_expression(weights),
        )
        .where(among_best(weights=weights, conditions=_conditions(filters, weights), limit=limit))
        .order_by(score.desc(), Measure.title)
    )
    frame = pd.DataFrame(session.exec(query).all(), columns=MATRIX_COLUMNS)
    return _labelled(frame)


def _quarter_index(column: Any) -> ColumnElement[int]:
    """'2026-Q3' → 2026·4 + 2: consecutive integers across years."""
    return cast(func.substr(column, 1, 4), Integer) * 4 + cast(func.substr(column, 7, 1), Integer) - 1


# The quarter timeline: bars per measure for a few, counts per category and quarter for many.
@dataclass(frozen=True)
class Timeline:
    per_measure: bool
    frame: pd.DataFrame
    undated: int  # filtered measures without start and end quarter


def _span(start_quarter: Any, end_quarter: Any) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """First and last quarter index of a measure; a missing start or end counts as the other one."""
    return (
        _quarter_index(func.coalesce(start_quarter, end_quarter)),
        _quarter_index(func.coalesce(end_quarter, start_quarter)),
    )


def timeline(*, session: Session, filters: MeasureFilter, max_bars: int = MAX_TIMELINE_BARS) -> Timeline:
    """Measures from start to end quarter (a missing end or start counts as the other one)."""
    weights = score_weights(session=session)
    conditions = _conditions(filters, weights)
    start, end = _span(Measure.start_quarter, Measure.end_quarter)
    dated = col(Measure.start_quarter).is_not(None) | col(Measure.end_quarter).is_not(None)
    counts = session.exec(
        select(func.count().filter(dated), func.count().filter(~dated))
        .select_from(Measure)
        .where(*conditions)
    ).one()
    if counts[0] <= max_bars:
        rows = session.exec(
            select_columns(
                col(Measure.id), col(Measure.title), col(Measure.category), col(Measure.status), start, end
            )
            .where(*conditions, dated)
            .order_by(Measure.category, start, Measure.title)
        ).all()
        frame = pd.DataFrame(rows, columns=["id", "title", "category", "status", "start", "end"])
        return Timeline(per_measure=True, frame=_labelled(frame), undated=int(counts[1]))
    # Grouping by status first follows ix_measure_scoring, so SQLite need not sort every row.
    spans = (
        select(Measure.category, Measure.start_quarter, Measure.end_quarter, func.count().label("measures"))
        .where(*conditions, dated)
        .group_by(
            col(Measure.status), col(Measure.category), col(Measure.start_quarter), col(Measure.end_quarter)
        )
        .subquery()
    )
    span_start, span_end = _span(spans.c.start_quarter, spans.c.end_quarter)
    groups = session.exec(
        select(spans.c.category, span_start, span_end, func.sum(spans.c.measures)).group_by(
            spans.c.category, span_start, span_end
        )
    ).all()
    return Timeline(per_measure=False, frame=_per_quarter(groups), undated=int(counts[1]))


def _per_quarter(groups: Sequence[Any]) -> pd.DataFrame:
    """Spread (category, start, end, count) groups over their quarters and add them up."""
    totals: dict[tuple[str, int], int] = {}
    for category, start, end, count in groups:
        for quarter in range(min(start, end), max(start, end) + 1):
            totals[(category, quarter)] = totals.get((category, quarter), 0) + int(count)
    frame = pd.DataFrame(
        [(category, quarter, count) for (category, quarter), count in sorted(totals.items())],
        columns=["category", "quarter", "count"],
    )
    return _labelled(frame)


def _with_measures(root_id: int | None) -> Any:
    return and_(
        col(OrgUnit.id).in_(select(col(Measure.unit_id)).distinct()),
        scope_condition(col(OrgUnit.id), root_id),
    )


def units_with_measures(
    *,
    session: Session,
    root_id: int | None = None,
    search: str | None = None,
    limit: int | None = None,
    keep: tuple[int, ...] = (),
    codes: tuple[str, ...] | None = None,
) -> list[UnitOption]:
    """Units in the scope that own at least one measure: the options of the unit filter, by Kürzel.

    `search` keeps units whose Kürzel or name contains it, `limit` the first of them; the units in
    `keep` (those chosen already) are listed whatever the search finds, if they are in the scope.
    `codes` reads only these Kürzel (the units a link names).
    """
    allowed = _with_measures(root_id)
    if codes is not None:
        allowed = and_(allowed, col(OrgUnit.code).in_(codes))
    columns = (
        col(OrgUnit.id),
        col(OrgUnit.code),
        col(OrgUnit.name),
        col(OrgUnit.parent_id),
        col(OrgUnit.kind),
    )
    match = and_(allowed, contains(search, OrgUnit.code, OrgUnit.name))
    rows = list(
        session.exec(select_columns(*columns).where(match).order_by(col(OrgUnit.code)).limit(limit)).all()
    )
    listed = {row[0] for row in rows}
    missing = [unit_id for unit_id in keep if unit_id not in listed]
    if missing:
        rows += session.exec(select_columns(*columns).where(allowed, col(OrgUnit.id).in_(missing))).all()
        rows.sort(key=lambda row: row[1])
    return [UnitOption(*row) for row in rows]


def count_units_with_measures(
    *, session: Session, root_id: int | None = None, search: str | None = None
) -> int:
    """How many units `units_with_measures` finds without a limit."""
    match = and_(_with_measures(root_id), contains(search, OrgUnit.code, OrgUnit.name))
    return int(session.exec(select(func.count()).select_from(OrgUnit).where(match)).one())


def measure_detail(*, session: Session, measure_id: int) -> dict[str, Any] | None:
    """All editable fields of one measure plus id and version (the version the edit is based on)."""
    measure = session.get(Measure, measure_id)
    if measure is None:
        return None
    return {"id": measure.id, "version": measure.version} | {
        field: getattr(measure, field) for field in FIELD_LABELS
    }


# The choices of the edit form's reference fields, as (id, German label) pairs.
@dataclass(frozen=True)
class EditChoices:
    units: tuple[tuple[int, str], ...]
    pilots: tuple[tuple[int, str], ...]
    funding: tuple[tuple[int, str], ...]
    units_found: int = 0  # how many units match the search (the list holds at most `limit`)
    pilots_found: int = 0


def edit_choices(
    *,
    session: Session,
    unit_search: str | None = None,
    pilot_search: str | None = None,
    limit: int | None = None,
    keep_unit: int | None = None,
    keep_pilot: int | None = None,
) -> EditChoices:
    """Units, Lotsen (names: admin only) and funding programmes a measure can refer to.

    A search keeps units whose code or name, Lotsen whose name or unit code contains it; `limit`
    keeps the first matches (the current values `keep_unit`/`keep_pilot` always), counted in
    `units_found`/`pilots_found`.
    """
    unit_match = contains(unit_search, OrgUnit.code, OrgUnit.name)
    units = session.exec(
        select(id_column(OrgUnit.id), OrgUnit.code, OrgUnit.name, OrgUnit.active)
        .where(or_(unit_match, col(OrgUnit.id) == keep_unit))
        .order_by(col(OrgUnit.id) != keep_unit, col(OrgUnit.code))
        .limit(None if limit is None else limit + 1)
    ).all()
    units_found = session.exec(select(func.count()).select_from(OrgUnit).where(unit_match)).one()
    pilot_match = and_(~col(Pilot.anonymised), contains(pilot_search, col(Pilot.name), col(OrgUnit.code)))
    pilots = session.exec(
        select(id_column(Pilot.id), Pilot.name, OrgUnit.code, Pilot.stage)
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .where(or_(pilot_match, col(Pilot.id) == keep_pilot))
        .order_by(col(Pilot.id) != keep_pilot, col(Pilot.name))
        .limit(None if limit is None else limit + 1)
    ).all()
    pilots_found = session.exec(
        select(func.count())
        .select_from(Pilot)
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .where(pilot_match)
    ).one()
    funding = session.exec(
        select(id_column(FundingProgramme.id), FundingProgramme.name).order_by(FundingProgramme.name)
    ).all()
    unit_options = [
        (uid, f"{code} – {name}" + ("" if active else " (aufgelöst)")) for uid, code, name, active in units
    ]
    pilot_options = [
        (pid, f"{name} ({code})" + (" – ausgeschieden" if stage == PilotStage.LEFT else ""))
        for pid, name, code, stage in pilots
    ]
    return EditChoices(
        units=tuple(_first(unit_options, limit, keep_unit)),
        pilots=tuple(_first(pilot_options, limit, keep_pilot)),
        funding=tuple((fid, name) for fid, name in funding),
        units_found=int(units_found),
        pilots_found=int(pilots_found),
    )


def _first(options: list[tuple[int, str]], limit: int | None, keep: int | None) -> list[tuple[int, str]]:
    """The first `limit` options (in query order), plus the kept one, which the query reads first."""
    kept = [option for option in options if option[0] == keep]
    rest = [option for option in options if option[0] != keep][:limit]
    return kept + rest


def edit_choice_counts(*, session: Session) -> tuple[int, int]:
    """How many units and (not anonymised) Lotsen the edit form could offer."""
    units = session.exec(select(func.count()).select_from(OrgUnit)).one()
    pilots = session.exec(select(func.count()).select_from(Pilot).where(~col(Pilot.anonymised))).one()
    return int(units), int(pilots)
