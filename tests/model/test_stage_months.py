"""Stored month-end counts: always the same answer as the stage history, forgotten when it changes.

Every test compares what the trends read (stored counts where they exist) with a count straight
from the history (`use_stored=False`), after the write under test.
"""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from model import exchange
from model.accounts.auth import UserInfo
from model.core.db import read_session, write_session
from model.core.enums import PilotStage, Role
from model.core.queries import monthly_dates
from model.core.tables import Pilot, PilotStageChange, StageMonthDone, UnitMonth
from model.org import coverage
from model.overview import dashboard as overview
from model.pilots import stage_months
from model.pilots.commands import StageChange, change_stage
from model.programme import rollout
from tests.model.analytics_city import TODAY, build_city

ADMIN = UserInfo(id=0, username="cdo", display_name="CDO", role=Role.ADMIN, pilot_id=None)


@pytest.fixture
def city(engine, fake_clock):
    return build_city(engine)


def months(engine: Engine) -> tuple[date, ...]:
    with read_session(engine) as session:
        return monthly_dates(session=session, root_id=None)


def counts(engine: Engine, *, use_stored: bool) -> list[tuple]:
    with read_session(engine) as session:
        cte = stage_months.unit_counts(session=session, dates=months(engine), use_stored=use_stored)
        rows = session.exec(
            select(cte.c.as_of, cte.c.unit_id, cte.c.in_programme, cte.c.covering, cte.c.top_rank)
        ).all()
    return sorted((stage_months.as_date(day), unit, *map(int, figures)) for day, unit, *figures in rows)


def stored(engine: Engine) -> list[date]:
    with read_session(engine) as session:
        return sorted(session.exec(select(StageMonthDone.month_end)).all())


def fill(engine: Engine) -> list[date]:
    stage_months.ensure_stored(engine=engine, dates=months(engine))
    return stored(engine)


def step(
    engine: Engine, name: str, stage: PilotStage, *, reason: str, changed_on: date | None = None
) -> None:
    """The CDO-Büro moves a Lotse one stage on, through the command the pages use."""
    with write_session(engine) as session:
        pilot = session.exec(select(Pilot).where(Pilot.name == name)).one()
        change_stage(
            session=session,
            actor=ADMIN,
            data=StageChange(
                pilot_id=pilot.id,
                expected_version=pilot.version,
                to_stage=stage.value,
                reason=reason,
                changed_on=changed_on,
            ),
        )


def assert_same_as_the_history(engine: Engine) -> None:
    assert counts(engine, use_stored=True) == counts(engine, use_stored=False)


def test_month_ends_and_today_are_stored_once_and_agree_with_the_history(engine, city) -> None:
    dates = months(engine)  # month ends since January, then today
    assert dates[-1] == TODAY
    assert stage_months.ensure_stored(engine=engine, dates=dates) == len(dates)
    assert stage_months.ensure_stored(engine=engine, dates=dates) == 0  # already there
    assert stored(engine) == list(dates)
    assert stage_months.ensure_stored(engine=engine, dates=(date(2027, 1, 31),)) == 0  # never the future
    assert_same_as_the_history(engine)
    with read_session(engine) as session:
        assert session.exec(select(func.count()).select_from(UnitMonth)).one() > 0


def test_only_month_ends_and_recent_days_are_stored_and_old_days_are_pruned(engine, city, fake_clock) -> None:
    stored_now = stage_months.ensure_stored(
        engine=engine, dates=(date(2026, 9, 15), date(2026, 11, 1), TODAY)
    )
    assert stored_now == 2 and stored(engine) == [date(2026, 11, 1), TODAY]  # 15.09.: counted live
    fake_clock.advance(days=40)  # 02.01.2027: 01.11. and 23.11. are neither month ends nor recent
    stage_months.ensure_stored(engine=engine, dates=(date(2026, 12, 31),))  # storing prunes
    assert stored(engine) == [date(2026, 12, 31)]
    assert_same_as_the_history(engine)


