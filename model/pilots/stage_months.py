"""Lotsen per unit at a date: stored for dates already counted, live for the rest.

The trends (Übersicht, Rollout, Präsentation) count, per unit and at up to 18 month ends, the
Lotsen in the programme, the qualified or active ones and the rank of the most advanced; the key
figures do the same today and 30 days ago. Rebuilding every Lotse's stage at each of those dates
from the stage history costs a third of a second at scale L on every read, yet the count for a
date only changes when the history up to that date changes. So the counts are stored
(`unit_month`, one row per unit and date; which dates are complete in `stage_month_done`) and each
read combines them with a live count for the dates that are not stored. One row per unit rather
than per unit and stage: the trends need only these three figures, and reading them needs no
second grouping (scale L: Rollout history 200 -> 80 ms, coverage history 93 -> 41 ms).

Invalidation is part of the write: every flush that adds, changes or deletes a stage change, or
changes a Lotse's stage, start date or unit, deletes the stored dates from the earliest date it
affects (an ORM event, so no write path can forget it; a stage step today removes only today);
bulk writes that bypass the ORM (import, demo seed) call `invalidate` themselves. Storing and
invalidating take the same lock (SQLite: the write transaction; PostgreSQL: the row of
STATE_KEY), so a date is never stored from data that a concurrent write has changed since.
Stored days that are neither month ends nor within the last 31 days are pruned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, Select, delete, event, func, insert, inspect, select, update
from sqlalchemy.orm import InstanceState
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.selectable import CTE
from sqlmodel import Session, col

from model.core import clock
from model.core.queries import (
    COVERING,
    CURRENT,
    holds_on,
    monthly_dates,
    reference_dates,
    rollout_rank,
    stage_intervals,
)
from model.core.tables import AppSetting, Pilot, PilotStageChange, StageMonthDone, UnitMonth

STATE_KEY = "stage_history_version"  # counts invalidations; its row is the lock (see module doc)
INSERT_BATCH = 5_000
KEEP_DAYS = 31  # days besides month ends whose counts stay stored (the key figures compare 30 days)


def storable(dates: Sequence[date]) -> list[date]:
    """The dates worth storing: month ends and the last 31 days, up to today. A write dated on or
    before a stored date removes it (a stage step today removes today's counts), so a stored
    date is never out of date."""
    today = clock.today()
    return sorted({day for day in dates if day <= today and _kept(day, today)})


def _kept(day: date, today: date) -> bool:
    """Stored counts worth keeping: month ends (the trends) and the last 31 days (today, 30 days ago)."""
    return (day + timedelta(days=1)).day == 1 or day >= today - timedelta(days=KEEP_DAYS)


# ------------------------------------------------------------------ reading


def stored_dates(*, session: Session, dates: Sequence[date]) -> set[date]:
    """Which of `dates` this session sees as stored."""
    wanted = storable(dates)
    if not wanted:
        return set()
    rows = session.execute(
        select(col(StageMonthDone.month_end)).where(col(StageMonthDone.month_end).in_(wanted))
    )
    return {as_date(value) for value in rows.scalars()}


def unit_counts(*, session: Session, dates: Sequence[date], use_stored: bool = True) -> CTE:
    """Per (as_of, unit_id) with Lotsen: `in_programme`, `covering` and `top_rank`, as a CTE.

    Stored counts where this session sees them, the stage history for every other date. Call
    `ensure_stored` (with its own connection) before the session's first query, so that the
    session sees what it stored.
    """
    stored = stored_dates(session=session, dates=dates) if use_stored else set()
    live_dates = sorted(set(dates) - stored)
    parts: list[Select[*tuple[Any, ...]]] = []
    if stored:
        parts.append(
            select(
                col(UnitMonth.month_end).label("as_of"),
                col(UnitMonth.unit_id),
                col(UnitMonth.in_programme),
                col(UnitMonth.covering),
                col(UnitMonth.top_rank),
            ).where(col(UnitMonth.month_end).in_(sorted(stored)))
        )
    if live_dates:
        parts.append(_live_counts(live_dates))
    if len(parts) == 1:
        return parts[0].cte("unit_counts")
    return parts[0].union_all(parts[1]).cte("unit_counts")


def _live_counts(dates: Sequence[date]) -> Select[*tuple[Any, ...]]:
    intervals = stage_intervals(not_before=min(dates))
    days = reference_dates(dates)
    stage = intervals.c.stage
    return (
        select(
            days.c.as_of.label("as_of"),
            intervals.c.unit_id.label("unit_id"),
            func.count().filter(stage.in_(CURRENT)).label("in_programme"),
            func.count().filter(stage.in_(COVERING)).label("covering"),
            func.max(rollout_rank(stage)).label("top_rank"),
        )
        .select_from(days)
        .join(intervals, holds_on(intervals, days))
        .group_by(days.c.as_of, intervals.c.unit_id)
    )


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def prepare(*, session: Session, dates: Sequence[date]) -> None:
    """Store the counts for `dates` before `session` reads (see `prepare_months`)."""
    bind = session.get_bind()
    if isinstance(bind, Engine):
        ensure_stored(engine=bind, dates=dates)


def prepare_months(*, session: Session, root_id: int | None) -> tuple[date, ...]:
    """The month ends of a trend (`monthly_dates`, ending today), stored first.

    Storing uses its own connections; if `session` has not read anything yet, it then sees the
    stored counts (a session that has read already sees its older snapshot and counts live).
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return monthly_dates(session=session, root_id=root_id)
    if session.in_transaction():
        dates = monthly_dates(session=session, root_id=root_id)
    else:
        with Session(bind) as probe:
            dates = monthly_dates(session=probe, root_id=root_id)
    ensure_stored(engine=bind, dates=dates)
    return dates


# ------------------------------------------------------------------ storing


def ensure_stored(*, engine: Engine, dates: Sequence[date]) -> int:
    """Store the counts of every storable date in `dates` that is not stored yet.

    Computed inside the write transaction that holds the lock, so no write that changes the
    history can come between the computation and the insert. Returns how many dates were stored
    (0 when all were there: one indexed read).
    """
    wanted = storable(dates)
    if not wanted:
        return 0
    with Session(engine) as session:
        if stored_dates(session=session, dates=wanted) == set(wanted):
            return 0
    # Imported here: model.core.db imports nothing of this module, but keep the dependency one-way.
    from model.core.db import write_session

    with write_session(engine) as session:
        _lock(session)
        missing = sorted(set(wanted) - stored_dates(session=session, dates=wanted))
        if not missing:
            return 0
        rows = [
            {
                "month_end": as_date(day),
                "unit_id": unit_id,
                "in_programme": in_programme,
                "covering": covering,
                "top_rank": top_rank,
            }
            for day, unit_id, in_programme, covering, top_rank in session.execute(_live_counts(missing)).all()
        ]
        session.execute(delete(UnitMonth).where(col(UnitMonth.month_end).in_(missing)))
        for start in range(0, len(rows), INSERT_BATCH):
            session.execute(insert(UnitMonth), rows[start : start + INSERT_BATCH])
        now = clock.now()
        session.execute(insert(StageMonthDone), [{"month_end": day, "stored_at": now} for day in missing])
        _prune(session)
    return len(missing)


def _prune(session: Session) -> None:
    """Forget stored days that are neither month ends nor recent (yesterday's "today")."""
    today = clock.today()
    old = [
        as_date(day)
        for day in session.execute(select(col(StageMonthDone.month_end))).scalars()
        if not _kept(as_date(day), today)
    ]
    if old:
        for table in (UnitMonth, StageMonthDone):
            session.execute(delete(table).where(col(table.month_end).in_(old)))


def _lock(session: OrmSession) -> int:
    """Take the lock row (creating it once) and return the number of invalidations so far."""
    row = session.execute(
        select(col(AppSetting.value)).where(col(AppSetting.key) == STATE_KEY).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        session.execute(insert(AppSetting).values(key=STATE_KEY, value="0"))
        return 0
    return int(row)


# ------------------------------------------------------------------ invalidating


def invalidate(session: Session | OrmSession, *, since: date | None) -> None:
    """Forget the stored dates from `since` on (None: all), within the caller's transaction."""
    version = _lock(session)
    for table in (UnitMonth, StageMonthDone):
        statement = delete(table)
        if since is not None:
            statement = statement.where(col(table.month_end) >= since)
        session.execute(statement)
    session.execute(update(AppSetting).where(col(AppSetting.key) == STATE_KEY).values(value=str(version + 1)))


def invalidations(*, session: Session) -> int:
    """How many times stored dates were invalidated (for tests and the curious)."""
    value = session.execute(
        select(col(AppSetting.value)).where(col(AppSetting.key) == STATE_KEY)
    ).scalar_one_or_none()
    return 0 if value is None else int(value)


def _earliest_affected(session: OrmSession) -> tuple[bool, date | None]:
    """Whether this flush touches the stage history, and from which date on (None: from the start)."""
    dates: list[date] = []
    from_start = False
    for row in session.new:
        if isinstance(row, PilotStageChange):
            dates.append(row.changed_on)
        elif isinstance(row, Pilot):
            dates.append(row.stage_since)  # its current row counts from then
    for row in session.deleted:
        if isinstance(row, PilotStageChange):
            dates.append(row.changed_on)
        elif isinstance(row, Pilot):
            from_start = True  # its whole history goes with it
    for row in session.dirty:
        if isinstance(row, PilotStageChange):
            state = inspect(row)
            if any(state.attrs[name].history.has_changes() for name in ("changed_on", "to_stage", "unit_id")):
                history = state.attrs["changed_on"].history
                dates.extend([*history.deleted, *(history.added or [row.changed_on])])
            if state.attrs["pilot_id"].history.has_changes():
                from_start = True
        elif isinstance(row, Pilot):
            affected = _current_row_affected(session, row)
            if affected is not None:  # None: nothing of the current row changed
                dates.append(affected)
    if from_start:
        return True, None
    valid = [day for day in dates if isinstance(day, date)]
    if len(valid) < len(dates):
        return True, None  # a date we cannot read: forget everything rather than guess
    return bool(valid), (min(valid) if valid else None)


def _current_row_affected(session: OrmSession, pilot: Pilot) -> date | None:
    """From which date a change of a Lotse's current row (stage, start, unit) affects the counts.

    The current row counted from its old start. A stage step normally comes with the stage change
    it starts from already in the history (same stage, date and unit): then the old stretch is
    still there and only the step's own date counts. Otherwise (a history imported without it,
    or a move to another unit) everything from the old start counts again.
    """
    state = inspect(pilot)
    changed = {
        name for name in ("stage", "stage_since", "unit_id") if state.attrs[name].history.has_changes()
    }
    if not changed:
        return None
    old_stage = _old(state, "stage")
    old_since = _old(state, "stage_since")
    new_since = pilot.stage_since
    if "unit_id" not in changed:
        recorded = session.execute(
            select(col(PilotStageChange.id)).where(
                col(PilotStageChange.pilot_id) == pilot.id,
                PilotStageChange.to_stage == old_stage,
                PilotStageChange.changed_on == old_since,
                col(PilotStageChange.unit_id) == pilot.unit_id,
            )
        ).first()
        if recorded is not None and isinstance(new_since, date) and new_since >= old_since:
            return new_since
    if isinstance(old_since, date) and isinstance(new_since, date):
        return min(old_since, new_since)
    return date.min  # dates we cannot read: everything counts again


def _old(state: InstanceState[Any], name: str) -> Any:
    history = state.attrs[name].history
    return history.deleted[0] if history.deleted else getattr(state.object, name)


@event.listens_for(OrmSession, "before_flush")
def _invalidate_on_flush(session: OrmSession, _context: object, _instances: object) -> None:
    touched, since = _earliest_affected(session)
    if touched:
        invalidate(session, since=since)
