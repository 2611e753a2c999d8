"""50 users save at the same moment: writers queue, no save is lost, conflicting edits are refused.

On SQLite (a file, as in production) write sessions begin IMMEDIATE and wait on the busy timeout;
with LOTSEN_TEST_DB=postgres the same test runs on PostgreSQL's row locks.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func
from sqlmodel import select

from model.core import guard as admin_guard
from model.core.db import read_session, write_session
from model.core.enums import ActivityType, Category, MeasureStatus
from model.core.tables import Activity, AuditEntry, Measure, Pilot, StatusUpdate
from model.pilots import checks as pilot_checks
from model.pilots import commands as pilot_commands
from model.pilots.commands import ActivityReport, FullReport, StatusReport
from model.roadmap.commands import MeasureEdit, update_measure
from tests.model.test_pilot_commands import TODAY, World, build_world
from tests.support.actors import admin

APPENDS_PER_PILOT = 10  # status updates of Anna and of Bert: appends never conflict
COMPETING = 10  # users editing the same record from the same loaded version
WORKERS = 2 * APPENDS_PER_PILOT + 3 * COMPETING  # = 50 threads
STALE_ERRORS = (pilot_checks.StaleEditError, admin_guard.StaleEditError)


@dataclass(frozen=True)
class Outcome:
    group: str
    number: int
    result: str  # "saved", "refused" or the unexpected error


@pytest.fixture
def world(engine, fake_clock) -> World:
    built = build_world(engine)
    with write_session(engine) as session:
        session.add(Measure(title="Online-Terminvergabe", category=Category.EGOV_OZG.value, status="planned"))
    return built


def versions(world: World) -> tuple[int, int, int]:
    with read_session(world.engine) as session:
        anna, bert = session.get(Pilot, world.anna), session.get(Pilot, world.bert)
        measure = session.exec(select(Measure)).one()
        return anna.version, bert.version, measure.version


def count(world: World, model: type) -> int:
    with read_session(world.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def run_at_once(world: World, jobs: list[tuple[str, int, Callable]]) -> list[Outcome]:
    """Start every job in its own thread, release them together, collect what each user would see."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def run(group: str, number: int, job: Callable) -> None:
        barrier.wait()
        try:
            with write_session(world.engine) as session:
                job(session)
            result = "saved"
        except STALE_ERRORS:
            result = "refused"
        except Exception as error:  # anything else would reach the user as an error
            result = f"{type(error).__name__}: {error}"
        with lock:
            outcomes.append(Outcome(group, number, result))

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    return outcomes


def jobs_for(world: World) -> list[tuple[str, int, Callable]]:
    anna_version, bert_version, measure_version = versions(world)
    measure_id = next(iter(measure_ids(world)))
    jobs: list[tuple[str, int, Callable]] = []
    for number in range(APPENDS_PER_PILOT):
        for actor, pilot_id, group in (
            (world.lotse_anna, world.anna, "append-anna"),
            (world.lotse_bert, world.bert, "append-bert"),
        ):
            report = StatusReport(
                text=f"{group} {number}",
                activities=(ActivityReport(ActivityType.ADVICE.value, number + 1, TODAY, f"Notiz {number}"),),
            )
            jobs.append(
                (
                    group,
                    number,
                    lambda s, a=actor, p=pilot_id, r=report: pilot_commands.record_status_update(
                        session=s, actor=a, data=pilot_commands.NewStatusUpdate(pilot_id=p, report=r)
                    ),
                )
            )
    for number in range(COMPETING):
        # Anna's form in ten tabs: a report with new hours, all loaded at the same version.
        full = FullReport(status=StatusReport(text=f"report {number}"), hours_per_week=10.0 + number)
        jobs.append(
            (
                "report-anna",
                number,
                lambda s, f=full: pilot_commands.save_report(
                    session=s,
                    actor=world.lotse_anna,
                    data=pilot_commands.ReportSubmission(
                        pilot_id=world.anna, expected_version=anna_version, report=f
                    ),
                ),
            )
        )
        jobs.append(
            (
                "hours-bert",
                number,
                lambda s, h=20.0 + number: pilot_commands.change_hours(
                    session=s,
                    actor=world.admin,
                    data=pilot_commands.HoursChange(
                        pilot_id=world.bert, expected_version=bert_version, hours_per_week=h
                    ),
                ),
            )
        )
        jobs.append(
            (
                "measure",
                number,
                lambda s, n=number: update_measure(
                    session=s,
                    actor=admin("cdo"),
                    data=MeasureEdit(
                        measure_id=measure_id,
                        expected_version=measure_version,
                        changes={
                            "description": f"Fassung {n}",
                            "person_days": float(n + 1),
                            "status": MeasureStatus.IN_PROGRESS.value,
                        },
                    ),
                ),
            )
        )
    assert len(jobs) == WORKERS
    return jobs