def test_the_trends_read_the_same_with_and_without_stored_months(engine, city) -> None:
    with read_session(engine) as session:
        before = (
            coverage.coverage_history(session=session),
            rollout.units_by_stage_history(session=session),
        )
    assert stored(engine)  # the first read stored the closed months
    with read_session(engine) as session:
        after = (
            coverage.coverage_history(session=session),
            rollout.units_by_stage_history(session=session),
        )
        dates = monthly_dates(session=session, root_id=None)
        pilots = overview.pilot_counts_at(session=session, root_id=None, dates=dates)
    for old, new in zip(before, after, strict=True):
        assert old.equals(new)
    assert pilots["im Programm"].iloc[-1] == 5  # P1, P2, P3, P5, P6 today


def test_a_step_dated_today_forgets_only_today(engine, city) -> None:
    kept = [day for day in fill(engine) if day < TODAY]
    step(engine, "P5", PilotStage.SELECTED, reason="Auswahl bestätigt")
    assert stored(engine) == kept
    assert_same_as_the_history(engine)


def test_a_backdated_step_forgets_the_months_from_its_date(engine, city) -> None:
    fill(engine)
    step(engine, "P2", PilotStage.ACTIVE, reason="Nachgetragen", changed_on=date(2026, 10, 25))
    assert all(day < date(2026, 10, 25) for day in stored(engine))
    assert_same_as_the_history(engine)
    fill(engine)
    assert date(2026, 10, 31) in stored(engine)
    assert_same_as_the_history(engine)


def test_editing_or_deleting_a_stage_change_directly_forgets_the_months_it_touches(engine, city) -> None:
    fill(engine)
    with write_session(engine) as session:
        change = session.exec(
            select(PilotStageChange).where(PilotStageChange.changed_on == date(2026, 6, 1))
        ).first()
        change.changed_on = date(2026, 7, 15)
        session.add(change)
    assert all(day < date(2026, 6, 1) for day in stored(engine))
    assert_same_as_the_history(engine)

    fill(engine)
    with write_session(engine) as session:
        change = session.exec(
            select(PilotStageChange).where(PilotStageChange.changed_on == date(2026, 4, 1))
        ).first()
        session.delete(change)
    assert all(day < date(2026, 4, 1) for day in stored(engine))
    assert_same_as_the_history(engine)


def test_moving_a_lotse_to_another_unit_forgets_the_months_since_its_stage_began(engine, city) -> None:
    assert date(2026, 10, 31) in fill(engine)
    with write_session(engine) as session:
        p2 = session.exec(select(Pilot).where(Pilot.name == "P2")).one()  # qualified since 20.10.
        p2.unit_id = city.units["B1"]
        session.add(p2)
    assert stored(engine) and all(day < date(2026, 10, 20) for day in stored(engine))
    assert_same_as_the_history(engine)


def test_a_step_from_a_stage_the_history_does_not_hold_forgets_from_the_old_start(engine, city) -> None:
    # A Lotse as an import leaves it: a current stage since 01.03., no stage change behind it.
    with write_session(engine) as session:
        imported = Pilot(
            name="P7",
            email="p7@example.org",
            unit_id=city.units["B1"],
            stage=PilotStage.IN_TRAINING.value,
            stage_since=date(2026, 3, 1),
        )
        session.add(imported)
    fill(engine)
    assert_same_as_the_history(engine)
    step(engine, "P7", PilotStage.QUALIFIED, reason="Abschluss")
    assert all(day < date(2026, 3, 1) for day in stored(engine))
    assert_same_as_the_history(engine)


def test_an_import_that_changes_lotsen_forgets_all_stored_months(engine, city) -> None:
    fill(engine)
    with read_session(engine) as session:
        workbook = openpyxl.load_workbook(io.BytesIO(exchange.export_workbook(session=session)))
    sheet = workbook["Lotsen"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("Name")].value == "P5":
            row[header.index("Name")].value = "P5 Beispiel"  # bulk-written like every imported Lotse
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = exchange.read_upload(files=[("Lotsen.xlsx", buffer.getvalue())])
    with write_session(engine) as session:
        plan = exchange.plan_import(session=session, parsed=parsed)
        assert not plan.errors
        exchange.apply_import(session=session, plan=plan, actor="cdo")

    assert stored(engine) == []
    assert_same_as_the_history(engine)


def test_each_invalidation_is_counted(engine, city) -> None:
    with read_session(engine) as session:
        before = stage_months.invalidations(session=session)
    with write_session(engine) as session:
        stage_months.invalidate(session, since=date(2026, 6, 30))
    with read_session(engine) as session:
        assert stage_months.invalidations(session=session) == before + 1
