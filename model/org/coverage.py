"""Abdeckung: the one definition of coverage, used by every page, the presentation, the deck,
the meeting snapshots and the trend.

A unit with Soll s and q qualified-or-active Lotsen (model.core.enums.COVERING_STAGES) adds min(q, s)
to "erfüllt" and max(0, s − q) to "fehlend"; what it has beyond its Soll is "über Soll" and fills
no gap elsewhere. It is covered when q ≥ s > 0. A Dezernat's or the whole administration's
figures are sums over its units: three Lotsen in one Amt never hide the missing Lotse next door.
Only active units count; units with Soll 0 (Dezernate by default) are containers.
Names of Lotsen are personal data: only `pilot_names_by_unit` returns them, for admin pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import SQLColumnExpression, and_, case, func, literal
from sqlalchemy.sql import ColumnElement, Subquery
from sqlalchemy.sql.selectable import CTE
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from model.core.app_settings import SollRuleSetting, soll_rule
from model.core.enums import PilotStage, label
from model.core.queries import CURRENT, covering_pilots, units_with_soll
from model.core.statements import select_columns, table_of
from model.core.tables import OrgUnit, Pilot
from model.org.scope import scope_condition
from model.pilots import stage_months

FROM_ENTRY = "Eintrag"  # an explicit Soll entered for the unit
FROM_RULE = "Regel"  # the Soll rule in force
# The three parts of a Soll/Ist bar, in this order (model and charts share the words).
MET, MISSING, SURPLUS = "erfüllt", "fehlend", "über Soll"
COVERING_LABEL = "qualifiziert oder aktiv"  # the raw count q of a unit
UNIT_COLUMNS = [
    "unit_id",
    "Kürzel",
    "Name",
    "Beschäftigte",
    "Soll",
    "Soll aus",
    COVERING_LABEL,
    MET,
    MISSING,
    SURPLUS,
    "Lotsen je 100 Beschäftigte",
]
BRANCH_COLUMNS = [
    "branch_id",
    "Kürzel",
    "Name",
    "Einheiten mit Soll",
    "davon abgedeckt",
    "Soll",
    MET,
    MISSING,
    SURPLUS,
    COVERING_LABEL,
    "Beschäftigte",
    "Lotsen je 100 Beschäftigte",
]


def unit_coverage(*, session: Session, root_id: int | None) -> Subquery:
    """The definition, per active unit in scope: unit_id, headcount, soll, source (Eintrag/Regel),
    ist (q: qualified or active Lotsen), met = min(q, s), missing = max(0, s − q), surplus = max(0, q − s)."""
    units = units_with_soll(session=session, root_id=root_id)
    covering = covering_pilots()
    ist = func.coalesce(covering.c.ist, 0)
    soll = units.c.soll
    return (
        select_columns(
            units.c.unit_id,
            units.c.headcount,
            soll,
            case((units.c.explicit, literal(FROM_ENTRY)), else_=literal(FROM_RULE)).label("source"),
            ist.label("ist"),
            case((ist < soll, ist), else_=soll).label("met"),
            case((ist < soll, soll - ist), else_=0).label("missing"),
            case((ist > soll, ist - soll), else_=0).label("surplus"),
        )
        .select_from(units.outerjoin(covering, covering.c.unit_id == units.c.unit_id))
        .subquery("unit_coverage")
    )


@dataclass(frozen=True)
class CoverageSummary:
    """Coverage of a scope: sums of the per-unit figures of `unit_coverage`."""

    units_with_target: int
    units_covered: int
    target_total: int  # Soll
    covered_total: int  # erfüllt: Lotsen counted up to each unit's Soll
    missing_total: int  # fehlend
    surplus_total: int  # über Soll

    @property
    def share(self) -> float | None:
        return self.units_covered / self.units_with_target if self.units_with_target else None


def _sums(rows: Subquery) -> tuple[ColumnElement[int], ...]:
    """units with Soll, units covered, Soll, erfüllt, fehlend, über Soll over `unit_coverage` rows."""
    has_target = rows.c.soll > 0
    return (
        func.count().filter(has_target),
        func.count().filter(and_(has_target, rows.c.ist >= rows.c.soll)),
        func.coalesce(func.sum(rows.c.soll), 0),
        func.coalesce(func.sum(rows.c.met), 0),
        func.coalesce(func.sum(rows.c.missing), 0),
        func.coalesce(func.sum(rows.c.surplus), 0),
    )


def coverage_summary(*, session: Session, root_id: int | None = None) -> CoverageSummary:
    """How many units that need Lotsen have as many trained Lotsen as they should, and the sums."""
    rows = unit_coverage(session=session, root_id=root_id)
    return CoverageSummary(*(int(value) for value in session.exec(select_columns(*_sums(rows))).one()))


def per_hundred(pilots: pd.Series, headcount: pd.Series) -> pd.Series:
    """Lotsen per 100 Beschäftigte, one decimal; NaN where a unit has no headcount."""
    return (pilots.astype(float) * 100 / headcount.where(headcount > 0)).round(1)


@dataclass(frozen=True)
class CoverageFigures:
    """Key figures of the Abdeckung page for one scope."""

    summary: CoverageSummary
    rule: SollRuleSetting
    headcount: int
    pilots_covering: int  # qualified and active, surplus included

    @property
    def per_hundred(self) -> float | None:
        return round(self.pilots_covering * 100 / self.headcount, 1) if self.headcount else None


def coverage_figures(*, session: Session, root_id: int | None = None) -> CoverageFigures:
    rows = unit_coverage(session=session, root_id=root_id)
    *sums, headcount, pilots = session.exec(
        select_columns(
            *_sums(rows),
            func.coalesce(func.sum(rows.c.headcount), 0),
            func.coalesce(func.sum(rows.c.ist), 0),
        )
    ).one()
    return CoverageFigures(
        summary=CoverageSummary(*(int(value) for value in sums)),
        rule=soll_rule(session=session),
        headcount=int(headcount),
        pilots_covering=int(pilots),
    )


def branches(parent_id: int | None) -> CTE:
    """Every unit below `parent_id` with the child of `parent_id` whose subtree holds it (the child
    itself included): columns unit_id, branch_id. Without a parent the branches are the roots."""
    start: Select[Any, Any] = select(
        col(OrgUnit.id).label("unit_id"), col(OrgUnit.id).label("branch_id")
    ).where(col(OrgUnit.parent_id).is_(None) if parent_id is None else col(OrgUnit.parent_id) == parent_id)
    tree = start.cte("branch_tree", recursive=True)
    children = select(col(OrgUnit.id), tree.c.branch_id).join(tree, col(OrgUnit.parent_id) == tree.c.unit_id)
    return tree.union_all(children)


def coverage_by_branch(
    *, session: Session, root_id: int | None = None, parent_id: int | None = None
) -> pd.DataFrame:
    """Coverage per child of `parent_id` (None: per top-level unit, e.g. Dezernat), summed over the
    units of its subtree that lie in the scope `root_id`; branches without units in scope are left out.
    Columns BRANCH_COLUMNS; "erfüllt" + "fehlend" = "Soll" in every row."""
    rows = unit_coverage(session=session, root_id=root_id)
    tree = branches(parent_id)
    query = (
        select_columns(
            col(OrgUnit.id),
            col(OrgUnit.code),
            col(OrgUnit.name),
            *_sums(rows),
            func.coalesce(func.sum(rows.c.ist), 0),
            func.coalesce(func.sum(rows.c.headcount), 0),
        )
        .select_from(rows)
        .join(tree, tree.c.unit_id == rows.c.unit_id)
        .join(OrgUnit, col(OrgUnit.id) == tree.c.branch_id)
        .group_by(col(OrgUnit.id), col(OrgUnit.code), col(OrgUnit.name))
        .order_by(col(OrgUnit.id))
    )
    frame = pd.DataFrame(session.exec(query).all(), columns=BRANCH_COLUMNS[:-1])
    counts = BRANCH_COLUMNS[3:-1]
    frame[counts] = frame[counts].astype(int)
    frame["Lotsen je 100 Beschäftigte"] = per_hundred(frame[COVERING_LABEL], frame["Beschäftigte"])
    return frame


def coverage_by_dezernat(*, session: Session, root_id: int | None = None) -> pd.DataFrame:
    """`coverage_by_branch` per top-level unit (Dezernat), column "dezernat_id" for "branch_id"."""
    frame = coverage_by_branch(session=session, root_id=root_id)
    return frame.rename(columns={"branch_id": "dezernat_id"})


def _in_dezernat(unit_id: SQLColumnExpression[int], dezernat_id: int | None) -> ColumnElement[bool]:
    return scope_condition(unit_id, dezernat_id, name="dezernat_tree")


MAX_DEZERNAT_BARS = 40  # Dezernate drawn in one chart; more than that nobody can read


def largest_gaps(dezernate: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """The `limit` (default MAX_DEZERNAT_BARS) Dezernate of a `coverage_by_dezernat` frame with the
    largest gaps, in code order; all of them when there are not more."""
    limit = MAX_DEZERNAT_BARS if limit is None else limit
    if len(dezernate) <= limit:
        return dezernate
    return dezernate.sort_values([MISSING, "Soll"], ascending=False).head(limit).sort_values("Kürzel")


def coverage_units(
    *, session: Session, root_id: int | None = None, dezernat_id: int | None = None, all_units: bool = False
) -> pd.DataFrame:
    """Units of one Dezernat (within the scope) with Soll, their qualified or active Lotsen, erfüllt,
    fehlend, über Soll and Lotsen per 100 Beschäftigte; units with neither Soll nor Lotsen are left
    out unless `all_units`."""
    rows = unit_coverage(session=session, root_id=root_id)
    query = (
        select_columns(
            rows.c.unit_id,
            col(OrgUnit.code),
            col(OrgUnit.name),
            rows.c.headcount,
            rows.c.soll,
            rows.c.source,
            rows.c.ist,
            rows.c.met,
            rows.c.missing,
            rows.c.surplus,
        )
        .join(OrgUnit, col(OrgUnit.id) == rows.c.unit_id)
        .where(_in_dezernat(rows.c.unit_id, dezernat_id))
        .order_by(OrgUnit.code)
    )
    if not all_units:
        query = query.where((rows.c.soll > 0) | (rows.c.ist > 0))
    frame = pd.DataFrame(session.exec(query).all(), columns=UNIT_COLUMNS[:-1])
    frame["Lotsen je 100 Beschäftigte"] = per_hundred(frame[COVERING_LABEL], frame["Beschäftigte"])
    return frame


def gap_count(*, session: Session, root_id: int | None = None) -> int:
    """How many units in scope are below their Soll (counted in SQL)."""
    rows = unit_coverage(session=session, root_id=root_id)
    return int(session.exec(select(func.count()).select_from(rows).where(rows.c.missing > 0)).one())


def top_units_of(units: Subquery) -> CTE:
    """The top-level unit (Dezernat) of each unit in `units` (column unit_id): unit_id, top_id.

    Walks up from the given units only, so a handful of units costs a handful of steps, not the
    whole tree as `branches` does.
    """
    walk = (
        select(
            units.c.unit_id.label("unit_id"),
            col(OrgUnit.id).label("at_id"),
            col(OrgUnit.parent_id).label("up_id"),
        )
        .join(OrgUnit, col(OrgUnit.id) == units.c.unit_id)
        .cte("walk_up", recursive=True)
    )
    parent = table_of(OrgUnit).alias("parent_unit")
    step = select(walk.c.unit_id, parent.c.id, parent.c.parent_id).join(parent, parent.c.id == walk.c.up_id)
    walk = walk.union_all(step)
    return select(walk.c.unit_id, walk.c.at_id.label("top_id")).where(walk.c.up_id.is_(None)).cte("top_of")


GAP_COLUMNS = ["Kürzel", "Name", "Dezernat", "Beschäftigte", "Soll", "Soll aus", COVERING_LABEL, MISSING]


def gap_list(*, session: Session, root_id: int | None = None, limit: int | None = None) -> pd.DataFrame:
    """Units below their Soll, largest headcount first (where a missing Lotse is felt most).

    `limit` keeps the first rows (the screen; `gap_count` counts them all).
    """
    rows = unit_coverage(session=session, root_id=root_id)
    statement = (
        select_columns(rows, col(OrgUnit.code).label("code"), col(OrgUnit.name).label("name"))
        .join(OrgUnit, col(OrgUnit.id) == rows.c.unit_id)
        .where(rows.c.missing > 0)
        .order_by(rows.c.headcount.desc(), OrgUnit.code)
    )
    if limit is not None:
        statement = statement.limit(limit)
    chosen = statement.subquery("gaps")
    tops = top_units_of(chosen)
    top = table_of(OrgUnit).alias("top_unit")
    query = (
        select_columns(
            chosen.c.code,
            chosen.c.name,
            top.c.code,
            chosen.c.headcount,
            chosen.c.soll,
            chosen.c.source,
            chosen.c.ist,
            chosen.c.missing,
        )
        .select_from(chosen)
        .join(tops, tops.c.unit_id == chosen.c.unit_id)
        .join(top, top.c.id == tops.c.top_id)
        .order_by(chosen.c.headcount.desc(), chosen.c.code)
    )
    return pd.DataFrame(session.exec(query).all(), columns=GAP_COLUMNS)


def pilot_names_by_unit(
    *, session: Session, root_id: int | None = None, dezernat_id: int | None = None
) -> pd.DataFrame:
    """ADMIN ONLY (personal data): the Lotsen still in the programme per unit, with their stage."""
    stage_labels = case(
        *((col(Pilot.stage) == stage.value, literal(label(stage))) for stage in PilotStage),
        else_=Pilot.stage,
    )
    entry = Pilot.name + literal(" (") + stage_labels + literal(")")
    query = (
        select(OrgUnit.code, OrgUnit.name, func.count(), func.aggregate_strings(entry, ", "))
        .join(OrgUnit, col(OrgUnit.id) == Pilot.unit_id)
        .where(
            col(Pilot.stage).in_(CURRENT),
            scope_condition(col(Pilot.unit_id), root_id),
            _in_dezernat(col(Pilot.unit_id), dezernat_id),
        )
        .group_by(col(OrgUnit.id), col(OrgUnit.code), col(OrgUnit.name))
        .order_by(OrgUnit.code)
    )
    columns = ["Kürzel", "Name", "Lotsen im Programm", "Lotsinnen und Lotsen"]
    return pd.DataFrame(session.exec(query).all(), columns=columns)


def coverage_at(*, session: Session, root_id: int | None, dates: Sequence[date]) -> pd.DataFrame:
    """Units with Soll and units covered at each date, from the stage history (current Soll)."""
    counts = stage_months.unit_counts(session=session, dates=dates)
    units = units_with_soll(session=session, root_id=root_id)
    covered = {
        stage_months.as_date(day): int(n)
        for day, n in session.exec(
            select(counts.c.as_of, func.count())
            .join(units, units.c.unit_id == counts.c.unit_id)
            .where(
                units.c.soll > 0,
                counts.c.covering >= units.c.soll,
                scope_condition(counts.c.unit_id, root_id, name="history_scope"),
            )
            .group_by(counts.c.as_of)
        ).all()
    }
    with_target = session.exec(select(func.count()).select_from(units).where(units.c.soll > 0)).one()
    frame = pd.DataFrame(
        [(pd.Timestamp(day), int(with_target), int(covered.get(day, 0))) for day in dates],
        columns=["Stand", "Einheiten mit Soll", "abgedeckt"],
    )
    frame["Abdeckung"] = frame["abgedeckt"] / frame["Einheiten mit Soll"].where(
        frame["Einheiten mit Soll"] > 0
    )
    return frame


def coverage_history(*, session: Session, root_id: int | None = None) -> pd.DataFrame:
    """Coverage at every month end since the first stage change, ending today: one row per month."""
    dates = stage_months.prepare_months(session=session, root_id=root_id)
    return coverage_at(session=session, root_id=root_id, dates=dates)