def measure_ids(world: World) -> list[int]:
    with read_session(world.engine) as session:
        return list(session.exec(select(Measure.id)).all())


def winner(outcomes: list[Outcome], group: str) -> int:
    saved = [o.number for o in outcomes if o.group == group and o.result == "saved"]
    assert len(saved) == 1, f"{group}: {len(saved)} competing saves were accepted"
    return saved[0]


def audit_changes(world: World, entity: str, entity_id: int, action: str) -> list[dict]:
    with read_session(world.engine) as session:
        rows = session.exec(
            select(AuditEntry.changes).where(
                AuditEntry.entity == entity,
                AuditEntry.entity_id == str(entity_id),
                AuditEntry.action == action,
            )
        ).all()
    return [json.loads(row) for row in rows]


def test_fifty_simultaneous_saves_queue_lose_nothing_and_refuse_conflicting_edits(world) -> None:
    anna_version, bert_version, measure_version = versions(world)
    updates_before, activities_before = count(world, StatusUpdate), count(world, Activity)

    outcomes = run_at_once(world, jobs_for(world))

    tally = Counter(o.result if o.result in ("saved", "refused") else "error" for o in outcomes)
    errors = [o for o in outcomes if o.result not in ("saved", "refused")]
    assert errors == []  # no "database is locked", no deadlock: nothing but a German refusal
    assert len(outcomes) == WORKERS
    # Appends never conflict; of each group of competing edits exactly one wins.
    assert tally == {"saved": 2 * APPENDS_PER_PILOT + 3, "refused": 3 * (COMPETING - 1)}
    assert all(o.result == "saved" for o in outcomes if o.group.startswith("append"))

    # No write lost: every accepted save is in the database, every refused one left nothing behind.
    assert count(world, StatusUpdate) == updates_before + 2 * APPENDS_PER_PILOT + 1
    assert count(world, Activity) == activities_before + 2 * APPENDS_PER_PILOT
    with read_session(world.engine) as session:
        texts = set(session.exec(select(StatusUpdate.text).where(StatusUpdate.text.is_not(None))).all())
    appended = {f"append-{who} {n}" for who in ("anna", "bert") for n in range(APPENDS_PER_PILOT)}
    report_winner = winner(outcomes, "report-anna")
    assert texts == appended | {f"report {report_winner}"}

    # Never merged: each record holds exactly the winning edit, one version step, one audit row.
    hours_winner, measure_winner = winner(outcomes, "hours-bert"), winner(outcomes, "measure")
    with read_session(world.engine) as session:
        anna, bert = session.get(Pilot, world.anna), session.get(Pilot, world.bert)
        measure = session.exec(select(Measure)).one()
    assert (anna.hours_per_week, anna.version) == (10.0 + report_winner, anna_version + 1)
    assert anna.last_update_on == TODAY
    assert (bert.hours_per_week, bert.version) == (20.0 + hours_winner, bert_version + 1)
    assert (measure.description, measure.person_days, measure.version) == (
        f"Fassung {measure_winner}",
        float(measure_winner + 1),
        measure_version + 1,
    )
    assert [c["hours_per_week"] for c in audit_changes(world, "pilot", world.anna, "update")] == [
        [2.0, 10.0 + report_winner]
    ]
    assert [c["hours_per_week"] for c in audit_changes(world, "pilot", world.bert, "update")] == [
        [4.0, 20.0 + hours_winner]
    ]
    assert [c["description"] for c in audit_changes(world, "measure", measure.id, "update")] == [
        [None, f"Fassung {measure_winner}"]
    ]
