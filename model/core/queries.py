"""Read models: named, typed queries that aggregate in SQL and return small results.

Also the building blocks the analytics modules share: the units in scope with their Soll, the
stage history as intervals, and a small table of reference dates (month ends) to evaluate it at.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Date, and_, case, exists, func, literal, or_, true, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Subquery
from sqlalchemy.sql.selectable import CTE
from sqlmodel import Session, col, select

from model.core import clock
from model.core.app_settings import SollRuleSetting, soll_rule
from model.core.enums import (
    COVERING_STAGES,
    CURRENT_STAGES,
    MeasureStatus,
    PhaseStatus,
    PilotStage,
    SollRule,
    UnitKind,
    label,
)
from model.core.statements import select_columns
from model.core.tables import Measure, OrgUnit, Phase, Pilot, PilotStageChange, StatusUpdate
from model.org.scope import scope_condition

COVERING = tuple(stage.value for stage in COVERING_STAGES)
CURRENT = tuple(stage.value for stage in CURRENT_STAGES)
MAX_MONTHS = 60
# Rank of a stage for the rollout classes of units (model.programme.rollout); stages not listed rank 0.
STAGE_RANK: dict[PilotStage, int] = {
    PilotStage.NOMINATED: 1,
    PilotStage.SELECTED: 1,
    PilotStage.IN_TRAINING: 2,
    PilotStage.QUALIFIED: 3,
    PilotStage.ACTIVE: 4,
}


def rollout_rank(stage: ColumnElement[str]) -> ColumnElement[int]:
    """Rank of a stage for the unit classification (0 = does not count)."""
    return case(*((stage == code.value, literal(rank)) for code, rank in STAGE_RANK.items()), else_=0)


def soll_expression(rule: SollRuleSetting) -> ColumnElement[int]:
    """Soll-Lotsen of a unit in SQL: explicit value, else the rule (Dezernate are containers: 0)."""
    if rule.rule is SollRule.PER_HEADCOUNT:
        by_rule: ColumnElement[int] = case(
            (col(OrgUnit.headcount) <= rule.per_n, literal(1)),
            else_=(OrgUnit.headcount + rule.per_n - 1) // rule.per_n,  # integer ceiling
        )
    else:
        by_rule = literal(1)
    default = case((col(OrgUnit.kind) == UnitKind.DEZERNAT.value, literal(0)), else_=by_rule)
    return func.coalesce(OrgUnit.target_pilots, default)


def units_with_soll(*, session: Session, root_id: int | None) -> Subquery:
    """Active units in the scope with their Soll: columns unit_id, headcount, soll, explicit."""
    rule = soll_rule(session=session)
    return (
        select(
            col(OrgUnit.id).label("unit_id"),
            col(OrgUnit.headcount).label("headcount"),
            soll_expression(rule).label("soll"),
            col(OrgUnit.target_pilots).is_not(None).label("explicit"),
        )
        .where(col(OrgUnit.active), scope_condition(col(OrgUnit.id), root_id))
        .subquery("units_with_soll")
    )


def covering_pilots() -> Subquery:
    """Qualified or active Lotsen per unit now (unit_id, ist): only units that have any.

    Unscoped: callers join it to units in their scope (one scope CTE per statement).
    """
    return (
        select(col(Pilot.unit_id).label("unit_id"), func.count().label("ist"))
        .where(col(Pilot.stage).in_(COVERING))
        .group_by(col(Pilot.unit_id))
        .subquery("covering_pilots")
    )


def pilots_by_stage(*, session: Session, root_id: int | None = None) -> pd.DataFrame:
    """Number of Lotsen per stage, every stage listed (0 where empty), in programme order."""
    counts = dict(
        session.exec(
            select(Pilot.stage, func.count())
            .where(scope_condition(col(Pilot.unit_id), root_id))
            .group_by(Pilot.stage)
        ).all()
    )
    return pd.DataFrame(
        [
            {"stage": stage.value, "Stufe": label(stage), "Anzahl": int(counts.get(stage.value, 0))}
            for stage in PilotStage
        ]
    )


def measures_by_status(*, session: Session, root_id: int | None = None) -> pd.DataFrame:
    """Roadmap measures per status; with a scope only the measures of its units."""
    in_scope = scope_condition(col(Measure.unit_id), root_id)
    counts = dict(
        session.exec(select(Measure.status, func.count()).where(in_scope).group_by(Measure.status)).all()
    )
    return pd.DataFrame(
        [
            {"status": status.value, "Status": label(status), "Anzahl": int(counts.get(status.value, 0))}
            for status in MeasureStatus
        ]
    )


@dataclass(frozen=True)
class PhaseInfo:
    name: str
    status: PhaseStatus
    planned_end: date
    position: int


def current_phase(*, session: Session) -> PhaseInfo | None:
    """The phase under way (running, delayed or blocked), else the next planned, else the last."""
    phases = session.exec(select(Phase).order_by(col(Phase.position))).all()
    if not phases:
        return None
    under_way = [
        p for p in phases if p.status in (PhaseStatus.RUNNING, PhaseStatus.DELAYED, PhaseStatus.BLOCKED)
    ]
    planned = [p for p in phases if p.status == PhaseStatus.PLANNED]
    phase = (under_way or planned or phases[-1:])[0]
    return PhaseInfo(
        name=phase.name,
        status=PhaseStatus(phase.status),
        planned_end=phase.planned_end,
        position=phase.position,
    )


def open_support_condition(on: date) -> ColumnElement[bool]:
    """A request for support that was made on or before `on` and not resolved by then."""
    return and_(
        col(StatusUpdate.support_wanted),
        col(StatusUpdate.reported_on) <= on,
        or_(col(StatusUpdate.support_resolved_on).is_(None), col(StatusUpdate.support_resolved_on) > on),
    )


def open_support_requests(*, session: Session, root_id: int | None = None, on: date | None = None) -> int:
    """Requests for support of Lotsen still in the programme that were open on `on` (default today)."""
    return int(
        session.exec(
            select(func.count())
            .select_from(StatusUpdate)
            .join(Pilot, col(Pilot.id) == StatusUpdate.pilot_id)
            .where(
                open_support_condition(on or clock.today()),
                col(Pilot.stage).in_(CURRENT),
                scope_condition(col(Pilot.unit_id), root_id),
            )
        ).one()
    )


# --- History: the stage of every Lotse at any past date -------------------------------------------


def stage_intervals(*, not_before: date | None = None) -> CTE:
    """Every stretch a Lotse spent in one stage and unit: [since, until), until NULL = up to now.

    Built from the dated stage changes plus the Lotse's current row, so that "today" always agrees
    with the roster even where the history is incomplete (e.g. Lotsen imported from Excel). Rows of
    a Lotse follow each other in the order (date, change before current row, change id); a row ends
    where the next one starts. The next start is looked up in the index on (pilot_id, changed_on)
    rather than with a window function: at scale L (78,000 changes) 4x faster on SQLite.
    With `not_before`, changes that end before that date are left out: a change followed by the
    current row, which began on or before `not_before`, can hold on no date from then on.
    """
    change = PilotStageChange
    later = aliased(PilotStageChange, name="later_change")
    next_change_on = (
        select(func.min(later.changed_on))
        .where(later.pilot_id == change.pilot_id, later.changed_on > change.changed_on)
        .scalar_subquery()
    )
    same_day_later = exists().where(
        col(later.pilot_id) == change.pilot_id,
        col(later.changed_on) == change.changed_on,
        col(later.id) > change.id,
    )
    change_until = case(
        # Followed on the same day (by a change or by the current row): the stretch is empty.
        (or_(col(Pilot.stage_since) == change.changed_on, same_day_later), col(change.changed_on)),
        # The current row starts later: whichever comes first, it or the next change.
        (
            col(Pilot.stage_since) > change.changed_on,
            case((next_change_on < Pilot.stage_since, next_change_on), else_=Pilot.stage_since),
        ),
        else_=next_change_on,
    )
    history = select_columns(
        col(change.pilot_id).label("pilot_id"),
        col(change.unit_id).label("unit_id"),
        col(change.to_stage).label("stage"),
        col(change.changed_on).label("since"),
        change_until.label("until"),
    ).join(Pilot, col(Pilot.id) == change.pilot_id)
    if not_before is not None:
        history = history.where(
            or_(col(Pilot.stage_since) > not_before, col(change.changed_on) > Pilot.stage_since)
        )
    current_until = (
        select(func.min(later.changed_on))
        .where(later.pilot_id == Pilot.id, later.changed_on > Pilot.stage_since)
        .scalar_subquery()
    )
    current = select_columns(
        col(Pilot.id), col(Pilot.unit_id), col(Pilot.stage), col(Pilot.stage_since), current_until
    )
    return union_all(history, current).cte("stage_intervals")


def reference_dates(dates: Sequence[date]) -> CTE:
    """A one-column table (as_of) of the given dates, to evaluate the history at each of them."""
    rows = [select(literal(day, Date).label("as_of")) for day in dates]
    return (rows[0] if len(rows) == 1 else union_all(*rows)).cte("reference_dates")


def holds_on(intervals: CTE, dates: CTE) -> ColumnElement[bool]:
    """Join condition: the interval covers the reference date."""
    return and_(
        intervals.c.since <= dates.c.as_of,
        or_(intervals.c.until.is_(None), intervals.c.until > dates.c.as_of),
    )


def history_start(*, session: Session, root_id: int | None = None) -> date | None:
    """Date of the first stage change in the scope (None: no history)."""
    first = session.exec(
        select(func.min(PilotStageChange.changed_on)).where(
            scope_condition(col(PilotStageChange.unit_id), root_id)
        )
    ).one()
    since = session.exec(
        select(func.min(col(Pilot.stage_since))).where(scope_condition(col(Pilot.unit_id), root_id))
    ).one()
    candidates = [_as_date(value) for value in (first, since) if value is not None]
    return min(candidates) if candidates else None


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def month_ends(*, first: date, last: date, limit: int = MAX_MONTHS) -> tuple[date, ...]:
    """Ends of the months from `first`'s month on, closed by `last` itself (at most `limit` dates)."""
    ends: list[date] = []
    year, month = first.year, first.month
    while True:
        end = date(year, month, calendar.monthrange(year, month)[1])
        if end >= last:
            break
        ends.append(end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return (*ends[-(limit - 1) :], last) if limit > 1 else (last,)


def monthly_dates(*, session: Session, root_id: int | None) -> tuple[date, ...]:
    """Month ends since the first recorded stage change in the scope, ending today."""
    today = clock.today()
    start = history_start(session=session, root_id=root_id) or today
    return month_ends(first=min(start, today), last=today)


def compare_date(days: int = 30) -> date:
    """The date key figures are compared with (30 days before today)."""
    return clock.today() - timedelta(days=days)


def contains(term: str | None, *columns: Any) -> Any:
    """Any of `columns` contains `term` (any case; % and _ meant literally); true without a term."""
    if not term:
        return true()
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
