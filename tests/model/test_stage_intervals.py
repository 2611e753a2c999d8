"""The stage history as intervals (model.core.queries.stage_intervals), including untidy histories."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from model.core.queries import stage_intervals
from model.core.tables import OrgUnit, Pilot, PilotStageChange

D = date.fromisoformat


def _pilot(session: Session, unit: OrgUnit, name: str, stage: str, since: str) -> Pilot:
    pilot = Pilot(name=name, email=f"{name}@example.org", unit_id=unit.id, stage=stage, stage_since=D(since))
    session.add(pilot)
    session.flush()
    return pilot


def _changes(session: Session, pilot: Pilot, *changes: tuple[str, str]) -> None:
    for on, stage in changes:  # in insertion order: later ids for later rows of the same day
        session.add(
            PilotStageChange(pilot_id=pilot.id, unit_id=pilot.unit_id, to_stage=stage, changed_on=D(on))
        )
        session.flush()


def _intervals(session: Session, not_before: date | None = None) -> set[tuple[str, str, date, date | None]]:
    cte = stage_intervals(not_before=not_before)
    rows = session.exec(
        select(Pilot.name, cte.c.stage, cte.c.since, cte.c.until).join(cte, cte.c.pilot_id == Pilot.id)
    )
    return set(rows.all())


def _untidy_city(session: Session) -> None:
    """Complete, missing, same-day and out-of-order histories of four Lotsen in one unit."""
    unit = OrgUnit(code="33", name="Bürgeramt", kind="amt")
    session.add(unit)
    session.flush()
    complete = _pilot(session, unit, "complete", "active", "2026-03-01")
    _changes(
        session,
        complete,
        ("2026-01-01", "nominated"),
        ("2026-02-01", "in_training"),
        ("2026-03-01", "active"),
    )
    _pilot(session, unit, "imported", "qualified", "2026-02-15")  # no history at all
    same_day = _pilot(session, unit, "same_day", "selected", "2026-04-01")
    _changes(session, same_day, ("2026-01-10", "nominated"), ("2026-01-10", "selected"))
    late = _pilot(session, unit, "late_change", "active", "2026-01-01")
    _changes(session, late, ("2026-02-01", "paused"))  # dated after the current row's start
    session.commit()


def _holding(intervals: set[tuple[str, str, date, date | None]], on: date) -> set[tuple[str, str]]:
    return {
        (name, stage)
        for name, stage, since, until in intervals
        if since <= on and (until is None or until > on)
    }


def test_intervals_end_where_the_next_row_of_the_lotse_starts(engine) -> None:
    with Session(engine) as session:
        _untidy_city(session)
        assert _intervals(session) == {
            ("complete", "nominated", D("2026-01-01"), D("2026-02-01")),
            ("complete", "in_training", D("2026-02-01"), D("2026-03-01")),
            ("complete", "active", D("2026-03-01"), D("2026-03-01")),  # the current row follows that day
            ("complete", "active", D("2026-03-01"), None),
            ("imported", "qualified", D("2026-02-15"), None),
            ("same_day", "nominated", D("2026-01-10"), D("2026-01-10")),
            ("same_day", "selected", D("2026-01-10"), D("2026-04-01")),
            ("same_day", "selected", D("2026-04-01"), None),
            ("late_change", "active", D("2026-01-01"), D("2026-02-01")),
            ("late_change", "paused", D("2026-02-01"), None),
        }


def test_intervals_that_end_before_the_first_date_asked_for_are_left_out(engine) -> None:
    with Session(engine) as session:
        _untidy_city(session)
        everything = _intervals(session)
        recent = _intervals(session, not_before=D("2026-03-15"))

    assert recent < everything
    assert ("complete", "in_training", D("2026-02-01"), D("2026-03-01")) not in recent
    for on in ("2026-03-15", "2026-03-31", "2026-04-01", "2026-11-23"):
        assert _holding(recent, D(on)) == _holding(everything, D(on))
    assert _holding(everything, D("2026-02-10")) == {
        ("complete", "in_training"),
        ("same_day", "selected"),
        ("late_change", "paused"),
    }
